// One probe run as a small state machine shared by every checker: it is bounded by a timer on the injected clock
// (re-armed on progress, as keepalived re-arms its read/write thread timeout on every I/O step), settles exactly
// once, releases its sockets or process on settling, and can be cancelled by close(). Probes resolve, never
// reject: a throw in the body is a 'local' failure.
import type { Clock, Timer } from '../../clock/clock.js';
import type { ProbeOutcome } from './types.js';
import { fail, type Verdict } from './verdict.js';
import { errorVerdict } from './errno.js';

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
  /** Starts the I/O; may call finish synchronously. */
  readonly body: (ctl: AttemptControl) => void | Promise<void>;
}

/** Runs one attempt at a time and lets close() cancel the one in flight. */
export class Attempts {
  private current: AttemptControl | null = null;
  private closed = false;

  constructor(private readonly clock: Clock) {}

  run(spec: Omit<AttemptSpec, 'clock'>): Promise<ProbeOutcome> {
    const started = this.clock.now();
    return new Promise<ProbeOutcome>((resolve) => {
      const cleanups: (() => void)[] = [];
      let timer: Timer | null = null;
      let settled = false;
      const arm = (): void => {
        timer?.cancel();
        timer = this.clock.after(spec.timeoutMs, () => ctl.finish(spec.onTimeout()));
      };
      const ctl: AttemptControl = {
        finish: (v) => {
          if (settled) return;
          settled = true;
          timer?.cancel();
          if (this.current === ctl) this.current = null;
          for (const c of cleanups.splice(0)) {
            try {
              c();
            } catch {
              // A cleanup that fails (socket already closed) changes nothing about the verdict.
            }
          }
          const durationMs = this.clock.now() - started;
          resolve(v.ok ? { ...v, durationMs } : { ok: false, durationMs, reason: v.reason, detail: v.detail });
        },
        progress: () => {
          if (!settled) arm();
        },
        onSettle: (c) => {
          if (settled) c();
          else cleanups.push(c);
        },
        get settled() {
          return settled;
        },
      };
      if (this.closed) {
        ctl.finish(fail('local', 'probe closed'));
        return;
      }
      this.current?.finish(fail('local', 'superseded by a new run'));
      this.current = ctl;
      arm();
      try {
        const r = spec.body(ctl);
        if (r) r.catch((err: unknown) => ctl.finish(errorVerdict(spec.what, err)));
      } catch (err) {
        ctl.finish(errorVerdict(spec.what, err));
      }
    });
  }

  /** Cancels the run in flight ('local' failure) and refuses later runs. */
  close(): void {
    this.closed = true;
    this.current?.finish(fail('local', 'probe closed while running'));
  }
}
