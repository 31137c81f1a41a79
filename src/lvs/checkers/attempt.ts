// One probe run as a small state machine shared by every checker: it is bounded by a timer on the injected clock
// (re-armed on progress, as keepalived re-arms its read/write thread timeout on every I/O step), settles exactly
// once, releases its sockets or process on settling, and can be cancelled by close(). Probes resolve, never
// reject: a throw in the body is a 'local' failure.
import type { Clock } from '../../clock/clock.js';
import type { ProbeOutcome } from './types.js';
import { fail, type Verdict } from './verdict.js';
import { errorVerdict } from './errno.js';
import { timeoutQueueOf, type TimedEntry, type TimeoutQueue } from './timeoutQueue.js';

export { fail, pass, type Verdict } from './verdict.js';

export interface AttemptControl {
  /** Settle the run (first call wins). */
  finish(v: Verdict): void;
  /** Re-arm the timeout: the peer made progress. */
  progress(): void;
  /** Registered cleanups run once, when the run settles (close sockets, stop polls, kill scripts). */
  onSettle(cleanup: () => void): void;
  readonly settled: boolean;
}

export interface AttemptSpec {
  readonly clock: Clock;
  /** Names the target and step for a failure thrown by the body ("connect to 10.2.0.11:80"). */
  readonly what: string;
  readonly timeoutMs: number;
  /** The verdict when the timer fires (usually a 'timeout' failure; UDP without require_reply: a success). */
  readonly onTimeout: () => Verdict;
  /**
   * Called when the timer fires, before the timeout is declared: a probe whose readiness comes from elsewhere
   * (the shared epoll set) polls it, so an answer already queued is taken instead of a spurious timeout.
   */
  readonly beforeTimeout?: () => void;
  /** Starts the I/O; may call finish synchronously. */
  readonly body: (ctl: AttemptControl) => void | Promise<void>;
}

/**
 * One run: the control handed to the body. A class rather than closures: probes run thousands of times a second
 * and every object a run allocates is garbage a moment later.
 */
class Run implements AttemptControl, TimedEntry {
  settled = false;
  deadline = 0;
  prev: TimedEntry | null = null;
  next: TimedEntry | null = null;
  queued = false;
  private cleanups: (() => void)[] | null = null;
  private readonly started: number;

  constructor(
    private readonly owner: Attempts,
    private readonly clock: Clock,
    private readonly timeouts: TimeoutQueue,
    private readonly spec: Omit<AttemptSpec, 'clock'>,
    private readonly resolve: (o: ProbeOutcome) => void,
  ) {
    this.started = clock.now();
  }

  /** The first deadline, from the start's clock read. */
  arm(): void {
    this.deadline = this.started + this.spec.timeoutMs;
    this.timeouts.add(this, this.started);
  }

  expire(): void {
    // I/O that is already there wins over the timer (keepalived handles ready fds before timed-out threads): a
    // loop stalled past connect_timeout must not fail checks whose answers wait in the socket buffers.
    this.spec.beforeTimeout?.();
    if (!this.settled && !this.queued) this.finish(this.spec.onTimeout());
  }

  finish(v: Verdict): void {
    if (this.settled) return;
    this.settled = true;
    this.timeouts.remove(this);
    this.owner.settledRun(this);
    const cleanups = this.cleanups;
    this.cleanups = null;
    if (cleanups) {
      for (const c of cleanups) {
        try {
          c();
        } catch {
          // A cleanup that fails (socket already closed) changes nothing about the verdict.
        }
      }
    }
    const durationMs = this.clock.now() - this.started;
    this.resolve(v.ok ? (v.weight === undefined ? { ok: true, durationMs } : { ok: true, durationMs, weight: v.weight }) : { ok: false, durationMs, reason: v.reason, detail: v.detail });
  }

  progress(): void {
    if (this.settled) return;
    const now = this.clock.now();
    this.deadline = now + this.spec.timeoutMs;
    this.timeouts.add(this, now);
  }

  onSettle(cleanup: () => void): void {
    if (this.settled) cleanup();
    else (this.cleanups ??= []).push(cleanup);
  }
}

/** Runs one attempt at a time and lets close() cancel the one in flight. */
export class Attempts {
  private current: Run | null = null;
  private closed = false;
  private readonly timeouts: TimeoutQueue;

  constructor(private readonly clock: Clock) {
    this.timeouts = timeoutQueueOf(clock);
  }

  /** `spec` may be the same object for every run of a probe (it is only read). */
  run(spec: Omit<AttemptSpec, 'clock'>): Promise<ProbeOutcome> {
    return new Promise<ProbeOutcome>((resolve) => {
      const run = new Run(this, this.clock, this.timeouts, spec, resolve);
      if (this.closed) {
        run.finish(fail('local', 'probe closed'));
        return;
      }
      this.current?.finish(fail('local', 'superseded by a new run'));
      this.current = run;
      run.arm();
      try {
        const r = spec.body(run);
        if (r) r.catch((err: unknown) => run.finish(errorVerdict(spec.what, err)));
      } catch (err) {
        run.finish(errorVerdict(spec.what, err));
      }
    });
  }

  /** @internal A run settled: it is no longer the one close() cancels. */
  settledRun(run: Run): void {
    if (this.current === run) this.current = null;
  }

  /** Cancels the run in flight ('local' failure) and refuses later runs. */
  close(): void {
    this.closed = true;
    this.current?.finish(fail('local', 'probe closed while running'));
  }
}
