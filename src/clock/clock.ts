// The one clock port. Every timer and every clock read outside the composition root goes through a Clock passed
// in from it: RealClock in the agent, VirtualClock in tests and the simulator, so every unit test runs on
// virtual time and a test never has to sleep to see a timer fire.

/** A scheduled callback; cancel() is idempotent and safe after it fired. */
export interface Timer {
  cancel(): void;
}

/**
 * Stretches during which this process's timers could not run. The latest ended at `endMs` (clock ms) and lasted
 * `latestMs`; `lengthMs` is the longest of the stalls in the STALL_MEMORY_MS before it (stallRecord.ts), so that a
 * short stall does not hide a long one just before it. Nothing the process was waiting for could be seen then — and
 * when the whole machine was paused (a VM descheduled), nothing was sent to it either.
 */
export interface Stall {
  readonly endMs: number;
  readonly lengthMs: number;
  readonly latestMs: number;
}

export interface Clock {
  /** Monotonic milliseconds (cores take this as `nowMs`). */
  now(): number;
  /** Wall-clock milliseconds since the epoch: only for timestamps people or peers read, never for durations. */
  wallNow(): number;
  /** Run `cb` once `delayMs` from now (≤ 0: on the next turn, never synchronously). */
  after(delayMs: number, cb: () => void): Timer;
  /** Run `cb` once when now() reaches `deadlineMs` (a core's nextDeadline()). */
  at(deadlineMs: number, cb: () => void): Timer;
  /** Run `cb` every `intervalMs` until cancelled. */
  every(intervalMs: number, cb: () => void): Timer;
  /** Resolves after `delayMs`; with a signal, rejects nothing and resolves early when it aborts. */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void>;
  /**
   * The latest stall its timers saw (stallRecord.ts), or null. Optional: a clock that cannot be late (virtual
   * time) has none.
   */
  lastStall?(): Stall | null;
}

/** Races `work` against a bound on `clock`: resolves with its value, or 'timeout' once `ms` have passed. */
export async function withinMs<T>(clock: Clock, ms: number, work: Promise<T>): Promise<T | 'timeout'> {
  let timer: Timer | undefined;
  const bound = new Promise<'timeout'>((resolve) => (timer = clock.after(ms, () => resolve('timeout'))));
  try {
    return await Promise.race([work, bound]);
  } finally {
    timer?.cancel();
  }
}
