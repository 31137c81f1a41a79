// How the process's stalls are recorded from its timers' lateness (stallRecord.ts), and that the real clock reports
// one when its loop was blocked.
import assert from 'node:assert/strict';
import { MIN_STALL_MS, STALL_MEMORY_MS, StallRecord } from '../../../src/clock/stallRecord.js';
import { RealClock } from '../../../src/clock/realClock.js';

describe('clock/stallRecord', () => {
  it('nothing on record until a timer runs at least MIN_STALL_MS late', () => {
    const r = new StallRecord();
    r.note(100, 100 + MIN_STALL_MS - 0.1);
    assert.equal(r.latest(), null);
    r.note(200, 200 + MIN_STALL_MS);
    assert.deepEqual(r.latest(), { endMs: 200 + MIN_STALL_MS, lengthMs: MIN_STALL_MS, latestMs: MIN_STALL_MS });
  });

  it('timers that report parts of one stall are merged into it (earliest due to latest run)', () => {
    const r = new StallRecord();
    r.note(1010, 1040); // the coalescing timer, due first
    r.note(1030, 1040.5); // the deadline group's timer, due later, run right after
    r.note(1005, 1041); // any timer due earlier that ran later
    assert.deepEqual(r.latest(), { endMs: 1041, lengthMs: 36, latestMs: 36 });
  });

  it('a shorter stall soon after a longer one is the latest, reported with the longer one\'s length; a longer or a much later one replaces it', () => {
    const r = new StallRecord();
    r.note(1000, 1040);
    r.note(1100, 1105);
    assert.deepEqual(r.latest(), { endMs: 1105, lengthMs: 40, latestMs: 5 }, 'shorter, 60 ms later: the 40 ms one still counts');
    r.note(1200, 1250);
    assert.deepEqual(r.latest(), { endMs: 1250, lengthMs: 50, latestMs: 50 }, 'longer: replaces');
    r.note(1250 + STALL_MEMORY_MS, 1250 + STALL_MEMORY_MS + 3);
    assert.deepEqual(r.latest(), { endMs: 1250 + STALL_MEMORY_MS + 3, lengthMs: 3, latestMs: 3 }, 'after STALL_MEMORY_MS the long one is forgotten');
  });

  it('two pauses a second apart, the second seen shorter: the record ends with the second (a wait armed between them sees it)', () => {
    // pair.test.ts's 400 ms pauses every second: the second was seen 261 ms late, 999 ms after the first ended,
    // and a record that kept only the longer first one made the backup take over.
    const r = new StallRecord();
    r.note(10_000, 10_368);
    r.note(11_106, 11_367); // 999 ms after the first one ended
    const s = r.latest()!;
    assert.equal(s.endMs, 11_367);
    assert.equal(s.latestMs, 261);
    assert.ok(s.lengthMs >= 261);
  });

  it('latest() returns the same object until the record changes (no allocation per Master_Down decision)', () => {
    const r = new StallRecord();
    r.note(0, 10);
    const a = r.latest();
    assert.equal(r.latest(), a);
    r.note(5, 12);
    assert.notEqual(r.latest(), a);
  });

  it('RealClock: a loop blocked for 40 ms is reported by the timer that ran late', async () => {
    const clock = new RealClock({ unref: false });
    assert.equal(clock.lastStall(), null);
    await new Promise<void>((resolve) => {
      clock.after(1, resolve);
      const until = performance.now() + 40;
      while (performance.now() < until) {
        // the loop is blocked: the 1 ms timer cannot run
      }
    });
    const stall = clock.lastStall();
    assert.ok(stall !== null, 'a stall was recorded');
    assert.ok(stall.lengthMs >= 35, `length ${stall.lengthMs} ms`);
    assert.ok(performance.now() - stall.endMs < 1000, 'ended just now');
  });
});
