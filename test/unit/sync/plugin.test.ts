// The connection-sync plugin's ordering and preemption hold, with a fake service, on virtual time.
import assert from 'node:assert/strict';
import { VirtualClock } from '../../../src/clock/virtualClock.js';
import { ConnSyncPlugin } from '../../../src/sync/plugin.js';
import { ConnSyncSubsystem } from '../../../src/sync/subsystem.js';
import type { Config } from '../../../src/config/types.js';
import type { ConnSyncService, SyncSnapshot } from '../../../src/sync/service.js';
import type { ConntrackSyncConfig } from '../../../src/config/types.js';
import { fakeControl, parse } from '../track/helpers.js';

const inst = (n: string, id: number) => `vrrp_instance ${n} {\n interface eth0\n virtual_router_id ${id}\n virtual_ipaddress {\n  10.1.0.${id}/24\n }\n}\n`;
const CONFIG = parse(`vrrp_sync_group G1 {\n group {\n  A\n  B\n }\n}\n${inst('A', 1)}${inst('B', 2)}`);

/** A service whose resync waits end on resynced() or, like the real one, at their deadline on `clock`. */
function fakeService(clock = new VirtualClock()) {
  const calls: string[] = [];
  let resyncedAt: number | null = null;
  let release!: () => void;
  const waits = new Set<(r: 'in-sync' | 'timeout' | 'aborted') => void>();
  const svc: ConnSyncService = {
    start: async () => void calls.push('start'),
    becomeMaster: () => {
      calls.push('becomeMaster');
      return new Promise((r) => (release = () => r({ committed: 3, ms: 1.5 })));
    },
    becomeBackup: async () => void calls.push('becomeBackup'),
    resyncComplete: () => resyncedAt !== null,
    awaitResync: (timeoutMs, signal) =>
      new Promise((resolve) => {
        const t = clock.after(timeoutMs, () => done('timeout'));
        const done = (r: 'in-sync' | 'timeout' | 'aborted') => {
          t.cancel();
          waits.delete(done);
          resolve(r);
        };
        waits.add(done);
        signal?.addEventListener('abort', () => done('aborted'), { once: true });
      }),
    snapshot: () => ({ entries: 3, lastFullResyncAtMs: resyncedAt }) as SyncSnapshot,
    stop: async () => void calls.push('stop'),
    followInterface: () => void calls.push('followInterface'),
  };
  const resynced = (atMs: number) => {
    resyncedAt = atMs;
    for (const done of [...waits]) done('in-sync');
  };
  return { svc, calls, resynced, waits, commitDone: () => release() };
}

/** A plugin whose group went MASTER (its commit done), with the control's calls cleared. */
async function startedMaster() {
  const f = fakeService();
  const ctl = fakeControl(CONFIG);
  const p = new ConnSyncPlugin(cfg, { open: async () => f.svc });
  await p.start(ctl);
  const m = p.beforeVipsAdded('A');
  f.commitDone();
  await m;
  ctl.calls.length = 0;
  return { f, ctl, p };
}

