// Daemon.reload() on the in-memory OS: in place (no transition, the new VIP added, the peers told at once),
// restart on a changed identity (VRID), and an instance added next to an in-place one on the same socket.
import assert from 'node:assert/strict';
import { Cluster, conf, instanceText, metricValue, state, useCluster } from './harness.js';

const ADVERT_MS = 50;

describe('daemon (in-memory OS): reload', function () {
  this.timeout(20_000);
  const clusterOf = useCluster();
  let cluster: Cluster;
  beforeEach(() => {
    cluster = clusterOf();
  });

  it('in place: a VIP added to a MASTER goes up with its GARPs, the next advert lists it, no transition and no flap', async () => {
    const d1 = await cluster.start('d1', 1, instanceText({ priority: 200 }));
    const d2 = await cluster.start('d2', 2, instanceText({ priority: 100 }));
    await cluster.waitFor('d1 MASTER, d2 BACKUP', () => state(d1) === 'MASTER' && state(d2) === 'BACKUP' && d1.os.vips().length === 1);
    const seg = cluster.segment;
    const transitions = d1.daemon.metrics.counters().VI_1!.become_master;
    const mark = seg.trace.length;
    const logMark = d1.log.length;

    const plan = await d1.daemon.reload(conf(instanceText({ priority: 200, vips: ['10.1.0.100/24', '10.1.0.101/24'] })));
    assert.deepEqual(plan.reconfigure, ['VI_1']);
    assert.deepEqual([...plan.restart, ...plan.add, ...plan.remove], []);
    await cluster.waitFor('the new VIP is up', () => d1.os.vips().includes('10.1.0.101/24'));
    await cluster.waitFor('an advert with both VIPs', () =>
      seg.adverts('d1').some((r) => r.seq >= mark && [...r.advert.addresses].sort().join() === '10.1.0.100,10.1.0.101'),
    );
    await cluster.sleep(4 * ADVERT_MS);

    assert.equal(state(d1), 'MASTER');
    assert.equal(state(d2), 'BACKUP');
    assert.equal(d1.daemon.metrics.counters().VI_1!.become_master, transitions, 'no transition');
    assert.doesNotMatch(d1.log.slice(logMark).map((l) => l.message).join('\n'), /Entering (MASTER|BACKUP|FAULT) STATE/);
    assert.equal(seg.of('removeAddress', 'd1').filter((r) => r.seq >= mark).length, 0, 'the existing VIP never flapped');
    assert.deepEqual(
      seg.of('addAddress', 'd1').filter((r) => r.seq >= mark).map((r) => r.address),
      ['10.1.0.101'],
      'only the new VIP was added',
    );
    const garps = seg.of('frame', 'd1').filter((r) => r.seq >= mark);
    assert.deepEqual(garps.map((f) => f.target), ['10.1.0.101', '10.1.0.101', '10.1.0.101'], 'GARPs for the new VIP only');
    assert.equal(d1.os.openSockets().length, 1, 'same socket');
  });

  it('in place: a BACKUP whose priority is raised above the master preempts it, without a restart', async () => {
    const d1 = await cluster.start('d1', 1, instanceText({ priority: 200 }));
    const d2 = await cluster.start('d2', 2, instanceText({ priority: 100 }));
    await cluster.waitFor('d1 MASTER, d2 BACKUP', () => state(d1) === 'MASTER' && state(d2) === 'BACKUP');
    const plan = await d2.daemon.reload(conf(instanceText({ priority: 250 })));
    assert.deepEqual(plan.reconfigure, ['VI_1']);
    await cluster.waitFor('d2 preempts', () => state(d2) === 'MASTER' && state(d1) === 'BACKUP' && d2.os.vips().length === 1);
    assert.ok(cluster.segment.adverts('d2').every((r) => r.advert.priority === 250));
    assert.deepEqual(d1.os.vips(), []);
  });

  it('a changed VRID restarts the instance: priority 0 on the old VRID, VIPs down, then MASTER on the new one', async () => {
    const d1 = await cluster.start('d1', 1, instanceText({ priority: 100, vrid: 51 }));
    await cluster.waitFor('d1 MASTER on VRID 51', () => state(d1) === 'MASTER' && d1.os.vips().length === 1);
    const seg = cluster.segment;
    const mark = seg.trace.length;

    const plan = await d1.daemon.reload(conf(instanceText({ priority: 100, vrid: 52 })));
    assert.deepEqual(plan.restart, ['VI_1']);
    await cluster.waitFor('d1 MASTER on VRID 52 with its VIP', () => state(d1) === 'MASTER' && seg.adverts('d1', 52).length > 0 && d1.os.vips().length === 1);

    const zero = seg.adverts('d1', 51).find((r) => r.seq >= mark && r.advert.priority === 0);
    const removed = seg.of('removeAddress', 'd1').find((r) => r.seq >= mark && r.result === 'removed');
    const first52 = seg.adverts('d1', 52)[0]!;
    const readded = seg.of('addAddress', 'd1').find((r) => r.seq >= mark)!;
    assert.ok(zero, 'the old virtual router resigned with priority 0');
    assert.ok(removed && removed.seq < first52.seq, 'the old instance let its VIPs go before the new one took over');
    assert.ok(first52.seq < readded.seq);
    assert.equal(seg.adverts('d1', 51).filter((r) => r.seq > zero.seq).length, 0, 'nothing more on VRID 51');
    assert.equal(d1.os.openSockets().length, 1, 'the old socket was closed, one is open');
    assert.equal(d1.daemon.metrics.counters().VI_1!.become_master, 1, 'counters restart with the instance');
  });

  it('an instance added on the same socket as one changed in place: packets still reach the right instance', async () => {
    // Regression: an in-place reload once replaced the packet-routing entry, so adverts for the changed instance
    // went nowhere (it stayed MASTER forever next to a better peer).
    const d1 = await cluster.start('d1', 1, instanceText({ priority: 100 }));
    await cluster.waitFor('d1 VI_1 MASTER', () => state(d1) === 'MASTER');

    const v1 = instanceText({ name: 'VI_1', vrid: 51, priority: 110, vips: ['10.1.0.100/24', '10.1.0.101/24'] });
    const v2 = instanceText({ name: 'VI_2', vrid: 52, priority: 100, vips: ['10.1.0.102/24'] });
    const plan = await d1.daemon.reload(conf(v1 + v2));
    assert.deepEqual(plan.reconfigure, ['VI_1']);
    assert.deepEqual(plan.add, ['VI_2']);
    assert.equal(d1.os.openSockets().length, 1, 'both instances share the multicast socket on eth0');
    await cluster.waitFor('d1 VI_2 MASTER', () => state(d1, 'VI_2') === 'MASTER');
    assert.equal(state(d1), 'MASTER', 'VI_1 untouched by the reload');

    // A better peer for both: each of d1's instances must hear its own VRID's adverts and step down.
    const better = instanceText({ name: 'VI_1', vrid: 51, priority: 200, vips: ['10.1.0.100/24', '10.1.0.101/24'] }) +
      instanceText({ name: 'VI_2', vrid: 52, priority: 200, vips: ['10.1.0.102/24'] });
    const d2 = await cluster.start('d2', 2, better);
    await cluster.waitFor('d2 MASTER for both, d1 BACKUP for both', () =>
      state(d2, 'VI_1') === 'MASTER' && state(d2, 'VI_2') === 'MASTER' && state(d1, 'VI_1') === 'BACKUP' && state(d1, 'VI_2') === 'BACKUP',
    );
    const c = d1.daemon.metrics.counters();
    assert.ok(c.VI_1!.advert_rcvd > 0 && c.VI_2!.advert_rcvd > 0, 'each instance received its adverts');
    const text = await d1.daemon.metrics.metricsText();
    assert.ok(!metricValue(text, 'vipd_drops_total', { iname: '', reason: 'unknown_vrid' }), 'no advert went unrouted');
    assert.deepEqual(d1.os.vips(), []);
    assert.deepEqual(d2.os.vips().sort(), ['10.1.0.100/24', '10.1.0.101/24', '10.1.0.102/24']);

    // Restart VI_1 (dont_track_primary is an identity field) next to VI_2: the fresh VI_1 must be the only
    // candidate for VRID 51, hear d2 and stay BACKUP instead of taking over after Master_Down_Interval.
    const restarted = await d1.daemon.reload(conf(v1.replace('priority 110', 'priority 110\n  dont_track_primary') + v2));
    assert.deepEqual(restarted.restart, ['VI_1']);
    const rcvd = () => d1.daemon.metrics.counters().VI_1?.advert_rcvd ?? 0;
    await cluster.waitFor('the restarted VI_1 hears d2', () => rcvd() >= 5);
    assert.equal(state(d1, 'VI_1'), 'BACKUP');
    assert.equal(state(d2, 'VI_1'), 'MASTER');
    assert.deepEqual(d1.os.vips(), []);
  });

  it('an instance changed in place and then restarted on the same socket still receives its adverts', async () => {
    // The in-place change must keep the object the packet-routing list holds: otherwise the restart's forget()
    // misses the old entry, VRID 51 has two candidates and multicast adverts match neither.
    const d1 = await cluster.start('d1', 1, instanceText({ priority: 100 }));
    await cluster.waitFor('d1 MASTER', () => state(d1) === 'MASTER');
    assert.deepEqual((await d1.daemon.reload(conf(instanceText({ priority: 110 })))).reconfigure, ['VI_1']);
    // dont_track_primary is an identity field: a restart that keeps VRID, group and socket.
    assert.deepEqual((await d1.daemon.reload(conf(instanceText({ priority: 110, extra: 'dont_track_primary' })))).restart, ['VI_1']);
    await cluster.waitFor('d1 MASTER again', () => state(d1) === 'MASTER');
    assert.equal(d1.os.openSockets().length, 1);
    const d2 = await cluster.start('d2', 2, instanceText({ priority: 200 }));
    await cluster.waitFor('d1 hears the better peer and steps down', () => state(d1) === 'BACKUP' && state(d2) === 'MASTER');
    assert.ok(d1.daemon.metrics.counters().VI_1!.advert_rcvd > 0);
  });

  it('a second in-place reload after an instance was removed keeps routing the survivor', async () => {
    const v1 = (prio: number) => instanceText({ name: 'VI_1', vrid: 51, priority: prio });
    const v2 = instanceText({ name: 'VI_2', vrid: 52, priority: 100, vips: ['10.1.0.102/24'] });
    const d1 = await cluster.start('d1', 1, v1(100) + v2);
    await cluster.waitFor('d1 MASTER for both', () => state(d1, 'VI_1') === 'MASTER' && state(d1, 'VI_2') === 'MASTER');
    const plan = await d1.daemon.reload(conf(v1(120)));
    assert.deepEqual(plan.remove, ['VI_2']);
    assert.deepEqual(plan.reconfigure, ['VI_1']);
    assert.deepEqual(d1.os.vips(), ['10.1.0.100/24'], 'the removed instance took its VIP with it');
    assert.equal(d1.os.openSockets().length, 1, 'the socket stays for the survivor');
    const d2 = await cluster.start('d2', 2, instanceText({ name: 'VI_1', vrid: 51, priority: 200 }));
    await cluster.waitFor('d1 steps down for the better peer', () => state(d1) === 'BACKUP' && state(d2) === 'MASTER');
  });
});
