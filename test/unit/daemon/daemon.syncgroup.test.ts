// A sync group across two interfaces (front and back LAN), run by the daemon's group unit driver: a fault on one
// member's link takes the whole group to FAULT on that node, and the peer takes over both virtual routers.
import assert from 'node:assert/strict';
import { Cluster, instanceText, type Node, state, useCluster } from './harness.js';


const group = (prio: number) =>
  `vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n}\n` +
  instanceText({ name: 'VI_1', vrid: 51, priority: prio, iface: 'eth0', vips: ['10.1.0.100/24'] }) +
  instanceText({ name: 'VI_2', vrid: 52, priority: prio, iface: 'eth1', vips: ['10.2.0.254/24'] });

describe('daemon (in-memory OS): sync group', function () {
  this.timeout(20_000);
  const clusterOf = useCluster();
  let cluster: Cluster;
  beforeEach(() => {
    cluster = clusterOf();
  });

  function director(name: string, octet: number, prio: number): Node {
    const os = cluster.host(name, octet, {
      links: [
        { name: 'eth0', ifindex: 2, lan: 'front', addresses: [`10.1.0.${octet}/24`] },
        { name: 'eth1', ifindex: 3, lan: 'back', addresses: [`10.2.0.${octet}/24`] },
      ],
    });
    return cluster.node(name, octet, group(prio), [], os);
  }

  it('a link fault on one member takes the whole group to FAULT; the peer takes over both; recovery preempts back', async () => {
    const d1 = director('d1', 1, 200);
    const d2 = director('d2', 2, 100);
    await Promise.all([d1.daemon.start(), d2.daemon.start()]);
    const both = (n: Node, s: string) => state(n, 'VI_1') === s && state(n, 'VI_2') === s;
    await cluster.waitFor('d1 MASTER for the group', () => both(d1, 'MASTER') && both(d2, 'BACKUP') && d1.os.vips().length === 2);
    assert.deepEqual(d1.os.vips('eth0'), ['10.1.0.100/24']);
    assert.deepEqual(d1.os.vips('eth1'), ['10.2.0.254/24']);
    const seg = cluster.segment;
    const mark = seg.trace.length;

    d1.os.setLink('eth1', false);
    await cluster.waitFor('d2 MASTER for the group', () => both(d2, 'MASTER') && d2.os.vips().length === 2);
    assert.ok(both(d1, 'FAULT'), `d1: ${JSON.stringify(d1.daemon.states())}`);
    assert.deepEqual(d1.os.vips(), [], 'd1 released the VIPs of both members');
    for (const vrid of [51, 52]) {
      assert.ok(seg.adverts('d1', vrid).some((r) => r.seq >= mark && r.advert.priority === 0), `priority 0 on VRID ${vrid}`);
    }

    d1.os.setLink('eth1', true);
    await cluster.waitFor('d1 MASTER for the group again', () => both(d1, 'MASTER') && both(d2, 'BACKUP') && d2.os.vips().length === 0);
    assert.equal(d1.os.vips().length, 2);
  });

  it("one member's interface re-created: the whole group restarts together and stays one unit", async () => {
    const d1 = director('d1', 1, 200);
    const d2 = director('d2', 2, 100);
    await Promise.all([d1.daemon.start(), d2.daemon.start()]);
    const both = (n: Node, s: string) => state(n, 'VI_1') === s && state(n, 'VI_2') === s;
    await cluster.waitFor('d1 MASTER for the group', () => both(d1, 'MASTER') && both(d2, 'BACKUP'));
    d1.os.recreateLink('eth0', 12);
    await cluster.waitFor('d1 MASTER for the group again, on the new eth0', () => both(d1, 'MASTER') && both(d2, 'BACKUP') && d1.os.vips().length === 2);
    const log = d1.log.map((l) => l.message).join('\n');
    assert.match(log, /\(VI_1\) interface eth0 re-created \(ifindex 2 → 12\)/);
    assert.match(log, /\(VI_2\) restarted with its sync group/);
    // One unit: a fault on the member that was not re-created still takes the whole group down.
    d1.os.setLink('eth1', false);
    await cluster.waitFor('d1 FAULT for the whole group', () => both(d1, 'FAULT') && both(d2, 'MASTER'));
  });

  it('stopping the master group resigns every member with priority 0 and the peer takes both', async () => {
    const d1 = director('d1', 1, 200);
    const d2 = director('d2', 2, 100);
    await Promise.all([d1.daemon.start(), d2.daemon.start()]);
    const both = (n: Node, s: string) => state(n, 'VI_1') === s && state(n, 'VI_2') === s;
    await cluster.waitFor('d1 MASTER for the group', () => both(d1, 'MASTER') && d1.os.vips().length === 2);
    const seg = cluster.segment;
    const mark = seg.trace.length;
    await cluster.run(d1.daemon.stop({ handover: true }));
    for (const vrid of [51, 52]) {
      const zero = seg.adverts('d1', vrid).find((r) => r.seq >= mark && r.advert.priority === 0);
      assert.ok(zero, `priority 0 on VRID ${vrid}: no member was dragged to BACKUP first`);
      const successor = seg.adverts('d2', vrid).find((r) => r.seq >= mark);
      const removed = seg.of('removeAddress', 'd1').find((r) => r.seq >= mark && r.result === 'removed' && r.ifindex === (vrid === 51 ? 2 : 3));
      assert.ok(successor && removed && successor.seq < removed.seq, `VRID ${vrid}: handed over before the VIP went`);
    }
    assert.deepEqual(d1.os.vips(), []);
    await cluster.waitFor('d2 MASTER for both', () => both(d2, 'MASTER') && d2.os.vips().length === 2);
  });
});
