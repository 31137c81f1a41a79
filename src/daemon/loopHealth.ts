// /healthz: is the event loop keeping up? A timer that should tick every 250 ms measures how late it runs; a
// loop that was blocked for a second or more in the last 10 s (a timer that fires that late would also delay
// adverts and master-down timers) is reported unhealthy, with the figure.
import type { Clock } from '../clock/clock.js';

export interface LoopHealth {
  view(): { alive: boolean; detail: string };
  stop(): void;
}

const TICK_MS = 250;
const WINDOW_MS = 10_000;
const UNHEALTHY_LAG_MS = 1000;

/** On RealClock the lag is the event loop's; on VirtualClock it is 0 unless a test advances time unevenly. */
export function watchLoopHealth(clock: Clock): LoopHealth {
  const startedAt = clock.wallNow();
  let last = clock.now();
  const lags: { at: number; lagMs: number }[] = [];
  const timer = clock.every(TICK_MS, () => {
    const now = clock.now();
    lags.push({ at: now, lagMs: Math.max(0, now - last - TICK_MS) });
    last = now;
    while (lags.length && lags[0]!.at < now - WINDOW_MS) lags.shift();
  });
  return {
    view: () => {
      const worst = lags.reduce((m, l) => Math.max(m, l.lagMs), 0);
      return {
        alive: worst < UNHEALTHY_LAG_MS,
        detail: `up ${Math.round((clock.wallNow() - startedAt) / 1000)} s, worst event-loop lag in the last 10 s: ${worst.toFixed(1)} ms`,
      };
    },
    stop: () => timer.cancel(),
  };
}
