// src/metrics/promClient.ts loads prom-client file by file (its index costs ~10 MB resident). These pin that to
// the installed prom-client: the classes are its index's own, and the process metrics are collectDefaultMetrics'.
import assert from 'node:assert/strict';
import * as prom from 'prom-client';
import { Counter, Gauge, Histogram, Registry } from '../../../src/metrics/promClient.js';
import { DROPPED_PROCESS_METRICS, PROCESS_METRICS_PREFIX, registerProcessMetrics } from '../../../src/metrics/processMetrics.js';

describe('metrics/promClient: prom-client without its index', () => {
  it('exports the very classes prom-client exports (an upgrade that moves a file fails here)', () => {
    assert.equal(Registry, prom.Registry);
    assert.equal(Counter, prom.Counter);
    assert.equal(Gauge, prom.Gauge);
    assert.equal(Histogram, prom.Histogram);
  });

  it('registers the metrics collectDefaultMetrics registers, in its order, minus the dropped gauges', async () => {
    const theirs = new prom.Registry();
    prom.collectDefaultMetrics({ register: theirs, prefix: PROCESS_METRICS_PREFIX });
    const ours = new prom.Registry();
    registerProcessMetrics(ours);
    const dropped = new Set<string>(DROPPED_PROCESS_METRICS);
    const shape = (r: prom.Registry) => r.getMetricsAsArray().map((m) => `${m.name} ${m.type} ${m.help}`);
    assert.deepEqual(shape(ours), shape(theirs).filter((s) => !dropped.has(s.split(' ')[0]!)));
    assert.ok(shape(ours).length > 10);
    // The CPU counters (written in processMetrics.ts) count up at scrape time, as prom-client's do.
    let spin = 0;
    for (let i = 0; i < 2e6; i++) spin += i;
    assert.ok(spin > 0);
    const text = await ours.metrics();
    const cpu = /^vipd_process_cpu_seconds_total (\S+)$/m.exec(text);
    assert.ok(cpu && Number(cpu[1]) > 0, text.slice(0, 400));
    theirs.clear();
    ours.clear();
  });
});
