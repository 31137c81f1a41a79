// The connection-sync plugin's ordering and preemption hold, with a fake service.
import assert from 'node:assert/strict';
import { ConnSyncPlugin } from '../../../src/sync/plugin.js';
import type { ConnSyncService, SyncSnapshot } from '../../../src/sync/service.js';
import type { ConntrackSyncConfig } from '../../../src/config/types.js';
import { fakeControl, parse } from '../track/helpers.js';

const inst = (n: string, id: number) => `vrrp_instance ${n} {\n interface eth0\n virtual_router_id ${id}\n virtual_ipaddress {\n  10.1.0.${id}/24\n }\n}\n`;
const CONFIG = parse(`vrrp_sync_group G1 {\n group {\n  A\n  B\n }\n}\n${inst('A', 1)}${inst('B', 2)}`);

function fakeService() {
  const calls: string[] = [];
  let resyncedAt: number | null = null;
  let release!: () => void;
  const svc: ConnSyncService = {
    start: async () => void calls.push('start'),
    becomeMaster: () => {
      calls.push('becomeMaster');
      return new Promise((r) => (release = () => r({ committed: 3, ms: 1.5 })));
    },
    becomeBackup: async () => void calls.push('becomeBackup'),
    resyncComplete: () => resyncedAt !== null,
    snapshot: () => ({ entries: 3, lastFullResyncAtMs: resyncedAt }) as SyncSnapshot,
    stop: async () => void calls.push('stop'),
  };
  return { svc, calls, resynced: (atMs: number) => (resyncedAt = atMs), commitDone: () => release() };
}

const cfg = { name: 'default', follow: { kind: 'group', name: 'G1' }, resyncTimeoutMs: 5000 } as unknown as ConntrackSyncConfig;
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sync/plugin', () => {
  it('holds preemption of every followed member until a full resync completes after the hold began', async () => {
    const f = fakeService();
    const ctl = fakeControl(CONFIG);
    const p = new ConnSyncPlugin(cfg, { open: async () => f.svc, holdPollMs: 5 });
    f.resynced(Date.now() - 60_000); // an old resync does not count
    await p.start(ctl);
    assert.deepEqual(ctl.calls, ['holdPreempt A true', 'holdPreempt B true']);
    await tick(30);
    assert.equal(ctl.calls.length, 2, 'still held');
    f.resynced(Date.now());
    await tick(30);
    assert.deepEqual(ctl.calls.slice(2), ['holdPreempt A false', 'holdPreempt B false']);
    // Back from FAULT (e.g. links restored): hold again until a fresh resync.
    p.onTransition({ instance: 'A', from: 'FAULT', to: 'BACKUP', reason: 'fault-cleared', priority: 150 });
    assert.deepEqual(ctl.calls.slice(4), ['holdPreempt A true', 'holdPreempt B true']);
    await p.stop();
  });

  it('releases the hold after resync_timeout when no resync comes', async () => {
    const f = fakeService();
    const ctl = fakeControl(CONFIG);
    const p = new ConnSyncPlugin({ ...cfg, resyncTimeoutMs: 40 }, { open: async () => f.svc, holdPollMs: 5 });
    await p.start(ctl);
    await tick(80);
    assert.deepEqual(ctl.calls, ['holdPreempt A true', 'holdPreempt B true', 'holdPreempt A false', 'holdPreempt B false']);
    assert.ok((ctl.logger as unknown as { lines: string[] }).lines.some((l) => l.includes('no full resync within 40 ms')));
    await p.stop();
  });

  it('becoming MASTER: both members wait for one commit, which finishes before their VIPs are added', async () => {
    const f = fakeService();
    const ctl = fakeControl(CONFIG);
    (ctl as { metrics: unknown }).metrics = { syncCommit: (ms: number) => ctl.calls.push(`syncCommit ${ms}`) };
    const p = new ConnSyncPlugin(cfg, { open: async () => f.svc, holdPollMs: 5 });
    await p.start(ctl);
    let vipsA = false;
    let vipsB = false;
    const a = p.beforeVipsAdded('A').then(() => (vipsA = true));
    const b = p.beforeVipsAdded('B').then(() => (vipsB = true));
    await tick(10);
    assert.equal(vipsA || vipsB, false, 'no VIP before the commit completes');
    assert.deepEqual(f.calls, ['start', 'becomeMaster'], 'a single commit for the group');
    f.commitDone();
    await Promise.all([a, b]);
    assert.ok(ctl.calls.includes('syncCommit 1.5'));
    await p.beforeVipsAdded('C'); // not followed: no effect
    assert.deepEqual(f.calls, ['start', 'becomeMaster']);
    await p.stop();
  });

  it('leaving MASTER: becomeBackup and hold preemption again', async () => {
    const f = fakeService();
    const ctl = fakeControl(CONFIG);
    (ctl as { metrics: unknown }).metrics = { syncCommit: () => undefined };
    const p = new ConnSyncPlugin(cfg, { open: async () => f.svc, holdPollMs: 5 });
    await p.start(ctl);
    const m = p.beforeVipsAdded('A');
    f.commitDone();
    await m;
    ctl.calls.length = 0;
    p.onTransition({ instance: 'A', from: 'MASTER', to: 'FAULT', reason: 'fault', priority: 100 });
    p.onTransition({ instance: 'B', from: 'MASTER', to: 'FAULT', reason: 'sync-group', priority: 100 });
    assert.deepEqual(f.calls.filter((c) => c === 'becomeBackup'), ['becomeBackup'], 'once for the group');
    assert.deepEqual(ctl.calls, ['holdPreempt A true', 'holdPreempt B true']);
    await p.stop();
  });
});
