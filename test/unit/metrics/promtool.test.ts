// /metrics passes `promtool check metrics` (issue 13): a registry populated the way a director's is after a
// failover (transitions, takeover latencies, drops, track scripts, connection sync, process metrics).
import assert from 'node:assert/strict';
import { createVipdMetrics } from '../../../src/metrics/registry.js';
import type { InstanceView } from '../../../src/status/types.js';
import { registerSyncMetrics } from '../../../src/sync/metrics.js';
import { TrackScriptResults } from '../../../src/track/metrics.js';
import { PROMTOOL_MISSING, promtoolCheckMetrics } from './promtool.js';

const T0 = 1_800_000_000_000;

function populated() {
  const views: InstanceView[] = [
    {
      name: 'VI_1', ifname: 'eth0', vrid: 51, state: 'MASTER', basePriority: 100, effectivePriority: 100,
      masterAddress: '10.1.0.2', masterPriority: 100, vips: ['10.1.0.100/24', { address: 'fd00:1::100/64', ifname: 'eth0' }],
      lastTransition: { from: 'BACKUP', to: 'MASTER', reason: 'master-down', atMs: T0 }, version: 3, family: 'inet',
      advertIntMs: 100, masterAdvertIntMs: 100, syncGroup: 'G1',
    },
    {
      name: 'VI_2', ifname: 'eth1', vrid: 52, state: 'BACKUP', basePriority: 90, effectivePriority: 80,
      masterAddress: '10.2.0.1', masterPriority: 150, vips: [], lastTransition: null, version: 2, advertIntMs: 1000,
    },
  ];
  const m = createVipdMetrics({
    instances: () => views,
    buildInfo: { version: '0.0.0-test', node: 'd2' },
    dropReasons: ['bad_ttl', 'auth_mismatch'],
    nowMs: () => T0,
  });
  // The subsystems register their own series on the daemon's registry, as their plugins do.
  const sync = registerSyncMetrics(m.registry, () => ({
    entries: 42, messagesSent: 10, messagesReceived: 7, messagesLost: 1, messagesResent: 1,
    lastFullResyncAtMs: T0 - 5000, lastCommitDurationMs: 2.5, peerUp: true,
  }));
  const scripts = new TrackScriptResults();
  scripts.register(m.registry);
  const vi1 = { name: 'VI_1', ifname: 'eth0', vrid: 51 };
  m.advertReceived(vi1, 150);
  m.advertReceived(vi1, 0);
  m.transition(vi1, 'INIT', 'BACKUP', 'startup');
  m.transition(vi1, 'BACKUP', 'MASTER', 'master-down');
  m.takeoverLatency(vi1, { timerFiredMs: T0, syncCommittedMs: T0 + 1, vipsInstalledMs: T0 + 2, firstGarpMs: T0 + 3 });
  m.advertSent(vi1);
  m.garpSent(vi1, 5);
  m.naSent(vi1, 5);
  m.drop(vi1, 'bad_ttl');
  m.anomaly(vi1, 'addr_list_err');
  m.splitBrain(vi1);
  m.dropUnmatched('eth0', 'unknown_vrid', 9);
  m.dropUnmatched('eth0', 'too_short');
  scripts.record('chk_haproxy', true);
  scripts.record('chk_disk', false, true);
  m.configReload(false);
  m.configReload(true);
  sync.commitObserved(2.5);
  return m;
}

describe('metrics: promtool check metrics', () => {
  it('has nothing to say about a populated exposition, process metrics included', async function () {
    const text = await populated().metricsText();
    const r = promtoolCheckMetrics(text);
    if (r === null) {
      console.log(`      skipped: ${PROMTOOL_MISSING}`);
      this.skip();
    }
    assert.equal(r.output, '', 'promtool findings');
    assert.equal(r.code, 0);
    // The process metrics are there (only the three `_total` gauges are gone), so they were checked too.
    assert.match(text, /^# TYPE vipd_nodejs_eventloop_lag_seconds gauge$/m);
    assert.match(text, /^# TYPE vipd_nodejs_active_handles gauge$/m);
    assert.doesNotMatch(text, /^vipd_nodejs_active_(handles|requests|resources)_total\b/m);
  });

  it('does flag a gauge named like a counter (the check can fail)', function () {
    // The shape prom-client's default metrics had before: a gauge with a `_total` suffix.
    const r = promtoolCheckMetrics('# HELP vipd_nodejs_active_handles_total Total number of active handles.\n# TYPE vipd_nodejs_active_handles_total gauge\nvipd_nodejs_active_handles_total 3\n');
    if (r === null) {
      console.log(`      skipped: ${PROMTOOL_MISSING}`);
      this.skip();
    }
    assert.notEqual(r.code, 0);
    assert.match(r.output, /vipd_nodejs_active_handles_total non-counter metrics should not have "_total" suffix/);
  });
});
