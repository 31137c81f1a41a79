// keepalived's lvs_sync_daemon rules (lvs.md §4.8), one test per rule, on the pure decisions; then the driver
// over a scripted client: ESRCH on a stop is fine, EINVAL on a start names the mixed-family cause, steps run in
// call order, GET_DAEMON is passed through.
import assert from 'node:assert/strict';
import type { LvsSyncDaemonConfig } from '../../../src/config/lvsTypes.js';
import { VipdError } from '../../../src/errors/vipdError.js';
import type { DaemonState } from '../../../src/lvs/ipvs/constants.js';
import type { DaemonSpec } from '../../../src/lvs/ipvs/types.js';
import { daemonSpec, SyncDaemonDecisions, type SyncdAction } from '../../../src/lvs/syncDaemon.js';
import { SyncDaemonDriver, type SyncDaemonClient } from '../../../src/lvs/syncDaemonDriver.js';
import { GenlError } from '../../../src/net/genlSocket.js';

const SOURCE: LvsSyncDaemonConfig['source'] = { file: 'keepalived.conf', line: 3 };
const BOTH_CFG: LvsSyncDaemonConfig = { interface: 'eth1', instance: null, syncId: 0, maxLen: null, port: null, ttl: null, group: null, source: SOURCE };
const INST_CFG: LvsSyncDaemonConfig = { ...BOTH_CFG, instance: 'VI_1', syncId: 51 };

/** Actions as short text: "start master eth1 51", "stop backup", "stop master (stale)". */
function show(actions: readonly SyncdAction[]): string[] {
  return actions.map((a) => (a.kind === 'start' ? `start ${a.daemon.state} ${a.daemon.ifname} ${a.daemon.syncId}` : `stop ${a.state}${a.stale ? ' (stale)' : ''}`));
}

