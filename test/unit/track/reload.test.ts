// Tracking across a reload (SIGHUP): unchanged trackers keep their state, changed ones are re-created, removed
// ones withdraw their effect, added ones start like keepalived starts scripts on reload, and instances the
// reload (re)started get the current readings again. Virtual time, fake spawner, fake control.
import assert from 'node:assert/strict';
import { VirtualClock } from '../../../src/clock/virtualClock.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../../src/config/types.js';
import type { ReloadChange } from '../../../src/plugin/api.js';
import { TrackingPlugin, type TrackingOptions } from '../../../src/track/plugin.js';
import type { Accounts } from '../../../src/script/security.js';
import { fakeControl, fakeSpawner, flush, parse, type FakeControl } from './helpers.js';

const noAccounts = async (): Promise<Accounts> => ({ users: new Map(), groups: new Map() });
const self = { uid: 0, gid: 0, name: 'root' };
const allowAll: TrackingOptions['prepare'] = async (argv, who) => ({ argv, uid: who.uid, gid: who.gid, warnings: [] });

interface Script {
  name: string;
  body: string;
}
const script = (s: Script) => `vrrp_script ${s.name} {\n${s.body}\n}\n`;
const instance = (name: string, vrid: number, prio: number, track: string) =>
  `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n priority ${prio}\n virtual_ipaddress {\n  10.1.0.${vrid}/24\n }\n${track}\n}\n`;
const trackScripts = (...names: string[]) => (names.length ? ` track_script {\n${names.map((n) => `  ${n}\n`).join('')} }` : '');

const UNCHANGED: ReloadChange = { started: [], removed: [] };

/**
 * A fake daemon side that behaves like the core for what the plugin reads back: the effective priority (set by
 * setPriority, kept across a reload in place like VrrpInstance.onReconfigure) and the fault reasons.
 */
function coreLike(ctl: FakeControl, bases: Record<string, number>) {
  const eff = new Map(Object.entries(bases));
  const faults = new Map<string, Set<string>>();
  const c = ctl as unknown as Record<string, unknown>;
  const setPriority = ctl.setPriority;
  const fault = ctl.fault;
  const faultCleared = ctl.faultCleared;
  c.setPriority = (n: string, p: number) => (eff.set(n, p), setPriority(n, p));
  c.fault = (n: string, r: string) => (faults.set(n, (faults.get(n) ?? new Set()).add(r)), fault(n, r));
  c.faultCleared = (n: string, r: string) => (faults.get(n)?.delete(r), faultCleared(n, r));
  c.snapshot = (n: string) => (eff.has(n) ? { effectivePriority: eff.get(n), faults: [...(faults.get(n) ?? [])] } : undefined);
  return {
    faults: (n: string) => [...(faults.get(n) ?? [])],
    priority: (n: string) => eff.get(n),
    /** A reload in place changed the base priority: the core keeps its tracker adjustment. */
    rebase: (n: string, from: number, to: number) => eff.set(n, eff.get(n)! - from + to),
    /** The instance was (re)started: fresh core. */
    fresh: (n: string, base: number) => (eff.set(n, base), faults.delete(n)),
  };
}

