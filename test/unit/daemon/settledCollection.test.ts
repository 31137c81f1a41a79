// The start-up garbage is collected SETTLE_MS after a start or the last of several reloads and once more
// COMPACT_AFTER_MS later, on the injected clock; without node's --expose-gc nothing is scheduled.
import assert from 'node:assert/strict';
import { VirtualClock } from '../../../src/clock/virtualClock.js';
import { COMPACT_AFTER_MS, SETTLE_MS, exposedGc, settledCollection } from '../../../src/daemon/settledCollection.js';

describe('daemon/settledCollection', () => {
  it('collects SETTLE_MS after schedule() and again COMPACT_AFTER_MS later, and reports each pause', () => {
    const clock = new VirtualClock(0);
    let runs = 0;
    const pauses: number[] = [];
    const c = settledCollection(clock, { collect: () => runs++, collected: (ms) => pauses.push(ms) });
    c.schedule();
    clock.advance(SETTLE_MS - 1);
    assert.equal(runs, 0);
    clock.advance(1);
    assert.equal(runs, 1);
    clock.advance(COMPACT_AFTER_MS - 1);
    assert.equal(runs, 1);
    clock.advance(1);
    assert.equal(runs, 2);
    assert.deepEqual(pauses, [0, 0]);
    clock.advance(10 * SETTLE_MS);
    assert.equal(runs, 2, 'two per schedule()');
  });

  it('a second schedule() before the first ran moves the collection instead of adding one', () => {
    const clock = new VirtualClock(0);
    let runs = 0;
    const c = settledCollection(clock, { collect: () => runs++ });
    c.schedule();
    clock.advance(SETTLE_MS - 1000);
    c.schedule(); // a reload
    clock.advance(1000);
    assert.equal(runs, 0, 'moved to SETTLE_MS after the reload');
    clock.advance(SETTLE_MS - 1000);
    assert.equal(runs, 1);
    c.schedule(); // another reload between the two: starts over
    clock.advance(SETTLE_MS + COMPACT_AFTER_MS);
    assert.equal(runs, 3);
    clock.advance(10 * SETTLE_MS);
    assert.equal(runs, 3);
  });

  it('stop() cancels a pending collection, also the second one', () => {
    const clock = new VirtualClock(0);
    let runs = 0;
    const c = settledCollection(clock, { collect: () => runs++ });
    c.schedule();
    c.stop();
    clock.advance(10 * SETTLE_MS);
    assert.equal(runs, 0);
    c.schedule();
    clock.advance(SETTLE_MS);
    c.stop();
    clock.advance(10 * SETTLE_MS);
    assert.equal(runs, 1);
  });

  it('without a collector, schedule() arms no timer', () => {
    const clock = new VirtualClock(0);
    let armed = 0;
    const counting = Object.assign(Object.create(clock) as VirtualClock, {
      after: (ms: number, cb: () => void) => {
        armed++;
        return clock.after(ms, cb);
      },
    });
    settledCollection(counting, { collect: undefined }).schedule();
    assert.equal(armed, 0);
  });

  it('exposedGc() is node\'s gc only when the process has it', () => {
    const g = globalThis as { gc?: unknown };
    const saved = g.gc;
    try {
      delete g.gc;
      assert.equal(exposedGc(), undefined);
      let calls = 0;
      g.gc = () => calls++;
      exposedGc()!();
      assert.equal(calls, 1);
    } finally {
      if (saved === undefined) delete g.gc;
      else g.gc = saved;
    }
  });
});