describe('lvs_sync_daemon decisions (lvs.md §4.8)', () => {
  describe('without inst: both daemons for the whole run', () => {
    it('at start: stop stale master and backup, then start master and backup', () => {
      const d = new SyncDaemonDecisions(BOTH_CFG);
      assert.deepEqual(show(d.start('BACKUP')), ['stop master (stale)', 'stop backup (stale)', 'start master eth1 0', 'start backup eth1 0']);
      assert.deepEqual(d.running, ['master', 'backup']);
    });

    it('VRRP state changes do nothing', () => {
      const d = new SyncDaemonDecisions(BOTH_CFG);
      d.start();
      for (const s of ['MASTER', 'BACKUP', 'FAULT', 'MASTER'] as const) assert.deepEqual(d.onInstanceState(s), []);
    });

    it('at stop: stop both', () => {
      const d = new SyncDaemonDecisions(BOTH_CFG);
      d.start();
      assert.deepEqual(show(d.stop()), ['stop master', 'stop backup']);
      assert.deepEqual(d.running, []);
    });
  });

  describe('with inst VI: the tracked instance drives it', () => {
    it('at start: the daemon matching the instance state, normally backup (INIT and BACKUP → backup)', () => {
      assert.deepEqual(show(new SyncDaemonDecisions(INST_CFG).start('INIT')), ['start backup eth1 51']);
      assert.deepEqual(show(new SyncDaemonDecisions(INST_CFG).start('BACKUP')), ['start backup eth1 51']);
      assert.deepEqual(show(new SyncDaemonDecisions(INST_CFG).start('MASTER')), ['start master eth1 51']);
    });

    it('becoming MASTER: stop backup, start master (ipvs_syncd_master)', () => {
      const d = new SyncDaemonDecisions(INST_CFG);
      d.start('BACKUP');
      assert.deepEqual(show(d.onInstanceState('MASTER')), ['stop backup', 'start master eth1 51']);
      assert.deepEqual(d.running, ['master']);
      assert.deepEqual(d.onInstanceState('MASTER'), [], 'no transition, nothing to do');
    });

    it('leaving MASTER (to BACKUP or FAULT): stop master, start backup (ipvs_syncd_backup)', () => {
      for (const next of ['BACKUP', 'FAULT'] as const) {
        const d = new SyncDaemonDecisions(INST_CFG);
        d.start('BACKUP');
        d.onInstanceState('MASTER');
        assert.deepEqual(show(d.onInstanceState(next)), ['stop master', 'start backup eth1 51'], next);
        assert.deepEqual(d.running, ['backup']);
      }
    });

    it('transitions that neither enter nor leave MASTER change nothing (INIT→BACKUP, BACKUP→FAULT, FAULT→BACKUP, MASTER→STOP)', () => {
      const d = new SyncDaemonDecisions(INST_CFG);
      d.start('INIT');
      assert.deepEqual(d.onInstanceState('BACKUP'), []);
      assert.deepEqual(d.onInstanceState('FAULT'), []);
      assert.deepEqual(d.onInstanceState('BACKUP'), []);
      d.onInstanceState('MASTER');
      assert.deepEqual(d.onInstanceState('STOP'), [], 'the stop step handles shutdown');
    });

    it('at stop: stop whichever runs', () => {
      const asBackup = new SyncDaemonDecisions(INST_CFG);
      asBackup.start('BACKUP');
      assert.deepEqual(show(asBackup.stop()), ['stop backup']);
      const asMaster = new SyncDaemonDecisions(INST_CFG);
      asMaster.start('BACKUP');
      asMaster.onInstanceState('MASTER');
      assert.deepEqual(show(asMaster.stop()), ['stop master']);
      assert.deepEqual(asMaster.onInstanceState('BACKUP'), [], 'stopped: transitions do nothing');
    });
  });

  describe('reload: restart only if the parameters changed (ipvs_syncd_changed)', () => {
    it('same parameters: nothing', () => {
      const both = new SyncDaemonDecisions(BOTH_CFG);
      both.start();
      assert.deepEqual(both.reload({ ...BOTH_CFG, source: { ...SOURCE } }), []);
      const inst = new SyncDaemonDecisions(INST_CFG);
      inst.start('MASTER');
      assert.deepEqual(inst.reload({ ...INST_CFG }, 'MASTER'), []);
    });

    it('each parameter (interface, id, maxlen, port, ttl, group) changed: stop what runs, start with the new ones', () => {
      const changes: Partial<LvsSyncDaemonConfig>[] = [{ interface: 'eth2' }, { syncId: 52 }, { maxLen: 1400 }, { port: 8849 }, { ttl: 2 }, { group: '224.0.0.82' }];
      for (const change of changes) {
        const d = new SyncDaemonDecisions(INST_CFG);
        d.start('BACKUP');
        const next = { ...INST_CFG, ...change };
        const actions = d.reload(next, 'BACKUP');
        assert.deepEqual(show(actions).map((s) => s.split(' ').slice(0, 2).join(' ')), ['stop backup', 'start backup'], JSON.stringify(change));
        assert.deepEqual((actions[1] as Extract<SyncdAction, { kind: 'start' }>).daemon, daemonSpec(next, 'backup'));
      }
    });

    it('from inst to both, and from both to inst: start what is missing, stop what is no longer wanted', () => {
      const d = new SyncDaemonDecisions(INST_CFG);
      d.start('BACKUP');
      assert.deepEqual(show(d.reload({ ...BOTH_CFG, syncId: 51 })), ['start master eth1 51']);
      assert.deepEqual(show(d.reload(INST_CFG, 'BACKUP')), ['stop master']);
    });

    it('lvs_sync_daemon removed: stop what runs; added: start what the mode wants', () => {
      const d = new SyncDaemonDecisions(INST_CFG);
      d.start('MASTER');
      assert.deepEqual(show(d.reload(null)), ['stop master']);
      assert.deepEqual(show(d.reload(INST_CFG, 'BACKUP')), ['start backup eth1 51']);
    });
  });

  it('optional attributes are sent only when set (ipvswrapper.c:247-291)', () => {
    assert.deepEqual(daemonSpec(INST_CFG, 'master'), { state: 'master', ifname: 'eth1', syncId: 51 });
    assert.deepEqual(daemonSpec({ ...INST_CFG, maxLen: 1400, port: 8849, ttl: 3, group: 'ff02::81' }, 'backup'), {
      state: 'backup',
      ifname: 'eth1',
      syncId: 51,
      maxLen: 1400,
      port: 8849,
      ttl: 3,
      group: 'ff02::81',
    });
  });
});

