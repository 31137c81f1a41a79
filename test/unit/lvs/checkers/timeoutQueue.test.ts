import assert from 'node:assert/strict';
import type { Clock, Timer } from '../../../../src/clock/clock.js';
import { VirtualClock } from '../../../../src/clock/virtualClock.js';
import { Attempts, fail, pass } from '../../../../src/lvs/checkers/attempt.js';
import { TimeoutQueue, type TimedEntry } from '../../../../src/lvs/checkers/timeoutQueue.js';
import { outcome, track } from './harness.js';

/** A VirtualClock that counts the timers set on it. */
function countingClock(): { clock: Clock; virtual: VirtualClock; timers: () => number } {
  const v = new VirtualClock();
  let n = 0;
  const clock: Clock = {
    now: () => v.now(),
    wallNow: () => v.wallNow(),
    after: (ms: number, cb: () => void): Timer => {
      n++;
      return v.after(ms, cb);
    },
    at: (deadline: number, cb: () => void): Timer => {
      n++;
      return v.at(deadline, cb);
    },
    every: (ms: number, cb: () => void) => v.every(ms, cb),
    sleep: (ms: number, signal?: AbortSignal) => v.sleep(ms, signal),
  };
  return { clock, virtual: v, timers: () => n };
}

function entry(deadline: number, expired: string[], name: string): TimedEntry {
  return { deadline, prev: null, next: null, queued: false, expire: () => void expired.push(name) };
}

describe('lvs/checkers timeout queue (one clock timer for every run)', () => {
  it('many runs with one timeout set one timer; they expire in deadline order, settled ones never', () => {
    const { clock, virtual, timers } = countingClock();
    const q = new TimeoutQueue(clock);
    const expired: string[] = [];
    const es = Array.from({ length: 100 }, (_, i) => entry(1000 + i, expired, `e${i}`));
    es.forEach((e, i) => q.add(e, i));
    assert.equal(timers(), 1);
    for (let i = 0; i < 100; i += 2) q.remove(es[i]!);
    virtual.advance(1000);
    assert.deepEqual(expired, []); // e0 was removed: the timer fires, finds e1 not due, re-arms once
    virtual.advance(1);
    assert.deepEqual(expired, ['e1']);
    virtual.advance(98);
    assert.equal(expired.length, 50);
    assert.deepEqual(expired.slice(0, 3), ['e1', 'e3', 'e5']);
    assert.equal(q.size, 0);
    assert.ok(timers() < 60, `${timers()} timers`);
  });

  it('an earlier deadline re-arms; a re-queued entry moves to its new place', () => {
    const clock = new VirtualClock();
    const q = new TimeoutQueue(clock);
    const expired: string[] = [];
    const late = entry(5000, expired, 'late');
    const early = entry(100, expired, 'early');
    const moved = entry(200, expired, 'moved');
    q.add(late, 0);
    q.add(early, 0);
    q.add(moved, 0);
    moved.deadline = 6000;
    q.add(moved, 0);
    clock.advance(100);
    assert.deepEqual(expired, ['early']);
    clock.advance(4900);
    assert.deepEqual(expired, ['early', 'late']);
    clock.advance(1000);
    assert.deepEqual(expired, ['early', 'late', 'moved']);
  });

  it('beforeTimeout runs first: an answer it takes wins over the timeout; progress there re-arms', async () => {
    const clock = new VirtualClock();
    const attempts = new Attempts(clock);
    type Ctl = Parameters<Parameters<Attempts['run']>[0]['body']>[0];
    let ctl: Ctl | undefined;
    let ctl2: Ctl | undefined;
    const p = track(attempts.run({ what: 't', timeoutMs: 1000, onTimeout: () => fail('timeout', 'late'), beforeTimeout: () => ctl?.finish(pass()), body: (c) => void (ctl = c) }));
    clock.advance(1000);
    assert.equal((await outcome(p)).ok, true);

    let progressed = false;
    const q = track(
      attempts.run({
        what: 't', timeoutMs: 1000, onTimeout: () => fail('timeout', 'late'),
        beforeTimeout: () => {
          if (!progressed) {
            progressed = true;
            ctl2?.progress();
          }
        },
        body: (c) => void (ctl2 = c),
      }),
    );
    clock.advance(1000);
    assert.equal(q.done(), false);
    clock.advance(1000);
    const o = await outcome(q);
    assert.equal(o.ok, false);
    assert.equal(o.durationMs, 2000);
  });
});
