// Two vipd agents in design.md's pair lab (d1 10.1.0.1, d2 10.1.0.2, client c1 10.1.0.10, VIP 10.1.0.100).
import assert from 'node:assert/strict';
import type { Lab } from '../../src/lab/netns.js';
import { AgentSet, holders, linkMac, neighbourMac, waitFor } from '../../src/lab/agents.js';
import { pairConfig, type PairConfigOptions } from '../../src/lab/pairConfig.js';
import { startOutageProbe } from '../../src/lab/probe.js';
import { maxHoldersDuring, sleep, usePairLab } from './labHelpers.js';

const VIP = '10.1.0.100';
const HOSTS = ['d1', 'd2'];

describe('integration: vipd pair', function () {
  this.timeout(60_000);
  const env = usePairLab('vp');
  let lab: Lab;
  let agents: AgentSet;
  beforeEach(() => {
    lab = env.lab();
    agents = env.agents();
  });

  const conf = (routerId: string, priority: number, extra: Partial<PairConfigOptions> = {}) =>
    pairConfig({ routerId, priority, version: 3, advertInt: 0.1, vips: [`${VIP}/24`], ...extra });

  const onlyHolder = async (host: string, timeoutMs = 10_000) =>
    waitFor(async () => (await holders(lab, HOSTS, VIP)).join() === host, timeoutMs, 20);

  it('gives the VIP to the higher priority only, and never to both', async () => {
    agents.start('vipd', 'd2', conf('d2', 100));
    agents.start('vipd', 'd1', conf('d1', 150));
    assert.ok(await onlyHolder('d1'), 'd1 (priority 150) should hold the VIP alone');
    assert.equal(await maxHoldersDuring(lab, HOSTS, VIP, 1500), 1);
    assert.deepEqual(await holders(lab, HOSTS, VIP), ['d1']);
  });

  it('both directors paused together (a VM descheduled): the backup waits for the master instead of taking over', async () => {
    // 50 ms adverts: Master_Down ≈ 170 ms, so a 400 ms pause of both would make the backup decide Master_Down on
    // nothing heard; the master, paused too, sends its overdue advert as soon as it runs (instance.ts stallGrace).
    const d1 = agents.start('vipd', 'd1', conf('d1', 150, { advertInt: 0.05 }));
    const d2 = agents.start('vipd', 'd2', conf('d2', 100, { advertInt: 0.05 }));
    assert.ok(await onlyHolder('d1'));
    await sleep(500);
    const mark = d2.output().length;
    for (let i = 0; i < 3; i++) {
      d1.child.kill('SIGSTOP');
      d2.child.kill('SIGSTOP');
      await sleep(400);
      d2.child.kill('SIGCONT'); // the backup first: the harder order
      d1.child.kill('SIGCONT');
      await sleep(600);
    }
    const after = d2.output().slice(mark);
    assert.doesNotMatch(after, /Entering MASTER STATE/, `d2 took over:\n${after}`);
    assert.match(after, /Master_Down deferred \d+ ms: this process did not run for \d+ ms/);
    assert.deepEqual(await holders(lab, HOSTS, VIP), ['d1']);
  });

  it('moves the VIP when the master loses its link: client pings resume and its ARP entry shows the new MAC', async () => {
    agents.start('vipd', 'd1', conf('d1', 150));
    agents.start('vipd', 'd2', conf('d2', 100));
    assert.ok(await onlyHolder('d1'));
    const probe = startOutageProbe(lab, 'c1', VIP, 5);
    assert.ok(await probe.firstReply(5000), 'client reaches the VIP on d1');
    assert.equal(await neighbourMac(lab, 'c1', VIP), await linkMac(lab, 'd1', 'eth0'));
    await lab.setPort('sw', 'd1', false);
    assert.ok(await waitFor(async () => (await holders(lab, ['d2'], VIP)).length === 1, 10_000), 'd2 takes the VIP');
    const resumedAt = Date.now();
    let resumed = false;
    probe.onReply((at) => {
      if (at >= resumedAt) resumed = true;
    });
    assert.ok(await waitFor(() => resumed, 5000), 'client pings to the VIP resume');
    const report = await probe.stop();
    assert.ok(report.received > 0);
    assert.equal(await neighbourMac(lab, 'c1', VIP), await linkMac(lab, 'd2', 'eth0'), "client's neighbour entry points at d2");
    assert.deepEqual(await holders(lab, ['d1'], VIP), [], 'd1 (FAULT) released the VIP');
  });

  it('preempts when the higher-priority master comes back', async () => {
    agents.start('vipd', 'd1', conf('d1', 150));
    agents.start('vipd', 'd2', conf('d2', 100));
    assert.ok(await onlyHolder('d1'));
    await lab.setPort('sw', 'd1', false);
    assert.ok(await waitFor(async () => (await holders(lab, ['d2'], VIP)).length === 1, 10_000));
    await lab.setPort('sw', 'd1', true);
    assert.ok(await onlyHolder('d1'), 'd1 takes the VIP back');
  });

  it('an interface deleted and created again: the master takes its VIP back on the new interface', async () => {
    agents.start('vipd', 'd1', conf('d1', 150));
    agents.start('vipd', 'd2', conf('d2', 100));
    assert.ok(await onlyHolder('d1'));
    await lab.exec('c1', ['ping', '-c', '1', '-W', '1', VIP]); // the client has a neighbour entry for the VIP
    // `ip link del` on d1 (the switch side of the veth goes with it), then the same interface plugged again.
    await lab.ip('d1', 'link', 'del', 'eth0');
    assert.ok(await waitFor(async () => (await holders(lab, ['d2'], VIP)).length === 1, 10_000), 'd2 takes the VIP');
    await lab.plug('d1', 'eth0', 'sw', 'd1');
    await lab.addAddress('d1', 'eth0', '10.1.0.1/24');
    // d1 restarts its instance on the new ifindex, hears d2 and preempts it (150 > 100).
    assert.ok(await onlyHolder('d1', 15_000), 'd1 holds the VIP again, alone');
    assert.equal(await maxHoldersDuring(lab, HOSTS, VIP, 1000), 1);
    // The new veth has a new MAC: only d1's gratuitous ARP from the new interface can tell the client.
    const mac = await linkMac(lab, 'd1', 'eth0');
    assert.ok(await waitFor(async () => (await neighbourMac(lab, 'c1', VIP)) === mac, 5000), "the client's entry points at d1's new interface");
  });

  it('does not preempt with nopreempt', async () => {
    // With nopreempt whoever becomes master first stays master, and the two start-up timers differ by only
    // 20 ms at 0.1 s adverts: start d1 alone so the test does not depend on which process boots faster.
    agents.start('vipd', 'd1', conf('d1', 150, { nopreempt: true }));
    assert.ok(await onlyHolder('d1'));
    agents.start('vipd', 'd2', conf('d2', 100, { nopreempt: true }));
    await sleep(500);
    assert.deepEqual(await holders(lab, HOSTS, VIP), ['d1']);
    await lab.setPort('sw', 'd1', false);
    assert.ok(await waitFor(async () => (await holders(lab, ['d2'], VIP)).length === 1, 10_000));
    await lab.setPort('sw', 'd1', true);
    // d1 hears d2's adverts again; with nopreempt it stays BACKUP for good.
    await sleep(2000);
    assert.deepEqual(await holders(lab, HOSTS, VIP), ['d2']);
  });

  it('installs virtual_routes on the master only and moves them with the VIP', async () => {
    const extra = ['virtual_routes {', '    10.99.0.0/16 via 10.1.0.254 dev eth0 metric 7', '}'];
    agents.start('vipd', 'd1', conf('d1', 150, { extra }));
    agents.start('vipd', 'd2', conf('d2', 100, { extra }));
    assert.ok(await onlyHolder('d1'));
    const route = async (host: string) => (await lab.ip(host, 'route', 'show', '10.99.0.0/16')).stdout.trim();
    assert.ok(await waitFor(async () => /via 10\.1\.0\.254 dev eth0 proto (18|keepalived) metric 7/.test(await route('d1')), 3000), await route('d1'));
    assert.equal(await route('d2'), '', 'the backup has no virtual route');
    await lab.setPort('sw', 'd1', false);
    assert.ok(await waitFor(async () => /via 10\.1\.0\.254/.test(await route('d2')), 10_000), 'the route follows the VIP to d2');
  });

  it('puts back a VIP removed behind its back while MASTER (but not a no_track one)', async () => {
    agents.start('vipd', 'd1', pairConfig({ routerId: 'd1', priority: 150, version: 3, advertInt: 0.1, vips: [`${VIP}/24`, '10.1.0.101/24 no_track'] }));
    assert.ok(await onlyHolder('d1'));
    assert.ok(await waitFor(async () => (await holders(lab, ['d1'], '10.1.0.101')).length === 1, 3000));
    await lab.ip('d1', 'addr', 'del', `${VIP}/24`, 'dev', 'eth0');
    await lab.ip('d1', 'addr', 'del', '10.1.0.101/24', 'dev', 'eth0');
    assert.ok(await waitFor(async () => (await holders(lab, ['d1'], VIP)).length === 1, 3000), 'tracked VIP re-added');
    await sleep(500);
    assert.deepEqual(await holders(lab, ['d1'], '10.1.0.101'), [], 'no_track VIP left alone');
  });

  it('hands over on SIGTERM after skew time, well before the master-down timer (v2, 1 s adverts)', async () => {
    const d1 = agents.start('vipd', 'd1', conf('d1', 150, { version: 2, advertInt: 1 }));
    agents.start('vipd', 'd2', conf('d2', 100, { version: 2, advertInt: 1 }));
    assert.ok(await onlyHolder('d1'));
    await sleep(1200);
    const t0 = Date.now();
    const stopped = d1.stop('SIGTERM');
    assert.ok(await waitFor(async () => (await holders(lab, ['d2'], VIP)).length === 1, 10_000));
    const tookMs = Date.now() - t0;
    // Skew for priority 100 is 0.61 s; master-down would be 3.61 s. A generous bound that still tells them apart.
    assert.ok(tookMs < 2500, `takeover after ${tookMs} ms should follow the priority-0 advert, not the master-down timer`);
    assert.equal(await stopped, 0, 'vipd exits 0 on SIGTERM');
    assert.deepEqual(await holders(lab, ['d1'], VIP), [], 'd1 removed the VIP on exit');
    assert.match(d1.output(), /\(VI_1\) Entering MASTER STATE/);
    // Make-before-break: d1 released its VIPs only after it heard d2's first advert as the new master.
    assert.match(d1.output(), /\(VI_1\) 10\.1\.0\.2 took over, releasing VIPs/);
  });
});

