// Many deadlines on one clock timer (issue 12: "one timer for all instances due together"). Every VRRP unit has a
// deadline that moves with each advert (a backup's Master_Down, a master's next advert); with a clock timer each,
// 255 instances at 10 ms re-create thousands of Node timers a second (a setTimeout + clearTimeout pair costs a few
// µs, as much as the rest of a backup's advert). Here a deadline is a Slot that is moved in place (a binary heap
// keyed by deadline, then by when it was set), and the group keeps ONE clock timer armed at the earliest deadline.
//
// Order: slots due by the time the group's timer runs fire in deadline order, ties in the order they were set, each
// once; a slot set again from inside a callback fires on a later turn even when already due (no busy loop).
import type { Clock, Timer } from './clock.js';

export class DeadlineSlot {
  /** Deadline in clock ms; Infinity = not armed. */
  atMs = Infinity;
  /** @internal Tie-break: the group's counter when it was set. */
  seq = 0;
  /** @internal Position in the group's heap, -1 when not armed. */
  index = -1;

  constructor(
    private readonly group: DeadlineGroup,
    /** @internal */
    readonly cb: () => void,
  ) {}

  /** Arm at `deadlineMs`, or move there if armed. */
  set(deadlineMs: number): void {
    this.group.set(this, deadlineMs);
  }

  /** Disarm; idempotent. */
  clear(): void {
    this.group.clear(this);
  }

  get armed(): boolean {
    return this.index >= 0;
  }
}

export class DeadlineGroup {
  private readonly heap: DeadlineSlot[] = [];
  private seq = 0;
  private timer: Timer | null = null;
  /** Where the clock timer is armed (Infinity: none). */
  private armedAt = Infinity;
  private firing = false;
  private readonly onTimer = (): void => this.fire();

  constructor(private readonly clock: Clock) {}

  /** A deadline that runs `cb` when due; armed by set(). */
  slot(cb: () => void): DeadlineSlot {
    return new DeadlineSlot(this, cb);
  }

  /** Armed slots (tests). */
  get size(): number {
    return this.heap.length;
  }

  /** @internal DeadlineSlot.set */
  set(s: DeadlineSlot, deadlineMs: number): void {
    s.atMs = deadlineMs;
    s.seq = this.seq++;
    if (s.index < 0) {
      s.index = this.heap.length;
      this.heap.push(s);
      this.up(s.index);
    } else if (!this.up(s.index)) {
      this.down(s.index);
    }
    this.arm();
  }

  /** @internal DeadlineSlot.clear */
  clear(s: DeadlineSlot): void {
    const i = s.index;
    if (i < 0) return;
    s.index = -1;
    s.atMs = Infinity;
    const last = this.heap.pop()!;
    if (last !== s) {
      this.heap[i] = last;
      last.index = i;
      if (!this.up(i)) this.down(i);
    }
    // The clock timer is left as it is: firing early with nothing due only re-arms (cheaper than re-creating it).
    if (this.heap.length === 0) this.disarm();
  }

  private arm(): void {
    if (this.firing) return; // fire() arms once all due slots have run
    const top = this.heap[0];
    if (top === undefined) return this.disarm();
    // A timer that fires no later than the earliest deadline is kept (it re-arms when it fires early).
    if (this.timer !== null && this.armedAt <= top.atMs) return;
    this.timer?.cancel();
    this.armedAt = top.atMs;
    this.timer = this.clock.at(top.atMs, this.onTimer);
  }

  private disarm(): void {
    this.timer?.cancel();
    this.timer = null;
    this.armedAt = Infinity;
  }

  private fire(): void {
    this.timer = null;
    this.armedAt = Infinity;
    const now = this.clock.now();
    // Slots set during this run get a later seq; those due are run on the next turn, not in this loop.
    const until = this.seq;
    this.firing = true;
    try {
      for (let top = this.heap[0]; top !== undefined && top.atMs <= now && top.seq < until; top = this.heap[0]) {
        this.clear(top);
        top.cb();
      }
    } finally {
      this.firing = false;
      this.arm();
    }
  }

  /** Whether a sorts before b. */
  private before(a: DeadlineSlot, b: DeadlineSlot): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }

  /** Sift up; true when it moved. */
  private up(i: number): boolean {
    const h = this.heap;
    const s = h[i]!;
    let moved = false;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(s, h[p]!)) break;
      h[i] = h[p]!;
      h[i]!.index = i;
      i = p;
      moved = true;
    }
    h[i] = s;
    s.index = i;
    return moved;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const s = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.before(h[r]!, h[l]!) ? r : l;
      if (!this.before(h[c]!, s)) break;
      h[i] = h[c]!;
      h[i]!.index = i;
      i = c;
    }
    h[i] = s;
    s.index = i;
  }
}
