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
    return new NodeTimeout(t);
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

/**
 * A Clock timer over one Node timeout. A class, not an object literal: V8 pretenures an object literal's allocation
 * site when most of its objects live through two young-generation collections (as pending timers do at start-up),
 * and from then on every timer went straight to the old generation, growing it by ~0.3 MB/s at 255 × 10 ms until
 * the next full collection (issue 12; bench/RESULTS.md). A constructor call has no allocation site to pretenure.
 */
class NodeTimeout implements Timer {
  constructor(private readonly t: NodeJS.Timeout) {}

  cancel(): void {
    clearTimeout(this.t);
  }
}
