// use_vmac in design.md's pair lab: the VIP lives on a private macvlan `vrrp.51` with MAC 00:00:5e:00:01:33, so
// the client's neighbour entry for the VIP is the virtual MAC and stays the same across a failover (issue 3).
// Also against real keepalived 2.2.7 with use_vmac in both roles.
import assert from 'node:assert/strict';
import { buildPairLab, type Lab } from '../../src/lab/netns.js';
import { AgentSet, holders, neighbourMac, waitFor, type AgentKind } from '../../src/lab/agents.js';
import { pairConfig, type PairConfigOptions } from '../../src/lab/pairConfig.js';
import { startOutageProbe } from '../../src/lab/probe.js';
import { maxHoldersDuring, newLab, requireLab, sleep, requireKeepalived, usePairLab } from './labHelpers.js';

const VIP = '10.1.0.100';
const VMAC = '00:00:5e:00:01:33';
const HOSTS = ['d1', 'd2'];

interface LinkRow {
  ifname: string;
  address?: string;
  flags?: string[];
  linkinfo?: { info_kind?: string; info_data?: { mode?: string } };
}

async function link(lab: Lab, host: string, ifname: string): Promise<LinkRow | null> {
  const { stdout } = await lab.ip(host, '-d', '-j', 'link', 'show');
  return (JSON.parse(stdout) as LinkRow[]).find((l) => l.ifname === ifname) ?? null;
}

async function sysctl(lab: Lab, host: string, key: string): Promise<string> {
  return (await lab.exec(host, ['cat', `/proc/sys/${key}`])).stdout.trim();
}

/** Which interface of `host` carries `vip`. */
async function vipInterface(lab: Lab, host: string, vip: string): Promise<string | null> {
  const { stdout } = await lab.ip(host, '-j', 'addr', 'show');
  const rows = JSON.parse(stdout) as { ifname: string; addr_info?: { local?: string }[] }[];
  return rows.find((r) => (r.addr_info ?? []).some((a) => a.local === vip))?.ifname ?? null;
}


