import assert from 'node:assert/strict';
import type { InstanceParams } from '../../src/vrrp/types.js';
import { params } from '../unit/vrrp/params.js';
import { MemoryNetwork } from './memoryNetwork.js';

/** One-instance router on 10.1.0.<n> (design.md pair lab addressing). */
function router(net: MemoryNetwork, name: string, n: number, over: Partial<InstanceParams> = {}): void {
  net.addRouter({ name, address: `10.1.0.${n}`, instances: [params({ sourceAddress: `10.1.0.${n}`, ...over })] });
}
function assertOneMaster(net: MemoryNetwork, expected: string, instance = 'VI_1'): void {
  assert.deepEqual(net.masters(instance), [expected], `masters of ${instance}`);
  assert.deepEqual(net.holders(instance), [expected], `VIP holders of ${instance}`);
}

describe('sim: VRRP scenarios on MemoryNetwork + virtual clock', async () => {
  it('two routers elect the higher priority', async () => {
    const net = new MemoryNetwork();
    router(net, 'd1', 1, { priority: 100 }); router(net, 'd2', 2, { priority: 200 });
    await net.start(); await net.run(10_000);
    assertOneMaster(net, 'd2');
    assert.equal(net.state('d1', 'VI_1'), 'BACKUP');
    assert.deepEqual(net.drops, []);
  });

  it('three routers elect the highest priority, wherever it sits', async () => {
    for (const order of [[100, 150, 200], [200, 100, 150], [150, 200, 100]]) {
      const net = new MemoryNetwork();
      order.forEach((p, i) => router(net, `d${i + 1}`, i + 1, { priority: p }));
      await net.start(); await net.run(10_000);
      assertOneMaster(net, `d${order.indexOf(200) + 1}`);
    }
  });

  it('equal priority: the higher source address wins (RFC 5798 §6.4.3)', async () => {
    const net = new MemoryNetwork();
    router(net, 'd1', 1); router(net, 'd2', 2); router(net, 'd3', 3);
    await net.start(); await net.run(10_000);
    assertOneMaster(net, 'd3');
  });

  it('master crash → the backup takes over after Master_Down_Interval, not before', async () => {
    const net = new MemoryNetwork();
    router(net, 'd1', 1, { priority: 200 }); router(net, 'd2', 2, { priority: 100 });
    await net.start(); await net.run(10_000);
    assertOneMaster(net, 'd1');
    const tCrash = net.nowMs;
    net.crash('d1');
    await net.run(2500); // Master_Down (3609 ms) counts from d1's last advert, at most 1 s before the crash
    assert.equal(net.state('d2', 'VI_1'), 'BACKUP');
    await net.run(5000);
    assertOneMaster(net, 'd2');
    const took = net.transitionAt('d2', 'VI_1', 'MASTER', tCrash)! - tCrash;
    assert.ok(took > 2600 && took < 5000, `takeover after ${took} ms`);
  });

  it('master cut off (isolated) → backup takes over; recover → the higher priority preempts back at once', async () => {
    const net = new MemoryNetwork();
    router(net, 'd1', 1, { priority: 200 }); router(net, 'd2', 2, { priority: 100 });
    await net.start(); await net.run(10_000);
    net.isolate('d1'); await net.run(10_000);
    assert.deepEqual(net.masters('VI_1').sort(), ['d1', 'd2']); // split brain while cut: nothing else possible
    net.recover();
    const tHeal = net.nowMs;
    await net.run(5000);
    assertOneMaster(net, 'd1');
    assert.ok(net.transitionAt('d2', 'VI_1', 'BACKUP', tHeal)! - tHeal <= 1000, 'healed within one interval');
  });

  it('restart of the higher priority: preempts with preempt, not with nopreempt', async () => {
    for (const preempt of [true, false]) {
      const net = new MemoryNetwork();
      router(net, 'd1', 1, { priority: 200, preempt }); router(net, 'd2', 2, { priority: 100 });
      await net.start(); await net.run(10_000);
      net.crash('d1'); await net.run(10_000);
      assertOneMaster(net, 'd2');
      await net.restart('d1'); await net.run(20_000);
      assertOneMaster(net, preempt ? 'd1' : 'd2');
    }
  });

  it('preempt_delay holds the returning higher-priority router back for the delay', async () => {
    const net = new MemoryNetwork();
    router(net, 'd1', 1, { priority: 200, preemptDelayMs: 15_000 }); router(net, 'd2', 2, { priority: 100 });
    await net.start(); await net.run(10_000);
    net.crash('d1'); await net.run(10_000);
    const tBack = net.nowMs;
    await net.restart('d1');
    await net.run(14_000);
    assertOneMaster(net, 'd2');
    await net.run(10_000);
    assertOneMaster(net, 'd1');
    assert.ok(net.transitionAt('d1', 'VI_1', 'MASTER', tBack)! - tBack >= 15_000);
  });

  it('graceful shutdown → the backup takes over after skew only (priority 0)', async () => {
    const net = new MemoryNetwork();
    router(net, 'd1', 1, { priority: 200 }); router(net, 'd2', 2, { priority: 100 });
    await net.start(); await net.run(10_000);
    const t = net.nowMs;
    net.shutdown('d1');
    await net.run(5000);
    assertOneMaster(net, 'd2');
    const took = net.transitionAt('d2', 'VI_1', 'MASTER', t)! - t;
    assert.ok(took < 1000, `takeover after ${took} ms should be skew-only (< 1 s), not master-down`);
  });

  it('VRRPv3 at 10 ms: three routers converge and fail over within a few intervals', async () => {
    const net = new MemoryNetwork({ latencyMs: 0.05 });
    const v3 = { version: 3 as const, advertIntMs: 10 };
    router(net, 'd1', 1, { ...v3, priority: 250 }); router(net, 'd2', 2, { ...v3, priority: 200 }); router(net, 'd3', 3, { ...v3, priority: 150 });
    await net.start(); await net.run(200);
    assertOneMaster(net, 'd1');
    const t = net.nowMs;
    net.crash('d1'); await net.run(100);
    assertOneMaster(net, 'd2');
    assert.ok(net.transitionAt('d2', 'VI_1', 'MASTER', t)! - t < 50);
    assert.deepEqual(net.drops, []);
  });

  it('v3 backup adopts a slower master\'s interval (mismatched configs still converge, no flapping)', async () => {
    const net = new MemoryNetwork();
    router(net, 'd1', 1, { version: 3, advertIntMs: 2000, priority: 200 }); router(net, 'd2', 2, { version: 3, advertIntMs: 500, priority: 100 });
    await net.start(); await net.run(30_000);
    assertOneMaster(net, 'd1');
    assert.equal(net.instance('d2', 'VI_1').snapshot().masterAdverIntMs, 2000);
    assert.equal(net.trace.filter((e) => e.router === 'd2' && e.effect.type === 'transition' && e.effect.to === 'MASTER' && e.atMs > 10_000).length, 0);
  });

  it('v2 interval mismatch is dropped → two masters (keepalived-compatible, fact 18)', async () => {
    const net = new MemoryNetwork();
    router(net, 'd1', 1, { advertIntMs: 1000, priority: 200 }); router(net, 'd2', 2, { advertIntMs: 2000, priority: 100 });
    await net.start(); await net.run(20_000);
    assert.deepEqual(net.masters('VI_1').sort(), ['d1', 'd2']);
    assert.ok(net.drops.some((d) => d.reason === 'advert_interval_err'));
  });

  it('split brain heal: the higher master answers a lower advert at once (keepalived), not one interval later', async () => {
    const healTime = async (lowerPrioNoAdvert: boolean): Promise<number> => {
      const net = new MemoryNetwork();
      router(net, 'd1', 1, { priority: 150, lowerPrioNoAdvert }); router(net, 'd2', 2, { priority: 100 });
      net.isolate('d1'); await net.start(); await net.run(10_500);
      assert.deepEqual(net.masters('VI_1').sort(), ['d1', 'd2']);
      // Phases: d1 advertises at …414.06 ms, d2 at …609.38 ms: recovering at 10 500 ms makes d2's advert
      // arrive first, so d1 hears a LOWER priority master.
      net.recover();
      const t = net.nowMs;
      await net.run(2000);
      assertOneMaster(net, 'd1');
      const logged = net.trace.some((e) => e.router === 'd1' && e.atMs >= t && e.effect.type === 'log' && e.effect.message.includes('forcing new election'));
      assert.ok(logged);
      return net.transitionAt('d2', 'VI_1', 'BACKUP', t)! - t;
    };
    const fast = await healTime(false), slow = await healTime(true);
    assert.ok(fast < 200, `healed ${fast} ms after recovery`);
    assert.ok(slow > 500, `lower_prio_no_advert waits for the next regular advert (${slow} ms)`);
  });

  it('losing two adverts in a row does not cause a failover; three do', async () => {
    const net = new MemoryNetwork();
    router(net, 'd1', 1, { priority: 200 }); router(net, 'd2', 2, { priority: 100 });
    await net.start(); await net.run(10_000);
    let lose = 2;
    net.dropRule = (p) => p.from === 'd1' && lose-- > 0;
    await net.run(10_000);
    assertOneMaster(net, 'd1');
    assert.equal(net.transitionAt('d2', 'VI_1', 'MASTER', 10_000), null);
    lose = 4;
    await net.run(10_000);
    assert.ok(net.transitionAt('d2', 'VI_1', 'MASTER', 20_000) !== null, 'd2 took over during the 4-advert gap');
    assertOneMaster(net, 'd1'); // and d1 preempted back
  });

  it('auth PASS mismatch: both become master, every advert counted as auth_failure', async () => {
    const net = new MemoryNetwork();
    net.addRouter({ name: 'd1', address: '10.1.0.1', auth: { type: 1, password: 'secret1' }, instances: [params({ priority: 200 })] });
    net.addRouter({ name: 'd2', address: '10.1.0.2', auth: { type: 1, password: 'secret2' }, instances: [params({ sourceAddress: '10.1.0.2' })] });
    await net.start(); await net.run(10_000);
    assert.deepEqual(net.masters('VI_1').sort(), ['d1', 'd2']);
    assert.ok(net.drops.length > 0 && net.drops.every((d) => d.reason === 'auth_failure'));
  });

  it('auth PASS with the same password: normal election (password truncated to 8 bytes on both sides)', async () => {
    const net = new MemoryNetwork();
    net.addRouter({ name: 'd1', address: '10.1.0.1', auth: { type: 1, password: 'longpassword' }, instances: [params({ priority: 200 })] });
    net.addRouter({ name: 'd2', address: '10.1.0.2', auth: { type: 1, password: 'longpass' }, instances: [params({ sourceAddress: '10.1.0.2' })] });
    await net.start(); await net.run(10_000);
    assertOneMaster(net, 'd1');
    assert.deepEqual(net.drops, []);
  });

  it('unicast v3 peers elect and fail over (pseudo-header with the peer address)', async () => {
    const net = new MemoryNetwork();
    const u = (me: number, peer: number, priority: number): Partial<InstanceParams> =>
      ({ version: 3, priority, unicastPeers: [`10.1.0.${peer}`] });
    router(net, 'd1', 1, u(1, 2, 200)); router(net, 'd2', 2, u(2, 1, 100));
    await net.start(); await net.run(10_000);
    assertOneMaster(net, 'd1');
    net.shutdown('d1'); await net.run(2000);
    assertOneMaster(net, 'd2');
    assert.deepEqual(net.drops, []);
  });

  it('tracking: the master\'s priority drops below the backup → the backup preempts', async () => {
    const net = new MemoryNetwork();
    router(net, 'd1', 1, { priority: 150 }); router(net, 'd2', 2, { priority: 100 });
    await net.start(); await net.run(10_000);
    net.inject('d1', 'VI_1', { type: 'priority', effective: 50 });
    await net.run(10_000);
    assertOneMaster(net, 'd2');
  });

  it('sync group: both instances move together on a fault, and come back together', async () => {
    const net = new MemoryNetwork();
    const pair = (n: number, priority: number): InstanceParams[] => [
      params({ name: 'VI_A', vrid: 51, priority, sourceAddress: `10.1.0.${n}`, inSyncGroup: true }),
      params({ name: 'VI_B', vrid: 52, priority, sourceAddress: `10.1.0.${n}`, inSyncGroup: true, vips: [{ address: '10.2.0.254', prefixLen: 24, family: 4 }] }),
    ];
    net.addRouter({ name: 'd1', address: '10.1.0.1', instances: pair(1, 200), syncGroup: ['VI_A', 'VI_B'] });
    net.addRouter({ name: 'd2', address: '10.1.0.2', instances: pair(2, 100), syncGroup: ['VI_A', 'VI_B'] });
    await net.start(); await net.run(10_000);
    assertOneMaster(net, 'd1', 'VI_A'); assertOneMaster(net, 'd1', 'VI_B');
    net.inject('d1', 'VI_B', { type: 'fault', reason: 'eth1 down' });
    await net.run(5000);
    assertOneMaster(net, 'd2', 'VI_A'); assertOneMaster(net, 'd2', 'VI_B');
    assert.equal(net.state('d1', 'VI_A'), 'FAULT');
    net.inject('d1', 'VI_B', { type: 'faultCleared', reason: 'eth1 down' });
    await net.run(10_000);
    assertOneMaster(net, 'd1', 'VI_A'); assertOneMaster(net, 'd1', 'VI_B');
  });

  it('random 20% loss over 10 minutes: never two masters for more than one master-down window', async () => {
    const net = new MemoryNetwork();
    router(net, 'd1', 1, { priority: 200 }); router(net, 'd2', 2, { priority: 100 }); router(net, 'd3', 3, { priority: 150 });
    let seed = 42;
    net.dropRule = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % 5 === 0; };
    await net.start();
    let dual = 0;
    for (let t = 0; t < 600_000; t += 500) {
      await net.run(500);
      if (net.masters('VI_1').length > 1) dual++; else dual = 0;
      assert.ok(dual * 500 <= 4000, `two masters for ${dual * 500} ms at ${net.nowMs}`);
    }
    net.dropRule = null; await net.run(5000);
    assertOneMaster(net, 'd1');
  });
});
