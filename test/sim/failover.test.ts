// One scenario per failover rule that used to live in the runner and is now the core's (commit before VIPs,
// make-before-break handover, VIP repair, no stale batch, adverts never behind a commit), run end to end: real
// InstanceRunners and UnitDrivers on MemoryOs hosts, virtual time. Assertions read the hosts' shared trace (every
// packet, address change and GARP frame, in order) — never the effect list the core produced.
import assert from 'node:assert/strict';
import type { InstanceParams } from '../../src/vrrp/types.js';
import { params } from '../unit/vrrp/params.js';
import { MemoryNetwork, type RouterSpec } from './memoryNetwork.js';

const VIP = '10.1.0.100';

function router(net: MemoryNetwork, name: string, n: number, over: Partial<InstanceParams> = {}, extra: Partial<RouterSpec> = {}): void {
  net.addRouter({ name, address: `10.1.0.${n}`, instances: [params({ sourceAddress: `10.1.0.${n}`, ...over })], ...extra });
}

const logged = (net: MemoryNetwork, router: string, text: string): boolean => net.logs.some((l) => l.router === router && l.message.includes(text));

describe('sim: failover rules (real runner, in-memory OS, virtual time)', () => {
  describe('commit before VIPs', () => {
    it('the VIP appears only after the commit has completed, and GARP only after the VIP', async () => {
      const net = new MemoryNetwork();
      let committedSeq = -1;
      let commits = 0;
      router(net, 'd1', 1, { priority: 200 }, {
        commit: async () => {
          commits++;
          await net.clock.sleep(300);
          committedSeq = net.segment.trace.length;
        },
      });
      router(net, 'd2', 2, { priority: 100 });
      await net.start();
      await net.run(10_000);
      assert.deepEqual(net.masters('VI_1'), ['d1']);
      assert.deepEqual(net.holders('VI_1'), ['d1']);
      assert.equal(commits, 1);
      const added = net.segment.of('addAddress', 'd1');
      const frames = net.segment.of('frame', 'd1');
      const firstAdvert = net.segment.adverts('d1').find((r) => r.advert.priority === 200)!;
      assert.ok(committedSeq >= 0 && added.length === 1 && frames.length > 0);
      assert.ok(firstAdvert.seq < committedSeq, 'the first advert went out before the commit finished');
      assert.ok(added[0]!.seq >= committedSeq, 'commit → VIP');
      assert.ok(frames.every((f) => f.seq > added[0]!.seq), 'VIP → GARP');
      assert.ok(added[0]!.atMs - firstAdvert.atMs >= 300, 'the VIP waited for the whole commit');
    });

    it('a commit that never ends: the VIPs go up at the bound (10 s), logged', async () => {
      const net = new MemoryNetwork();
      router(net, 'd1', 1, { priority: 200 }, { commit: () => new Promise<void>(() => undefined) });
      await net.start();
      await net.run(5000);
      assert.equal(net.state('d1', 'VI_1'), 'MASTER');
      const tMaster = net.transitionAt('d1', 'VI_1', 'MASTER')!;
      await net.runUntil(tMaster + 9999);
      assert.deepEqual(net.host('d1').vips(), [], 'still waiting for the commit');
      await net.runUntil(tMaster + 10_000);
      assert.deepEqual(net.host('d1').vips(), [`${VIP}/24`]);
      assert.equal(net.segment.of('addAddress', 'd1')[0]!.atMs, tMaster + 10_000);
      assert.ok(net.segment.of('frame', 'd1').length > 0, 'GARP after the VIP');
      assert.ok(logged(net, 'd1', '(VI_1) connection commit still running after 10000 ms; adding the VIPs anyway'));
    });
  });

  describe('make-before-break handover (SIGTERM)', () => {
    /** Sample who holds the VIP every 10 ms from the stop until `forMs` later. */
    async function stopAndWatch(net: MemoryNetwork, handover: boolean, forMs: number): Promise<{ gaps: number; t: number }> {
      const t = net.nowMs;
      net.shutdown('d1', { handover });
      let gaps = 0;
      for (let s = 0; s < forMs; s += 10) {
        await net.run(10);
        if (net.holders('VI_1').length === 0) gaps++;
      }
      return { gaps, t };
    }

    it('the VIP stays until the successor has advertised, plus one interval of grace; never nobody holding it', async () => {
      const net = new MemoryNetwork();
      router(net, 'd1', 1, { priority: 200 }); router(net, 'd2', 2, { priority: 100 });
      await net.start(); await net.run(10_000);
      const mark = net.segment.trace.length;
      const { gaps } = await stopAndWatch(net, true, 5000);
      await net.stopped('d1');
      const zero = net.segment.adverts('d1').find((r) => r.seq >= mark && r.advert.priority === 0)!;
      const successor = net.segment.adverts('d2').find((r) => r.seq >= mark && r.advert.priority === 100)!;
      const removed = net.segment.of('removeAddress', 'd1').find((r) => r.seq >= mark)!;
      const d2Added = net.segment.of('addAddress', 'd2').find((r) => r.seq >= mark)!;
      assert.ok(zero.seq < successor.seq && d2Added.seq < removed.seq, 'priority 0 → successor advert and VIP → our VIP released');
      assert.ok(removed.atMs >= successor.atMs + 1000, 'grace: one advert interval after the successor\'s first advert');
      assert.equal(gaps, 0, 'the VIP was held by someone at every sample');
      assert.ok(logged(net, 'd1', '(VI_1) 10.1.0.2 took over, releasing VIPs'));
      assert.deepEqual(net.holders('VI_1'), ['d2']);
    });

    it('without handover (keepalived): break-before-make, the VIP is gone before the successor has it', async () => {
      const net = new MemoryNetwork();
      router(net, 'd1', 1, { priority: 200 }); router(net, 'd2', 2, { priority: 100 });
      await net.start(); await net.run(10_000);
      const { gaps } = await stopAndWatch(net, false, 2000);
      assert.ok(gaps > 0, 'nobody held the VIP for a while');
      assert.deepEqual(net.holders('VI_1'), ['d2']);
    });

    it('nobody takes over: released after (3 + 1) intervals + 100 ms, logged', async () => {
      const net = new MemoryNetwork();
      router(net, 'd1', 1, { priority: 200 }); router(net, 'd2', 2, { priority: 100 });
      await net.start(); await net.run(10_000);
      net.isolate('d1');
      const t = net.nowMs;
      net.shutdown('d1', { handover: true });
      await net.run(4099);
      assert.deepEqual(net.host('d1').vips(), [`${VIP}/24`]);
      await net.run(1);
      await net.stopped('d1');
      assert.equal(net.segment.of('removeAddress', 'd1').at(-1)!.atMs, t + 4100);
      assert.ok(logged(net, 'd1', '(VI_1) no new master within 4100 ms, releasing VIPs'));
    });
  });

  it('VIP repair: a VIP deleted behind the MASTER\'s back is added again and announced', async () => {
    const net = new MemoryNetwork();
    router(net, 'd1', 1, { priority: 200 }); router(net, 'd2', 2, { priority: 100 });
    await net.start(); await net.run(10_000);
    net.host('d1').deleteAddressBehindBack('eth0', `${VIP}/24`);
    const gone = net.segment.of('foreignRemove', 'd1').at(-1)!;
    await net.run(10);
    assert.deepEqual(net.host('d1').vips(), [`${VIP}/24`]);
    const back = net.segment.of('addAddress', 'd1').at(-1)!;
    assert.ok(back.seq > gone.seq && back.result === 'added');
    assert.ok(net.segment.of('frame', 'd1').some((f) => f.seq > back.seq && f.target === VIP), 'GARP after the re-add');
    assert.ok(logged(net, 'd1', `(VI_1) VIP ${VIP} was removed by someone else while MASTER; adding it back`));
    assert.deepEqual(net.masters('VI_1'), ['d1'], 'no failover');
  });

  it('stale batches: MASTER lost during the commit → no VIP added and no GARP, ever', async () => {
    const net = new MemoryNetwork();
    router(net, 'd1', 1, { priority: 100 }, { commit: () => net.clock.sleep(20_000) });
    router(net, 'd2', 2, { priority: 200 });
    await net.start('d1');
    await net.run(5000);
    assert.equal(net.state('d1', 'VI_1'), 'MASTER');
    await net.start('d2');
    await net.run(30_000); // past d1's commit end
    assert.equal(net.state('d1', 'VI_1'), 'BACKUP');
    assert.deepEqual(net.holders('VI_1'), ['d2']);
    assert.equal(net.segment.of('addAddress', 'd1').length, 0, 'no VIP from the stale takeover');
    assert.equal(net.segment.of('frame', 'd1').length, 0, 'no GARP from the stale takeover');
    assert.ok(logged(net, 'd1', '(VI_1) lost MASTER while committing connections, not adding VIPs'));
  });

  describe('adverts never wait behind a slow commit', () => {
    it('periodic adverts go on while the commit runs, so the backup does not take over', async () => {
      const net = new MemoryNetwork();
      router(net, 'd1', 1, { priority: 200 }, { commit: () => new Promise<void>(() => undefined) });
      router(net, 'd2', 2, { priority: 100 });
      await net.start('d1'); await net.run(5000);
      const tMaster = net.transitionAt('d1', 'VI_1', 'MASTER')!;
      await net.start('d2'); await net.runUntil(tMaster + 9000);
      const during = net.segment.adverts('d1').filter((r) => r.atMs >= tMaster && r.atMs < tMaster + 9000);
      assert.ok(during.length >= 9, `${during.length} adverts in 9 s of commit`);
      assert.equal(net.state('d2', 'VI_1'), 'BACKUP', 'heard a live master all along');
      assert.deepEqual(net.host('d1').vips(), []);
    });

    it('a fault during the commit sends priority 0 at that instant; the backup takes over on the skew', async () => {
      const net = new MemoryNetwork();
      router(net, 'd1', 1, { priority: 200 }, { commit: () => new Promise<void>(() => undefined) });
      router(net, 'd2', 2, { priority: 100 });
      await net.start('d1'); await net.run(5000);
      await net.start('d2'); await net.run(2000);
      const t = net.nowMs;
      net.inject('d1', 'VI_1', { type: 'fault', reason: 'eth0 down' });
      await net.run(2000);
      const zero = net.segment.adverts('d1').find((r) => r.atMs >= t && r.advert.priority === 0)!;
      assert.equal(zero.atMs, t);
      assert.equal(net.instance('d2', 'VI_1').snapshot().lastTransition?.reason, 'master-released');
      assert.deepEqual(net.holders('VI_1'), ['d2']);
      assert.equal(net.segment.of('addAddress', 'd1').length, 0);
    });
  });
});
