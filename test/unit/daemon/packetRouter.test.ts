// The VRRP receive socket's coalescing window follows the advert intervals of the instances on it (issue 12):
// receiveCoalesceMs is the policy (a tenth of the shortest interval, 2..10 ms); the packet router applies it on
// every attach and detach of an instance sharing the socket, and again after a reload changed an interval in place
// (Lifecycle.reloadNow → PacketRouter.retune). Driven through a Daemon on the in-memory OS, whose VRRP transport
// records every window it is given.
import assert from 'node:assert/strict';
import { receiveCoalesceMs } from '../../../src/daemon/packetRouter.js';
import { Cluster, conf, instanceText, state, useCluster } from './harness.js';
import type { MemoryVrrpTransport } from './memoryOs.js';

describe('daemon/packetRouter receive coalescing', function () {
  this.timeout(20_000);

  it('receiveCoalesceMs: a tenth of the shortest advert interval, never under 2 ms nor over 10 ms', () => {
    const table: [number, number][] = [
      [10, 2], // 10 ms adverts: the floor (a backup's Skew_Time is a few ms)
      [20, 2],
      [29, 2],
      [30, 3],
      [50, 5],
      [99, 9],
      [100, 10],
      [1000, 10], // the default advert_int: the ceiling
      [40_950, 10],
    ];
    assert.deepEqual(table.map(([ms]) => [ms, receiveCoalesceMs(ms)]), table);
  });

  describe('on one shared socket', () => {
    const clusterOf = useCluster();
    let cluster: Cluster;
    beforeEach(() => {
      cluster = clusterOf();
    });

    // Three instances on eth0, one multicast socket: 50 ms, 1 s and 20 ms adverts.
    const vi1 = (advertInt = 0.05) => instanceText({ name: 'VI_1', vrid: 51, priority: 100, advertInt, vips: ['10.1.0.100/24'] });
    const vi2 = instanceText({ name: 'VI_2', vrid: 52, priority: 100, advertInt: 1, vips: ['10.1.0.101/24'] });
    const vi3 = instanceText({ name: 'VI_3', vrid: 53, priority: 100, advertInt: 0.02, vips: ['10.1.0.102/24'] });
    const socketOf = (os: { openSockets(): MemoryVrrpTransport[] }): MemoryVrrpTransport => {
      const open = os.openSockets();
      assert.equal(open.length, 1, 'the instances share one socket');
      return open[0]!;
    };
    const window = (t: MemoryVrrpTransport) => t.coalescing[t.coalescing.length - 1];

    it('each attach sets the window for the shortest interval on the socket, so the 20 ms instance sets 2 ms', async () => {
      const d1 = await cluster.start('d1', 1, vi1() + vi2);
      const t = socketOf(d1.os);
      assert.equal(window(t), 5, '50 ms and 1 s: a tenth of 50 ms');
      assert.ok(t.coalescing.length >= 2, `set on each attach: ${t.coalescing.join(', ')}`);
      const plan = await cluster.run(d1.daemon.reload(conf(vi1() + vi2 + vi3)), 'the reload adding VI_3');
      assert.deepEqual(plan.add, ['VI_3']);
      assert.equal(socketOf(d1.os), t, 'VI_3 joins the same socket');
      assert.equal(window(t), 2, '20 ms is now the shortest: the 2 ms floor');
    });

    it('a detach follows the shortest interval that remains', async () => {
      const d1 = await cluster.start('d1', 1, vi1() + vi2 + vi3);
      const t = socketOf(d1.os);
      assert.equal(window(t), 2);
      await cluster.waitFor('all MASTER', () => ['VI_1', 'VI_2', 'VI_3'].every((n) => state(d1, n) === 'MASTER'));
      const plan = await cluster.run(d1.daemon.reload(conf(vi1() + vi2)), 'the reload removing VI_3');
      assert.deepEqual(plan.remove, ['VI_3']);
      assert.equal(socketOf(d1.os), t, 'the socket stays for VI_1 and VI_2');
      assert.equal(window(t), 5, 'back to a tenth of 50 ms');
      await cluster.run(d1.daemon.reload(conf(vi2)), 'the reload removing VI_1');
      assert.equal(window(t), 10, 'VI_2 alone, 1 s adverts: the 10 ms ceiling');
    });

    it('retune: an advert_int changed in place by a reload (no restart, no attach) moves the window', async () => {
      const d1 = await cluster.start('d1', 1, vi1() + vi2);
      const t = socketOf(d1.os);
      assert.equal(window(t), 5);
      const faster = await cluster.run(d1.daemon.reload(conf(vi1(0.03) + vi2)), 'the reload to 30 ms');
      assert.deepEqual(faster.reconfigure, ['VI_1'], 'advert_int is changed in place');
      assert.deepEqual([...faster.restart, ...faster.add, ...faster.remove], []);
      assert.equal(window(t), 3, 'a tenth of the new 30 ms');
      await cluster.run(d1.daemon.reload(conf(vi1(2) + vi2)), 'the reload to 2 s');
      assert.equal(window(t), 10, 'shortest now 1 s (VI_2): the ceiling');
    });
  });
});
