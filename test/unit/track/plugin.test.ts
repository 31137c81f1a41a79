import assert from 'node:assert/strict';
import { VirtualClock } from '../../../src/clock/virtualClock.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTrackingPlugin, type TrackingOptions } from '../../../src/track/plugin.js';
import type { Accounts } from '../../../src/script/security.js';
import { advanceUntil, fakeControl, fakeSpawner, flush, parse } from './helpers.js';

const noAccounts = async (): Promise<Accounts> => ({ users: new Map(), groups: new Map() });
const self = { uid: 0, gid: 0, name: 'root' };
const allowAll: TrackingOptions['prepare'] = async (argv, who) => ({ argv, uid: who.uid, gid: who.gid, warnings: [] });

function conf(scriptBody: string, trackBody: string, prio = 100): string {
  return `vrrp_script chk {\n script "/usr/local/bin/chk --quick"\n interval 1\n${scriptBody}\n}\n` +
    `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority ${prio}\n virtual_ipaddress {\n  10.1.0.100/24\n }\n track_script {\n  chk ${trackBody}\n }\n}\n`;
}

describe('track/plugin (vrrp_script on virtual time with a fake spawner)', () => {
  let clock: VirtualClock;
  beforeEach(() => (clock = new VirtualClock()));

  async function started(text: string, extra: Partial<TrackingOptions> = {}) {
    const config = parse(text);
    const ctl = fakeControl(config, {}, clock);
    const spawner = fakeSpawner();
    const plugin = createTrackingPlugin(config, { spawner, accounts: noAccounts, self, prepare: allowAll, ...extra });
    assert.ok(plugin);
    await plugin.start!(ctl);
    return { ctl, spawner, plugin };
  }

  it('weight 0: the instance starts in FAULT (script in init) and leaves it on the first success', async () => {
    const { ctl, spawner, plugin } = await started(conf('', ''));
    assert.deepEqual(ctl.calls, ['fault VI_1 track_script chk (init)'], 'fault reported before the instance starts');
    assert.equal(spawner.runs.length, 1, 'first run at start');
    assert.deepEqual(spawner.runs[0]!.argv, ['/usr/local/bin/chk', '--quick']);
    spawner.runs[0]!.exit({ code: 0, signal: null });
    await flush();
    assert.deepEqual(ctl.calls, ['fault VI_1 track_script chk (init)', 'faultCleared VI_1 track_script chk (init)']);
    assert.deepEqual(plugin.results.get('chk'), { lastOk: true, status: true, runsOk: 1, runsFailed: 0 });
    assert.ok((ctl.logger as unknown as { lines: string[] }).lines.includes('info VRRP_Script(chk) succeeded'));
  });

  it('weight 0: a first failure swaps the init reason for the real one without leaving FAULT', async () => {
    const { ctl, spawner } = await started(conf('', ''));
    spawner.runs[0]!.exit({ code: 1, signal: null });
    await flush();
    assert.deepEqual(ctl.calls, ['fault VI_1 track_script chk (init)', 'fault VI_1 track_script chk', 'faultCleared VI_1 track_script chk (init)']);
  });

  it('negative weight: fall failures lower the priority, rise successes restore it', async () => {
    const { ctl, spawner } = await started(conf(' weight -30\n rise 2\n fall 2', ''));
    const step = async (code: number) => {
      spawner.runs.at(-1)!.exit({ code, signal: null });
      await flush();
      await clock.advanceAsync(1000);
    };
    assert.deepEqual(ctl.calls, [], 'weighted scripts in init change nothing');
    await step(0); // up
    await step(1); // still up (fall 2)
    assert.deepEqual(ctl.calls, []);
    await step(1); // down
    assert.deepEqual(ctl.calls, ['setPriority VI_1 70']);
    await step(0); // 1 of rise 2
    assert.deepEqual(ctl.calls, ['setPriority VI_1 70']);
    await step(0); // up again
    assert.deepEqual(ctl.calls, ['setPriority VI_1 70', 'setPriority VI_1 100']);
    assert.equal(spawner.runs.length, 6, 'one run per interval');
  });

  it('init_fail with weight -30 lowers the priority before the instance starts', async () => {
    const { ctl } = await started(conf(' weight -30\n init_fail', ''));
    assert.deepEqual(ctl.calls, ['setPriority VI_1 70']);
  });

  it('a track_script weight override and reverse apply per instance', async () => {
    const { ctl, spawner } = await started(conf(' weight -30', 'weight 20 reverse'));
    spawner.runs[0]!.exit({ code: 0, signal: null });
    await flush();
    assert.deepEqual(ctl.calls, ['setPriority VI_1 80'], 'weight 20 reverse: -20 while up');
  });

  it('skips a run while the previous one is still going, kills it at the timeout (SIGTERM, SIGKILL 2 s later) and counts a failure', async () => {
    const { ctl, spawner, plugin } = await started(conf(' timeout 3\n weight -10', ''));
    await clock.advanceAsync(1000);
    await clock.advanceAsync(1000);
    assert.equal(spawner.runs.length, 1, 'runs at 1 s and 2 s skipped while the first is hung');
    await clock.advanceAsync(1000); // t = 3 s: timeout
    assert.deepEqual(spawner.runs[0]!.signals, ['SIGTERM']);
    await clock.advanceAsync(2000); // t = 5 s: SIGKILL, and a new run at 4 s was skipped too
    assert.deepEqual(spawner.runs[0]!.signals, ['SIGTERM', 'SIGKILL']);
    await flush();
    assert.deepEqual(ctl.calls, ['setPriority VI_1 90'], 'timeout is a failure');
    assert.deepEqual(plugin.results.get('chk'), { lastOk: false, status: false, runsOk: 0, runsFailed: 1 });
    await clock.advanceAsync(1000);
    assert.equal(spawner.runs.length, 2, 'scheduling resumes');
  });

  it('stop() SIGTERMs a running script and SIGKILLs it a second later', async () => {
    const { spawner, plugin } = await started(conf(' timeout 30', ''));
    const stopping = plugin.stop!();
    assert.deepEqual(spawner.runs[0]!.signals, ['SIGTERM']);
    await clock.advanceAsync(1000);
    await stopping;
    assert.deepEqual(spawner.runs[0]!.signals, ['SIGTERM', 'SIGKILL']);
    await clock.advanceAsync(5000);
    assert.equal(spawner.runs.length, 1, 'no run after stop');
  });

  it('runs the script as script_user with a clean environment', async () => {
    const text = 'global_defs {\n script_user nobody\n}\n' + conf('', '');
    const accounts = async (): Promise<Accounts> => ({ users: new Map([['nobody', { uid: 65534, gid: 65534 }]]), groups: new Map() });
    const { spawner } = await started(text, { accounts, env: { PATH: '/bin', IFS: 'x', LD_PRELOAD: 'evil.so', LD_LIBRARY_PATH: '/x' } });
    const o = spawner.runs[0]!.opts;
    assert.equal(o.uid, 65534);
    assert.equal(o.gid, 65534);
    assert.deepEqual(o.env, { PATH: '/bin' });
  });

  it('a script refused by the checks stops being tracked (no FAULT forever), with an error logged', async () => {
    const { ctl, spawner } = await started(conf('', ''), { prepare: async () => ({ error: 'Cannot find script chk in path - disabling' }) });
    assert.deepEqual(ctl.calls, []);
    assert.equal(spawner.runs.length, 0);
    assert.ok((ctl.logger as unknown as { lines: string[] }).lines.some((l) => l.startsWith('error VRRP_Script(chk) Cannot find')));
  });
});