describe('integration: use_vmac (virtual MAC on a private macvlan)', function () {
  this.timeout(60_000);
  let lab: Lab;
  let agents: AgentSet;

  beforeEach(async function () {
    requireLab(this);
    lab = newLab('vm');
    agents = new AgentSet(lab);
    await buildPairLab(lab, 1);
  });

  afterEach(async function () {
    await agents?.destroy();
    await lab?.destroy();
  });

  const conf = (routerId: string, priority: number, extra: Partial<PairConfigOptions> = {}) =>
    pairConfig({ routerId, priority, version: 3, advertInt: 0.1, vips: [`${VIP}/24`], extra: ['use_vmac'], ...extra });

  const onlyHolder = async (host: string, timeoutMs = 10_000) =>
    waitFor(async () => (await holders(lab, HOSTS, VIP)).join() === host, timeoutMs, 20);

  it("keeps the client's neighbour entry on the virtual MAC across a link-cut failover; pings resume", async () => {
    agents.start('vipd', 'd1', conf('d1', 150));
    agents.start('vipd', 'd2', conf('d2', 100));
    assert.ok(await onlyHolder('d1'), 'd1 (priority 150) holds the VIP alone');
    assert.equal(await vipInterface(lab, 'd1', VIP), 'vrrp.51', 'the VIP lives on the VMAC');
    // Both directors have the VMAC (keepalived creates it at start-up, in every state), private mode.
    for (const h of HOSTS) {
      const l = await link(lab, h, 'vrrp.51');
      assert.ok(l, `${h} has vrrp.51`);
      assert.equal(l.address, VMAC);
      assert.equal(l.linkinfo?.info_kind, 'macvlan');
      assert.equal(l.linkinfo?.info_data?.mode, 'private');
      assert.ok(l.flags?.includes('UP'), `${h}: vrrp.51 is up`);
    }
    assert.equal(await maxHoldersDuring(lab, HOSTS, VIP, 1000), 1, 'the backup hears the master through its own VMAC');

    const probe = startOutageProbe(lab, 'c1', VIP, 5);
    assert.ok(await probe.firstReply(5000), 'client reaches the VIP on d1');
    assert.equal(await neighbourMac(lab, 'c1', VIP), VMAC, "client's entry is the virtual MAC");

    await lab.setPort('sw', 'd1', false);
    assert.ok(await waitFor(async () => (await holders(lab, ['d2'], VIP)).length === 1, 10_000), 'd2 takes the VIP');
    assert.equal(await vipInterface(lab, 'd2', VIP), 'vrrp.51');
    const resumedAt = Date.now();
    let resumed = false;
    probe.onReply((at) => {
      if (at >= resumedAt) resumed = true;
    });
    assert.ok(await waitFor(() => resumed, 5000), 'client pings to the VIP resume');
    await probe.stop();
    assert.equal(await neighbourMac(lab, 'c1', VIP), VMAC, "client's entry is still the virtual MAC after the failover");
    assert.deepEqual(await holders(lab, ['d1'], VIP), [], 'd1 (FAULT) released the VIP');
  });

  it('the backup never sends a frame from the virtual MAC (no IGMP, ARP, ND from its VMAC)', async () => {
    agents.start('vipd', 'd1', conf('d1', 150));
    assert.ok(await onlyHolder('d1'));
    // Frames entering the switch from d2's port with the virtual MAC as source would move the switch's entry.
    const cap = lab.spawn('sw', ['tcpdump', '-lni', 'd2', '-Q', 'in', `ether src ${VMAC}`]);
    let frames = '';
    let ready = false;
    cap.stdout?.on('data', (d: Buffer) => (frames += d.toString()));
    cap.stderr?.on('data', (d: Buffer) => (ready ||= d.toString().includes('listening on')));
    assert.ok(await waitFor(() => ready, 5000), 'tcpdump ready');
    agents.start('vipd', 'd2', conf('d2', 100));
    assert.ok(await waitFor(async () => (await link(lab, 'd2', 'vrrp.51'))?.flags?.includes('UP') ?? false, 5000));
    await lab.exec('c1', ['ping', '-c', '2', '-i', '0.2', '-W', '1', VIP]);
    await sleep(3000);
    cap.kill('SIGINT');
    assert.equal(frames.trim(), '', 'no frame from the virtual MAC entered the switch at the backup');
    assert.deepEqual(await holders(lab, HOSTS, VIP), ['d1']);
  });

  it('IPv6 (VRRPv3, vrrp.51 = 00:00:5e:00:02:33): the client keeps the virtual MAC across a failover', async () => {
    const VIP6 = 'fd00:1::100';
    const VMAC6 = '00:00:5e:00:02:33';
    const c6 = (routerId: string, priority: number) => conf(routerId, priority, { vips: [`${VIP6}/64`] });
    agents.start('vipd', 'd1', c6('d1', 150));
    agents.start('vipd', 'd2', c6('d2', 100));
    assert.ok(await waitFor(async () => (await holders(lab, HOSTS, VIP6)).join() === 'd1', 10_000, 20));
    assert.equal(await maxHoldersDuring(lab, HOSTS, VIP6, 1000), 1, 'the backup hears the master on its VMAC');
    assert.equal(await vipInterface(lab, 'd1', VIP6), 'vrrp.51');
    await lab.exec('c1', ['ping', '-6', '-c', '1', '-W', '2', VIP6]);
    assert.equal(await neighbourMac(lab, 'c1', VIP6), VMAC6);
    await lab.setPort('sw', 'd1', false);
    assert.ok(await waitFor(async () => (await holders(lab, ['d2'], VIP6)).length === 1, 10_000, 20));
    await lab.exec('c1', ['ping', '-6', '-c', '1', '-W', '2', VIP6]);
    assert.equal(await neighbourMac(lab, 'c1', VIP6), VMAC6);
  });

  it('SIGHUP turning use_vmac on moves the VIP onto a new VMAC; turning it off deletes the VMAC', async () => {
    const plain = pairConfig({ routerId: 'd1', priority: 150, version: 3, advertInt: 0.1, vips: [`${VIP}/24`] });
    const d1 = agents.start('vipd', 'd1', plain);
    assert.ok(await onlyHolder('d1'));
    assert.equal(await vipInterface(lab, 'd1', VIP), 'eth0');
    agents.writeConfig('d1-vipd.conf', conf('d1', 150));
    d1.child.kill('SIGHUP');
    assert.ok(await waitFor(async () => (await vipInterface(lab, 'd1', VIP)) === 'vrrp.51', 10_000), 'VIP on vrrp.51 after reload');
    assert.equal((await link(lab, 'd1', 'vrrp.51'))?.address, VMAC);
    agents.writeConfig('d1-vipd.conf', plain);
    d1.child.kill('SIGHUP');
    assert.ok(await waitFor(async () => (await vipInterface(lab, 'd1', VIP)) === 'eth0', 10_000), 'VIP back on eth0');
    assert.ok(await waitFor(async () => (await link(lab, 'd1', 'vrrp.51')) === null, 5000), 'vrrp.51 deleted');
    assert.match(d1.output(), /VMAC vrrp\.51 removed/);
  });

  it('SIGTERM on the master hands over: the client stays on the virtual MAC and pings resume', async () => {
    const d1 = agents.start('vipd', 'd1', conf('d1', 150));
    agents.start('vipd', 'd2', conf('d2', 100));
    assert.ok(await onlyHolder('d1'));
    const probe = startOutageProbe(lab, 'c1', VIP, 5);
    assert.ok(await probe.firstReply(5000));
    const stopped = d1.stop('SIGTERM');
    assert.ok(await waitFor(async () => (await holders(lab, ['d2'], VIP)).length === 1, 10_000));
    assert.equal(await stopped, 0);
    const resumedAt = Date.now();
    let resumed = false;
    probe.onReply((at) => {
      if (at >= resumedAt) resumed = true;
    });
    assert.ok(await waitFor(() => resumed, 5000), 'pings resume on d2');
    await probe.stop();
    assert.equal(await neighbourMac(lab, 'c1', VIP), VMAC);
    assert.equal(await link(lab, 'd1', 'vrrp.51'), null, "d1's VMAC is gone");
  });

  it("sets keepalived's sysctls (but accept_local), and on SIGTERM deletes the VMAC and restores the parent's", async () => {
    await lab.exec('d1', ['sh', '-c', 'echo 2 > /proc/sys/net/ipv4/conf/eth0/arp_ignore']);
    const d1 = agents.start('vipd', 'd1', conf('d1', 150));
    assert.ok(await onlyHolder('d1'));
    assert.equal(await sysctl(lab, 'd1', 'net/ipv4/conf/vrrp.51/arp_ignore'), '1');
    assert.equal(await sysctl(lab, 'd1', 'net/ipv4/conf/vrrp.51/accept_local'), '0', 'deliberately not keepalived: see src/net/vmac.ts');
    assert.equal(await sysctl(lab, 'd1', 'net/ipv4/conf/vrrp.51/rp_filter'), '0');
    assert.equal(await sysctl(lab, 'd1', 'net/ipv6/conf/vrrp.51/disable_ipv6'), '1');
    assert.equal(await sysctl(lab, 'd1', 'net/ipv4/conf/eth0/arp_ignore'), '1');
    assert.equal(await sysctl(lab, 'd1', 'net/ipv4/conf/eth0/arp_filter'), '1');
    assert.equal(await sysctl(lab, 'd1', 'net/ipv4/conf/eth0/arp_announce'), '2');
    assert.equal(await d1.stop('SIGTERM'), 0);
    assert.equal(await link(lab, 'd1', 'vrrp.51'), null, 'vrrp.51 deleted on exit');
    assert.equal(await sysctl(lab, 'd1', 'net/ipv4/conf/eth0/arp_ignore'), '2', 'arp_ignore restored');
    assert.equal(await sysctl(lab, 'd1', 'net/ipv4/conf/eth0/arp_filter'), '0', 'arp_filter restored');
    assert.equal(await sysctl(lab, 'd1', 'net/ipv4/conf/eth0/arp_announce'), '0', 'arp_announce restored');
  });

  it('reuses an existing VMAC with the right MAC, and refuses to start over a non-macvlan of that name', async () => {
    await lab.ip('d1', 'link', 'add', 'link', 'eth0', 'name', 'vrrp.51', 'address', VMAC, 'type', 'macvlan', 'mode', 'private');
    const before = (await link(lab, 'd1', 'vrrp.51')) as LinkRow & { ifindex?: number };
    agents.start('vipd', 'd1', conf('d1', 150));
    assert.ok(await onlyHolder('d1'));
    const after = (await link(lab, 'd1', 'vrrp.51')) as LinkRow & { ifindex?: number };
    assert.equal(after.ifindex, before.ifindex, 'the same interface, not a new one');

    await lab.ip('d2', 'link', 'add', 'vrrp.51', 'type', 'bridge');
    const d2 = agents.start('vipd', 'd2', conf('d2', 100));
    const code = await d2.exited;
    assert.notEqual(code, 0);
    assert.match(d2.output(), /VMAC vrrp\.51 conflicts with existing interface/);
    assert.equal((await link(lab, 'd2', 'vrrp.51'))?.linkinfo?.info_kind, 'bridge', 'the bridge is left alone');
  });

  it('vmac_xmit_base: adverts from the base interface, VIP and GARP still on the VMAC', async () => {
    const x = (routerId: string, priority: number) => conf(routerId, priority, { extra: ['use_vmac', 'vmac_xmit_base'] });
    agents.start('vipd', 'd1', x('d1', 150));
    agents.start('vipd', 'd2', x('d2', 100));
    assert.ok(await onlyHolder('d1'));
    assert.equal(await maxHoldersDuring(lab, HOSTS, VIP, 1000), 1);
    await lab.exec('c1', ['ping', '-c', '1', '-W', '2', VIP]);
    assert.equal(await neighbourMac(lab, 'c1', VIP), VMAC);
    await lab.setPort('sw', 'd1', false);
    assert.ok(await waitFor(async () => (await holders(lab, ['d2'], VIP)).length === 1, 10_000));
    await lab.exec('c1', ['ping', '-c', '1', '-W', '2', VIP]);
    assert.equal(await neighbourMac(lab, 'c1', VIP), VMAC);
  });
});

