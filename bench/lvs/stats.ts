// Order statistics for the LVS benches (program.ts, nftables.ts): one definition of median and percentile so that
// the IPVS and nftables tables in bench/RESULTS.md are read the same way.

/** Median: the middle value, or the mean of the two middle values for an even count. NaN for no samples. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Nearest-rank percentile (q in (0, 1]): the smallest sample with at least q of the samples at or below it, so
 * p99 of 100 samples is the 99th smallest (not the maximum), and p50 of an odd count is the median. NaN for none.
 */
export function percentile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * s.length));
  return s[Math.min(s.length, rank) - 1]!;
}
