import assert from 'node:assert/strict';
import { untilIo } from '../ioTurns.js';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../../src/config/types.js';
import type { TransitionEvent } from '../../../src/plugin/api.js';
import type { VrrpState } from '../../../src/vrrp/types.js';
import { createNotifyPlugin, type NotifyOptions } from '../../../src/notify/plugin.js';
import type { Accounts } from '../../../src/script/security.js';
import { fakeControl, fakeSpawner, flush, parse, stopOnClock } from '../track/helpers.js';

const noAccounts = async (): Promise<Accounts> => ({ users: new Map(), groups: new Map() });
const self = { uid: 0, gid: 0, name: 'root' };
const allowAll: NotifyOptions['prepare'] = async (argv, who) => ({ argv, uid: who.uid, gid: who.gid, warnings: [] });

const inst = (name: string, vrid: number, body: string) =>
  `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n priority 100\n virtual_ipaddress {\n  10.1.0.${vrid}/24\n }\n${body}\n}\n`;

function setup(text: string, opts: Partial<NotifyOptions> = {}) {
  const config: Config = parse(text);
  const ctl = fakeControl(config);
  const states = new Map<string, VrrpState>();
  (ctl as { snapshot: unknown }).snapshot = (n: string) => (states.has(n) ? { state: states.get(n) } : undefined);
  const spawner = fakeSpawner();
  const plugin = createNotifyPlugin(config, { spawner, accounts: noAccounts, self, prepare: allowAll, ...opts });
  assert.ok(plugin);
  const tr = (instance: string, from: VrrpState, to: VrrpState, priority = 100) => {
    states.set(instance, to);
    const ev: TransitionEvent = { instance, from, to, reason: 'test', priority };
    plugin.onTransition!(ev);
  };
  return { config, ctl, spawner, plugin, states, tr };
}