describe('integration: vipd pair over IPv6 (VRRPv3, ff02::12, unsolicited NA)', function () {
  this.timeout(60_000);
  const VIP6 = 'fd00:1::100';
  const env = usePairLab('v6');
  let lab: Lab;
  let agents: AgentSet;
  beforeEach(() => {
    lab = env.lab();
    agents = env.agents();
  });

  it('elects one master and moves the IPv6 VIP on a link cut; the client neighbour entry follows', async () => {
    const conf = (routerId: string, priority: number) =>
      pairConfig({ routerId, priority, version: 3, advertInt: 0.1, vips: [`${VIP6}/64`] });
    agents.start('vipd', 'd1', conf('d1', 150));
    agents.start('vipd', 'd2', conf('d2', 100));
    assert.ok(await waitFor(async () => (await holders(lab, HOSTS, VIP6)).join() === 'd1', 10_000, 20));
    assert.equal(await maxHoldersDuring(lab, HOSTS, VIP6, 1000), 1);
    await lab.exec('c1', ['ping', '-6', '-c', '1', '-W', '2', VIP6]);
    assert.equal(await neighbourMac(lab, 'c1', VIP6), await linkMac(lab, 'd1', 'eth0'));
    await lab.setPort('sw', 'd1', false);
    assert.ok(await waitFor(async () => (await holders(lab, ['d2'], VIP6)).length === 1, 10_000, 10));
    // The unsolicited NA (O=1) overrides the client's entry without a new solicitation.
    assert.ok(await waitFor(async () => (await neighbourMac(lab, 'c1', VIP6)) === (await linkMac(lab, 'd2', 'eth0')), 3000, 20));
    await lab.exec('c1', ['ping', '-6', '-c', '1', '-W', '2', VIP6]);
  });
});
