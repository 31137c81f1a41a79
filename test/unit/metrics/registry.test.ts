import assert from 'node:assert/strict';
import { register as globalRegister } from 'prom-client';
import { createVipdMetrics, type VipdMetricsOptions } from '../../../src/metrics/registry.js';
import type { InstanceView } from '../../../src/status/types.js';
import { registerSyncMetrics } from '../../../src/sync/metrics.js';
import type { SyncView } from '../../../src/sync/status.js';
import { TrackScriptResults } from '../../../src/track/metrics.js';
import { find, parseExposition, typeOf, value } from './exposition.js';

const VI_1 = { name: 'VI_1', ifname: 'eth0', vrid: 51 };
const I1 = { iname: 'VI_1', intf: 'eth0', vrid: '51' };

function view(over: Partial<InstanceView> = {}): InstanceView {
  return {
    name: 'VI_1',
    ifname: 'eth0',
    vrid: 51,
    state: 'BACKUP',
    basePriority: 100,
    effectivePriority: 100,
    masterAddress: '10.1.0.2',
    vips: ['10.1.0.100/24'],
    lastTransition: null,
    ...over,
  };
}

function make(views: () => InstanceView[], extra: Partial<VipdMetricsOptions> = {}) {
  return createVipdMetrics({
    instances: views,
    buildInfo: { version: '9.8.7', node: 'd1' },
    processMetrics: false,
    nowMs: () => 1_700_000_000_000,
    ...extra,
  });
}

async function scrape(m: ReturnType<typeof make>) {
  const text = await m.metricsText();
  return { text, samples: parseExposition(text) };
}

