// /healthz and overload: is the event loop keeping up? A timer that should tick every 250 ms measures how late it
// runs. A loop that was blocked for a second or more in the last 10 s (a timer that fires that late would also
// delay adverts and master-down timers) is reported unhealthy, with the figure. A loop late by more than the
// overload threshold (the shortest advert interval: by then adverts go out late and Master_Down timers are
// decided late) is named in the log, at most once per 10 s while it lasts, and counted (issue 12). A probe every
// 250 ms misses most short stalls (a 30 ms one is caught one time in eight), so each probe also asks the clock for
// the latest stall any of the process's timers saw (Clock.lastStall) and counts a new one over the threshold.
import type { Registry } from 'prom-client';
import { Counter, Gauge } from '../metrics/promClient.js';
import type { Clock } from '../clock/clock.js';
import type { Logger } from '../log/logger.js';

export interface LoopHealth {
  view(): { alive: boolean; detail: string };
  stop(): void;
}

export interface LoopHealthOptions {
  /** vipd_event_loop_lag_seconds and vipd_event_loop_overloads_total are registered here. */
  readonly registry?: Registry;
  /** Where the overload is named. */
  readonly logger?: Logger;
  /** Lag above which the loop counts as overloaded (default 100 ms). */
  readonly overloadLagMs?: number;
}

const TICK_MS = 250;
const WINDOW_MS = 10_000;
const UNHEALTHY_LAG_MS = 1000;
const DEFAULT_OVERLOAD_LAG_MS = 100;
/** At most one overload line per this long while it lasts. */
const OVERLOAD_LOG_EVERY_MS = 10_000;

/** On RealClock the lag is the event loop's; on VirtualClock it is 0 unless a test advances time unevenly. */
export function watchLoopHealth(clock: Clock, opts: LoopHealthOptions = {}): LoopHealth {
  const startedAt = clock.wallNow();
  const overloadMs = opts.overloadLagMs ?? DEFAULT_OVERLOAD_LAG_MS;
  let last = clock.now();
  const lags: { at: number; lagMs: number }[] = [];
  const worst = (): number => lags.reduce((m, l) => Math.max(m, l.lagMs), 0);
  /** Overload seen since the last log line: ticks over the threshold and the worst lag among them. */
  let overload: { since: number; ticks: number; worstMs: number; loggedAt: number; lastAt: number } | null = null;

  const overloads = opts.registry
    ? new Counter({
        name: 'vipd_event_loop_overloads_total',
        help: 'Lag probes (every 250 ms) that found the event loop, or any timer since the last probe, later than the overload threshold (the shortest advert interval)',
        registers: [opts.registry],
      })
    : null;
  if (opts.registry) {
    new Gauge({
      name: 'vipd_event_loop_lag_seconds',
      help: 'Worst event-loop lag over the last 10 s, of the 250 ms probe or of any timer between probes (timers, adverts included, ran this late)',
      registers: [opts.registry],
      collect() {
        this.set(worst() / 1000);
      },
    });
  }

  const noteOverload = (now: number, lagMs: number): void => {
    overloads?.inc();
    if (!overload) overload = { since: now, ticks: 0, worstMs: 0, loggedAt: -Infinity, lastAt: now };
    overload.lastAt = now;
    overload.ticks++;
    overload.worstMs = Math.max(overload.worstMs, lagMs);
    if (now - overload.loggedAt >= OVERLOAD_LOG_EVERY_MS) {
      opts.logger?.warn(
        `overload: the event loop ran ${lagMs.toFixed(0)} ms late (worst ${overload.worstMs.toFixed(0)} ms, ${overload.ticks} late probe(s) ` +
          `in ${((now - overload.since) / 1000).toFixed(1)} s, threshold ${overloadMs} ms): adverts and Master_Down timers run late; ` +
          'received adverts are read before a late Master_Down is decided',
      );
      overload.loggedAt = now;
      overload.ticks = 0;
      overload.worstMs = 0;
      overload.since = now;
    }
  };

  /** The stall record already looked at (the clock returns the same object until it changes). */
  let seenStall = clock.lastStall?.() ?? null;
  const timer = clock.every(TICK_MS, () => {
    const now = clock.now();
    let lagMs = Math.max(0, now - last - TICK_MS);
    last = now;
    const stall = clock.lastStall?.() ?? null;
    if (stall !== seenStall) {
      seenStall = stall;
      // A stall between two probes: the probe itself may have run on time.
      // Its own length (latestMs): the longer stall it may be reported with was counted when it happened.
      if (stall !== null && stall.latestMs > lagMs) lagMs = stall.latestMs;
    }
    lags.push({ at: now, lagMs });
    while (lags.length && lags[0]!.at < now - WINDOW_MS) lags.shift();
    if (lagMs > overloadMs) noteOverload(now, lagMs);
    else if (overload && now - overload.lastAt >= OVERLOAD_LOG_EVERY_MS) {
      opts.logger?.info(`overload over: the event loop has kept up for ${(OVERLOAD_LOG_EVERY_MS / 1000).toFixed(0)} s`);
      overload = null;
    }
  });
  return {
    view: () => ({
      alive: worst() < UNHEALTHY_LAG_MS,
      detail: `up ${Math.round((clock.wallNow() - startedAt) / 1000)} s, worst event-loop lag in the last 10 s: ${worst().toFixed(1)} ms`,
    }),
    stop: () => timer.cancel(),
  };
}