/** Scripted NEW_DAEMON / DEL_DAEMON: records calls; `errnoOf` answers each (0 = done). */
class ScriptedDaemons implements SyncDaemonClient {
  readonly calls: string[] = [];
  constructor(private readonly errnoOf: (call: string) => number = () => 0) {}
  async startDaemon(d: DaemonSpec): Promise<void> {
    await Promise.resolve(); // a kernel round trip: later calls must still queue behind it
    this.answer(`start ${d.state}`);
  }
  async stopDaemon(state: DaemonState): Promise<void> {
    await Promise.resolve();
    this.answer(`stop ${state}`);
  }
  async getDaemons(): Promise<DaemonSpec[]> {
    return [{ state: 'backup', ifname: 'eth1', syncId: 51 }];
  }
  private answer(call: string): void {
    this.calls.push(call);
    const errno = this.errnoOf(call);
    if (errno) throw new GenlError('VIPD_ERR_IPVS_REFUSED', `IPVS ${call}: errno ${errno}`, { errno });
  }
}

describe('lvs_sync_daemon driver', () => {
  it('runs steps in call order; a stop of a daemon that is not running (ESRCH) is not an error', async () => {
    const k = new ScriptedDaemons((call) => (call.startsWith('stop') ? 3 : 0));
    const errors: VipdError[] = [];
    const drv = new SyncDaemonDriver({ client: k, config: BOTH_CFG, onError: (e) => errors.push(e) });
    const steps = [drv.start(), drv.stop()];
    assert.deepEqual(await Promise.all(steps), [[], []]);
    assert.deepEqual(k.calls, ['stop master', 'stop backup', 'start master', 'start backup', 'stop master', 'stop backup']);
    assert.deepEqual(errors, []);
  });

  it('with inst: transitions handed in while start-up talks to the kernel follow it', async () => {
    const k = new ScriptedDaemons();
    const drv = new SyncDaemonDriver({ client: k, config: INST_CFG });
    const done = [drv.start('BACKUP'), drv.onInstanceState('MASTER'), drv.onInstanceState('BACKUP'), drv.stop()];
    await Promise.all(done);
    assert.deepEqual(k.calls, ['start backup', 'stop backup', 'start master', 'stop master', 'start backup', 'stop backup']);
    assert.deepEqual(drv.running, []);
  });

  it('EINVAL on NEW_DAEMON (mixed-family destinations) is VIPD_ERR_IPVS_SYNCD_REFUSED naming the cause; no throw', async () => {
    const k = new ScriptedDaemons((call) => (call === 'start master' ? 22 : 0));
    const seen: string[] = [];
    const drv = new SyncDaemonDriver({ client: k, config: INST_CFG, onError: (e, a) => seen.push(`${a.kind} ${e.code}`) });
    const errors = await drv.start('MASTER');
    assert.deepEqual(errors.map((e) => e.code), ['VIPD_ERR_IPVS_SYNCD_REFUSED']);
    assert.match(errors[0]!.message, /master sync daemon on eth1 \(syncid 51\).*other address family/);
    assert.deepEqual(seen, ['start VIPD_ERR_IPVS_SYNCD_REFUSED']);
    assert.equal(drv.errors, 1);
  });

  it('EEXIST on a start (a daemon left by a killed earlier run, maybe bound to a vanished interface): stop it and start ours, once', async () => {
    let stale = true;
    const k = new ScriptedDaemons((call) => {
      if (call === 'stop backup') stale = false;
      return call === 'start backup' && stale ? 17 : 0;
    });
    const errors: VipdError[] = [];
    const drv = new SyncDaemonDriver({ client: k, config: INST_CFG, onError: (e) => errors.push(e) });
    assert.deepEqual(await drv.start('BACKUP'), []);
    assert.deepEqual(k.calls, ['start backup', 'stop backup', 'start backup']);
    assert.deepEqual([errors, drv.errors, drv.running], [[], 0, ['backup']]);
  });

  it('other refusals come back as they are (EEXIST again after the stale daemon was stopped: no second try)', async () => {
    const k = new ScriptedDaemons((call) => (call === 'start backup' ? 17 : 0));
    const drv = new SyncDaemonDriver({ client: k, config: INST_CFG });
    const errors = await drv.start('BACKUP');
    assert.deepEqual(errors.map((e) => e.code), ['VIPD_ERR_IPVS_REFUSED']);
    assert.deepEqual(k.calls, ['start backup', 'stop backup', 'start backup']);
  });

  it('daemons() is the kernel\'s GET_DAEMON answer, for metrics', async () => {
    const drv = new SyncDaemonDriver({ client: new ScriptedDaemons(), config: INST_CFG });
    assert.deepEqual(await drv.daemons(), [{ state: 'backup', ifname: 'eth1', syncId: 51 }]);
  });
});
