// The real clock: performance.now() for durations and deadlines, Date.now() for timestamps, Node timers.
// The only implementation of Clock that touches the process's timers; created once by the composition root.
import type { Clock, Stall, Timer } from './clock.js';
import { StallRecord } from './stallRecord.js';

export interface RealClockOptions {
  /** Timers do not keep the process alive (the agent lives on its sockets and signals). Default true. */
  readonly unref?: boolean;
}

export class RealClock implements Clock {
  private readonly unref: boolean;
  private readonly stalls = new StallRecord();

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
    const dueMs = performance.now() + Math.max(0, delayMs);
    // Every timer reports how late it ran: that is how a stall of the process (or of the machine) is seen.
    const t = setTimeout(() => {
      this.stalls.note(dueMs, performance.now());
      cb();
    }, Math.max(0, delayMs));
    if (this.unref) t.unref();
    return { cancel: () => clearTimeout(t) };
  }

  at(deadlineMs: number, cb: () => void): Timer {
    return this.after(deadlineMs - this.now(), cb);
  }

  lastStall(): Stall | null {
    return this.stalls.latest();
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
