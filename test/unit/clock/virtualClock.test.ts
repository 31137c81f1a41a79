// The virtual clock the unit tests and the simulator run on: timers fire in deadline order at their own
// instant, only when time is advanced.
import assert from 'node:assert/strict';
import { VirtualClock } from '../../../src/clock/virtualClock.js';
import { withinMs } from '../../../src/clock/clock.js';

describe('clock/VirtualClock', () => {
  it('fires due timers in deadline order (ties in scheduling order), each seeing its own now()', () => {
    const c = new VirtualClock(1000);
    const seen: string[] = [];
    c.at(1030, () => seen.push(`a@${c.now()}`));
    c.after(10, () => seen.push(`b@${c.now()}`));
    c.after(30, () => seen.push(`c@${c.now()}`));
    const dropped = c.after(20, () => seen.push('never'));
    dropped.cancel();
    c.advance(29);
    assert.deepEqual(seen, ['b@1010']);
    c.advance(1);
    assert.deepEqual(seen, ['b@1010', 'a@1030', 'c@1030']);
    assert.equal(c.now(), 1030);
    assert.equal(c.pending(), 0);
  });

  it('every() re-arms until cancelled; a deadline in the past runs on the next advance, never synchronously', () => {
    const c = new VirtualClock();
    let ticks = 0;
    const t = c.every(100, () => ticks++);
    c.advance(350);
    assert.equal(ticks, 3);
    t.cancel();
    c.advance(1000);
    assert.equal(ticks, 3);
    let late = false;
    c.at(0, () => (late = true));
    assert.equal(late, false);
    c.advance(0);
    assert.equal(late, true);
  });

  it('sleep resolves at its deadline or early on abort; withinMs answers timeout only once its bound passes', async () => {
    const c = new VirtualClock();
    let slept = false;
    void c.sleep(50).then(() => (slept = true));
    await c.advanceAsync(49);
    assert.equal(slept, false);
    await c.advanceAsync(1);
    assert.equal(slept, true);

    const ac = new AbortController();
    const aborted = c.sleep(10_000, ac.signal);
    ac.abort();
    await aborted;
    assert.equal(c.pending(), 0, 'the aborted sleep left no timer');

    const never = new Promise<string>(() => undefined);
    const bounded = withinMs(c, 100, never);
    await c.advanceAsync(100);
    assert.equal(await bounded, 'timeout');
    assert.equal(await withinMs(c, 100, Promise.resolve('done')), 'done');
    assert.equal(c.pending(), 0, 'a settled bound cancels its timer');
  });

  it('wallNow moves with now, from its own epoch', () => {
    const c = new VirtualClock(5, 1_700_000_000_000);
    c.advance(995);
    assert.equal(c.now(), 1000);
    assert.equal(c.wallNow(), 1_700_000_000_995);
  });
});