describe('notify/plugin (fake spawner)', () => {
  it('runs notify_<state> then the generic notify with INSTANCE NAME STATE PRIO', async () => {
    const { spawner, plugin, tr, ctl } = setup(inst('VI_1', 1, ' notify_master "/etc/k/master.sh arg1"\n notify_backup /etc/k/backup.sh\n notify /etc/k/notify.sh'));
    await plugin.start!(ctl);
    tr('VI_1', 'INIT', 'BACKUP', 100);
    tr('VI_1', 'BACKUP', 'MASTER', 150);
    tr('VI_1', 'MASTER', 'INIT' as VrrpState); // INIT is never notified
    assert.deepEqual(spawner.runs.map((r) => r.argv.join(' ')), [
      '/etc/k/backup.sh',
      '/etc/k/notify.sh INSTANCE VI_1 BACKUP 100',
      '/etc/k/master.sh arg1',
      '/etc/k/notify.sh INSTANCE VI_1 MASTER 150',
    ]);
  });

  it('notify_master_rx_lower_pri runs on a lower-priority advert heard as MASTER; the generic notify does not', async () => {
    const { spawner, plugin, tr, ctl } = setup(inst('VI_1', 1, ' notify_master_rx_lower_pri /etc/k/rx.sh\n notify /etc/k/notify.sh'));
    await plugin.start!(ctl);
    tr('VI_1', 'BACKUP', 'MASTER', 150);
    plugin.onMasterRxLowerPri!({ instance: 'VI_1', src: '10.1.0.2', priority: 150 });
    assert.deepEqual(spawner.runs.map((r) => r.argv.join(' ')), ['/etc/k/notify.sh INSTANCE VI_1 MASTER 150', '/etc/k/rx.sh']);
  });

  it('does not notify a start-up FAULT caused only by checks still in init (keepalived vrrp_init_state)', async () => {
    const { spawner, plugin, tr, ctl } = setup(inst('VI_1', 1, ' notify /n.sh'));
    const faults = { VI_1: ['track_script chk (init)'] as string[] };
    (ctl as { snapshot: unknown }).snapshot = (n: 'VI_1') => ({ state: 'FAULT', faults: faults[n] });
    await plugin.start!(ctl);
    tr('VI_1', 'INIT', 'FAULT');
    faults.VI_1 = ['track_script chk'];
    tr('VI_1', 'FAULT', 'BACKUP');
    tr('VI_1', 'BACKUP', 'FAULT');
    assert.deepEqual(spawner.runs.map((r) => r.argv.join(' ')), ['/n.sh INSTANCE VI_1 BACKUP 100', '/n.sh INSTANCE VI_1 FAULT 100']);
  });

  it('start-up FAULT from checks in init: not notified even if the check has already passed, nor for the sync group', async () => {
    const text = inst('VI_1', 1, ' notify /n.sh') + inst('VI_2', 2, ' notify /n.sh') + 'vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n notify /g.sh\n}\n';
    const { spawner, plugin, tr, ctl } = setup(text, { groupHoldMs: 20 });
    const faults: Record<string, string[]> = { VI_1: ['track_script chk (init)'], VI_2: [] };
    (ctl as { snapshot: unknown }).snapshot = (n: string) => ({ state: 'FAULT', faults: faults[n] });
    await plugin.start!(ctl);
    plugin.onGroupTransition!({ group: 'G', from: 'INIT', to: 'FAULT' }); // the core decides with VI_1 in init
    faults.VI_1 = []; // the check passed before the member's notification ran
    faults.VI_2 = ['sync group'];
    tr('VI_1', 'INIT', 'FAULT');
    tr('VI_2', 'INIT', 'FAULT');
    await ctl.clock.advanceAsync(20); // past groupHoldMs: a held group notification would have gone out
    assert.deepEqual(spawner.runs.map((r) => r.argv.join(' ')), []);
    await stopOnClock(plugin, ctl.clock);
  });

  it('a real start-up failure in a sync group is notified, member first, then the group', async () => {
    const text = inst('VI_1', 1, ' notify /n.sh') + inst('VI_2', 2, '') + 'vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n notify /g.sh\n}\n';
    const { spawner, plugin, tr, ctl } = setup(text, { groupHoldMs: 20 });
    const faults: Record<string, string[]> = { VI_1: ['track_script chk'], VI_2: [] };
    (ctl as { snapshot: unknown }).snapshot = (n: string) => ({ state: n === 'VI_1' ? 'FAULT' : 'INIT', faults: faults[n] });
    await plugin.start!(ctl);
    plugin.onGroupTransition!({ group: 'G', from: 'INIT', to: 'FAULT' });
    tr('VI_1', 'INIT', 'FAULT');
    await ctl.clock.advanceAsync(20); // groupHoldMs: VI_2 never reports
    assert.deepEqual(spawner.runs.map((r) => r.argv.join(' ')), ['/n.sh INSTANCE VI_1 FAULT 100', '/g.sh GROUP G FAULT 0']);
    await stopOnClock(plugin, ctl.clock);
  });

  it('logs a failing script and carries on', async () => {
    const { spawner, plugin, tr, ctl } = setup(inst('VI_1', 1, ' notify_master /bin/false'));
    await plugin.start!(ctl);
    tr('VI_1', 'BACKUP', 'MASTER');
    spawner.runs[0]!.exit({ code: 1, signal: null });
    await flush();
    tr('VI_1', 'MASTER', 'BACKUP');
    tr('VI_1', 'BACKUP', 'MASTER');
    assert.equal(spawner.runs.length, 2);
    assert.ok((ctl.logger as unknown as { lines: string[] }).lines.some((l) => l === 'warn notify_master script /bin/false: exited with status 1'));
  });

  it('a script refused at start is never run', async () => {
    const { spawner, plugin, tr, ctl } = setup(inst('VI_1', 1, ' notify_master /missing.sh'), { prepare: async () => ({ error: 'Script /missing.sh cannot be accessed - disabling' }) });
    await plugin.start!(ctl);
    tr('VI_1', 'BACKUP', 'MASTER');
    assert.equal(spawner.runs.length, 0);
    assert.ok((ctl.logger as unknown as { lines: string[] }).lines.some((l) => l.includes('cannot be accessed')));
  });

  it('sync group: members are notified first, the GROUP notify follows once every member has been notified', async () => {
    const text = inst('VI_1', 1, ' notify /n.sh') + inst('VI_2', 2, ' notify /n.sh') + 'vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n notify /g.sh\n notify_master /gm.sh\n}\n';
    const { spawner, plugin, tr, ctl, states } = setup(text, { stopScriptMs: 20 });
    await plugin.start!(ctl);
    // The core decided: both members go MASTER; the daemon reports the group first.
    states.set('VI_1', 'MASTER');
    states.set('VI_2', 'MASTER');
    plugin.onGroupTransition!({ group: 'G', from: 'BACKUP', to: 'MASTER' });
    assert.equal(spawner.runs.length, 0, 'held until the members are notified');
    tr('VI_1', 'BACKUP', 'MASTER', 100);
    tr('VI_2', 'BACKUP', 'MASTER', 100);
    assert.deepEqual(spawner.runs.map((r) => r.argv.join(' ')), [
      '/n.sh INSTANCE VI_1 MASTER 100',
      '/n.sh INSTANCE VI_2 MASTER 100',
      '/gm.sh',
      '/g.sh GROUP G MASTER 0',
    ]);
    // A later member notification equal to the group's notified state is suppressed (vrrp_notify.c:271-275).
    tr('VI_1', 'MASTER', 'MASTER' as VrrpState);
    assert.equal(spawner.runs.length, 4);
    await stopOnClock(plugin, ctl.clock);
  });

  it('a held group notification goes out after groupHoldMs even if a member never reports', async () => {
    const text = inst('VI_1', 1, '') + inst('VI_2', 2, '') + 'vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n notify /g.sh\n}\n';
    const { spawner, plugin, ctl, states } = setup(text, { groupHoldMs: 30 });
    await plugin.start!(ctl);
    states.set('VI_1', 'FAULT');
    plugin.onGroupTransition!({ group: 'G', from: 'MASTER', to: 'FAULT' });
    await ctl.clock.advanceAsync(29);
    assert.equal(spawner.runs.length, 0, 'held until groupHoldMs');
    await ctl.clock.advanceAsync(1);
    assert.deepEqual(spawner.runs.map((r) => r.argv.join(' ')), ['/g.sh GROUP G FAULT 0']);
  });

  it('notify_stop gets 1 s at shutdown, then its process group is killed; other scripts are terminated', async () => {
    const { spawner, plugin, tr, ctl } = setup(inst('VI_1', 1, ' notify_stop /stop.sh\n notify_master /m.sh'), { stopScriptMs: 50 });
    await plugin.start!(ctl);
    tr('VI_1', 'BACKUP', 'MASTER');
    tr('VI_1', 'MASTER', 'STOP');
    const stopping = plugin.stop!();
    await ctl.clock.advanceAsync(49);
    assert.deepEqual(spawner.runs.map((r) => r.signals), [['SIGTERM'], []], 'other scripts told to go at once; notify_stop runs its budget');
    await ctl.clock.advanceAsync(1);
    await stopping;
    const [master, stop] = spawner.runs;
    assert.deepEqual(master!.signals, ['SIGTERM', 'SIGKILL']);
    assert.deepEqual(stop!.signals, ['SIGTERM', 'SIGKILL']);
  });

  it('is not created without notify scripts or FIFOs', () => {
    assert.equal(createNotifyPlugin(parse(inst('VI_1', 1, ''))), null);
  });
});

