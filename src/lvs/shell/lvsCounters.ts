// The shell's own cumulative figures (plain numbers, copied into metrics at scrape time): what the core decided
// (transitions by reason), what the probes saw (failures by reason, durations) and what the data plane refused.
import type { ProbeFailReason } from '../checkers/types.js';

/** Check durations: a local TCP connect (sub-ms) to an HTTP GET hitting connect_timeout (5 s and more). */
export const CHECK_DURATION_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const bump = (m: Map<string, number>, key: string, n = 1): void => void m.set(key, (m.get(key) ?? 0) + n);

export class LvsCounters {
  readonly checkFailures = new Map<ProbeFailReason | string, number>();
  readonly transitions = new Map<string, number>();
  readonly dataplaneErrors = new Map<string, number>();
  driftRepairs = 0;
  /** Observers of one finished probe (the histogram lives in metrics.ts; null until metrics are registered). */
  onCheckDuration: ((type: string, durationMs: number) => void) | null = null;

  checkFinished(type: string, durationMs: number, failure: ProbeFailReason | null): void {
    if (failure !== null) bump(this.checkFailures, failure);
    this.onCheckDuration?.(type, durationMs);
  }

  realServerTransition(reason: string): void {
    bump(this.transitions, reason);
  }

  dataplaneError(reason: string): void {
    bump(this.dataplaneErrors, reason);
  }
}

/** "VIPD_ERR_IPVS_REFUSED" → "ipvs_refused": the metric label of a refused operation. */
export function errorReason(code: string): string {
  return code.replace(/^VIPD_ERR_/, '').toLowerCase();
}
