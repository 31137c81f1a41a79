// Virtual time for tests and the simulator: now() moves only when the test advances it, and due timers fire in
// deadline order (ties in scheduling order), each at its own instant. advance() is synchronous (pure cores and
// plain callbacks); advanceAsync() lets promise chains settle between timers (shells that await netlink, files
// or child processes), the way the event loop would, without any real waiting.
import type { Clock, Timer } from './clock.js';
import { internalError } from '../errors/vipdError.js';

interface Entry {
  readonly id: number;
  atMs: number;
  readonly cb: () => void;
  /** > 0 for every(): re-armed after each run. */
  readonly intervalMs: number;
  cancelled: boolean;
}

export class VirtualClock implements Clock {
  private nowMs: number;
  private readonly wallOffsetMs: number;
  private seq = 0;
  private readonly timers: Entry[] = [];

  constructor(startMs = 0, wallStartMs = 1_700_000_000_000) {
    this.nowMs = startMs;
    this.wallOffsetMs = wallStartMs - startMs;
  }

  now(): number {
    return this.nowMs;
  }

  wallNow(): number {
    return this.nowMs + this.wallOffsetMs;
  }

  after(delayMs: number, cb: () => void): Timer {
    return this.schedule(this.nowMs + Math.max(0, delayMs), cb, 0);
  }

  at(deadlineMs: number, cb: () => void): Timer {
    return this.schedule(Math.max(this.nowMs, deadlineMs), cb, 0);
  }

  every(intervalMs: number, cb: () => void): Timer {
    const step = Math.max(1, intervalMs);
    return this.schedule(this.nowMs + step, cb, step);
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const t = this.after(delayMs, resolve);
      signal?.addEventListener('abort', () => (t.cancel(), resolve()), { once: true });
    });
  }

  /** Timers still armed. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** The earliest armed deadline, or null. */
  nextDeadline(): number | null {
    const live = this.timers.filter((t) => !t.cancelled);
    return live.length ? Math.min(...live.map((t) => t.atMs)) : null;
  }

  /** Move time forward by `ms`, firing every timer due on the way at its own instant. */
  advance(ms: number): void {
    const end = this.nowMs + Math.max(0, ms);
    for (let t = this.due(end); t; t = this.due(end)) this.fire(t);
    this.nowMs = end;
  }

  /** Like advance(), but lets promise callbacks (and I/O already completed) run before and after each timer. */
  async advanceAsync(ms: number): Promise<void> {
    const end = this.nowMs + Math.max(0, ms);
    await settle();
    for (let t = this.due(end); t; t = this.due(end)) {
      this.fire(t);
      await settle();
    }
    this.nowMs = end;
    await settle();
  }

  /** Fire timers until none is left (bounded, so a self-re-arming timer cannot hang a test). */
  async runAllAsync(maxTimers = 10_000): Promise<void> {
    for (let n = 0; n < maxTimers; n++) {
      await settle();
      const d = this.nextDeadline();
      if (d === null) return;
      await this.advanceAsync(d - this.nowMs);
    }
    throw internalError(`VirtualClock.runAllAsync: still busy after ${maxTimers} timers`);
  }

  private schedule(atMs: number, cb: () => void, intervalMs: number): Timer {
    const e: Entry = { id: this.seq++, atMs, cb, intervalMs, cancelled: false };
    this.timers.push(e);
    return {
      cancel: () => {
        e.cancelled = true;
        const i = this.timers.indexOf(e);
        if (i >= 0) this.timers.splice(i, 1);
      },
    };
  }

  /** The next live timer due at or before `end`, earliest deadline first, then scheduling order. */
  private due(end: number): Entry | undefined {
    let best: Entry | undefined;
    for (const t of this.timers) {
      if (t.cancelled || t.atMs > end) continue;
      if (!best || t.atMs < best.atMs || (t.atMs === best.atMs && t.id < best.id)) best = t;
    }
    return best;
  }

  private fire(t: Entry): void {
    this.nowMs = Math.max(this.nowMs, t.atMs);
    if (t.intervalMs > 0) t.atMs += t.intervalMs;
    else {
      t.cancelled = true;
      this.timers.splice(this.timers.indexOf(t), 1);
    }
    t.cb();
  }
}

/** Let pending promise reactions and already-completed I/O callbacks run (one macrotask turn, no waiting). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}