describe('metrics/registry', () => {
  it('uses its own registry, never prom-client\'s global one', async () => {
    const a = make(() => [view()]);
    const b = make(() => [view({ name: 'VI_2' })]);
    assert.notEqual(a.registry, b.registry);
    assert.notEqual(a.registry, globalRegister);
    assert.equal(globalRegister.getSingleMetric('keepalived_vrrp_state'), undefined);
    const { samples } = await scrape(a);
    assert.equal(find(samples, 'keepalived_vrrp_state', { iname: 'VI_2' }).length, 0);
  });

  it('exports keepalived_vrrp_state one series per VIP with keepalived\'s address text and state code', async () => {
    const m = make(() => [
      view({
        state: 'MASTER',
        vips: ['10.1.0.100/24', '10.1.0.101/32', { address: '10.2.0.254/24', ifname: 'eth1' }, 'fd00:1::100/128'],
      }),
    ]);
    const { text, samples } = await scrape(m);
    assert.equal(typeOf(text, 'keepalived_vrrp_state'), 'gauge');
    assert.match(text, /^keepalived_vrrp_state\{iname="VI_1",intf="eth0",vrid="51",ip_address="10\.1\.0\.100\/24"\} 2$/m);
    // keepalived prints host routes without prefix (vrrp_ipaddress.c ipaddresstos)
    assert.equal(value(samples, 'keepalived_vrrp_state', { ...I1, ip_address: '10.1.0.101' }), 2);
    assert.equal(value(samples, 'keepalived_vrrp_state', { iname: 'VI_1', intf: 'eth1', ip_address: '10.2.0.254/24' }), 2);
    assert.equal(value(samples, 'keepalived_vrrp_state', { ip_address: 'fd00:1::100' }), 2);
    assert.equal(find(samples, 'keepalived_vrrp_state').length, 4);
  });

  it('exports one keepalived_vrrp_state series with empty ip_address for an instance without VIPs', async () => {
    const { samples } = await scrape(make(() => [view({ vips: [], state: 'FAULT' })]));
    assert.equal(value(samples, 'keepalived_vrrp_state', { ...I1, ip_address: '' }), 3);
  });

  it('reads state and priorities at scrape time, once per scrape', async () => {
    let current = view({ state: 'BACKUP', effectivePriority: 100 });
    let calls = 0;
    const m = make(() => {
      calls++;
      return [current];
    });
    let { samples } = await scrape(m);
    assert.equal(calls, 1);
    assert.equal(value(samples, 'vipd_instance_state', { ...I1, state: 'BACKUP' }), 1);
    assert.equal(value(samples, 'vipd_instance_state', { ...I1, state: 'MASTER' }), 0);
    assert.equal(find(samples, 'vipd_instance_state', I1).length, 5);
    assert.equal(value(samples, 'vipd_effective_priority', I1), 100);

    current = view({ state: 'MASTER', basePriority: 100, effectivePriority: 90, lastTransition: { from: 'BACKUP', to: 'MASTER', reason: 'master_down_timer', atMs: 1_700_000_000_250 } });
    ({ samples } = await scrape(m));
    assert.equal(calls, 2);
    assert.equal(value(samples, 'vipd_instance_state', { ...I1, state: 'MASTER' }), 1);
    assert.equal(value(samples, 'vipd_instance_state', { ...I1, state: 'BACKUP' }), 0);
    assert.equal(value(samples, 'vipd_effective_priority', I1), 90);
    assert.equal(value(samples, 'vipd_base_priority', I1), 100);
    assert.equal(value(samples, 'vipd_last_transition_timestamp_seconds', I1), 1_700_000_000.25);
    assert.equal(value(samples, 'vipd_master_info', { ...I1, master: '10.1.0.2' }), 1);
  });

  it('counts adverts, priority-zero adverts and become/release master the way keepalived does', async () => {
    const m = make(() => [view()]);
    const h = m.forInstance(VI_1);
    h.advertSent(100);
    h.advertSent(100);
    h.advertSent(0); // resignation: counted in both advert_sent and pri_zero_sent (vrrp.c)
    m.advertReceived(VI_1, 100);
    m.advertReceived(VI_1, 0);
    m.transition(VI_1, 'BACKUP', 'MASTER', 'master_down_timer');
    m.transition(VI_1, 'MASTER', 'BACKUP', 'higher_priority_advert');
    m.transition(VI_1, 'BACKUP', 'MASTER', 'master_down_timer');
    const { text, samples } = await scrape(m);
    assert.equal(typeOf(text, 'keepalived_advertisements_sent_total'), 'counter');
    assert.equal(value(samples, 'keepalived_advertisements_sent_total', I1), 3);
    assert.equal(value(samples, 'keepalived_priority_zero_sent_total', I1), 1);
    assert.equal(value(samples, 'keepalived_advertisements_received_total', I1), 2);
    assert.equal(value(samples, 'keepalived_priority_zero_received_total', I1), 1);
    assert.equal(value(samples, 'keepalived_become_master_total', I1), 2);
    assert.equal(value(samples, 'keepalived_release_master_total', I1), 1);
    assert.equal(value(samples, 'vipd_transitions_total', { ...I1, from: 'BACKUP', to: 'MASTER', reason: 'master_down_timer' }), 2);
    assert.equal(value(samples, 'vipd_transitions_total', { ...I1, from: 'MASTER', to: 'BACKUP', reason: 'higher_priority_advert' }), 1);
  });

  it('does no scrape-time work on the event path', () => {
    let calls = 0;
    const m = make(() => {
      calls++;
      return [view()];
    });
    const h = m.forInstance(VI_1);
    for (let i = 0; i < 1000; i++) {
      h.advertSent(100);
      h.advertReceived(100);
      h.drop('ip_ttl_err');
      h.garpSent(1);
    }
    m.advertSent(VI_1);
    assert.equal(calls, 0);
    assert.equal(m.counters().VI_1?.advert_sent, 1001);
  });

  it('exports zeroed keepalived counters for an instance that has seen no events yet', async () => {
    const { samples } = await scrape(make(() => [view()]));
    assert.equal(value(samples, 'keepalived_advertisements_received_total', I1), 0);
    assert.equal(value(samples, 'keepalived_authentication_failure_total', I1), 0);
    assert.equal(value(samples, 'vipd_garp_sent_total', I1), 0);
  });

  it('counts drops by reason and bumps the keepalived-exporter error counter the reason maps to', async () => {
    const m = make(() => [view()], { dropReasons: ['checksum_err', 'ip_ttl_err'] });
    // the core's DropReason names (src/vrrp/drops.ts)
    m.drop(VI_1, 'ip_ttl_err');
    m.drop(VI_1, 'ip_ttl_err');
    m.drop(VI_1, 'packet_len_err');
    m.drop(VI_1, 'authtype_mismatch');
    m.drop(VI_1, 'auth_failure');
    m.drop(VI_1, 'invalid_authtype');
    m.drop(VI_1, 'advert_interval_err');
    m.drop(VI_1, 'invalid_type_rcvd');
    m.drop(VI_1, 'checksum_err');
    m.drop(VI_1, 'mcast_on_unicast');
    m.drop(VI_1, 'unicast_src_err');
    // accepted with notes: VIP list differs (counted by keepalived ≥ 2.3.3), v3 interval differs (not counted)
    m.anomaly(VI_1, 'addr_list_err');
    m.anomaly(VI_1, 'advert_interval_err');
    m.dropUnmatched('eth0', 'unknown_vrid', 99);
    const { samples } = await scrape(m);
    assert.equal(value(samples, 'vipd_drops_total', { ...I1, reason: 'ip_ttl_err' }), 2);
    assert.equal(value(samples, 'vipd_drops_total', { ...I1, reason: 'checksum_err' }), 1);
    assert.equal(value(samples, 'vipd_drops_total', { ...I1, reason: 'unicast_src_err' }), 1);
    assert.equal(find(samples, 'vipd_drops_total', { ...I1, reason: 'addr_list_err' }).length, 0);
    assert.equal(value(samples, 'vipd_advert_anomalies_total', { ...I1, reason: 'addr_list_err' }), 1);
    assert.equal(value(samples, 'vipd_advert_anomalies_total', { ...I1, reason: 'advert_interval_err' }), 1);
    assert.equal(value(samples, 'vipd_drops_total', { iname: '', intf: 'eth0', vrid: '99', reason: 'unknown_vrid' }), 1);
    assert.equal(value(samples, 'keepalived_ip_ttl_errors_total', I1), 2);
    assert.equal(value(samples, 'keepalived_packet_length_errors_total', I1), 1);
    assert.equal(value(samples, 'keepalived_authentication_mismatch_total', I1), 1);
    assert.equal(value(samples, 'keepalived_authentication_failure_total', I1), 1);
    assert.equal(value(samples, 'keepalived_authentication_invalid_total', I1), 1);
    assert.equal(value(samples, 'keepalived_advertisements_interval_errors_total', I1), 1);
    assert.equal(value(samples, 'keepalived_invalid_type_received_total', I1), 1);
    // mcast_on_unicast drop + addr_list_err anomaly; the v3 interval anomaly is not in advert_interval_err
    assert.equal(value(samples, 'keepalived_address_list_errors_total', I1), 2);
    // keepalived's own counters have no series for packets that matched no instance
    assert.equal(find(samples, 'keepalived_ip_ttl_errors_total', { iname: '' }).length, 0);
  });

  it('pre-creates listed drop reasons at zero and honours an explicit reason map', async () => {
    const m = make(() => [view()], { dropReasons: ['ttl', 'weird'], dropReasonMap: { weird: 'auth_failure', ttl: null } });
    let { samples } = await scrape(m);
    assert.equal(value(samples, 'vipd_drops_total', { ...I1, reason: 'weird' }), 0);
    m.drop(VI_1, 'weird');
    m.drop(VI_1, 'ttl');
    ({ samples } = await scrape(m));
    assert.equal(value(samples, 'keepalived_authentication_failure_total', I1), 1);
    assert.equal(value(samples, 'keepalived_ip_ttl_errors_total', I1), 0);
    assert.equal(value(samples, 'vipd_drops_total', { ...I1, reason: 'ttl' }), 1);
  });

  it('observes takeover latency per phase in seconds', async () => {
    const m = make(() => [view()]);
    m.takeoverLatency(VI_1, { timerFiredMs: 5000, syncCommittedMs: 5000.4, vipsInstalledMs: 5002, firstGarpMs: 5030 });
    m.takeoverLatency(VI_1, { timerFiredMs: 9000, vipsInstalledMs: 9700 });
    const { text, samples } = await scrape(m);
    assert.equal(typeOf(text, 'vipd_takeover_latency_seconds'), 'histogram');
    const b = (phase: string, le: string) => value(samples, 'vipd_takeover_latency_seconds_bucket', { iname: 'VI_1', phase, le });
    assert.equal(b('vips_installed', '0.001'), 0);
    assert.equal(b('vips_installed', '0.0025'), 1);
    assert.equal(b('vips_installed', '0.5'), 1);
    assert.equal(b('vips_installed', '1'), 2);
    assert.equal(b('first_garp', '0.025'), 0);
    assert.equal(b('first_garp', '0.05'), 1);
    assert.equal(b('sync_committed', '0.001'), 1);
    assert.equal(value(samples, 'vipd_takeover_latency_seconds_count', { iname: 'VI_1', phase: 'vips_installed' }), 2);
    assert.equal(value(samples, 'vipd_takeover_latency_seconds_count', { iname: 'VI_1', phase: 'first_garp' }), 1);
    assert.ok(Math.abs(value(samples, 'vipd_takeover_latency_seconds_sum', { iname: 'VI_1', phase: 'vips_installed' }) - 0.702) < 1e-9);
  });

  it('counts GARP, NA and split-brain events', async () => {
    const m = make(() => [view()]);
    m.garpSent(VI_1, 5);
    m.garpSent(VI_1);
    m.naSent(VI_1, 2);
    m.splitBrain(VI_1);
    const { samples } = await scrape(m);
    assert.equal(value(samples, 'vipd_garp_sent_total', I1), 6);
    assert.equal(value(samples, 'vipd_na_sent_total', I1), 2);
    assert.equal(value(samples, 'vipd_split_brain_total', I1), 1);
  });

  it('drops the series of a removed instance', async () => {
    let views = [view(), view({ name: 'VI_2', vrid: 52 })];
    const m = make(() => views);
    m.advertSent({ name: 'VI_2', ifname: 'eth0', vrid: 52 });
    m.takeoverLatency({ name: 'VI_2', ifname: 'eth0', vrid: 52 }, { timerFiredMs: 0, vipsInstalledMs: 1 });
    let { samples } = await scrape(m);
    assert.equal(value(samples, 'keepalived_advertisements_sent_total', { iname: 'VI_2' }), 1);
    views = [view()];
    m.removeInstance('VI_2');
    ({ samples } = await scrape(m));
    assert.equal(samples.filter((s) => s.labels.iname === 'VI_2').length, 0);
    assert.equal(find(samples, 'keepalived_advertisements_sent_total', I1).length, 1);
  });

  // Sync and tracking register their own metrics on the daemon's registry (src/plugin/api.ts registerMetrics).
  it('exports connection-sync health (registered by the sync plugin) only when sync runs', async () => {
    let sync: SyncView | null = null;
    const m = make(() => [view()]);
    const syncMetrics = registerSyncMetrics(m.registry, () => sync);
    let { samples } = await scrape(m);
    assert.equal(samples.filter((s) => s.name.startsWith('vipd_conn_sync_') && !s.name.includes('commit_duration_seconds')).length, 0);
    sync = {
      entries: 1234,
      messagesSent: 50,
      messagesReceived: 7,
      messagesLost: 2,
      messagesResent: 3,
      lastFullResyncAtMs: 1_700_000_000_000,
      lastCommitDurationMs: 12.5,
      peerUp: true,
    };
    syncMetrics.commitObserved(3);
    ({ samples } = await scrape(m));
    assert.equal(value(samples, 'vipd_conn_sync_entries'), 1234);
    assert.equal(value(samples, 'vipd_conn_sync_messages_sent_total'), 50);
    assert.equal(value(samples, 'vipd_conn_sync_messages_received_total'), 7);
    assert.equal(value(samples, 'vipd_conn_sync_messages_lost_total'), 2);
    assert.equal(value(samples, 'vipd_conn_sync_messages_resent_total'), 3);
    assert.equal(value(samples, 'vipd_conn_sync_last_full_resync_timestamp_seconds'), 1_700_000_000);
    assert.equal(value(samples, 'vipd_conn_sync_last_commit_duration_seconds'), 0.0125);
    assert.equal(value(samples, 'vipd_conn_sync_peer_up'), 1);
    assert.equal(value(samples, 'vipd_conn_sync_commit_duration_seconds_bucket', { le: '0.0025' }), 0);
    assert.equal(value(samples, 'vipd_conn_sync_commit_duration_seconds_bucket', { le: '0.005' }), 1);
  });

  it('exports track scripts (registered by the tracking plugin), config reloads, build info and keepalived_up', async () => {
    const m = make(() => [view()], { nowMs: () => 1_800_000_000_000 });
    const scripts = new TrackScriptResults();
    scripts.register(m.registry);
    scripts.record('chk_nginx', true);
    scripts.record('chk_nginx', false, true); // one failure, still GOOD after fall debounce
    m.configReload(true);
    m.configReload(false);
    const { samples } = await scrape(m);
    assert.equal(value(samples, 'vipd_track_script_result', { name: 'chk_nginx' }), 0);
    assert.equal(value(samples, 'keepalived_script_status', { name: 'chk_nginx' }), 1);
    assert.equal(value(samples, 'vipd_track_script_runs_total', { name: 'chk_nginx', result: 'ok' }), 1);
    assert.equal(value(samples, 'vipd_track_script_runs_total', { name: 'chk_nginx', result: 'failed' }), 1);
    assert.equal(value(samples, 'vipd_config_reloads_total', { result: 'success' }), 1);
    assert.equal(value(samples, 'vipd_config_reloads_total', { result: 'failure' }), 1);
    assert.equal(value(samples, 'vipd_config_last_reload_successful'), 0);
    assert.equal(value(samples, 'vipd_config_last_reload_success_timestamp_seconds'), 1_800_000_000);
    assert.equal(value(samples, 'vipd_build_info', { version: '9.8.7', node: 'd1' }), 1);
    assert.equal(value(samples, 'keepalived_up'), 1);
  });

  it('adds Node.js process metrics with the vipd_ prefix unless disabled', async () => {
    const m = createVipdMetrics({ instances: () => [], buildInfo: { version: '1', node: 'n' }, nowMs: () => 1_700_000_000_000 });
    const text = await m.metricsText();
    assert.match(text, /^vipd_process_cpu_seconds_total /m);
    assert.match(text, /^# TYPE vipd_nodejs_eventloop_lag_seconds gauge$/m);
    const off = await make(() => []).metricsText();
    assert.doesNotMatch(off, /vipd_process_cpu/);
  });

  it('gives /status the views, counters and sync snapshot', () => {
    const m = make(() => [view({ state: 'MASTER' })], { nowMs: () => 42 });
    m.advertSent(VI_1);
    const doc = m.status();
    assert.equal(doc.statusVersion, 1);
    assert.equal(doc.node, 'd1');
    assert.equal(doc.generatedAtMs, 42);
    assert.equal(doc.instances[0]?.state, 'MASTER');
    assert.equal(doc.counters.VI_1?.advert_sent, 1);
    assert.deepEqual(doc.sections, {});
    assert.equal(doc.sync, null);
  });

  it('gives /status the subsystems\' sections at the document\'s time, and sync also where statusVersion 1 had it', () => {
    const asked: number[] = [];
    const m = make(() => [], {
      nowMs: () => 42,
      sections: (nowMs) => {
        asked.push(nowMs);
        return { sync: { lines: ['connection sync: 3 entries'], data: { entries: 3 } }, lvs: { lines: [], data: { services: 0 } } };
      },
    });
    const doc = m.status();
    assert.deepEqual(asked, [42]);
    assert.deepEqual(Object.keys(doc.sections ?? {}), ['sync', 'lvs']);
    assert.deepEqual(doc.sync, { entries: 3 });
  });
});

describe('metrics/counters drop mapping', () => {
  it('maps every row of keepalived\'s receive pipeline that keepalived counts, and nothing else', async () => {
    const { keepalivedCounterForDrop } = await import('../../../src/metrics/counters.js');
    const expected: Record<string, string | null> = {
      truncated: null,
      packet_len_err: 'packet_len_err',
      ip_ttl_err: 'ip_ttl_err',
      version_mismatch: null,
      checksum_err: null,
      unknown_vrid: null,
      unicast_on_mcast: 'addr_list_err',
      // names the core might add later fall back to keywords
      hopLimitMismatch: 'ip_ttl_err',
      ah_header_mismatch: 'authtype_mismatch',
      something_new: null,
    };
    for (const [reason, counter] of Object.entries(expected)) {
      assert.equal(keepalivedCounterForDrop(reason), counter, reason);
    }
  });
});