describe('track/plugin reload (SIGHUP)', () => {
  let clock: VirtualClock;
  beforeEach(() => (clock = new VirtualClock()));

  async function started(text: string, bases: Record<string, number> = { VI_1: 100 }, extra: Partial<TrackingOptions> = {}) {
    const config = parse(text);
    const ctl = fakeControl(config, { eth1: true, eth2: false }, clock);
    const core = coreLike(ctl, bases);
    const spawner = fakeSpawner();
    const plugin = new TrackingPlugin(config, { spawner, accounts: noAccounts, self, prepare: allowAll, ...extra });
    await plugin.start(ctl);
    const reload = async (next: string, change: ReloadChange = UNCHANGED): Promise<Config> => {
      const cfg = parse(next);
      (ctl as { config: Config }).config = cfg;
      await plugin.reload(cfg, change);
      await flush();
      return cfg;
    };
    const lines = () => (ctl.logger as unknown as { lines: string[] }).lines;
    return { ctl, core, spawner, plugin, reload, lines };
  }

  const chk = (body: string) => script({ name: 'chk', body: ` script "/bin/chk"\n interval 1\n${body}` });

  it('an unchanged script keeps its loop, its reading and its schedule: no call, no re-run, no kill', async () => {
    const text = chk(' weight -30\n fall 2') + instance('VI_1', 1, 100, trackScripts('chk'));
    const { ctl, spawner, reload } = await started(text);
    spawner.runs[0]!.exit({ code: 0, signal: null });
    await flush();
    await clock.advanceAsync(1000);
    spawner.runs[1]!.exit({ code: 1, signal: null }); // 1 of fall 2: still up
    await flush();
    await clock.advanceAsync(500);
    assert.equal(spawner.runs.length, 2);
    ctl.calls.length = 0;
    // Unrelated edits: a VIP, the script's weight (a binding property), a moved line.
    await reload('\n\n' + chk(' weight -40\n fall 2') + instance('VI_1', 1, 100, trackScripts('chk')).replace('10.1.0.1/24', '10.1.0.1/24\n  10.1.0.9/24'));
    assert.deepEqual(ctl.calls, [], 'no priority change, no fault');
    assert.equal(spawner.runs.length, 2, 'not re-run by the reload');
    await clock.advanceAsync(500); // the old schedule: next run at t = 2 s
    assert.equal(spawner.runs.length, 3);
    spawner.runs[2]!.exit({ code: 1, signal: null }); // 2 of fall 2: down, with the new weight
    await flush();
    assert.deepEqual(ctl.calls, ['setPriority VI_1 60'], 'the hysteresis carried on across the reload');
  });

  it('an added weighted script starts in init (no effect) and its first failure lowers the priority', async () => {
    const base = instance('VI_1', 1, 150, '');
    const { ctl, spawner, reload, core } = await started(base, { VI_1: 150 });
    assert.equal(spawner.runs.length, 0);
    await reload(chk(' weight -60') + instance('VI_1', 1, 150, trackScripts('chk')));
    assert.deepEqual(ctl.calls, [], 'nothing before the first result');
    assert.equal(spawner.runs.length, 1, 'first run at once');
    spawner.runs[0]!.exit({ code: 1, signal: null });
    await flush();
    assert.deepEqual(ctl.calls, ['setPriority VI_1 90']);
    assert.equal(core.priority('VI_1'), 90);
  });

  it('an added weight-0 script holds no FAULT while in init (keepalived SCRIPT_INIT_STATE_INIT_RELOAD); its first failure does', async () => {
    const { ctl, spawner, reload } = await started(instance('VI_1', 1, 100, ''));
    await reload(chk('') + instance('VI_1', 1, 100, trackScripts('chk')));
    assert.deepEqual(ctl.calls, [], 'a running instance is not pushed into FAULT by a check that has not run');
    spawner.runs[0]!.exit({ code: 0, signal: null });
    await flush();
    assert.deepEqual(ctl.calls, [], 'success: nothing to do');
    await clock.advanceAsync(1000);
    spawner.runs[1]!.exit({ code: 1, signal: null });
    await flush();
    assert.deepEqual(ctl.calls, ['fault VI_1 track_script chk']);
  });

  it('at start-up (not a reload) the same weight-0 script does hold FAULT until its first result', async () => {
    const { ctl } = await started(chk('') + instance('VI_1', 1, 100, trackScripts('chk')));
    assert.deepEqual(ctl.calls, ['fault VI_1 track_script chk (init)']);
  });

  it('a removed script stops (its running check is terminated) and its effect is withdrawn', async () => {
    const other = script({ name: 'other', body: ' script /bin/other\n interval 1\n weight -30\n timeout 5' });
    const text = chk('') + other + instance('VI_1', 1, 100, trackScripts('chk', 'other'));
    const { ctl, core, spawner, reload, lines } = await started(text);
    const [chkRun, otherRun] = spawner.runs;
    chkRun!.exit({ code: 1, signal: null });
    otherRun!.exit({ code: 1, signal: null });
    await flush();
    assert.deepEqual(ctl.calls, ['fault VI_1 track_script chk (init)', 'fault VI_1 track_script chk', 'faultCleared VI_1 track_script chk (init)']);
    await clock.advanceAsync(1000); // both run again; `other` hangs
    spawner.runs[2]!.exit({ code: 1, signal: null });
    await flush();
    ctl.calls.length = 0;
    await reload(instance('VI_1', 1, 100, ''));
    // `other` lowered nothing the core saw: the priority is not sent while in FAULT.
    assert.deepEqual(ctl.calls, ['faultCleared VI_1 track_script chk']);
    assert.deepEqual(core.faults('VI_1'), []);
    assert.deepEqual(spawner.runs[3]!.signals, ['SIGTERM'], 'the hung check of the removed script is terminated');
    assert.ok(lines().includes('info VRRP_Script(other) no longer tracked - stopped'));
    const runs = spawner.runs.length;
    await clock.advanceAsync(5000);
    assert.equal(spawner.runs.length, runs, 'no further runs');
  });

  it('a new command for a script keeps the old reading until the new check reports (no flap)', async () => {
    const { ctl, spawner, reload } = await started(chk('') + instance('VI_1', 1, 100, trackScripts('chk')));
    spawner.runs[0]!.exit({ code: 1, signal: null });
    await flush();
    ctl.calls.length = 0;
    await reload(chk('').replace('/bin/chk', '/bin/chk2') + instance('VI_1', 1, 100, trackScripts('chk')));
    assert.deepEqual(ctl.calls, [], 'still in FAULT for chk, no blip');
    assert.deepEqual(spawner.runs.at(-1)!.argv, ['/bin/chk2']);
    spawner.runs.at(-1)!.exit({ code: 0, signal: null });
    await flush();
    assert.deepEqual(ctl.calls, ['faultCleared VI_1 track_script chk']);
  });

  it('new rise/fall with the same command: the old result is carried over (keepalived clear_diff_script)', async () => {
    const { ctl, spawner, reload, lines } = await started(chk(' weight -30\n rise 1\n fall 1') + instance('VI_1', 1, 100, trackScripts('chk')));
    spawner.runs[0]!.exit({ code: 1, signal: null });
    await flush();
    assert.deepEqual(ctl.calls, ['setPriority VI_1 70']);
    await reload(chk(' weight -30\n rise 2\n fall 2') + instance('VI_1', 1, 100, trackScripts('chk')));
    assert.deepEqual(ctl.calls, ['setPriority VI_1 70'], 'still down: no priority change');
    assert.ok(lines().includes('info VRRP_Script(chk) considered unsuccessful on reload'));
    const step = async (code: number) => {
      spawner.runs.at(-1)!.exit({ code, signal: null });
      await flush();
      await clock.advanceAsync(1000);
    };
    await step(0); // 1 of rise 2
    assert.deepEqual(ctl.calls, ['setPriority VI_1 70']);
    await step(0);
    assert.deepEqual(ctl.calls, ['setPriority VI_1 70', 'setPriority VI_1 100']);
  });

  it('re-applies priority and faults to instances the reload (re)started: their cores start fresh', async () => {
    const down = script({ name: 'down', body: ' script /bin/down\n interval 1\n weight -30' });
    const text = chk('') + down + instance('VI_1', 1, 100, trackScripts('down')) + instance('VI_2', 2, 100, trackScripts('chk'));
    const { ctl, core, spawner, reload } = await started(text, { VI_1: 100, VI_2: 100 });
    for (const r of spawner.runs) r.exit({ code: 1, signal: null });
    await flush();
    assert.equal(core.priority('VI_1'), 70);
    assert.deepEqual(core.faults('VI_2'), ['track_script chk']);
    ctl.calls.length = 0;
    // VI_1 and VI_2 restarted (e.g. a new VRID): same readings, fresh cores.
    core.fresh('VI_1', 100);
    core.fresh('VI_2', 100);
    await reload(text.replace('virtual_router_id 1\n', 'virtual_router_id 7\n'), { started: ['VI_1', 'VI_2'], removed: [] });
    assert.deepEqual(ctl.calls, ['setPriority VI_1 70', 'fault VI_2 track_script chk']);
    assert.equal(spawner.runs.length, 2, 'the checks themselves were not restarted');
  });

  it('a base-priority change in place keeps the adjustment without a call; the plugin follows the core', async () => {
    const text = chk(' weight -30') + instance('VI_1', 1, 100, trackScripts('chk'));
    const { ctl, core, spawner, reload } = await started(text);
    spawner.runs[0]!.exit({ code: 1, signal: null });
    await flush();
    ctl.calls.length = 0;
    core.rebase('VI_1', 100, 120); // what VrrpInstance.onReconfigure does
    await reload(text.replace('priority 100', 'priority 120'));
    assert.deepEqual(ctl.calls, []);
    assert.equal(core.priority('VI_1'), 90);
    await clock.advanceAsync(1000);
    spawner.runs[1]!.exit({ code: 0, signal: null });
    await flush();
    assert.deepEqual(ctl.calls, ['setPriority VI_1 120'], 'recovery goes to the new base');
  });

  it('a tracked instance removed by the reload is forgotten; a new one is tracked', async () => {
    const text = chk(' weight -30') + instance('VI_1', 1, 100, trackScripts('chk'));
    const { ctl, spawner, reload, plugin } = await started(text, { VI_1: 100, VI_2: 100 });
    await reload(chk(' weight -30') + instance('VI_2', 2, 100, trackScripts('chk')), { started: ['VI_2'], removed: ['VI_1'] });
    assert.equal(plugin.describe('VI_1'), undefined);
    spawner.runs[0]!.exit({ code: 1, signal: null });
    await flush();
    assert.deepEqual(ctl.calls, ['setPriority VI_2 70']);
  });

  it('track_interface added and removed by a reload', async () => {
    const { ctl, reload } = await started(instance('VI_1', 1, 100, ''));
    await reload(instance('VI_1', 1, 100, ' track_interface {\n  eth2\n  eth1 weight -10\n }'));
    assert.deepEqual(ctl.calls, ['fault VI_1 track_interface eth2'], 'eth2 is down');
    ctl.setLink('eth1', false);
    await reload(instance('VI_1', 1, 100, ' track_interface {\n  eth1 weight -10\n }'));
    assert.deepEqual(ctl.calls, ['fault VI_1 track_interface eth2', 'setPriority VI_1 90', 'faultCleared VI_1 track_interface eth2']);
    ctl.setLink('eth2', true);
    ctl.setLink('eth1', true);
    assert.deepEqual(ctl.calls.slice(3), ['setPriority VI_1 100'], 'eth2 is no longer watched');
  });

  it('a script the checks refuse on reload is disabled and withdraws its effect', async () => {
    let refuse = false;
    const prepare: TrackingOptions['prepare'] = async (argv, who) => (refuse ? { error: 'Cannot find script - disabling' } : { argv, uid: who.uid, gid: who.gid, warnings: [] });
    const text = chk(' weight -30') + instance('VI_1', 1, 100, trackScripts('chk'));
    const { ctl, spawner, reload } = await started(text, { VI_1: 100 }, { prepare });
    spawner.runs[0]!.exit({ code: 1, signal: null });
    await flush();
    refuse = true;
    await reload(text.replace('/bin/chk', '/bin/gone'));
    assert.deepEqual(ctl.calls, ['setPriority VI_1 70', 'setPriority VI_1 100']);
  });
});

