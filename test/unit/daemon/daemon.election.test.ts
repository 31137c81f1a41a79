// Whole Daemons (config → cores → runners → OS port) electing each other over an in-memory segment with real
// encoded adverts: no root, no namespaces. Virtual time (the cluster's clock); VRRPv3 at 0.05 s so a takeover
// takes ~0.2 virtual s. Every wait has a generous bound, no assertion depends on a timing figure.
import assert from 'node:assert/strict';
import type { DaemonPlugin } from '../../../src/plugin/api.js';
import { Cluster, instanceText, type Node, state, useCluster } from './harness.js';

const VIP = '10.1.0.100';
const ADVERT_MS = 50;


describe('daemon (in-memory OS): election, failover, stop', function () {
  this.timeout(20_000);
  const clusterOf = useCluster();
  let cluster: Cluster;
  beforeEach(() => {
    cluster = clusterOf();
  });

  /** d1 (priority 200) and d2 (priority 100), started together; resolves once d1 is MASTER with its VIP. */
  async function pair(garpRepeat = 3): Promise<{ d1: Node; d2: Node }> {
    const d1 = cluster.node('d1', 1, instanceText({ priority: 200, garpRepeat }));
    const d2 = cluster.node('d2', 2, instanceText({ priority: 100, garpRepeat }));
    await Promise.all([d1.daemon.start(), d2.daemon.start()]);
    await cluster.waitFor('d1 MASTER with its VIP', () => state(d1) === 'MASTER' && d1.os.vips().includes(`${VIP}/24`));
    return { d1, d2 };
  }

  it('elects the higher priority: it adverts, adds its VIPs through the OS port, then sends garp_master_repeat GARPs', async () => {
    const { d1, d2 } = await pair(3);
    const seg = cluster.segment;
    await cluster.waitFor('the GARP burst', () => seg.of('frame', 'd1').length >= 3);
    await cluster.sleep(6 * ADVERT_MS); // several advert intervals: d2 must stay BACKUP, no second burst may follow
    assert.equal(state(d2), 'BACKUP');
    assert.deepEqual(d2.os.vips(), []);
    assert.equal(seg.of('addAddress', 'd2').length, 0, 'the backup never added a VIP');
    assert.equal(seg.adverts('d2').length, 0, 'a backup does not advertise');

    const frames = seg.of('frame', 'd1');
    assert.equal(frames.length, 3, 'garp_master_repeat 3, garp_master_delay 0: exactly one burst of 3');
    assert.ok(frames.every((f) => f.target === VIP && f.ifname === 'eth0'));
    assert.equal(seg.of('frame', 'd2').length, 0);

    // keepalived vrrp.c:1885-1954: first advert, then the VIPs, then GARP.
    const firstAdvert = seg.adverts('d1')[0]!;
    const added = seg.of('addAddress', 'd1').find((r) => r.address === VIP)!;
    assert.equal(firstAdvert.advert.priority, 200);
    assert.deepEqual(firstAdvert.advert.addresses, [VIP]);
    assert.equal(added.result, 'added');
    assert.equal(added.prefixLen, 24);
    assert.ok(firstAdvert.seq < added.seq, 'advert before the VIPs');
    assert.ok(added.seq < frames[0]!.seq, 'VIPs before GARP');

    const c = d1.daemon.metrics.counters();
    assert.equal(c.VI_1?.become_master, 1);
    assert.equal(c.VI_1?.garp_sent, 3);
    assert.ok((d2.daemon.metrics.counters().VI_1?.advert_rcvd ?? 0) >= 1, 'the backup heard the master');
    assert.match(d1.log.map((l) => l.message).join('\n'), /\(VI_1\) Entering MASTER STATE/);
  });

  it('link down on the master: FAULT, priority-0 advert on the wire, VIPs removed, the backup takes over; link up: preempts back', async () => {
    const { d1, d2 } = await pair();
    const seg = cluster.segment;
    const mark = seg.trace.length;
    d1.os.setLink('eth0', false);
    await cluster.waitFor('d2 MASTER with the VIP', () => state(d2) === 'MASTER' && d2.os.vips().includes(`${VIP}/24`));
    assert.equal(state(d1), 'FAULT');
    assert.deepEqual(d1.os.vips(), [], 'd1 removed its VIP');
    const after = seg.trace.filter((r) => r.seq >= mark);
    const zero = after.find((r) => r.kind === 'vrrp' && r.host === 'd1' && r.advert?.priority === 0);
    assert.ok(zero, 'priority-0 advert sent (RFC 5798 §6.4.3)');
    const removed = after.find((r) => r.kind === 'removeAddress' && r.host === 'd1' && r.address === VIP);
    assert.ok(removed && removed.seq > zero.seq, 'priority 0 first, then the VIP goes');
    assert.ok((d2.daemon.metrics.counters().VI_1?.pri_zero_rcvd ?? 0) >= 1, 'd2 received the priority-0 advert');
    // In FAULT the instance stays silent.
    const faultMark = seg.trace.length;
    await cluster.sleep(4 * ADVERT_MS);
    assert.equal(seg.adverts('d1').filter((r) => r.seq >= faultMark).length, 0, 'no adverts from FAULT');

    d1.os.setLink('eth0', true);
    await cluster.waitFor('d1 MASTER again (preempt)', () => state(d1) === 'MASTER' && state(d2) === 'BACKUP');
    await cluster.waitFor('the VIP moved back', () => d1.os.vips().length === 1 && d2.os.vips().length === 0);
  });

  it('interface deleted and created again (new ifindex): FAULT, then the instance restarts on the new index and takes back its role', async () => {
    const { d1, d2 } = await pair();
    const ifindexBefore = d1.os.ifindexOf('eth0');
    // Re-created without its address first: the instance cannot run there yet and waits in FAULT.
    d1.os.recreateLink('eth0', 42, { addressesBack: false });
    await cluster.waitFor('d2 MASTER with the VIP', () => state(d2) === 'MASTER' && d2.os.vips().includes(`${VIP}/24`));
    assert.equal(state(d1), 'FAULT');
    await cluster.sleep(4 * ADVERT_MS);
    assert.equal(state(d1), 'FAULT', 'still FAULT: no address on the new interface');
    // The address comes back: d1 restarts on ifindex 42, hears d2, preempts (priority 200 > 100).
    const mark = cluster.segment.trace.length;
    d1.os.addOwnAddress('eth0', '10.1.0.1/24');
    await cluster.waitFor('d1 MASTER again on the new interface', () => state(d1) === 'MASTER' && state(d2) === 'BACKUP');
    await cluster.waitFor('GARP from d1 on the new interface', () => cluster.segment.of('frame', 'd1').some((f) => f.seq >= mark && f.target === VIP));
    await cluster.waitFor('the VIP on the new ifindex', () => d1.os.vips('eth0').includes(`${VIP}/24`) && d2.os.vips().length === 0);
    const live = d1.os.openSockets();
    assert.ok(live.length >= 1 && live.every((t) => t.ifindex === 42), `sockets on the new index (was ${ifindexBefore})`);
    assert.match(d1.log.map((l) => l.message).join('\n'), /\(VI_1\) interface eth0 re-created \(ifindex \d+ → 42\): instance restarted on it/);
  });

  it('plugins hear a re-created interface go down and come back up by name (track_interface follows it)', async () => {
    const heard: string[] = [];
    const listener: DaemonPlugin = {
      name: 'link-listener',
      start: (ctl) => {
        ctl.onLink((ifname, up) => heard.push(`${ifname} ${up ? 'up' : 'down'}`));
      },
    };
    const d1 = cluster.node('d1', 1, instanceText({ priority: 200 }), [listener]);
    await d1.daemon.start();
    await cluster.waitFor('d1 MASTER', () => state(d1) === 'MASTER');
    d1.os.recreateLink('eth0', 43);
    await cluster.waitFor('down then up heard', () => heard.join() === 'eth0 down,eth0 up');
  });

  it('stop({handover: true}) keeps the VIPs until the successor has advertised', async () => {
    const { d1, d2 } = await pair();
    const seg = cluster.segment;
    const mark = seg.trace.length;
    await cluster.run(d1.daemon.stop({ handover: true }));
    assert.deepEqual(d1.os.vips(), [], 'released by the time stop() resolves');
    const zero = seg.adverts('d1').find((r) => r.seq >= mark && r.advert.priority === 0);
    const successor = seg.adverts('d2').find((r) => r.seq >= mark && r.advert.priority === 100);
    const removed = seg.of('removeAddress', 'd1').find((r) => r.seq >= mark && r.address === VIP);
    assert.ok(zero && successor && removed, 'priority-0 advert, successor advert and VIP removal all happened');
    assert.ok(zero.seq < successor.seq, 'd2 took over after the priority-0 advert');
    assert.ok(successor.seq < removed.seq, 'make-before-break: d1 held the VIP until d2 announced itself');
    assert.equal(removed.result, 'removed');
    await cluster.waitFor('d2 MASTER with the VIP', () => state(d2) === 'MASTER' && d2.os.vips().includes(`${VIP}/24`));
    assert.ok(d1.os.closed, 'the OS port is closed after stop');
    assert.equal(d1.os.openSockets().length, 0);
  });

  it('stop({handover: false}) removes the VIPs at once', async () => {
    const { d1, d2 } = await pair();
    const seg = cluster.segment;
    const mark = seg.trace.length;
    await d1.daemon.stop({ handover: false });
    const removed = seg.of('removeAddress', 'd1').find((r) => r.seq >= mark && r.address === VIP);
    assert.ok(removed, 'VIP removed');
    assert.equal(seg.adverts('d2').filter((r) => r.seq >= mark).length, 0, 'before d2 has even taken over');
    await cluster.waitFor('d2 MASTER', () => state(d2) === 'MASTER');
    const successor = seg.adverts('d2').find((r) => r.seq >= mark)!;
    assert.ok(removed.seq < successor.seq, 'break-before-make, as keepalived');
  });

  it('a takeover whose commit is overtaken by a better master never adds the VIPs or sends GARP; adverts go on meanwhile', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let commits = 0;
    const slowCommit: DaemonPlugin = {
      name: 'slow-commit',
      beforeVipsAdded: async () => {
        commits++;
        await gate;
      },
    };
    try {
      const d1 = await cluster.start('d1', 1, instanceText({ priority: 100 }), [slowCommit]);
      const seg = cluster.segment;
      await cluster.waitFor('d1 MASTER, commit pending', () => state(d1) === 'MASTER' && commits === 1);
      const mark = seg.trace.length;
      // No silent master: periodic adverts never wait behind the takeover's commit.
      await cluster.waitFor('three periodic adverts while the commit is pending', () => seg.adverts('d1').filter((r) => r.seq >= mark).length >= 3);
      assert.deepEqual(d1.os.vips(), [], 'VIPs wait for the commit');
      assert.equal(seg.of('frame', 'd1').length, 0);

      const d2 = await cluster.start('d2', 2, instanceText({ priority: 200 }));
      await cluster.waitFor('d2 MASTER, d1 BACKUP', () => state(d2) === 'MASTER' && state(d1) === 'BACKUP');
      release();
      await cluster.sleep(4 * ADVERT_MS); // d1's queued batches run now
      assert.equal(seg.of('addAddress', 'd1').length, 0, 'the stale batch added no VIP');
      assert.equal(seg.of('frame', 'd1').length, 0, 'the stale batch sent no GARP');
      assert.deepEqual(d1.os.vips(), []);
      assert.equal(state(d1), 'BACKUP');
      assert.deepEqual(d2.os.vips(), [`${VIP}/24`]);
      assert.equal(seg.of('frame', 'd2').length, 3);
      assert.match(d1.log.map((l) => l.message).join('\n'), /lost MASTER while committing connections, not adding VIPs/);
      assert.equal(commits, 1);
    } finally {
      release();
    }
  });

  it('a commit that finishes in time adds the VIPs after it, then GARP', async () => {
    let committedSeq = -1;
    const d1 = await cluster.start('d1', 1, instanceText({ priority: 100 }), [
      {
        name: 'commit',
        beforeVipsAdded: async () => {
          await cluster.clock.sleep(ADVERT_MS);
          committedSeq = cluster.segment.trace.length;
        },
      },
    ]);
    await cluster.waitFor('d1 MASTER with its VIP and GARP', () => d1.os.vips().length === 1 && cluster.segment.of('frame', 'd1').length === 3);
    const added = cluster.segment.of('addAddress', 'd1')[0]!;
    assert.ok(committedSeq >= 0 && added.seq >= committedSeq, 'commit → VIPs');
  });
});
