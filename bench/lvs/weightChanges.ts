// The single-change workload shared by the LVS benches (nftables.ts on the host, programGuest.ts in user-mode
// Linux): one real server's weight set to 0 and then back, pair after pair, spread over the services so that no
// change finds its service in a cache warmed by the one before.

export interface WeightChange {
  /** Service index, 0 .. services-1. */
  readonly service: number;
  /** Real server index within the service, 0 .. reals-1. */
  readonly real: number;
  /** true: weight 0 (inhibit); false: back to the server's configured weight. */
  readonly toZero: boolean;
}

/** Stride between the services of successive pairs: a prime, so the pairs visit every service before repeating. */
const STRIDE = 7919;

/**
 * `count` changes: pair m (changes 2m, 2m+1) takes service (offset + m·7919) mod services, real server m mod reals,
 * to weight 0 and back. Two workloads with offsets far apart touch different services, so they can be interleaved
 * on one table (the plane and the command-line tool, alternately) without one seeing the other's state.
 */
export function weightChanges(count: number, services: number, reals: number, offset = 0): WeightChange[] {
  return Array.from({ length: count }, (_, k) => {
    const m = k >> 1;
    return { service: (offset + m * STRIDE) % services, real: m % reals, toZero: k % 2 === 0 };
  });
}