describe('track/plugin reload: track_file', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vipd-tfr-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const tf = (path: string, extra = '') => `track_file tf {\n file ${path}\n weight -2\n${extra}}\n` + instance('VI_1', 1, 100, ' track_file {\n  tf\n }');

  it('keeps an unchanged file watch, re-reads a file whose path changed, never overwrites on reload', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    writeFileSync(a, '5\n');
    writeFileSync(b, '7\n');
    const config = parse(tf(a));
    const ctl = fakeControl(config);
    const plugin = new TrackingPlugin(config, { fileRereadMs: 50 });
    await plugin.start(ctl);
    assert.deepEqual(ctl.calls, ['setPriority VI_1 90']);
    await plugin.reload(parse(tf(a)), UNCHANGED);
    assert.deepEqual(ctl.calls, ['setPriority VI_1 90'], 'unchanged');
    await plugin.reload(parse(tf(b, ' init_file 1 overwrite\n')), UNCHANGED);
    assert.deepEqual(ctl.calls, ['setPriority VI_1 90', 'setPriority VI_1 86'], 'b is read; init_file does not overwrite it on reload');
    await plugin.reload(parse(instance('VI_1', 1, 100, '')), UNCHANGED);
    assert.deepEqual(ctl.calls.slice(2), ['setPriority VI_1 100']);
    await plugin.stop();
  });
});
