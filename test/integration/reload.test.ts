// SIGHUP: a running MASTER gets a new VIP without disturbing the existing one; a broken config is refused
// and the running one keeps working; an added instance starts.
import assert from 'node:assert/strict';
import type { Lab } from '../../src/lab/netns.js';
import { AgentSet, holders, waitFor } from '../../src/lab/agents.js';
import { pairConfig } from '../../src/lab/pairConfig.js';
import { startOutageProbe } from '../../src/lab/probe.js';
import { maxHoldersDuring, sleep, usePairLab } from './labHelpers.js';

const HOSTS = ['d1', 'd2'];

describe('integration: reload (SIGHUP)', function () {
  this.timeout(60_000);
  const env = usePairLab('rl');
  let lab: Lab;
  let agents: AgentSet;
  beforeEach(() => {
    lab = env.lab();
    agents = env.agents();
  });

  const conf = (host: string, priority: number, vips: string[], extra = '') =>
    pairConfig({ routerId: host, priority, version: 3, advertInt: 0.1, vips }) + extra;

  it('adds a VIP to a running MASTER with no transition and no gap for the existing VIP', async () => {
    const d1 = agents.start('vipd', 'd1', conf('d1', 150, ['10.1.0.100/24']));
    const d2 = agents.start('vipd', 'd2', conf('d2', 100, ['10.1.0.100/24']));
    assert.ok(await waitFor(async () => (await holders(lab, HOSTS, '10.1.0.100')).join() === 'd1', 10_000));
    const probe = startOutageProbe(lab, 'c1', '10.1.0.100', 5);
    assert.ok(await probe.firstReply(5000));
    await sleep(300);
    const beforeReload = d1.output().length;

    // Backup first, then master, as an operator rolling a change would.
    agents.writeConfig('d2-vipd.conf', conf('d2', 100, ['10.1.0.100/24', '10.1.0.101/24']));
    d2.child.kill('SIGHUP');
    agents.writeConfig('d1-vipd.conf', conf('d1', 150, ['10.1.0.100/24', '10.1.0.101/24']));
    d1.child.kill('SIGHUP');

    assert.ok(await waitFor(async () => (await holders(lab, HOSTS, '10.1.0.101')).join() === 'd1', 5000), 'the new VIP comes up on the master only');
    assert.equal(await maxHoldersDuring(lab, HOSTS, '10.1.0.100', 700), 1);
    const report = await probe.stop();
    const after = d1.output().slice(beforeReload);
    assert.match(after, /changed in place/);
    assert.doesNotMatch(after, /Entering (MASTER|BACKUP|FAULT) STATE/, 'no state transition on reload');
    // Pings every 5 ms; a VIP flap or a failover (≥ 360 ms at 0.1 s adverts) would show as a long gap.
    assert.ok(report.maxGapMs < 150, `longest gap between replies ${report.maxGapMs.toFixed(1)} ms`);
    (await lab.exec('c1', ['ping', '-c', '1', '-W', '2', '10.1.0.101'])).stdout;
  });

  it('refuses a broken config and keeps running the old one', async () => {
    const d1 = agents.start('vipd', 'd1', conf('d1', 150, ['10.1.0.100/24']));
    agents.start('vipd', 'd2', conf('d2', 100, ['10.1.0.100/24']));
    assert.ok(await waitFor(async () => (await holders(lab, HOSTS, '10.1.0.100')).join() === 'd1', 10_000));
    agents.writeConfig('d1-vipd.conf', 'vrrp_instance VI_1 {\n  virtual_router_id 300\n  priority 900\n}\n');
    d1.child.kill('SIGHUP');
    assert.ok(await waitFor(() => /new configuration refused/.test(d1.output()), 5000), d1.output().slice(-1500));
    assert.match(d1.output(), /d1-vipd\.conf:2: /, 'errors are reported as file:line');
    assert.equal(await maxHoldersDuring(lab, HOSTS, '10.1.0.100', 1000), 1);
    assert.deepEqual(await holders(lab, HOSTS, '10.1.0.100'), ['d1']);
    assert.equal(d1.child.exitCode, null, 'still running');
  });

  it('starts an added instance and stops a removed one', async () => {
    const second = `
vrrp_instance VI_2 {
    state BACKUP
    interface eth0
    virtual_router_id 52
    priority 150
    advert_int 0.1
    virtual_ipaddress {
        10.1.0.102/24
    }
}
`;
    const d1 = agents.start('vipd', 'd1', conf('d1', 150, ['10.1.0.100/24']));
    assert.ok(await waitFor(async () => (await holders(lab, ['d1'], '10.1.0.100')).length === 1, 10_000));
    agents.writeConfig('d1-vipd.conf', conf('d1', 150, ['10.1.0.100/24'], second));
    d1.child.kill('SIGHUP');
    assert.ok(await waitFor(async () => (await holders(lab, ['d1'], '10.1.0.102')).length === 1, 5000), d1.output().slice(-1500));
    agents.writeConfig('d1-vipd.conf', conf('d1', 150, ['10.1.0.100/24']));
    d1.child.kill('SIGHUP');
    assert.ok(await waitFor(async () => (await holders(lab, ['d1'], '10.1.0.102')).length === 0, 5000), 'removed instance released its VIP');
    assert.deepEqual(await holders(lab, ['d1'], '10.1.0.100'), ['d1']);
  });
});
