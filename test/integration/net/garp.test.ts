// Gratuitous ARP / unsolicited NA sent from namespace A through our AF_PACKET sender update B's neighbour table.
// Findings (Linux 6.x, documented in the report): a GARP *request* updates an existing, non-permanent entry
// for the VIP (the "is_garp" override in arp_process); it creates a new entry only with arp_accept=1. An
// unsolicited NA with O=1 overrides an existing entry; a missing one is not created (unless accept_untracked_na).
import assert from 'node:assert/strict';
import type { Lab } from '../../../src/lab/netns.js';
import { runChild, skipUnlessRoot, vethLab } from './harness.js';

const NET = 73;
const BOGUS_MAC = '02:00:00:00:00:99';

async function neighMac(lab: Lab, host: string, ip: string): Promise<string | null> {
  const { stdout } = await lab.ip(host, '-j', 'neigh', 'show', ip, 'dev', 'eth0');
  const list = JSON.parse(stdout || '[]') as { dst: string; lladdr?: string }[];
  return list.find((n) => n.dst === ip)?.lladdr ?? null;
}

async function macOf(lab: Lab, host: string): Promise<string> {
  const { stdout } = await lab.ip(host, '-j', 'link', 'show', 'dev', 'eth0');
  return (JSON.parse(stdout) as { address: string }[])[0]!.address;
}

async function eventually(fn: () => Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return fn();
}

describe('integration/net: GARP and unsolicited NA update the peer’s neighbour table', function () {
  this.timeout(30_000);
  let lab: Lab | undefined;
  let macA = '';

  before(async function () {
    skipUnlessRoot(this);
    lab = await vethLab('g', NET);
    macA = await macOf(lab, 'a');
  });
  after(async () => {
    await lab?.destroy();
  });

  it('GARP overrides B’s stale entry for the VIP with A’s MAC', async () => {
    const vip = '10.73.0.100';
    await lab!.ip('b', 'neigh', 'add', vip, 'lladdr', BOGUS_MAC, 'dev', 'eth0', 'nud', 'stale');
    assert.equal(await neighMac(lab!, 'b', vip), BOGUS_MAC);
    const r = await runChild(lab!, 'a', { op: 'garp', ifname: 'eth0', vip, count: 1 }).result();
    assert.equal((r.stats as { sentFrames: number }).sentFrames, 1);
    assert.ok(await eventually(async () => (await neighMac(lab!, 'b', vip)) === macA), `B has ${await neighMac(lab!, 'b', vip)}, want ${macA}`);
  });

  it('GARP creates an entry on B only with arp_accept=1', async () => {
    const vip = '10.73.0.101';
    await runChild(lab!, 'a', { op: 'garp', ifname: 'eth0', vip, count: 1 }).result();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await neighMac(lab!, 'b', vip), null, 'arp_accept=0: no entry is created');
    await lab!.exec('b', ['sysctl', '-qw', 'net.ipv4.conf.eth0.arp_accept=1']);
    await runChild(lab!, 'a', { op: 'garp', ifname: 'eth0', vip, count: 1 }).result();
    assert.ok(await eventually(async () => (await neighMac(lab!, 'b', vip)) === macA));
  });

  it('unsolicited NA (O=1) overrides B’s entry for the IPv6 VIP', async () => {
    const vip6 = 'fd00:73::100';
    await lab!.ip('b', 'neigh', 'add', vip6, 'lladdr', BOGUS_MAC, 'dev', 'eth0', 'nud', 'stale');
    await runChild(lab!, 'a', { op: 'na', ifname: 'eth0', vip6, router: false, count: 1 }).result();
    assert.ok(await eventually(async () => (await neighMac(lab!, 'b', vip6)) === macA), `B has ${await neighMac(lab!, 'b', vip6)}`);
  });
});
