// Full garbage collections once the agent has settled after a start or a reload (issue 12). Starting 255
// instances leaves ~5 MB of garbage in V8's old generation (it grows to 15-23 MB around ~11 MB live). A running
// director then promotes next to nothing into the old generation (its timers and adverts die young), so V8 sees no
// reason for a full collection of its own and that garbage stayed resident for the life of the process. Two
// collections a second apart: the first frees the garbage but leaves the pages it sat on partly used (V8 picks the
// pages to compact from what the previous marking found live on them), the second moves what is left off the
// sparse pages and returns them. Each is a pause of ~12 ms at 255 instances: an advert goes out that much late, well
// inside any Master_Down interval, and a backup whose Master_Down decision falls right after it gets the stall
// grace (src/vrrp/instance.ts). Measured at 255 x 10 ms (bench/RESULTS.md): the resident set after a minute 65-66 MB
// without, 63-66 MB after one collection, 62-63 MB after two.
// bin/vipd runs node with --expose-gc for this; without that flag (node dist/src/cli/main.js) nothing is collected.
import type { Clock, Timer } from '../clock/clock.js';

/** Long enough for the instances to have started, the first adverts to have flowed and V8 to have compiled them. */
export const SETTLE_MS = 5000;
/** The second collection, after the first (it compacts the pages the first found mostly empty). */
export const COMPACT_AFTER_MS = 1000;

export interface SettledCollection {
  /** Collect SETTLE_MS from now and once more COMPACT_AFTER_MS later; called again meanwhile, it starts over. */
  schedule(): void;
  stop(): void;
}

export interface SettledCollectionOptions {
  /** node's `gc` (globalThis.gc with --expose-gc); undefined: schedule() does nothing. */
  readonly collect: (() => void) | undefined;
  /** Told how long the collection paused the process (for a debug line). */
  readonly collected?: (pauseMs: number) => void;
}

export function settledCollection(clock: Clock, opts: SettledCollectionOptions): SettledCollection {
  const collect = opts.collect;
  if (collect === undefined) return { schedule: () => undefined, stop: () => undefined };
  let timer: Timer | null = null;
  const run = (): void => {
    const startedAt = clock.now();
    collect();
    opts.collected?.(clock.now() - startedAt);
  };
  const first = (): void => {
    run();
    timer = clock.after(COMPACT_AFTER_MS, second);
  };
  const second = (): void => {
    timer = null;
    run();
  };
  return {
    schedule() {
      timer?.cancel();
      timer = clock.after(SETTLE_MS, first);
    },
    stop() {
      timer?.cancel();
      timer = null;
    },
  };
}

/** node's collector when the process runs with --expose-gc, otherwise undefined. */
export function exposedGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? () => (gc as () => void)() : undefined;
}
