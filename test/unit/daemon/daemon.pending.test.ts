// A takeover whose connection commit is still running must not hold back what the peers need to hear: the
// priority-0 advert of a master that faults or stops meanwhile (RFC 5798 §6.4.3) goes out at once.
import assert from 'node:assert/strict';
import type { DaemonPlugin } from '../../../src/plugin/api.js';
import { Cluster, instanceText, type Node, state } from './harness.js';


describe('daemon (in-memory OS): releasing MASTER while a takeover commit is pending', function () {
  this.timeout(20_000);
  let cluster: Cluster;
  let release: () => void;
  let commits: number;
  let slowCommit: DaemonPlugin;

  beforeEach(() => {
    cluster = new Cluster();
    commits = 0;
    const gate = new Promise<void>((r) => (release = r));
    slowCommit = {
      name: 'slow-commit',
      beforeVipsAdded: async () => {
        commits++;
        await gate;
      },
    };
  });

  afterEach(async () => {
    release();
    await cluster.stopAll();
  });

  async function pendingMaster(): Promise<{ d1: Node; d2: Node }> {
    const d1 = cluster.node('d1', 1, instanceText({ priority: 200 }), [slowCommit]);
    const d2 = cluster.node('d2', 2, instanceText({ priority: 100 }));
    await Promise.all([d1.daemon.start(), d2.daemon.start()]);
    await cluster.waitFor('d1 MASTER, commit pending', () => state(d1) === 'MASTER' && commits === 1);
    await cluster.waitFor('d2 BACKUP, hearing d1', () => state(d2) === 'BACKUP' && (d2.daemon.metrics.counters().VI_1?.advert_rcvd ?? 0) > 0);
    return { d1, d2 };
  }

  it('link down: the priority-0 advert goes out while the commit is still pending, the backup takes over on it', async () => {
    const { d1, d2 } = await pendingMaster();
    const mark = cluster.segment.trace.length;
    d1.os.setLink('eth0', false);
    await cluster.waitFor('priority 0 on the wire', () => cluster.segment.adverts('d1').some((r) => r.seq >= mark && r.advert.priority === 0));
    assert.equal(state(d1), 'FAULT');
    await cluster.waitFor('d2 MASTER', () => state(d2) === 'MASTER');
    assert.equal(d2.daemon.views()[0]!.lastTransition?.reason, 'master-released', 'took over on the priority-0 advert, not on Master_Down');
    release();
    await cluster.waitFor('d1 never adds the VIP', () => cluster.segment.of('removeAddress', 'd1').some((r) => r.seq >= mark));
    assert.equal(cluster.segment.of('addAddress', 'd1').length, 0);
    assert.equal(cluster.segment.of('frame', 'd1').length, 0);
  });

  it('stop: the priority-0 advert goes out while the commit is still pending', async () => {
    const { d1, d2 } = await pendingMaster();
    const mark = cluster.segment.trace.length;
    const stopping = d1.daemon.stop({ handover: false });
    await cluster.waitFor('priority 0 on the wire', () => cluster.segment.adverts('d1').some((r) => r.seq >= mark && r.advert.priority === 0));
    await cluster.waitFor('d2 MASTER', () => state(d2) === 'MASTER');
    release();
    await stopping;
    assert.equal(cluster.segment.of('addAddress', 'd1').length, 0, 'the stale takeover added nothing');
  });
});
