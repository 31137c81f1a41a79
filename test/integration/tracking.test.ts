// Tracking in the pair lab (design.md): a vrrp_script whose result is a file toggle in a temp folder, and a
// track_file, move the VIP between two vipd directors the way keepalived's weights and FAULT rules say.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Lab } from '../../src/lab/netns.js';
import { AgentSet, holders, waitFor } from '../../src/lab/agents.js';
import { pairConfig, type PairConfigOptions } from '../../src/lab/pairConfig.js';
import { sleep, toggleScript, usePairLab, useScriptDir } from './labHelpers.js';

const VIP = '10.1.0.100';
const HOSTS = ['d1', 'd2'];

describe('integration: tracking (vrrp_script, track_file) in a vipd pair', function () {
  this.timeout(60_000);
  const env = usePairLab('tk');
  const scriptDir = useScriptDir('trk');
  let lab: Lab;
  let agents: AgentSet;
  let dir: string;

  beforeEach(() => {
    lab = env.lab();
    agents = env.agents();
    dir = scriptDir();
  });

  const conf = (routerId: string, priority: number, extra: Partial<PairConfigOptions> = {}) =>
    pairConfig({ routerId, priority, version: 3, advertInt: 0.1, vips: [`${VIP}/24`], ...extra });
  const onlyHolder = (host: string, timeoutMs = 10_000) => waitFor(async () => (await holders(lab, HOSTS, VIP)).join() === host, timeoutMs, 20);

  it('a failing script with negative weight hands the VIP to the backup; rise successes bring it back', async () => {
    const t = toggleScript(dir);
    const scriptBlock = `vrrp_script chk {\n    script "${t.script}"\n    interval 0.2\n    weight -60\n    rise 3\n    fall 2\n}\n`;
    const d1 = agents.start('vipd', 'd1', scriptBlock + conf('d1', 150, { extra: ['track_script {', '    chk', '}'] }));
    agents.start('vipd', 'd2', conf('d2', 100));
    assert.ok(await onlyHolder('d1'), 'd1 (150) holds the VIP while its check passes');

    t.fail();
    assert.ok(await onlyHolder('d2'), 'd1 drops to 90 after fall failures; d2 (100) preempts');
    assert.match(d1.output(), /VRRP_Script\(chk\) failed \(exited with status 1\)/);
    assert.match(d1.output(), /\(VI_1\) Changing effective priority from 150 to 90/);

    t.pass();
    assert.ok(await onlyHolder('d1'), 'after rise successes d1 is back at 150 and preempts');
    const out = d1.output();
    assert.ok(out.lastIndexOf('VRRP_Script(chk) succeeded') > out.indexOf('VRRP_Script(chk) failed'));
    assert.match(out, /Changing effective priority from 90 to 150/);
  });

  it('weight 0: a failing script puts the master in FAULT; its priority-0 advert lets the backup take over after skew (v2, 1 s)', async () => {
    const t = toggleScript(dir);
    const scriptBlock = `vrrp_script chk {\n    script "${t.script}"\n    interval 0.1\n}\n`;
    const v2 = { version: 2 as const, advertInt: 1 };
    const d1 = agents.start('vipd', 'd1', scriptBlock + conf('d1', 150, { ...v2, extra: ['track_script {', '    chk', '}'] }));
    agents.start('vipd', 'd2', conf('d2', 100, v2));
    assert.ok(await onlyHolder('d1'), 'd1 leaves its init FAULT after the first success and wins');
    await sleep(1200); // d2 is settled as backup on d1's adverts
    const t0 = Date.now();
    t.fail();
    assert.ok(await onlyHolder('d2'));
    const tookMs = Date.now() - t0;
    // Skew for priority 100 is 0.61 s; master-down would be 3.61 s. Generous bound that still tells them apart.
    assert.ok(tookMs < 2500, `takeover after ${tookMs} ms should follow d1's priority-0 advert, not master-down`);
    assert.match(d1.output(), /\(VI_1\) Entering FAULT STATE \(track_script chk\)/);
    assert.match(d1.output(), /\(VI_1\) sent 0 priority/);

    t.pass();
    assert.ok(await onlyHolder('d1'), 'd1 leaves FAULT and preempts again');
  });

  it('track_interface: a tracked second link going down puts the master in FAULT; up again, it takes the VIP back', async () => {
    // A veth pair inside d1's namespace (gone with it), created before vipd starts so the daemon knows it.
    await lab.ip('d1', 'link', 'add', 'trk0', 'type', 'veth', 'peer', 'name', 'trk1');
    await lab.ip('d1', 'link', 'set', 'trk1', 'up');
    await lab.ip('d1', 'link', 'set', 'trk0', 'up');
    const d1 = agents.start('vipd', 'd1', conf('d1', 150, { extra: ['track_interface {', '    trk0', '}'] }));
    agents.start('vipd', 'd2', conf('d2', 100));
    assert.ok(await onlyHolder('d1'));
    await lab.ip('d1', 'link', 'set', 'trk1', 'down'); // trk0 loses its carrier
    assert.ok(await onlyHolder('d2'));
    assert.match(d1.output(), /\(VI_1\) Entering FAULT STATE \(track_interface trk0\)/);
    await lab.ip('d1', 'link', 'set', 'trk1', 'up');
    assert.ok(await onlyHolder('d1'));
  });

  it('track_file: the value times the weight lowers the priority, and restores it when the file changes back', async () => {
    const file = join(dir, 'prio');
    writeFileSync(file, '0\n');
    const block = `track_file tf {\n    file ${file}\n    weight -10\n}\n`;
    const d1 = agents.start('vipd', 'd1', block + conf('d1', 150, { extra: ['track_file {', '    tf', '}'] }));
    agents.start('vipd', 'd2', conf('d2', 100));
    assert.ok(await onlyHolder('d1'));
    writeFileSync(file, '6\n'); // 150 - 60 = 90 < 100
    assert.ok(await onlyHolder('d2'), 'd2 preempts once d1 reads 6 × -10');
    assert.match(d1.output(), /Changing effective priority from 150 to 90/);
    writeFileSync(file, '0\n');
    assert.ok(await onlyHolder('d1'));
  });
});
