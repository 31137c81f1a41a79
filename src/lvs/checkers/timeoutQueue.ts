// The probes' timeouts on ONE clock timer per clock, not one per run. Every Clock timer costs a clock read when
// it is set (Node's setTimeout reads the monotonic clock), and a clock read is a system call where the vDSO traps
// (user-mode Linux: issue 10's bench). A run already reads the clock when it starts (for its duration), so its
// deadline costs nothing more here; runs are kept in deadline order in a doubly linked list (equal
// connect_timeouts make that an append), a settled run unlinks itself, and the one timer is set for the first
// deadline only when nothing earlier is armed — with 1,000 checks a second and a 1 s timeout, about once a second.
import type { Clock, Timer } from '../../clock/clock.js';

export interface TimedEntry {
  /** Monotonic ms on the queue's clock; the entry expires at or after it. */
  deadline: number;
  /** Links, owned by the queue. */
  prev: TimedEntry | null;
  next: TimedEntry | null;
  queued: boolean;
  /** Called once when the deadline passed (the entry is already unlinked). */
  expire(): void;
}

export class TimeoutQueue {
  private head: TimedEntry | null = null;
  private tail: TimedEntry | null = null;
  private timer: Timer | null = null;
  private armedAt = Infinity;

  constructor(private readonly clock: Clock) {}

  /** Queue (or re-queue) `e` for `e.deadline`; `nowMs` is a clock read the caller just made. */
  add(e: TimedEntry, nowMs: number): void {
    if (e.queued) this.unlink(e);
    // From the tail: with one timeout value for every run, the new deadline is the latest.
    let after = this.tail;
    while (after && after.deadline > e.deadline) after = after.prev;
    e.prev = after;
    e.next = after ? after.next : this.head;
    if (e.next) e.next.prev = e;
    else this.tail = e;
    if (after) after.next = e;
    else this.head = e;
    e.queued = true;
    if (e.deadline < this.armedAt) this.arm(e.deadline, nowMs);
  }

  remove(e: TimedEntry): void {
    if (e.queued) this.unlink(e);
    // The timer stays armed: when it fires it re-arms for whatever is first then (or nothing).
  }

  /** Entries waiting (tests). */
  get size(): number {
    let n = 0;
    for (let e = this.head; e; e = e.next) n++;
    return n;
  }

  private unlink(e: TimedEntry): void {
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev;
    e.prev = e.next = null;
    e.queued = false;
  }

  private arm(deadline: number, nowMs: number): void {
    this.timer?.cancel();
    this.armedAt = deadline;
    this.timer = this.clock.after(deadline - nowMs, this.fire);
  }

  private readonly fire = (): void => {
    this.timer = null;
    this.armedAt = Infinity;
    const now = this.clock.now();
    while (this.head && this.head.deadline <= now) {
      const e = this.head;
      this.unlink(e);
      e.expire();
    }
    if (this.head && !this.timer) this.arm(this.head.deadline, now);
  };
}

const queues = new WeakMap<Clock, TimeoutQueue>();

/** The queue of a clock (every probe on one clock shares it). */
export function timeoutQueueOf(clock: Clock): TimeoutQueue {
  let q = queues.get(clock);
  if (!q) queues.set(clock, (q = new TimeoutQueue(clock)));
  return q;
}
