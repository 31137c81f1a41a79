// Node.js process metrics (CPU, memory, file descriptors, event-loop lag, GC) from prom-client, under vipd_,
// minus the three gauges `promtool check metrics` rejects.
import { collectDefaultMetrics, type Registry } from 'prom-client';

export const PROCESS_METRICS_PREFIX = 'vipd_';

/**
 * prom-client exports nodejs_active_{handles,requests,resources}_total as gauges, and a `_total` suffix is
 * reserved for counters (promtool: 'non-counter metrics should not have "_total" suffix';
 * prometheus/client_js#283, open since 2019). Each is the sum of the per-type gauge exported beside it,
 * so they are dropped rather than renamed: `sum without (type) (vipd_nodejs_active_handles)` gives the
 * same number (docs/metrics.md, "Renamed and removed metrics").
 */
export const DROPPED_PROCESS_METRICS = [
  `${PROCESS_METRICS_PREFIX}nodejs_active_handles_total`,
  `${PROCESS_METRICS_PREFIX}nodejs_active_requests_total`,
  `${PROCESS_METRICS_PREFIX}nodejs_active_resources_total`,
] as const;

export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, prefix: PROCESS_METRICS_PREFIX });
  for (const name of DROPPED_PROCESS_METRICS) registry.removeSingleMetric(name);
}