describe('integration: use_vmac interop with real keepalived', function () {
  this.timeout(60_000);
  before(function () {
    requireLab(this);
    requireKeepalived(this);
  });
  const env = usePairLab('vk');
  let lab: Lab;
  let agents: AgentSet;
  beforeEach(() => {
    lab = env.lab();
    agents = env.agents();
  });

  const roles: [AgentKind, AgentKind][] = [
    ['vipd', 'keepalived'],
    ['keepalived', 'vipd'],
  ];
  for (const [high, low] of roles) {
    it(`${high} (150) and ${low} (100), both use_vmac: one master, the client's entry stays on the virtual MAC both ways`, async () => {
      const c = (routerId: string, priority: number) =>
        pairConfig({ routerId, priority, version: 2, advertInt: 1, vips: [`${VIP}/24`], extra: ['use_vmac'] });
      // keepalived leaves arp_announce at 0, so its parent ARPs for the client with the VIP as sender and the
      // client's entry flips to the parent's MAC; operators set it (vipd sets it itself, src/net/vmac.ts).
      const kaHost = high === 'keepalived' ? 'd1' : 'd2';
      // A keepalived old master (accept_local=1) may answer the new master's GARP from the shared MAC and pull
      // the switch entry to itself until the next advert (1 s here): allow the client a few pings over 1.5 s.
      const ping = () => lab.exec('c1', ['ping', '-c', '4', '-i', '0.5', '-W', '1', VIP]);
      await lab.exec(kaHost, ['sh', '-c', 'echo 2 > /proc/sys/net/ipv4/conf/eth0/arp_announce']);
      agents.start(high, 'd1', c('d1', 150));
      agents.start(low, 'd2', c('d2', 100));
      assert.ok(await waitFor(async () => (await holders(lab, HOSTS, VIP)).join() === 'd1', 15_000, 50), 'd1 holds the VIP alone');
      assert.equal(await maxHoldersDuring(lab, HOSTS, VIP, 2500), 1, 'never two holders');
      await ping();
      assert.equal(await neighbourMac(lab, 'c1', VIP), VMAC);
      await lab.setPort('sw', 'd1', false);
      assert.ok(await waitFor(async () => (await holders(lab, ['d2'], VIP)).length === 1, 15_000, 50), 'd2 takes over');
      await ping();
      assert.equal(await neighbourMac(lab, 'c1', VIP), VMAC);
      await lab.setPort('sw', 'd1', true);
      assert.ok(await waitFor(async () => (await holders(lab, HOSTS, VIP)).join() === 'd1', 15_000, 50), 'd1 takes the VIP back');
      await ping();
      assert.equal(await neighbourMac(lab, 'c1', VIP), VMAC);
    });
  }
});