const cfg = { name: 'default', follow: { kind: 'group', name: 'G1' }, resyncTimeoutMs: 5000 } as unknown as ConntrackSyncConfig;
/** Let promise callbacks run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('sync/plugin', () => {
  it('holds preemption of every followed member until a full resync completes after the hold began', async () => {
    const clock = new VirtualClock();
    const f = fakeService(clock);
    const ctl = fakeControl(CONFIG, {}, clock);
    const p = new ConnSyncPlugin(cfg, { open: async () => f.svc });
    await p.start(ctl);
    assert.deepEqual(ctl.calls, ['holdPreempt A true', 'holdPreempt B true']);
    await clock.advanceAsync(cfg.resyncTimeoutMs - 1);
    assert.equal(ctl.calls.length, 2, 'still held 1 ms before resync_timeout');
    f.resynced(clock.wallNow());
    await settle();
    assert.deepEqual(ctl.calls.slice(2), ['holdPreempt A false', 'holdPreempt B false']);
    assert.equal(clock.pending(), 0, 'the released hold leaves no deadline armed');
    // Back from FAULT (e.g. links restored): hold again until a fresh resync.
    p.onTransition({ instance: 'A', from: 'FAULT', to: 'BACKUP', reason: 'fault-cleared', priority: 150 });
    assert.deepEqual(ctl.calls.slice(4), ['holdPreempt A true', 'holdPreempt B true']);
    await p.stop();
  });

  it('asks the service to follow its interface whenever that interface comes up (a re-created one has a new index)', async () => {
    const f = fakeService();
    const ctl = fakeControl(CONFIG, { eth1: true, eth2: true });
    const p = new ConnSyncPlugin({ ...cfg, interface: 'eth1' } as ConntrackSyncConfig, { open: async () => f.svc });
    await p.start(ctl);
    ctl.setLink('eth1', false);
    ctl.setLink('eth2', true);
    assert.deepEqual(f.calls.filter((c) => c === 'followInterface'), [], 'not for a down, nor for another interface');
    ctl.setLink('eth1', true);
    assert.deepEqual(f.calls.filter((c) => c === 'followInterface'), ['followInterface']);
    await p.stop();
    ctl.setLink('eth1', true);
    assert.equal(f.calls.filter((c) => c === 'followInterface').length, 1, 'not after stop');
  });

  it('releases the hold after resync_timeout when no resync comes', async () => {
    const clock = new VirtualClock();
    const f = fakeService(clock);
    const ctl = fakeControl(CONFIG, {}, clock);
    const p = new ConnSyncPlugin({ ...cfg, resyncTimeoutMs: 40 }, { open: async () => f.svc });
    await p.start(ctl);
    await clock.advanceAsync(39);
    assert.deepEqual(ctl.calls, ['holdPreempt A true', 'holdPreempt B true'], 'held until the deadline');
    await clock.advanceAsync(1);
    assert.deepEqual(ctl.calls, ['holdPreempt A true', 'holdPreempt B true', 'holdPreempt A false', 'holdPreempt B false']);
    assert.ok((ctl.logger as unknown as { lines: string[] }).lines.some((l) => l.includes('no full resync within 40 ms')));
    await p.stop();
  });

  it('becoming MASTER: both members wait for one commit, which finishes before their VIPs are added', async () => {
    const f = fakeService();
    const ctl = fakeControl(CONFIG);
    const p = new ConnSyncPlugin(cfg, { open: async () => f.svc, onCommitted: (ms) => ctl.calls.push(`syncCommit ${ms}`) });
    await p.start(ctl);
    let vipsA = false;
    let vipsB = false;
    const a = p.beforeVipsAdded('A').then(() => (vipsA = true));
    const b = p.beforeVipsAdded('B').then(() => (vipsB = true));
    await settle();
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
    const { f, ctl, p } = await startedMaster();
    p.onTransition({ instance: 'A', from: 'MASTER', to: 'FAULT', reason: 'fault', priority: 100 });
    p.onTransition({ instance: 'B', from: 'MASTER', to: 'FAULT', reason: 'sync-group', priority: 100 });
    assert.deepEqual(f.calls.filter((c) => c === 'becomeBackup'), ['becomeBackup'], 'once for the group');
    assert.deepEqual(ctl.calls, ['holdPreempt A true', 'holdPreempt B true']);
    await p.stop();
  });

  it('started while the followed instance is MASTER (a reload added the block): takes the master role, no hold', async () => {
    const f = fakeService();
    const ctl = fakeControl(CONFIG);
    (ctl as { snapshot: unknown }).snapshot = (n: string) => ({ state: n === 'A' ? 'MASTER' : 'BACKUP' });
    const p = new ConnSyncPlugin(cfg, { open: async () => f.svc });
    await p.start(ctl);
    assert.deepEqual(f.calls, ['start', 'becomeMaster']);
    assert.deepEqual(ctl.calls, [], 'no preemption hold for a master');
    f.commitDone();
    await p.stop();
  });

  it('reload restarting a MASTER member: the service steps down and preemption is held again', async () => {
    const { f, ctl, p } = await startedMaster();
    p.reload(CONFIG, { started: [], removed: [] });
    assert.deepEqual(ctl.calls, [], 'nothing for a reload that restarted no member');
    p.reload(CONFIG, { started: ['A', 'B'], removed: [] });
    assert.deepEqual(f.calls.slice(-1), ['becomeBackup']);
    assert.deepEqual(ctl.calls, ['holdPreempt A true', 'holdPreempt B true']);
    await p.stop();
  });
});

describe('sync subsystem (reload of vipd_conntrack_sync blocks)', () => {
  const block = (name: string, port: number, follow: string) =>
    `vipd_conntrack_sync ${name} {\n interface eth1\n port ${port}\n key_file /etc/vipd/sync.key\n ${follow}\n resync_timeout 60\n}\n`;
  const base = `vrrp_sync_group G1 {\n group {\n  A\n  B\n }\n}\n${inst('A', 1)}${inst('B', 2)}${inst('C', 3)}`;

  function host(text: string) {
    const services: { name: string; port: number; f: ReturnType<typeof fakeService> }[] = [];
    const config = parse(text);
    const ctl = fakeControl(config);
    const h = new ConnSyncSubsystem(config, {
      open: async (c) => {
        const f = fakeService();
        services.push({ name: c.name, port: c.port, f });
        return f.svc;
      },
    });
    const reload = async (next: string) => {
      const cfg: Config = parse(next);
      (ctl as { config: Config }).config = cfg;
      await h.reload(cfg, { started: [], removed: [] });
    };
    return { h, ctl, services, reload };
  }

  it('keeps an unchanged block, restarts a changed one (hold kept), stops a removed one (hold released), starts an added one', async () => {
    const one = block('one', 3781, 'follow_group G1');
    const two = block('two', 3782, 'follow_instance C');
    const { h, ctl, services, reload } = host(base + one + two);
    await h.start(ctl);
    assert.deepEqual(services.map((s) => s.name), ['one', 'two']);
    assert.deepEqual(ctl.calls, ['holdPreempt A true', 'holdPreempt B true', 'holdPreempt C true']);
    assert.ok(h.beforeVipsAdded, 'sync commits before the VIPs');

    ctl.calls.length = 0;
    await reload(base + one + two);
    assert.equal(services.length, 2, 'unchanged: same services');
    assert.deepEqual(ctl.calls, []);

    await reload(base + one.replace('3781', '3790') + block('three', 3783, 'follow_instance C'));
    assert.deepEqual(services[0]!.f.calls, ['start', 'stop'], 'changed block: old service stopped');
    assert.deepEqual(services[1]!.f.calls, ['start', 'stop'], 'removed block: stopped');
    assert.deepEqual(services.slice(2).map((s) => `${s.name}:${s.port}`), ['one:3790', 'three:3783']);
    // A and B stay held throughout (the new service holds again); C's block "two" went and "three" came.
    assert.deepEqual(ctl.calls as string[], ['holdPreempt C false', 'holdPreempt A true', 'holdPreempt B true', 'holdPreempt C true']);

    ctl.calls.length = 0;
    await reload(base);
    assert.deepEqual(ctl.calls, ['holdPreempt A false', 'holdPreempt B false', 'holdPreempt C false'], 'removal releases every hold');
    assert.equal(h.beforeVipsAdded, undefined, 'nothing left to commit before the VIPs');
    assert.equal(h.statusSection(0), null, 'no section without a running block');
    await h.stop();
  });

  it('a block added by a reload to a config without sync starts, and the takeover path sees it', async () => {
    const { h, ctl, services, reload } = host(base);
    await h.start(ctl);
    assert.equal(h.beforeVipsAdded, undefined);
    await reload(base + block('one', 3781, 'follow_instance C'));
    assert.equal(services.length, 1);
    const commit = h.beforeVipsAdded!('C');
    assert.deepEqual(services[0]!.f.calls, ['start', 'becomeMaster']);
    services[0]!.f.commitDone();
    await commit;
    await h.stop();
  });

  it('a changed block that no longer follows a held member releases that member (nobody else would)', async () => {
    const { h, ctl, reload } = host(base + block('two', 3782, 'follow_instance C'));
    await h.start(ctl);
    assert.deepEqual(ctl.calls, ['holdPreempt C true']);
    ctl.calls.length = 0;
    await reload(base + block('two', 3782, 'follow_instance A'));
    assert.deepEqual(ctl.calls, ['holdPreempt C false', 'holdPreempt A true'], 'C released, A held by the new service');
    ctl.calls.length = 0;
    // A member leaving the followed group is released too; the ones still followed stay held.
    const one = block('one', 3781, 'follow_group G1');
    const g = host(base.replace('  B\n }', '  B\n  C\n }') + one);
    await g.h.start(g.ctl);
    g.ctl.calls.length = 0;
    await g.reload(base + one);
    assert.deepEqual(g.ctl.calls, ['holdPreempt C false', 'holdPreempt A true', 'holdPreempt B true']);
    await h.stop();
    await g.h.stop();
  });

  it('a new group member restarts the block that follows the group', async () => {
    const one = block('one', 3781, 'follow_group G1');
    const { h, ctl, services, reload } = host(base + one);
    await h.start(ctl);
    await reload(base.replace('  B\n }', '  B\n  C\n }') + one);
    assert.deepEqual(services.map((s) => s.f.calls[0]), ['start', 'start']);
    assert.deepEqual(services[0]!.f.calls, ['start', 'stop']);
    await h.stop();
  });
});
