// Start-up and shutdown edges on the in-memory OS: refusals that must leave nothing behind, an interface that
// is down before start, a handover with nobody to hand over to, and plugins seeing transitions.
import assert from 'node:assert/strict';
import type { DaemonPlugin, TransitionEvent } from '../../../src/plugin/api.js';
import { Cluster, conf, instanceText, type Node, state, useCluster } from './harness.js';

const ADVERT_MS = 50;

describe('daemon (in-memory OS): start-up, refusals, shutdown', function () {
  this.timeout(20_000);
  const clusterOf = useCluster();
  let cluster: Cluster;
  beforeEach(() => {
    cluster = clusterOf();
  });

  it('refuses to start when an interface does not exist, naming every problem, and opens nothing', async () => {
    const n = cluster.node('d1', 1, instanceText({ priority: 100, iface: 'eth7' }) + instanceText({ name: 'VI_2', vrid: 52, priority: 100, iface: 'eth8' }));
    await assert.rejects(n.daemon.start(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'VIPD_ERR_STARTUP');
      assert.match(err.message, /\(VI_1\) interface eth7 does not exist/);
      assert.match(err.message, /\(VI_2\) interface eth8 does not exist/);
      return true;
    });
    assert.equal(n.os.opened.length, 0, 'no socket opened');
    assert.equal(cluster.segment.trace.length, 0, 'no OS change at all');
  });

  it('refuses a reload that cannot run here and keeps the running instance untouched', async () => {
    const d1 = await cluster.start('d1', 1, instanceText({ priority: 100 }));
    await cluster.waitFor('d1 MASTER', () => state(d1) === 'MASTER' && d1.os.vips().length === 1);
    const mark = cluster.segment.trace.length;
    const bad = instanceText({ priority: 120, vips: ['10.1.0.100/24', '10.1.0.101/24'] }) + instanceText({ name: 'VI_2', vrid: 52, priority: 100, iface: 'eth9' });
    await assert.rejects(d1.daemon.reload(conf(bad)), /\(VI_2\) interface eth9 does not exist/);
    await cluster.sleep(3 * ADVERT_MS);
    assert.equal(state(d1), 'MASTER');
    assert.deepEqual(Object.keys(d1.daemon.states()), ['VI_1']);
    const since = cluster.segment.trace.filter((r) => r.seq >= mark);
    assert.ok(since.every((r) => r.kind === 'vrrp'), 'only adverts: no address, route or socket change');
    assert.ok(since.every((r) => r.kind !== 'vrrp' || (r.advert?.priority === 100 && r.advert.addresses.length === 1)), 'old parameters still in force');
  });

  it('refuses a reload whose in-place change adds a VIP on an interface that does not exist (it went on eth0)', async () => {
    const d1 = await cluster.start('d1', 1, instanceText({ priority: 100 }));
    await cluster.waitFor('d1 MASTER', () => state(d1) === 'MASTER' && d1.os.vips().length === 1);
    const mark = cluster.segment.trace.length;
    const bad = instanceText({ priority: 100, vips: ['10.1.0.100/24', '10.9.0.1/24 dev eth9'] });
    await assert.rejects(d1.daemon.reload(conf(bad)), /\(VI_1\) VIP 10\.9\.0\.1: interface eth9 does not exist/);
    await cluster.sleep(3 * ADVERT_MS);
    assert.equal(state(d1), 'MASTER');
    assert.deepEqual(d1.os.vips(), ['10.1.0.100/24'], 'no VIP put on the wrong interface');
    const since = cluster.segment.trace.filter((r) => r.seq >= mark);
    assert.ok(since.every((r) => r.kind === 'vrrp' && r.advert?.addresses.length === 1), 'only adverts, old VIP list still in force');
  });

  it('an interface down before start: straight to FAULT (no BACKUP first), silent, then MASTER when it comes up', async () => {
    const transitions: TransitionEvent[] = [];
    const watcher: DaemonPlugin = { name: 'watch', onTransition: (ev) => void transitions.push(ev) };
    const os = cluster.host('d1', 1, { links: [{ name: 'eth0', ifindex: 2, up: false, addresses: ['10.1.0.1/24'] }] });
    const d1 = cluster.node('d1', 1, instanceText({ priority: 100 }), [watcher], os);
    await d1.daemon.start();
    await cluster.waitFor('FAULT reported', () => transitions.length >= 1);
    assert.equal(state(d1), 'FAULT');
    assert.deepEqual(
      transitions.map((t) => `${t.from}>${t.to}`),
      ['INIT>FAULT'],
    );
    await cluster.sleep(5 * ADVERT_MS);
    assert.equal(cluster.segment.adverts('d1').length, 0, 'no adverts from FAULT');
    assert.deepEqual(os.vips(), []);

    os.setLink('eth0', true);
    await cluster.waitFor('MASTER once the link is up', () => state(d1) === 'MASTER' && os.vips().length === 1);
    assert.deepEqual(
      transitions.map((t) => `${t.from}>${t.to}`),
      ['INIT>FAULT', 'FAULT>BACKUP', 'BACKUP>MASTER'],
    );
  });

  it('stop({handover: true}) with no successor releases the VIPs after a bounded wait', async () => {
    const d1 = await cluster.start('d1', 1, instanceText({ priority: 100 }));
    await cluster.waitFor('d1 MASTER', () => state(d1) === 'MASTER' && d1.os.vips().length === 1);
    await cluster.run(d1.daemon.stop({ handover: true }));
    assert.deepEqual(d1.os.vips(), []);
    assert.match(d1.log.map((l) => l.message).join('\n'), /no new master within \d+ ms, releasing VIPs/);
    assert.ok(cluster.segment.adverts('d1').some((r) => r.advert.priority === 0));
  });

  it('plugins see each transition after its effects: MASTER with the VIPs installed and the first GARP sent', async () => {
    const seen: { to: string; vips: number; frames: number }[] = [];
    let node: Node | null = null;
    const watcher: DaemonPlugin = {
      name: 'watch',
      onTransition: (ev) => void seen.push({ to: ev.to, vips: node!.os.vips().length, frames: cluster.segment.of('frame', 'd1').length }),
    };
    node = cluster.node('d1', 1, instanceText({ priority: 100 }), [watcher]);
    await node.daemon.start();
    await cluster.waitFor('MASTER reported', () => seen.some((s) => s.to === 'MASTER'));
    const master = seen.find((s) => s.to === 'MASTER')!;
    assert.equal(master.vips, 1, 'VIPs installed before onTransition(MASTER)');
    assert.equal(master.frames, 3, 'GARP burst sent before onTransition(MASTER)');
  });
});
