// Stalls of the process, as its timers see them (issue 12). A timer that runs late by L ms tells that nothing of
// this process ran during the L ms before (the loop was blocked, or the whole machine was paused: a VM descheduled
// by its hypervisor, which shows no steal time on every platform). After a long stall, several timers come due at
// once and each reports a part of it; those parts overlap and are merged into one stall.
//
// A VRRP backup uses the latest stall to tell "the master went silent" from "we were not watching" (instance.ts:
// a Master_Down decision right after a stall as long as an advert interval waits one interval for the master).
import type { Stall } from './clock.js';

/** Lateness below this is timer granularity and scheduling jitter (libuv timers run on whole milliseconds). */
export const MIN_STALL_MS = 2;
/** A longer stall is remembered this long even if a shorter one comes after it. */
export const STALL_MEMORY_MS = 1000;

export class StallRecord {
  /** The latest stall (parts merged). */
  private startMs = 0;
  private endMs = -Infinity;
  /** The longest stall that ended at most STALL_MEMORY_MS before the latest one began (or the latest itself). */
  private longestMs = 0;
  private longestEndMs = -Infinity;
  private view: Stall | null = null;

  /** A timer due at `dueMs` ran at `ranMs`. */
  note(dueMs: number, ranMs: number): void {
    if (ranMs - dueMs < MIN_STALL_MS) return;
    if (dueMs <= this.endMs) {
      // Overlaps the latest stall: the same stall, reported by another timer.
      if (dueMs < this.startMs) this.startMs = dueMs;
      if (ranMs > this.endMs) this.endMs = ranMs;
    } else {
      this.startMs = dueMs;
      this.endMs = ranMs;
    }
    // A shorter stall soon after a longer one is still the latest (a Master_Down wait armed between the two must
    // see the newer one), but the longer one still explains what a backup missed before it: both are kept.
    const latestMs = this.endMs - this.startMs;
    if (latestMs >= this.longestMs || this.startMs - this.longestEndMs >= STALL_MEMORY_MS) {
      this.longestMs = latestMs;
      this.longestEndMs = this.endMs;
    }
    this.view = null;
  }

  /** The stall on record (the same object until it changes). */
  latest(): Stall | null {
    if (this.endMs === -Infinity) return null;
    return (this.view ??= { endMs: this.endMs, lengthMs: this.longestMs, latestMs: this.endMs - this.startMs });
  }
}
