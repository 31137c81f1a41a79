// The Daemon's processMetrics option (issue 12): without a TCP /metrics (src/cli/run.ts: --metrics-listen off) the
// Node.js process metrics are not registered at all, since prom-client's event-loop histogram behind them wakes
// the process every 10 ms; by default they are.
import assert from 'node:assert/strict';
import { Daemon } from '../../../src/daemon/daemon.js';
import { VirtualClock } from '../../../src/clock/virtualClock.js';
import { Cluster, conf, instanceText, recordingLogger } from './harness.js';

function daemon(processMetrics?: boolean): Daemon {
  const os = new Cluster().host('d1', 1);
  return new Daemon({
    config: conf(instanceText({ priority: 100 })), os, logger: recordingLogger([]), version: 'test', clock: new VirtualClock(),
    ...(processMetrics === undefined ? {} : { processMetrics }),
  });
}

const processMetricNames = (d: Daemon): string[] =>
  d.metrics.registry.getMetricsAsArray().map((m) => m.name).filter((n) => n.startsWith('vipd_process_') || n.startsWith('vipd_nodejs_'));

describe('daemon: process metrics', () => {
  it('processMetrics: false registers no vipd_process_* / vipd_nodejs_* metric (no event-loop histogram)', async () => {
    const d = daemon(false);
    assert.deepEqual(processMetricNames(d), []);
    const text = await d.metrics.metricsText();
    assert.doesNotMatch(text, /^vipd_nodejs_eventloop_lag_/m);
    assert.doesNotMatch(text, /^vipd_process_/m);
    assert.match(text, /^vipd_build_info/m, 'the rest is there');
  });

  it('by default they are registered, the event-loop lag among them', async () => {
    const d = daemon();
    const names = processMetricNames(d);
    assert.ok(names.includes('vipd_nodejs_eventloop_lag_seconds'), names.join(', '));
    assert.ok(names.includes('vipd_process_cpu_seconds_total'), names.join(', '));
    assert.match(await d.metrics.metricsText(), /^vipd_nodejs_eventloop_lag_p99_seconds /m);
  });
});
