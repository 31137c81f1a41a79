// The "lvs" daemon plugin over the fakes: start (plane opened, refused when it cannot open), the FIFO, the sync
// daemon following its instance, reload through the core, keep-on-stop, status lines, metrics (values and
// promtool) and the SIGUSR1 check-data layout.
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { VipdError } from '../../../../src/errors/vipdError.js';
import type { Config } from '../../../../src/config/types.js';
import type { LvsGlobalConfig, VirtualServerConfig } from '../../../../src/config/lvsTypes.js';
import { LvsPlugin, type LvsPluginDeps } from '../../../../src/lvs/shell/lvsPlugin.js';
import { renderKeepalivedCheckData } from '../../../../src/lvs/shell/checkData.js';
import { DEFAULT_LVS_GLOBAL } from '../../../../src/lvs/shell/lvsConfig.js';
import { fakeControl, fakeSpawner, parse } from '../../track/helpers.js';
import { PROMTOOL_MISSING, promtoolCheckMetrics } from '../../metrics/promtool.js';
import { MemoryDataPlane, zeroStats } from '../memoryDataPlane.js';
import { scriptOptions } from './harness.js';
import { FakeProbes, SimpleCore, fwmarkVs, rs, vs } from './fakes.js';

const BASE = parse('vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.1.0.100/24\n }\n}\n');

/** A Config carrying typed virtual servers and Config.lvs, as the config branch will produce. */
function withLvs(virtualServers: VirtualServerConfig[], global: Partial<LvsGlobalConfig> = {}): Config {
  return { ...BASE, virtualServers, lvs: { ...DEFAULT_LVS_GLOBAL, ...global } } as unknown as Config;
}

function setup(config: Config, over: Partial<LvsPluginDeps> = {}) {
  const plane = new MemoryDataPlane('ipvs');
  const probes = new FakeProbes();
  const cores: SimpleCore[] = [];
  const fifo: string[] = [];
  const syncCalls: string[] = [];
  const spawner = fakeSpawner();
  const deps: LvsPluginDeps = {
    createCore: (cfg) => {
      const c = new SimpleCore(cfg);
      cores.push(c);
      return c;
    },
    probes: probes.factory,
    openPlane: async () => plane,
    openFifo: async (path) => ({ write: (l) => void fifo.push(`${path} ${l}`), close: () => void fifo.push(`${path} closed`) }),
    syncDaemon: (cfg) => ({
      start: () => void syncCalls.push(`start ${cfg.interface} ${cfg.instance}`),
      onInstanceState: (i, s) => void syncCalls.push(`${i} ${s}`),
      stop: () => void syncCalls.push('stop'),
    }),
    scripts: scriptOptions(spawner),
    ...over,
  };
  const plugin = new LvsPlugin(config, deps);
  const registry = new Registry();
  plugin.registerMetrics(registry);
  const ctl = fakeControl(config);
  return { plane, probes, cores, fifo, syncCalls, plugin, registry, ctl, spawner };
}

async function settle(ctl: { clock: { advanceAsync(ms: number): Promise<void> } }): Promise<void> {
  for (let i = 0; i < 3; i++) await ctl.clock.advanceAsync(0);
}

const RS1 = rs('10.2.0.11', 80, 3);
const RS2 = rs('10.2.0.12', 80, 1);
const WEB = vs('10.1.0.100', 80, [RS1, RS2]);

