// Node.js process metrics (CPU, memory, file descriptors, event-loop lag, GC) from prom-client, under vipd_,
// minus the three gauges `promtool check metrics` rejects. prom-client's collectDefaultMetrics, collector by
// collector (src/metrics/promClient.ts says why not through its index), the CPU counters written here.
import type { Registry } from 'prom-client';
import { Counter, PROCESS_COLLECTORS } from './promClient.js';

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
  registerProcessCpu(registry, PROCESS_METRICS_PREFIX);
  // collectDefaultMetrics' options: 10 ms is its default event-loop monitoring precision.
  for (const collect of PROCESS_COLLECTORS) collect(registry, { prefix: PROCESS_METRICS_PREFIX, eventLoopMonitoringPrecision: 10 });
  for (const name of DROPPED_PROCESS_METRICS) registry.removeSingleMetric(name);
}

/**
 * prom-client's processCpuTotal (lib/metrics/processCpuTotal.js) without its exemplar support: the same three
 * counters, names and help texts, advanced from process.cpuUsage() by the first one's collect at scrape time.
 */
function registerProcessCpu(registry: Registry, prefix: string): void {
  let last = process.cpuUsage();
  const user = new Counter({
    name: `${prefix}process_cpu_user_seconds_total`,
    help: 'Total user CPU time spent in seconds.',
    registers: [registry],
    collect() {
      const now = process.cpuUsage();
      const userMicros = now.user - last.user;
      const systemMicros = now.system - last.system;
      last = now;
      user.inc(userMicros / 1e6);
      system.inc(systemMicros / 1e6);
      total.inc((userMicros + systemMicros) / 1e6);
    },
  });
  const system = new Counter({ name: `${prefix}process_cpu_system_seconds_total`, help: 'Total system CPU time spent in seconds.', registers: [registry] });
  const total = new Counter({ name: `${prefix}process_cpu_seconds_total`, help: 'Total user and system CPU time spent in seconds.', registers: [registry] });
}
