// /healthz: is the event loop keeping up? A timer that should tick every 250 ms measures how late it runs; a
// loop that was blocked for a second or more in the last 10 s (a timer that fires that late would also delay
// adverts and master-down timers) is reported unhealthy, with the figure.
export interface LoopHealth {
  view(): { alive: boolean; detail: string };
  stop(): void;
}

const TICK_MS = 250;
const WINDOW_MS = 10_000;
const UNHEALTHY_LAG_MS = 1000;

export function watchLoopHealth(startedAt = Date.now()): LoopHealth {
  let last = performance.now();
  const lags: { at: number; lagMs: number }[] = [];
  const timer = setInterval(() => {
    const now = performance.now();
    lags.push({ at: now, lagMs: Math.max(0, now - last - TICK_MS) });
    last = now;
    while (lags.length && lags[0]!.at < now - WINDOW_MS) lags.shift();
  }, TICK_MS);
  timer.unref();
  return {
    view: () => {
      const worst = lags.reduce((m, l) => Math.max(m, l.lagMs), 0);
      return {
        alive: worst < UNHEALTHY_LAG_MS,
        detail: `up ${Math.round((Date.now() - startedAt) / 1000)} s, worst event-loop lag in the last 10 s: ${worst.toFixed(1)} ms`,
      };
    },
    stop: () => clearInterval(timer),
  };
}
