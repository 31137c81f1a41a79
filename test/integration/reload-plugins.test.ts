// SIGHUP and the optional subsystems on real vipd directors: a tracking script added by a reload acts on a
// running MASTER, an unchanged tracked script keeps its state across a reload (no re-init, no priority change,
// no transition), and a notify script added by a reload runs on the next transition.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Lab } from '../../src/lab/netns.js';
import { AgentSet, holders, waitFor } from '../../src/lab/agents.js';
import { pairConfig } from '../../src/lab/pairConfig.js';
import { maxHoldersDuring, sleep, toggleScript, usePairLab, useScriptDir } from './labHelpers.js';

const VIP = '10.1.0.100';
const HOSTS = ['d1', 'd2'];

describe('integration: reload (SIGHUP) of tracking and notify', function () {
  this.timeout(60_000);
  const env = usePairLab('rp');
  const scriptDir = useScriptDir('rlp');
  let lab: Lab;
  let agents: AgentSet;
  let dir: string;

  beforeEach(() => {
    lab = env.lab();
    agents = env.agents();
    dir = scriptDir();
  });

  const conf = (host: string, priority: number, extra: string[] = [], head = '') =>
    head + pairConfig({ routerId: host, priority, version: 3, advertInt: 0.1, vips: [`${VIP}/24`], extra });
  const onlyHolder = (host: string, timeoutMs = 10_000) => waitFor(async () => (await holders(lab, HOSTS, VIP)).join() === host, timeoutMs, 20);
  const trackChk = ['track_script {', '    chk', '}'];

  /** A check that fails while `<dir>/fail` exists. */
  function checkScript(): { block: string; fail(): void } {
    const { script, fail } = toggleScript(dir);
    return { block: `vrrp_script chk {\n    script "${script}"\n    interval 0.2\n    weight -60\n}\n`, fail };
  }

  it('a failing weighted vrrp_script added by SIGHUP to a running MASTER hands the VIP to the backup', async () => {
    const chk = checkScript();
    chk.fail();
    const d1 = agents.start('vipd', 'd1', conf('d1', 150));
    agents.start('vipd', 'd2', conf('d2', 100));
    assert.ok(await onlyHolder('d1'), 'd1 (150) is MASTER');

    agents.writeConfig('d1-vipd.conf', conf('d1', 150, trackChk, chk.block));
    d1.child.kill('SIGHUP');
    assert.ok(await onlyHolder('d2', 5000), `d1 drops to 90 and d2 (100) preempts\n${d1.output().slice(-1500)}`);
    const out = d1.output();
    assert.match(out, /VRRP_Script\(chk\) failed/);
    assert.match(out, /\(VI_1\) Changing effective priority from 150 to 90/);
    assert.match(out, /unchanged|changed in place/, 'VI_1 itself was not restarted by the reload');
    assert.doesNotMatch(out, /Entering FAULT STATE/, 'a weighted check never means FAULT');
  });

  it('a reload that leaves a tracked script unchanged keeps its reading: no re-init, no priority change, no transition', async () => {
    const chk = checkScript();
    chk.fail();
    const d1Conf = conf('d1', 150, trackChk, chk.block);
    const d1 = agents.start('vipd', 'd1', d1Conf);
    agents.start('vipd', 'd2', conf('d2', 100));
    // d1 is at 90 because of its failing check; d2 (100) is MASTER.
    assert.ok(await waitFor(() => /Changing effective priority from 150 to 90/.test(d1.output()), 10_000), d1.output().slice(-1500));
    assert.ok(await onlyHolder('d2'));
    await sleep(500);
    const before = d1.output().length;

    // The same script and tracking, with a comment, moved lines and a new script nobody tracks.
    const unused = `vrrp_script spare {\n    script "/bin/true"\n    interval 1\n}\n`;
    agents.writeConfig('d1-vipd.conf', `# edited\n\n${unused}\n${d1Conf}`);
    d1.child.kill('SIGHUP');
    assert.ok(await waitFor(() => /reloaded: /.test(d1.output().slice(before)), 5000), d1.output().slice(-1500));
    // Re-initialising the check would drop its weight (init counts for nothing) and d1 would preempt at 150.
    assert.equal(await maxHoldersDuring(lab, HOSTS, VIP, 1500), 1);
    assert.deepEqual(await holders(lab, HOSTS, VIP), ['d2']);
    const after = d1.output().slice(before);
    assert.doesNotMatch(after, /Changing effective priority/, 'no priority change');
    assert.doesNotMatch(after, /Entering (MASTER|BACKUP|FAULT) STATE/, 'no transition');
    assert.doesNotMatch(after, /VRRP_Script\(chk\) (succeeded|failed)/, 'the check was not re-initialised');
    assert.doesNotMatch(after, /VRRP_Script\(spare\)/, 'an untracked script is not run');
  });

  it('an instance restarted by a reload starts with the tracked priority, not its base: no preemption', async () => {
    const chk = checkScript();
    chk.fail();
    const d1Conf = conf('d1', 150, trackChk, chk.block);
    const d1 = agents.start('vipd', 'd1', d1Conf);
    agents.start('vipd', 'd2', conf('d2', 100));
    assert.ok(await waitFor(() => /Changing effective priority from 150 to 90/.test(d1.output()), 10_000), d1.output().slice(-1500));
    assert.ok(await onlyHolder('d2'));
    const before = d1.output().length;
    // dont_track_primary changes how the instance follows its interface: the daemon restarts it.
    agents.writeConfig('d1-vipd.conf', conf('d1', 150, [...trackChk, 'dont_track_primary'], chk.block));
    d1.child.kill('SIGHUP');
    assert.ok(await waitFor(() => /reloaded: .*1 restarted/.test(d1.output().slice(before)), 5000), d1.output().slice(-1500));
    // Started at base 150 it would preempt d2 after one master-down interval (~0.4 s).
    assert.equal(await maxHoldersDuring(lab, HOSTS, VIP, 2000), 1);
    assert.deepEqual(await holders(lab, HOSTS, VIP), ['d2']);
    const after = d1.output().slice(before);
    assert.match(after, /Changing effective priority from 150 to 90/, 'the fresh core got the tracked priority');
    assert.doesNotMatch(after, /Entering MASTER STATE/);
  });

  it('an instance restarted by a reload while a weight-0 check fails comes back in FAULT', async () => {
    const chk = checkScript();
    chk.fail();
    const block = chk.block.replace('    weight -60\n', '');
    const d1 = agents.start('vipd', 'd1', conf('d1', 150, trackChk, block));
    agents.start('vipd', 'd2', conf('d2', 100));
    assert.ok(await onlyHolder('d2'));
    assert.ok(await waitFor(() => /VRRP_Script\(chk\) failed/.test(d1.output()), 5000), d1.output().slice(-1500));
    const before = d1.output().length;
    agents.writeConfig('d1-vipd.conf', conf('d1', 150, [...trackChk, 'dont_track_primary'], block));
    d1.child.kill('SIGHUP');
    assert.ok(await waitFor(() => /reloaded: .*1 restarted/.test(d1.output().slice(before)), 5000), d1.output().slice(-1500));
    assert.equal(await maxHoldersDuring(lab, HOSTS, VIP, 2000), 1);
    assert.deepEqual(await holders(lab, HOSTS, VIP), ['d2']);
    const after = d1.output().slice(before);
    assert.match(after, /\(VI_1\) Entering FAULT STATE/, 'the fresh core got the fault before it started');
    assert.doesNotMatch(after, /Entering (MASTER|BACKUP) STATE/);
  });

  it('a notify script added by SIGHUP runs on the next transition', async () => {
    const log = join(dir, 'calls.log');
    const note = join(dir, 'note.sh');
    writeFileSync(note, `#!/bin/sh\necho "$*" >> '${log}'\n`, { mode: 0o755 });
    chmodSync(note, 0o755);
    const d1 = agents.start('vipd', 'd1', conf('d1', 150));
    const d2 = agents.start('vipd', 'd2', conf('d2', 100));
    assert.ok(await onlyHolder('d1'));
    await sleep(300);
    const before = d2.output().length;
    agents.writeConfig('d2-vipd.conf', conf('d2', 100, [`notify "${note}"`, `notify_master "${note} master-only"`]));
    d2.child.kill('SIGHUP');
    assert.ok(await waitFor(() => /reloaded: /.test(d2.output().slice(before)), 5000), d2.output().slice(-1500));
    assert.equal(existsSync(log), false, 'nothing to notify while nothing changes');

    await d1.stop('SIGTERM');
    assert.ok(await onlyHolder('d2'), 'd2 takes over');
    assert.ok(await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').split('\n').length >= 3, 5000), 'both scripts ran');
    const calls = readFileSync(log, 'utf8').trim().split('\n').sort();
    assert.deepEqual(calls, ['INSTANCE VI_1 MASTER 100', 'master-only']);
  });
});
