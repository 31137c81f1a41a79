// keepalived routes and rules on the in-memory OS: virtual_routes/virtual_rules follow the VIPs (added after them,
// removed before them, rules after routes and before them on the way out — vrrp.c); static_routes/static_rules
// are there from start to stop, whatever the instances do, and a reload changes only what changed.
import assert from 'node:assert/strict';
import { Cluster, conf, instanceText, state, useCluster } from './harness.js';

const ROUTING = `
  virtual_routes {
    10.9.0.0/16 via 10.1.0.254 dev eth0
    blackhole 10.8.0.0/16
  }
  virtual_rules {
    from 10.1.0.100/32 table 100 preference 100
  }`;

const STATIC = `
static_routes {
  10.7.0.0/16 via 10.1.0.254 dev eth0
  unreachable 10.6.0.0/16 table 1000
}
static_rules {
  fwmark 7 table 1000 preference 200
}
`;

describe('daemon (in-memory OS): routes and rules', function () {
  this.timeout(20_000);
  const clusterOf = useCluster();
  let cluster: Cluster;
  beforeEach(() => {
    cluster = clusterOf();
  });

  it('virtual routes and rules appear on the MASTER after its VIPs and leave before them on failover', async () => {
    const d1 = await cluster.start('d1', 1, instanceText({ priority: 200, extra: ROUTING }));
    const d2 = await cluster.start('d2', 2, instanceText({ priority: 100, extra: ROUTING }));
    await cluster.waitFor('d1 MASTER with its routes and rule', () => state(d1) === 'MASTER' && d1.os.installedRules().length === 1);
    assert.deepEqual(d1.os.installedRoutes().map((r) => `${r.type} ${r.destination}/${r.prefixLen} ${r.gateway ?? '-'} ${r.ifindex ?? '-'}`), [
      'unicast 10.9.0.0/16 10.1.0.254 2',
      'blackhole 10.8.0.0/16 - -',
    ]);
    assert.deepEqual(d1.os.installedRules(), [{ family: 4, action: 'table', priority: 100, protocol: 18, from: { address: '10.1.0.100', prefixLen: 32 }, table: 100 }]);
    assert.deepEqual([d2.os.installedRoutes(), d2.os.installedRules()], [[], []]);
    const seg = cluster.segment;
    const up = seg.trace.filter((r) => r.host === 'd1' && ['addAddress', 'addRoute', 'addRule'].includes(r.kind)).map((r) => r.kind);
    assert.deepEqual(up, ['addAddress', 'addRoute', 'addRoute', 'addRule']);

    const mark = seg.trace.length;
    await d1.daemon.stop();
    await cluster.waitFor('d2 MASTER with the routes and rule', () => state(d2) === 'MASTER' && d2.os.installedRules().length === 1);
    assert.equal(d2.os.installedRoutes().length, 2);
    assert.deepEqual([d1.os.installedRoutes(), d1.os.installedRules(), d1.os.vips()], [[], [], []]);
    const down = seg.trace.filter((r) => r.seq >= mark && r.host === 'd1' && ['removeAddress', 'removeRoute', 'removeRule'].includes(r.kind));
    assert.deepEqual(down.map((r) => r.kind), ['removeRule', 'removeRoute', 'removeRoute', 'removeAddress'], 'rules, routes (last first), then VIPs');
    assert.deepEqual(down.filter((r) => r.kind === 'removeRoute').map((r) => (r.kind === 'removeRoute' ? r.spec.destination : '')), ['10.8.0.0', '10.9.0.0']);
  });

  it('static routes and rules: installed before any instance runs, kept as BACKUP, diffed by reload, removed at stop', async () => {
    const d2 = cluster.node('d2', 2, STATIC + instanceText({ priority: 100 }));
    const seg = cluster.segment;
    await d2.daemon.start();
    const first = seg.trace.find((r) => r.host === 'd2' && (r.kind === 'vrrp' || r.kind === 'addAddress'));
    const statics = seg.trace.filter((r) => r.host === 'd2' && (r.kind === 'addRoute' || r.kind === 'addRule'));
    assert.deepEqual(statics.map((r) => r.kind), ['addRoute', 'addRoute', 'addRule']);
    assert.ok(first === undefined || statics.every((r) => r.seq < first.seq), 'before the first advert');
    const d1 = await cluster.start('d1', 1, instanceText({ priority: 200 }));
    await cluster.waitFor('d2 BACKUP under d1', () => state(d1) === 'MASTER' && state(d2) === 'BACKUP');
    assert.equal(d2.os.installedRoutes().length, 2);
    assert.deepEqual(d2.os.installedRules().map((r) => [r.fwmark, r.table, r.priority]), [[7, 1000, 200]]);

    const mark = seg.trace.length;
    await d2.daemon.reload(conf(STATIC.replace('  unreachable 10.6.0.0/16 table 1000\n', '  blackhole 10.5.0.0/16\n') + instanceText({ priority: 100 })));
    const changed = seg.trace.filter((r) => r.seq >= mark && r.host === 'd2' && /Route|Rule/.test(r.kind));
    assert.deepEqual(changed.map((r) => `${r.kind} ${'spec' in r && 'destination' in r.spec ? r.spec.destination : ''}`), ['removeRoute 10.6.0.0', 'addRoute 10.5.0.0']);

    await d2.daemon.stop();
    assert.deepEqual([d2.os.installedRoutes(), d2.os.installedRules()], [[], []]);
  });

  it('a static route or rule deleted behind our back is put back (not a no_track one, not after stop)', async () => {
    const text = STATIC.replace('  unreachable 10.6.0.0/16 table 1000\n', '  unreachable 10.6.0.0/16 table 1000\n  blackhole 10.5.0.0/16 no_track\n');
    const d1 = await cluster.start('d1', 1, text + instanceText({ priority: 100 }));
    const os = d1.os;
    const [gw, unreachable, untracked] = os.installedRoutes();
    assert.equal(untracked!.destination, '10.5.0.0');
    os.deleteRoutingBehindBack({ route: gw! });
    os.deleteRoutingBehindBack({ rule: os.installedRules()[0]! });
    await cluster.waitFor('route and rule restored', () => os.installedRoutes().length === 3 && os.installedRules().length === 1);
    assert.match(d1.log.map((l) => l.message).join('\n'), /restoring deleted static route '10\.7\.0\.0\/16 via 10\.1\.0\.254 dev eth0' \(\/etc\/vipd\/test\.conf:3\)/);
    os.deleteRoutingBehindBack({ route: untracked! });
    os.deleteRoutingBehindBack({ route: unreachable! });
    await cluster.waitFor('the tracked one is back', () => os.installedRoutes().some((r) => r.destination === '10.6.0.0'));
    assert.ok(!os.installedRoutes().some((r) => r.destination === '10.5.0.0'), 'no_track: left deleted (keepalived)');
    await d1.daemon.stop();
    assert.deepEqual([os.installedRoutes(), os.installedRules()], [[], []]);
  });
});
