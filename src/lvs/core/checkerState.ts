// One checker's state machine (lvs.md §3.1; keepalived's template is tcp_epilog, check/check_tcp.c:96-146, and
// every checker's epilog repeats it): first run at 1 s (BOOTSTRAP_DELAY, lib/scheduler.h:195) + random(0..warmup),
// then every delay_loop. Up and a check fails: while retry_it < retry, retry_it++ and re-check after
// delay_before_retry; then DOWN and back to delay_loop. One success resets retry_it and brings a DOWN checker UP
// (rise is 1). Non-alpha checkers start UP with retry_it = retry, so the first failure takes them down at once;
// alpha checkers start DOWN (check_data.c:1376-1384).
import type { CheckerConfig } from '../../config/lvsTypes.js';
import type { ProbeFailReason, ProbeOutcome } from '../checkers/types.js';
import { checkTargetOf } from './checkId.js';

/** keepalived's BOOTSTRAP_DELAY: the first check never runs before 1 s. */
export const BOOTSTRAP_DELAY_MS = 1000;

interface Timing {
  readonly retry: number;
  readonly delayBeforeRetryMs: number;
  readonly warmupMs: number;
  readonly delayLoopMs: number;
  readonly alpha: boolean;
}

/** FILE_CHECK has no timing keywords: it is re-read every delay_loop, never retried, never alpha. */
function timingOf(c: CheckerConfig): Timing {
  if (c.type === 'FILE_CHECK') return { retry: 0, delayBeforeRetryMs: c.delayLoopMs, warmupMs: 0, delayLoopMs: c.delayLoopMs, alpha: false };
  return c;
}

/** What one result did: the state transition to report to the checker's real servers, if any. */
export interface CheckerStep {
  /** The checker changed state (update_svr_checker_state with a different state). */
  readonly transition: 'up' | 'down' | null;
  /**
   * The first definitive result confirmed the starting state of an alpha checker (down): keepalived still runs
   * the RS notifies once (update_svr_checker_state, `!has_run && (alpha || !alive)` → do_rs_notifies).
   */
  readonly firstRunNotify: boolean;
}

export class CheckerState {
  readonly type: string;
  readonly target: string;
  up: boolean;
  hasRun = false;
  retryIt: number;
  /** Consecutive failed attempts (retries included), for the snapshot. */
  failures = 0;
  lastDurationMs: number | null = null;
  lastFailure: { reason: ProbeFailReason; detail: string } | null = null;
  nextRunMs: number | null = null;
  inFlight = false;
  /** When the run in flight started (MISC_CHECK counts its next run from there). */
  private runStartedMs: number | null = null;
  private readonly timing: Timing;

  constructor(
    readonly id: string,
    readonly config: CheckerConfig,
  ) {
    this.type = config.type;
    this.target = checkTargetOf(config);
    this.timing = timingOf(config);
    this.up = !this.timing.alpha;
    // Non-alpha: one failure is enough initially (check_data.c:1378-1384).
    this.retryIt = this.timing.alpha ? 0 : this.timing.retry;
  }

  get delayLoopMs(): number {
    return this.timing.delayLoopMs;
  }

  /** Arms the first run: 1 s + random(0..warmup) from now; warmup 0 → exactly 1 s (check_api.c:478-506). */
  schedule(nowMs: number, random: () => number): void {
    const jitter = this.timing.warmupMs > 0 ? Math.floor(random() * this.timing.warmupMs) : 0;
    this.nextRunMs = nowMs + BOOTSTRAP_DELAY_MS + jitter;
  }

  isDue(nowMs: number): boolean {
    return !this.inFlight && this.nextRunMs !== null && this.nextRunMs <= nowMs;
  }

  startRun(nowMs: number): void {
    this.inFlight = true;
    this.nextRunMs = null;
    this.runStartedMs = nowMs;
  }

  /** A suspended checker (ha_suspend, VIP absent) just re-arms its timer (lvs.md §3.1). */
  skipRun(nowMs: number): void {
    this.nextRunMs = nowMs + this.timing.delayLoopMs;
  }

  /**
   * One probe result, as tcp_epilog handles it. A 'local' failure (bind error, no such interface) counts as a
   * failed check like any other: issue 10 asks for it, unlike keepalived, which reschedules without failing
   * (#1637/#1679, lvs.md §3.1).
   */
  onResult(outcome: ProbeOutcome, nowMs: number): CheckerStep {
    this.inFlight = false;
    this.lastDurationMs = outcome.durationMs;
    const success = outcome.ok;
    if (outcome.ok) this.failures = 0;
    else {
      this.failures++;
      this.lastFailure = { reason: outcome.reason, detail: outcome.detail };
    }
    let step: CheckerStep = { transition: null, firstRunNotify: false };
    let delay = this.timing.delayLoopMs;
    if (success || this.retryIt >= this.timing.retry) {
      this.retryIt = 0;
      if (success && (!this.up || !this.hasRun)) step = this.report(true);
      else if (!success && (this.up || !this.hasRun)) step = this.report(false);
    } else if (this.up) {
      delay = this.timing.delayBeforeRetryMs;
      this.retryIt++;
    }
    this.hasRun = true;
    // MISC_CHECK counts the next run from the script's start, so a slow script does not stretch the period
    // (check_misc.c:496, next_time = last_ran + delay; at once when that is past); the other checkers count
    // from the answer (tcp_epilog's thread_add_timer from now).
    const from = this.type === 'MISC_CHECK' && this.runStartedMs !== null ? this.runStartedMs : nowMs;
    this.nextRunMs = Math.max(from + delay, nowMs);
    this.runStartedMs = null;
    return step;
  }

  /** update_svr_checker_state's checker half (ipwrapper.c); the RS half is the caller's. */
  private report(alive: boolean): CheckerStep {
    if (this.up === alive) return { transition: null, firstRunNotify: !this.hasRun && (this.timing.alpha || !alive) };
    this.up = alive;
    return { transition: alive ? 'up' : 'down', firstRunNotify: false };
  }
}