describe('lvs shell: plugin', () => {
  it('a config without virtual servers leaves it idle: no plane, no section, no samples', async () => {
    let opened = 0;
    const s = setup(BASE, { openPlane: async () => (opened++, new MemoryDataPlane()) });
    await s.plugin.start(s.ctl);
    assert.equal(opened, 0);
    assert.equal(s.plugin.statusSection(0), null);
    const text = await s.registry.metrics();
    assert.doesNotMatch(text, /^vipd_lvs_\w+(\{| )/m);
    await s.plugin.stop();
  });

  it('a plane that cannot open refuses the start with its error', async () => {
    const s = setup(withLvs([WEB]), {
      openPlane: async () => {
        throw new VipdError('VIPD_ERR_IPVS_UNAVAILABLE', 'the kernel has no IPVS: run `modprobe ip_vs`');
      },
    });
    await assert.rejects(s.plugin.start(s.ctl), (e: VipdError) => e.code === 'VIPD_ERR_IPVS_UNAVAILABLE');
    assert.equal(s.plugin.statusSection(0), null);
  });

  it('start programs the plane and opens lvs_notify_fifo; RS lines go there; stop removes the services and closes it', async () => {
    const cfg = withLvs([WEB], { notifyFifo: '/run/lvs.fifo' });
    const s = setup(cfg);
    await s.plugin.start(s.ctl);
    await settle(s.ctl);
    assert.ok(s.plane.services.has('tcp:10.1.0.100:80'));
    s.probes.fail('10.2.0.12:80');
    await s.ctl.clock.advanceAsync(1000);
    await settle(s.ctl);
    assert.deepEqual(s.fifo, ['/run/lvs.fifo RS [10.2.0.12]:tcp:80 [10.1.0.100]:tcp:80 DOWN\n']);
    await s.plugin.stop();
    assert.equal(s.fifo.at(-1), '/run/lvs.fifo closed');
    assert.equal(s.plane.services.size, 0, 'keepalived: the virtual servers are removed at stop');
    assert.ok(s.plane.closed);
  });

  it('vipd_lvs_keep_on_stop: the services stay in the kernel at stop', async () => {
    const s = setup(withLvs([WEB], { keepOnStop: true }));
    await s.plugin.start(s.ctl);
    await settle(s.ctl);
    await s.plugin.stop();
    assert.equal(s.plane.services.size, 1);
    assert.equal(s.plane.services.get('tcp:10.1.0.100:80')!.dests.size, 2);
    assert.ok(s.plane.closed);
  });

  it('lvs_sync_daemon with `inst`: started with LVS, told the states of that instance only, stopped at stop', async () => {
    const sync = { interface: 'eth1', instance: 'VI_1', syncId: 51, maxLen: null, port: null, ttl: null, group: null, source: { file: 'k', line: 1 } as never };
    const s = setup(withLvs([WEB], { syncDaemon: sync }));
    await s.plugin.start(s.ctl);
    s.plugin.onTransition({ instance: 'VI_2', from: 'BACKUP', to: 'MASTER', reason: 'x', priority: 100 });
    s.plugin.onTransition({ instance: 'VI_1', from: 'BACKUP', to: 'MASTER', reason: 'x', priority: 100 });
    await s.plugin.stop();
    assert.deepEqual(s.syncCalls, ['start eth1 VI_1', 'VI_1 MASTER', 'stop']);
  });

  it('ha_suspend: an instance carrying the VS address entering or leaving MASTER feeds vipPresence; others do not', async () => {
    const s = setup(withLvs([vs('10.1.0.100', 80, [RS1], { haSuspend: true }), vs('10.1.0.200', 80, [RS2])]));
    await s.plugin.start(s.ctl);
    await settle(s.ctl);
    const presence = () => s.cores[0]!.events.filter((e) => e.ev.type === 'vipPresence').map((e) => JSON.stringify(e.ev));
    const atStart = presence();
    assert.deepEqual(atStart, ['{"type":"vipPresence","address":"10.1.0.100","present":false}'], 'start reports what the host holds');
    s.plugin.onTransition({ instance: 'VI_1', from: 'BACKUP', to: 'MASTER', reason: 'x', priority: 100 });
    s.plugin.onTransition({ instance: 'VI_1', from: 'MASTER', to: 'MASTER', reason: 'x', priority: 100 });
    s.plugin.onTransition({ instance: 'VI_2', from: 'BACKUP', to: 'MASTER', reason: 'x', priority: 100 });
    s.plugin.onTransition({ instance: 'VI_1', from: 'MASTER', to: 'FAULT', reason: 'x', priority: 100 });
    assert.deepEqual(presence().slice(atStart.length), [
      '{"type":"vipPresence","address":"10.1.0.100","present":true}',
      '{"type":"vipPresence","address":"10.1.0.100","present":false}',
    ]);
    await s.plugin.stop();
  });

  it('ha_suspend: a reload adding a virtual server whose instance is already MASTER reports its VIP present', async () => {
    const s = setup(withLvs([vs('10.1.0.200', 80, [RS2])]));
    Object.assign(s.ctl, { snapshot: (name: string) => (name === 'VI_1' ? { state: 'MASTER' } : undefined) });
    await s.plugin.start(s.ctl);
    await settle(s.ctl);
    await s.plugin.reload(withLvs([vs('10.1.0.200', 80, [RS2]), vs('10.1.0.100', 80, [RS1], { haSuspend: true })]), { started: [], removed: [] });
    const fed = s.cores[0]!.events.filter((e) => e.ev.type === 'vipPresence').map((e) => e.ev);
    assert.deepEqual(fed, [{ type: 'vipPresence', address: '10.1.0.100', present: true }]);
    await s.plugin.stop();
  });

  it('reload: the running core gets the new config (no new core, no new plane), removed RS deleted', async () => {
    const s = setup(withLvs([WEB]));
    await s.plugin.start(s.ctl);
    await settle(s.ctl);
    const next = withLvs([vs('10.1.0.100', 80, [RS1])]);
    await s.plugin.reload(next, { started: [], removed: [] });
    assert.equal(s.cores.length, 1);
    assert.equal(s.cores[0]!.reloads.length, 1);
    assert.deepEqual([...s.plane.services.get('tcp:10.1.0.100:80')!.dests.keys()], ['10.2.0.11:80']);
    // The last virtual server gone: LVS stops (the services removed) and goes idle.
    await s.plugin.reload(BASE, { started: [], removed: [] });
    assert.equal(s.plane.services.size, 0);
    assert.equal(s.plugin.statusSection(0), null);
    await s.plugin.stop();
  });

  it('status: the section lists virtual servers, real servers and their checks', async () => {
    const s = setup(withLvs([WEB]));
    await s.plugin.start(s.ctl);
    await settle(s.ctl);
    s.probes.fail('10.2.0.12:80', 'timeout');
    await s.ctl.clock.advanceAsync(1000);
    await settle(s.ctl);
    const sec = s.plugin.statusSection(s.ctl.clock.wallNow())!;
    assert.deepEqual(sec.lines, [
      'LVS (ipvs): 1 virtual server(s), 1/2 real server(s) up, 2 check(s), 1 failing',
      '  VS [10.1.0.100]:tcp:80 wrr: quorum up, live weight 3',
      '    RS [10.2.0.11]:tcp:80 UP weight 3/3',
      '      TCP_CHECK 10.2.0.11:80 up, last 1.5 ms',
      '    RS [10.2.0.12]:tcp:80 DOWN weight 0/1, not in table',
      '      TCP_CHECK 10.2.0.12:80 DOWN, timeout: no answer in 5000 ms, 1 failure(s) in a row, last 2.0 ms',
    ]);
    const data = sec.data as { dataplane: string; tableReadAtMs: number };
    assert.equal(data.dataplane, 'ipvs');
    await s.plugin.stop();
  });

  it('metrics: node_exporter IPVS names and labels, vipd state and counters; promtool finds nothing', async () => {
    const fwm = fwmarkVs(7, [rs('10.2.0.21', 0, 2)]);
    const s = setup(withLvs([WEB, fwm]));
    await s.plugin.start(s.ctl);
    await settle(s.ctl);
    s.plane.counters.set('tcp:10.1.0.100:80', {
      service: { ...zeroStats(), conns: 50n, inPkts: 500n, outPkts: 400n, inBytes: 60_000n, outBytes: 900_000n },
      dests: new Map([['10.2.0.11:80', { stats: zeroStats(), activeConns: 30, inactiveConns: 2, persistentConns: 0 }]]),
    });
    s.probes.fail('10.2.0.12:80');
    await s.ctl.clock.advanceAsync(5000); // checks fail; the cached table is 5 s old: the scrape asks for a new one
    await settle(s.ctl);
    await s.registry.metrics();
    await settle(s.ctl);
    const text = await s.registry.metrics();
    const has = (line: string) => assert.ok(text.split('\n').includes(line), `missing: ${line}\n${text}`);
    has('node_ipvs_backend_connections_active{local_address="10.1.0.100",local_port="80",remote_address="10.2.0.11",remote_port="80",proto="TCP",local_mark=""} 30');
    has('node_ipvs_backend_connections_inactive{local_address="10.1.0.100",local_port="80",remote_address="10.2.0.11",remote_port="80",proto="TCP",local_mark=""} 2');
    has('node_ipvs_backend_weight{local_address="10.1.0.100",local_port="80",remote_address="10.2.0.11",remote_port="80",proto="TCP",local_mark=""} 3');
    has('node_ipvs_backend_weight{local_address="",local_port="0",remote_address="10.2.0.21",remote_port="0",proto="FWM",local_mark="00000007"} 2');
    has('node_ipvs_connections_total 50');
    has('node_ipvs_outgoing_bytes_total 900000');
    has('vipd_lvs_service_connections_total{service="tcp:10.1.0.100:80",family="inet",protocol="tcp",address="10.1.0.100",port="80",fwmark=""} 50');
    has('vipd_lvs_service_in_packets_total{service="fwm:inet:7",family="inet",protocol="",address="",port="",fwmark="7"} 0');
    has('vipd_lvs_real_server_up{virtual_server="TCP:10.1.0.100:80",real_server="10.2.0.12:80"} 0');
    has('vipd_lvs_real_server_weight{virtual_server="TCP:10.1.0.100:80",real_server="10.2.0.11:80",kind="configured"} 3');
    has('vipd_lvs_real_server_weight{virtual_server="TCP:10.1.0.100:80",real_server="10.2.0.12:80",kind="effective"} 0');
    has('vipd_lvs_check_up{check="tcp:10.2.0.12:80",type="TCP_CHECK",target="10.2.0.12:80"} 0');
    has('vipd_lvs_check_failures_total{reason="refused"} 5');
    has('vipd_lvs_real_server_transitions_total{reason="check_refused"} 1');
    has('vipd_lvs_quorum_up{virtual_server="TCP:10.1.0.100:80"} 1');
    has('vipd_lvs_live_weight{virtual_server="TCP:10.1.0.100:80"} 3');
    has('vipd_lvs_sorry_server_active{virtual_server="TCP:10.1.0.100:80"} 0');
    has('vipd_lvs_drift_repairs_total 0');
    assert.match(text, /^vipd_lvs_check_duration_seconds_count\{type="TCP_CHECK"\} \d+$/m);
    const r = promtoolCheckMetrics(text);
    if (r === null) console.log(`      promtool skipped: ${PROMTOOL_MISSING}`);
    else assert.equal(r.output, '', 'promtool findings');
    await s.plugin.stop();
  });

  it('metrics: the data plane\'s tolerated refusals and malformed replies, the sync daemons\' errors and GET_DAEMON state; promtool finds nothing', async () => {
    const sync = { interface: 'eth1', instance: null, syncId: 51, maxLen: null, port: null, ttl: null, group: null, source: { file: 'k', line: 1 } as never };
    let refreshes = 0;
    const s = setup(withLvs([WEB], { syncDaemon: sync }), {
      syncDaemon: () => ({
        start: () => undefined,
        onInstanceState: () => undefined,
        stop: () => undefined,
        status: () => ({ errors: 2, kernel: [{ state: 'master', ifname: 'eth1', syncId: 51 }, { state: 'backup', ifname: 'eth1', syncId: 51 }] }),
        refresh: () => void refreshes++,
      }),
    });
    Object.assign(s.plane, {
      stats: () => ({ tolerated: { 'add-service-exists': 1, 'del-dest-missing': 0 }, malformedReplies: { 'bad-enum': 3 } }),
    });
    await s.plugin.start(s.ctl);
    await settle(s.ctl);
    const text = await s.registry.metrics();
    const has = (line: string) => assert.ok(text.split('\n').includes(line), `missing: ${line}\n${text}`);
    has('vipd_lvs_dataplane_tolerated_total{dataplane="ipvs",reason="add-service-exists"} 1');
    has('vipd_lvs_dataplane_tolerated_total{dataplane="ipvs",reason="del-dest-missing"} 0');
    has('vipd_lvs_dataplane_malformed_replies_total{dataplane="ipvs",reason="bad-enum"} 3');
    has('vipd_lvs_sync_daemon_errors_total 2');
    has('vipd_lvs_sync_daemon_running{state="master",interface="eth1",syncid="51"} 1');
    has('vipd_lvs_sync_daemon_running{state="backup",interface="eth1",syncid="51"} 1');
    assert.ok(refreshes > 0, 'a scrape asks the driver for fresher GET_DAEMON state');
    const r = promtoolCheckMetrics(text);
    if (r === null) console.log(`      promtool skipped: ${PROMTOOL_MISSING}`);
    else assert.equal(r.output, '', 'promtool findings');
    await s.plugin.stop();
    assert.doesNotMatch(await s.registry.metrics(), /^vipd_lvs_(dataplane_tolerated|sync_daemon_running)\{/m, 'no samples once LVS stopped');
  });

  it('SIGUSR1: keepalived_check.data in keepalived 2.2.7\'s layout', async () => {
    const s = setup(withLvs([WEB]));
    await s.plugin.start(s.ctl);
    await settle(s.ctl);
    const src = s.plugin.checkDataSource()!;
    const text = renderKeepalivedCheckData(src.config.virtualServers, src.snapshot);
    const lines = text.split('\n');
    assert.deepEqual(lines.slice(0, 6), [
      '------< LVS Topology >------', ' System is compiled with LVS v1.2.1', ' ------< Virtual server >------', ' VS VIP = 10.1.0.100, VPORT = 80',
      '   Address family = inet', '   connection timeout = 5.000000',
    ]);
    for (const l of [
      '   delay_loop = 1.000000', '   lvs_sched = wrr', '   protocol = TCP', '   quorum = 1, hysteresis = 0', '   default forwarding method = NAT',
      '   quorum_state_up = 1', '   ------< Real server >------', '   RIP = 10.2.0.11, RPORT = 80, WEIGHT = 3 EFF WEIGHT = 3', '   forwarding method = NAT',
      '   alive = 1', '------< Health checkers >------', ' [10.1.0.100]:tcp:80 -> [10.2.0.11]:tcp:80', '   Up = yes', '   Retries = 1',
      '   Delay loop = 1000000 us', '     Dest = [10.2.0.11]:80', '     Timeout = 5.000000',
    ]) {
      assert.ok(lines.includes(l), `missing: ${JSON.stringify(l)}\n${text}`);
    }
    await s.plugin.stop();
  });
});