describe('notify/plugin FIFO (real mkfifo)', function () {
  this.timeout(10_000);
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vipd-fifo-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the FIFO, writes keepalived lines in order, removes the FIFO it created on stop', async () => {
    const path = join(dir, 'notify.fifo');
    const text = `global_defs {\n notify_fifo ${path}\n}\n` + inst('VI_1', 1, '') + inst('VI_2', 2, '') + 'vrrp_sync_group VG_1 {\n group {\n  VI_1\n  VI_2\n }\n}\n';
    const { plugin, tr, ctl, states } = setup(text);
    await plugin.start!(ctl);
    assert.ok(existsSync(path));
    const reader = createReadStream(path, { encoding: 'utf8' });
    let got = '';
    reader.on('data', (d) => (got += d));
    states.set('VI_1', 'MASTER');
    states.set('VI_2', 'MASTER');
    plugin.onGroupTransition!({ group: 'VG_1', from: 'BACKUP', to: 'MASTER' });
    tr('VI_1', 'BACKUP', 'MASTER', 150);
    tr('VI_2', 'BACKUP', 'MASTER', 150);
    tr('VI_1', 'MASTER', 'FAULT', 150);
    const want = 'INSTANCE "VI_1" MASTER 150\nINSTANCE "VI_2" MASTER 150\nGROUP "VG_1" MASTER 0\nINSTANCE "VI_1" FAULT 150\n';
    await untilIo('every FIFO line read', () => got.length >= want.length);
    assert.equal(got, want);
    await stopOnClock(plugin, ctl.clock);
    reader.destroy();
    assert.equal(existsSync(path), false, 'the FIFO we created is removed');
  });

  it('uses an existing FIFO without a reader and leaves it in place', async () => {
    const path = join(dir, 'existing.fifo');
    execFileSync('mkfifo', [path]);
    const { plugin, tr, ctl } = setup(`global_defs {\n vrrp_notify_fifo ${path}\n}\n` + inst('VI_1', 1, ''));
    await plugin.start!(ctl);
    tr('VI_1', 'BACKUP', 'MASTER', 100); // no reader: the write neither blocks nor throws
    await stopOnClock(plugin, ctl.clock);
    assert.ok(existsSync(path));
  });

  it('refuses a path that is not a FIFO', async () => {
    const path = join(dir, 'plain');
    execFileSync('touch', [path]);
    const { plugin, ctl } = setup(`global_defs {\n notify_fifo ${path}\n}\n` + inst('VI_1', 1, ''));
    await plugin.start!(ctl);
    assert.ok((ctl.logger as unknown as { lines: string[] }).lines.some((l) => l.includes('is not a fifo we own')));
    await stopOnClock(plugin, ctl.clock);
  });
});
