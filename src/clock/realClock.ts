// The real clock: performance.now() for durations and deadlines, Date.now() for timestamps, Node timers.
// The only implementation of Clock that touches the process's timers; created once by the composition root.
import type { Clock, Timer } from './clock.js';

export interface RealClockOptions {
  /** Timers do not keep the process alive (the agent lives on its sockets and signals). Default true. */
  readonly unref?: boolean;
}

export class RealClock implements Clock {
  private readonly unref: boolean;

  constructor(opts: RealClockOptions = {}) {
    this.unref = opts.unref ?? true;
  }

  now(): number {
    return performance.now();
  }

  wallNow(): number {
    return Date.now();
  }

  after(delayMs: number, cb: () => void): Timer {
    const t = setTimeout(cb, Math.max(0, delayMs));
    if (this.unref) t.unref();
    return { cancel: () => clearTimeout(t) };
  }

  at(deadlineMs: number, cb: () => void): Timer {
    return this.after(deadlineMs - this.now(), cb);
  }

  every(intervalMs: number, cb: () => void): Timer {
    const t = setInterval(cb, Math.max(1, intervalMs));
    if (this.unref) t.unref();
    return { cancel: () => clearInterval(t) };
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      // A sleeping shell must not be the only thing keeping the process alive either.
      const t = this.after(delayMs, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      const onAbort = (): void => {
        t.cancel();
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