describe('track/plugin (track_interface, track_file)', () => {
  it('track_interface weight 0 ⇒ FAULT while down; weighted lowers the priority', async () => {
    const text = `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n virtual_ipaddress {\n  10.1.0.100/24\n }\n track_interface {\n  eth1\n  eth2 weight -15\n }\n}\n`;
    const config = parse(text);
    const ctl = fakeControl(config, { eth1: true, eth2: true });
    const plugin = createTrackingPlugin(config)!;
    await plugin.start!(ctl);
    assert.deepEqual(ctl.calls, []);
    ctl.setLink('eth2', false);
    ctl.setLink('eth1', false);
    ctl.setLink('eth1', true);
    ctl.setLink('eth2', true);
    assert.deepEqual(ctl.calls, ['setPriority VI_1 85', 'fault VI_1 track_interface eth1', 'faultCleared VI_1 track_interface eth1', 'setPriority VI_1 100']);
    await plugin.stop!();
  });

  it('track_file: value × weight, re-read on change; -254 or below ⇒ FAULT', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'vipd-tf-'));
    try {
      const path = join(dir, 'prio');
      writeFileSync(path, '5\n');
      const text = `track_file tf {\n file ${path}\n weight -2\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n virtual_ipaddress {\n  10.1.0.100/24\n }\n track_file {\n  tf\n }\n}\n`;
      const config = parse(text);
      const ctl = fakeControl(config);
      const plugin = createTrackingPlugin(config, { fileRereadMs: 50 })!;
      await plugin.start!(ctl);
      assert.deepEqual(ctl.calls, ['setPriority VI_1 90']);
      writeFileSync(path, '200\n');
      // The change is picked up by the next re-read (a virtual 50 ms), whether or not fs.watch saw it.
      const until = (n: number) => advanceUntil(ctl.clock, () => ctl.calls.length >= n, 50);
      await until(2);
      assert.deepEqual(ctl.calls.slice(1), ['fault VI_1 track_file tf']);
      rmSync(path); // a missing file reads as 0
      await until(4);
      assert.deepEqual(ctl.calls.slice(2), ['setPriority VI_1 100', 'faultCleared VI_1 track_file tf'], 'priority first, then the fault clears');
      await plugin.stop!();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('creates the file from init_file when missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vipd-tf-'));
    try {
      const path = join(dir, 'state');
      const text = `track_file tf {\n file ${path}\n weight 0\n init_file 3\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n virtual_ipaddress {\n  10.1.0.100/24\n }\n track_file {\n  tf\n }\n}\n`;
      const config = parse(text);
      const ctl = fakeControl(config);
      const plugin = createTrackingPlugin(config)!;
      await plugin.start!(ctl);
      assert.deepEqual(ctl.calls, ['fault VI_1 track_file tf'], 'weight 0 and value 3 ⇒ FAULT');
      await plugin.stop!();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is not created when nothing is tracked', () => {
    const config = parse(`vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.1.0.100/24\n }\n}\n`);
    assert.equal(createTrackingPlugin(config), null);
  });
});
