// Overload is named: a lag probe later than the threshold logs one line (rate-limited) and counts it; the lag gauge
// shows the worst lag of the last 10 s.
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { VirtualClock } from '../../../src/clock/virtualClock.js';
import type { Clock, Stall } from '../../../src/clock/clock.js';
import { watchLoopHealth } from '../../../src/daemon/loopHealth.js';
import { createLogger } from '../../../src/log/logger.js';

/** A virtual clock whose reads can run ahead of its timers: the loop was busy for `lagMs`. */
function laggingClock(inner: VirtualClock): Clock & { lagMs: number; stall: Stall | null } {
  const c = {
    lagMs: 0,
    stall: null as Stall | null,
    lastStall: () => c.stall,
    now: () => inner.now() + c.lagMs,
    wallNow: () => inner.wallNow(),
    after: (d: number, cb: () => void) => inner.after(d, cb),
    at: (d: number, cb: () => void) => inner.at(d, cb),
    every: (i: number, cb: () => void) => inner.every(i, cb),
    sleep: (d: number, s?: AbortSignal) => inner.sleep(d, s),
  };
  return c;
}

describe('daemon/loopHealth overload', () => {
  it('logs the overload once per 10 s, counts every late probe, and says when it is over', async () => {
    const inner = new VirtualClock(0);
    const clock = laggingClock(inner);
    const lines: string[] = [];
    const registry = new Registry();
    const logger = createLogger({ format: 'text', write: (l) => lines.push(l), wallNow: () => 0 });
    const health = watchLoopHealth(clock, { registry, logger, overloadLagMs: 10 });
    inner.advance(1000);
    assert.equal(lines.length, 0);
    for (let i = 0; i < 4; i++) {
      clock.lagMs += 30; // each probe runs 30 ms late
      inner.advance(250);
    }
    const overloadLines = lines.filter((l) => l.includes('overload: the event loop ran 30 ms late'));
    assert.equal(overloadLines.length, 1, lines.join('\n'));
    const text = await registry.metrics();
    assert.match(text, /vipd_event_loop_overloads_total 4/);
    assert.match(text, /vipd_event_loop_lag_seconds 0.03/);
    assert.equal(health.view().alive, true);
    inner.advance(11_000);
    assert.ok(lines.some((l) => l.includes('overload over')), lines.join('\n'));
    health.stop();
  });

  it('a stall between two probes that ran on time is counted and named too (Clock.lastStall)', async () => {
    const inner = new VirtualClock(0);
    const clock = laggingClock(inner);
    const lines: string[] = [];
    const registry = new Registry();
    const logger = createLogger({ format: 'text', write: (l) => lines.push(l), wallNow: () => 0 });
    const health = watchLoopHealth(clock, { registry, logger, overloadLagMs: 10 });
    inner.advance(1000);
    clock.stall = { endMs: 1100, lengthMs: 28, latestMs: 28 }; // the advert timers ran 28 ms late at 1.1 s; the probe did not
    inner.advance(250);
    assert.equal(lines.filter((l) => l.includes('overload: the event loop ran 28 ms late')).length, 1, lines.join('\n'));
    inner.advance(250); // the same stall record: not counted twice
    const text = await registry.metrics();
    assert.match(text, /vipd_event_loop_overloads_total 1\n/);
    assert.match(text, /vipd_event_loop_lag_seconds 0.028/);
    clock.stall = { endMs: 1600, lengthMs: 28, latestMs: 5 }; // a new stall under the threshold, reported with the 28 ms one
    inner.advance(250);
    assert.match(await registry.metrics(), /vipd_event_loop_overloads_total 1\n/);
    health.stop();
  });
});
