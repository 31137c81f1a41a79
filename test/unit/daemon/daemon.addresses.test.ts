// VIPs deleted behind the daemon's back (RTM_DELADDR from someone else) while MASTER are put back and announced;
// no_track VIPs are left alone; the daemon's own removals (reload, leaving MASTER) are never undone.
import assert from 'node:assert/strict';
import { Cluster, conf, instanceText, state, useCluster } from './harness.js';

const ADVERT_MS = 50;

describe('daemon (in-memory OS): VIPs removed behind our back', function () {
  this.timeout(20_000);
  const clusterOf = useCluster();
  let cluster: Cluster;
  beforeEach(() => {
    cluster = clusterOf();
  });

  it('a MASTER puts a deleted VIP back and announces it; a no_track VIP is left alone', async () => {
    const d1 = await cluster.start('d1', 1, instanceText({ priority: 100, vips: ['10.1.0.100/24', '10.1.0.101/24 no_track'] }));
    await cluster.waitFor('d1 MASTER with both VIPs', () => state(d1) === 'MASTER' && d1.os.vips().length === 2);
    const seg = cluster.segment;
    const mark = seg.trace.length;

    d1.os.deleteAddressBehindBack('eth0', '10.1.0.100/24');
    await cluster.waitFor('the VIP is back', () => d1.os.vips().includes('10.1.0.100/24'));
    await cluster.waitFor('and announced', () => seg.of('frame', 'd1').some((f) => f.seq >= mark && f.target === '10.1.0.100'));
    assert.match(d1.log.map((l) => l.message).join('\n'), /VIP 10\.1\.0\.100 was removed by someone else while MASTER; adding it back/);

    const mark2 = seg.trace.length;
    d1.os.deleteAddressBehindBack('eth0', '10.1.0.101/24');
    await cluster.sleep(4 * ADVERT_MS);
    assert.ok(!d1.os.vips().includes('10.1.0.101/24'), 'no_track: left alone (keepalived)');
    assert.equal(seg.of('addAddress', 'd1').filter((r) => r.seq >= mark2).length, 0);
    assert.equal(state(d1), 'MASTER');
  });

  it('a VIP on another interface (dev) that is deleted and created again goes back on its new index', async () => {
    const os = cluster.host('d1', 1, {
      links: [
        { name: 'eth0', ifindex: 2, addresses: ['10.1.0.1/24', 'fe80::1/64'] },
        { name: 'eth1', ifindex: 3, addresses: ['10.2.0.1/24'] },
      ],
    });
    const d1 = cluster.node('d1', 1, instanceText({ priority: 100, vips: ['10.1.0.100/24', '10.2.0.100/24 dev eth1'] }), [], os);
    await d1.daemon.start();
    await cluster.waitFor('d1 MASTER with the VIP on eth1', () => state(d1) === 'MASTER' && os.vips('eth1').includes('10.2.0.100/24'));
    // eth1 rebuilt (a VLAN re-created): its addresses go with it, the instance on eth0 keeps running.
    const mark = cluster.segment.trace.length;
    os.recreateLink('eth1', 7);
    await cluster.waitFor('the VIP back on eth1 (ifindex 7)', () => os.vips('eth1').includes('10.2.0.100/24'));
    // Its GARP on the new eth1 too: the frame socket bound to the old index is deaf (ENXIO).
    await cluster.waitFor('announced on the new eth1', () =>
      cluster.segment.of('frame', 'd1').some((f) => f.seq >= mark && f.ifname === 'eth1' && f.target === '10.2.0.100'),
    );
    assert.equal(state(d1), 'MASTER');
    assert.doesNotMatch(d1.log.map((l) => l.message).join('\n'), /cannot add VIP 10\.2\.0\.100/);
  });

  it("the daemon's own removals stay removed: a VIP dropped by reload, the VIPs of a master that steps down", async () => {
    const d1 = await cluster.start('d1', 1, instanceText({ priority: 100, vips: ['10.1.0.100/24', '10.1.0.101/24'] }));
    await cluster.waitFor('d1 MASTER with both VIPs', () => state(d1) === 'MASTER' && d1.os.vips().length === 2);
    const seg = cluster.segment;
    const mark = seg.trace.length;

    const plan = await d1.daemon.reload(conf(instanceText({ priority: 100, vips: ['10.1.0.100/24'] })));
    assert.deepEqual(plan.reconfigure, ['VI_1']);
    await cluster.waitFor('the dropped VIP is gone', () => !d1.os.vips().includes('10.1.0.101/24'));
    await cluster.sleep(4 * ADVERT_MS);
    assert.deepEqual(d1.os.vips(), ['10.1.0.100/24']);
    assert.equal(seg.of('addAddress', 'd1').filter((r) => r.seq >= mark).length, 0, 'nothing re-added');
    assert.equal(state(d1), 'MASTER');

    const d2 = await cluster.start('d2', 2, instanceText({ priority: 200, vips: ['10.1.0.100/24'] }));
    await cluster.waitFor('d2 preempts', () => state(d2) === 'MASTER' && state(d1) === 'BACKUP');
    await cluster.sleep(4 * ADVERT_MS);
    assert.deepEqual(d1.os.vips(), [], 'the old master does not take its VIP back');
  });
});
