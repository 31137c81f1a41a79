// Socket sharing and families on the in-memory OS: unicast peers (one VRID twice on one socket, told apart by
// source, keepalived sched.c:1072-1113) with three daemons, and IPv6 with unsolicited NAs.
import assert from 'node:assert/strict';
import { Cluster, instanceText, state, useCluster } from './harness.js';


const unicast = (peers: string[]) => `unicast_peer {\n    ${peers.join('\n    ')}\n  }`;

describe('daemon (in-memory OS): unicast and IPv6', function () {
  this.timeout(20_000);
  const clusterOf = useCluster();
  let cluster: Cluster;
  beforeEach(() => {
    cluster = clusterOf();
  });

  it('one VRID twice on one unicast socket, disjoint peers: each advert reaches the instance of its sender', async () => {
    const d1 = cluster.node(
      'd1',
      1,
      instanceText({ name: 'VI_A', vrid: 51, priority: 200, vips: ['10.1.0.100/24'], extra: unicast(['10.1.0.2']) }) +
        instanceText({ name: 'VI_B', vrid: 51, priority: 50, vips: ['10.1.0.101/24'], extra: unicast(['10.1.0.3']) }),
    );
    const d2 = cluster.node('d2', 2, instanceText({ name: 'VI_A', vrid: 51, priority: 100, vips: ['10.1.0.100/24'], extra: unicast(['10.1.0.1']) }));
    const d3 = cluster.node('d3', 3, instanceText({ name: 'VI_B', vrid: 51, priority: 150, vips: ['10.1.0.101/24'], extra: unicast(['10.1.0.1']) }));
    await Promise.all([d1, d2, d3].map((n) => n.daemon.start()));
    assert.equal(d1.os.openSockets().length, 1, 'both instances share the unicast socket');

    const rcvd = (name: string) => d1.daemon.metrics.counters()[name]?.advert_rcvd ?? 0;
    await cluster.waitFor("VI_A: d1 MASTER over d2; VI_B: d3 MASTER, its adverts reaching d1's VI_B", () =>
      state(d1, 'VI_A') === 'MASTER' && state(d2, 'VI_A') === 'BACKUP' && state(d3, 'VI_B') === 'MASTER' && rcvd('VI_B') > 0,
    );
    await cluster.sleep(5 * 50); // longer than VI_B's Master_Down_Interval: it stays BACKUP only if it keeps hearing d3
    assert.equal(state(d1, 'VI_B'), 'BACKUP');
    assert.equal(state(d1, 'VI_A'), 'MASTER');
    const c = d1.daemon.metrics.counters();
    assert.equal(c.VI_A!.advert_rcvd, 0, 'VI_A hears nothing: its only peer is a BACKUP');
    assert.deepEqual(d1.os.vips(), ['10.1.0.100/24']);
    assert.deepEqual(d3.os.vips(), ['10.1.0.101/24']);
    const seg = cluster.segment;
    assert.ok(seg.adverts('d1').every((r) => r.dst === '10.1.0.2'), 'd1 sends only to its VI_A peer');
    assert.ok(seg.adverts('d3').every((r) => r.dst === '10.1.0.1'));
  });

  it('IPv6: the master adverts from its link-local address, adds the VIP, sends NAs with the R flag when forwarding', async () => {
    const v6 = (priority: number) =>
      instanceText({ name: 'VI_6', vrid: 61, priority, garpRepeat: 2, vips: ['fd00:1::100/64'] });
    const d1 = cluster.node('d1', 1, v6(200), [], cluster.host('d1', 1, { ipv6Forwarding: { eth0: true } }));
    const d2 = await cluster.start('d2', 2, v6(100));
    await d1.daemon.start();
    await cluster.waitFor('d1 MASTER', () => state(d1, 'VI_6') === 'MASTER' && d1.os.vips().length === 1);
    await cluster.waitFor('d2 hears it', () => (d2.daemon.metrics.counters().VI_6?.advert_rcvd ?? 0) > 0);
    assert.equal(state(d2, 'VI_6'), 'BACKUP');
    assert.deepEqual(d1.os.vips(), ['fd00:1::100/64']);
    assert.equal(d2.daemon.views()[0]!.masterAddress, 'fe80::1', 'RFC 5798 §5.1.2.1: link-local source');
    const seg = cluster.segment;
    assert.ok(seg.adverts('d1').every((r) => r.dst === 'ff02::12' && r.advert.family === 6));
    await cluster.waitFor('two NAs', () => seg.of('frame', 'd1').length === 2);
    for (const f of seg.of('frame', 'd1')) {
      assert.equal(f.target, 'fd00:1::100');
      assert.equal(f.frame[14 + 40]!, 136, 'ICMPv6 neighbour advertisement');
      assert.equal(f.frame[14 + 40 + 4]! & 0x80, 0x80, 'R flag: forwarding is on');
    }
    assert.equal(d1.daemon.metrics.counters().VI_6!.na_sent, 2);
  });
});
