// design.md's NAT-director lab: client c1 on the front bridge, directors d1/d2 doing nftables DNAT of
// VIP:80 to real servers r1/r2 on the back bridge, whose default route is the inner VIP. Many long-lived TCP
// connections exchange a message every 10 ms while the VIPs move between directors (moved by the test with
// `ip addr`; GARP is emulated by pointing the neighbours at the new master's MAC).
// With connection sync, every move is ordered commit → VIPs → "GARP" and every connection survives, every echo in
// order. Without sync the same move breaks connections, which shows the test can fail.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Lab } from '../../../src/lab/netns.js';
import type { SyncSnapshot } from '../../../src/sync/service.js';
import { LineProc, macOf, sleep, startAgent, startTraffic, waitFor } from './helpers.js';

const CONNS = Number(process.env['VIPD_SYNC_CONNS'] ?? 200);
const FRONT = '10.61.0';
const BACK = '10.62.0';
const VIP = `${FRONT}.100`;
const INNER_VIP = `${BACK}.254`;

interface Report { conns: number; connected: number; closed: number; stalled: number; healthy: number; outOfOrder: number; sent: number; echoed: number; reasons: Record<string, number> }

// numgen random, not inc: with inc, a director picking up flows mid-stream in the client's send order would
// reproduce the old assignment by coincidence and hide the loss. The empty postrouting chain matters: nf_nat only un-DNATs replies on hooks where a nat chain is registered.
const NFT = `
table ip nat {
  chain pre {
    type nat hook prerouting priority -100;
    ip daddr ${VIP} tcp dport 80 dnat to numgen random mod 2 map { 0 : ${BACK}.11, 1 : ${BACK}.12 }
  }
  chain post {
    type nat hook postrouting priority 100;
  }
}
`;

async function buildNatLab(lab: Lab): Promise<void> {
  await lab.addSwitch('fr');
  await lab.addSwitch('bk');
  for (const h of ['c1', 'd1', 'd2', 'r1', 'r2']) await lab.addHost(h);
  await lab.plug('c1', 'eth0', 'fr', 'c1');
  await lab.addAddress('c1', 'eth0', `${FRONT}.10/24`);
  for (const [d, n] of [['d1', 1], ['d2', 2]] as const) {
    await lab.plug(d, 'eth0', 'fr', d);
    await lab.plug(d, 'eth1', 'bk', d);
    await lab.addAddress(d, 'eth0', `${FRONT}.${n}/24`);
    await lab.addAddress(d, 'eth1', `${BACK}.${n}/24`);
    await lab.exec(d, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    const rules = join(mkdtempSync(join(tmpdir(), 'vipd-nat-')), 'nat.nft');
    writeFileSync(rules, NFT);
    await lab.exec(d, ['nft', '-f', rules]);
    rmSync(dirname(rules), { recursive: true });
  }
  for (const [r, n] of [['r1', 11], ['r2', 12]] as const) {
    await lab.plug(r, 'eth0', 'bk', r);
    await lab.addAddress(r, 'eth0', `${BACK}.${n}/24`);
    await lab.ip(r, 'route', 'add', 'default', 'via', INNER_VIP);
  }
}

/** Where the VIPs live now, and the ordered move to another director. */
class VipMover {
  owner: 'd1' | 'd2' = 'd1';
  constructor(private readonly lab: Lab, private readonly agents: Partial<Record<'d1' | 'd2', LineProc>>) {}

  async install(d: 'd1' | 'd2'): Promise<void> {
    await this.lab.ip(d, 'addr', 'add', `${VIP}/24`, 'dev', 'eth0');
    await this.lab.ip(d, 'addr', 'add', `${INNER_VIP}/24`, 'dev', 'eth1');
    // GARP stand-in: the client and the real servers now reach the VIPs at d's MACs.
    const front = await macOf(this.lab, d, 'eth0');
    const back = await macOf(this.lab, d, 'eth1');
    await this.lab.ip('c1', 'neigh', 'replace', VIP, 'lladdr', front, 'dev', 'eth0');
    for (const r of ['r1', 'r2']) await this.lab.ip(r, 'neigh', 'replace', INNER_VIP, 'lladdr', back, 'dev', 'eth0');
    this.owner = d;
  }

  async remove(d: 'd1' | 'd2'): Promise<void> {
    await this.lab.ip(d, 'addr', 'del', `${VIP}/24`, 'dev', 'eth0').catch(() => undefined);
    await this.lab.ip(d, 'addr', 'del', `${INNER_VIP}/24`, 'dev', 'eth1').catch(() => undefined);
  }

  /** Takeover as vipd orders it: (new master commits) → VIPs → GARP; the old master steps down. */
  async moveTo(to: 'd1' | 'd2'): Promise<{ committed: number; ms: number } | null> {
    const from = this.owner;
    const target = this.agents[to];
    const commit = target ? await target.request<{ committed: number; ms: number }>('becomeMaster') : null;
    await this.remove(from);
    await this.install(to);
    await this.agents[from]?.request('becomeBackup');
    return commit;
  }
}

describe('integration/sync: NAT directors keep long-lived TCP sessions across VIP moves', function () {
  this.timeout(300_000);
  let lab: Lab;

  beforeEach(async function () {
    if (process.getuid?.() !== 0) {
      console.log('skipped: needs root for network namespaces');
      this.skip();
    }
    lab = new Lab(`n${process.pid % 1000}${this.currentTest?.title.includes('without') ? 'b' : 'a'}`);
    await buildNatLab(lab);
    for (const r of ['r1', 'r2']) {
      const srv = startTraffic(lab, r, ['server', '80']);
      assert.equal(await srv.nextLine(), 'listening');
    }
  });

  afterEach(async () => {
    await lab?.destroy();
  });

  async function startClient(): Promise<LineProc> {
    const client = startTraffic(lab, 'c1', ['client', VIP, '80', String(CONNS), '10']);
    assert.equal(await client.nextLine(30_000), `connected ${CONNS}`);
    await sleep(500);
    return client;
  }

  async function report(client: LineProc): Promise<Report> {
    client.write('report');
    return JSON.parse(await client.nextLine()) as Report;
  }

  it(`with sync: ${CONNS} connections survive a link cut, the old master returning, and repeated moves`, async () => {
    const filter = { rules: [{ action: 'include', address: null, portMin: 80, portMax: 80, protocol: 'tcp' }], default: 'exclude' };
    const agents = {
      d1: startAgent(lab, 'd1', { interface: 'eth1', sourceAddress: `${BACK}.1`, mcastGroup: '225.0.0.51', peers: [], port: 3781, filter }),
      d2: startAgent(lab, 'd2', { interface: 'eth1', sourceAddress: `${BACK}.2`, mcastGroup: '225.0.0.51', peers: [], port: 3781, filter }),
    };
    for (const a of Object.values(agents)) await a.nextLine();
    const mover = new VipMover(lab, agents);
    await agents.d1.request('becomeMaster');
    await mover.install('d1');
    const client = await startClient();
    const snap = (d: 'd1' | 'd2') => agents[d].request<SyncSnapshot>('snapshot');
    await waitFor(`d2 to hold all ${CONNS} connections`, async () => (await snap('d2')).externalEntries >= CONNS);

    // (a) d1's links are cut; d2 takes over.
    await lab.setPort('fr', 'd1', false);
    await lab.setPort('bk', 'd1', false);
    const c1 = await agents.d2.request<{ committed: number; ms: number }>('becomeMaster');
    assert.ok(c1.committed >= CONNS, `committed ${c1.committed}`);
    await mover.remove('d1');
    await mover.install('d2');
    await sleep(2000);
    let r = await report(client);
    assert.deepEqual({ closed: r.closed, stalled: r.stalled, outOfOrder: r.outOfOrder }, { closed: 0, stalled: 0, outOfOrder: 0 }, JSON.stringify(r));

    // (c) d1 returns, steps down, resyncs from d2 (sync-aware preemption waits for this), then preempts.
    await lab.setPort('fr', 'd1', true);
    await lab.setPort('bk', 'd1', true);
    await agents.d1.request('becomeBackup');
    await waitFor('d1 to resync from d2', async () => (await agents.d1.request<boolean>('resyncComplete')) && (await snap('d1')).externalEntries >= CONNS);
    await mover.moveTo('d1');
    await sleep(1500);
    r = await report(client);
    assert.deepEqual({ closed: r.closed, stalled: r.stalled, outOfOrder: r.outOfOrder }, { closed: 0, stalled: 0, outOfOrder: 0 }, JSON.stringify(r));

    // (d) repeated moves, each as soon as the backup is back in sync.
    for (let i = 0; i < 8; i++) {
      const to = mover.owner === 'd1' ? 'd2' : 'd1';
      await waitFor(`${to} in sync`, async () => (await agents[to].request<boolean>('resyncComplete')) && (await snap(to)).externalEntries >= CONNS);
      await mover.moveTo(to);
      await sleep(700);
    }
    await sleep(1500);
    r = await report(client);
    assert.deepEqual({ closed: r.closed, stalled: r.stalled, outOfOrder: r.outOfOrder }, { closed: 0, stalled: 0, outOfOrder: 0 }, JSON.stringify(r));
    assert.ok(r.echoed > CONNS * 100, `traffic flowed: ${r.echoed} echoes`);
    client.write('stop');
  });

  it(`without sync: the same move breaks connections (the test can fail)`, async () => {
    const mover = new VipMover(lab, {});
    await mover.install('d1');
    const client = await startClient();
    await lab.setPort('fr', 'd1', false);
    await lab.setPort('bk', 'd1', false);
    await mover.remove('d1');
    await mover.install('d2');
    await sleep(3000);
    const r = await report(client);
    console.log(`      without sync: ${r.closed} reset, ${r.stalled} stalled of ${r.conns} (${JSON.stringify(r.reasons)})`);
    assert.ok(r.closed + r.stalled > 0, JSON.stringify(r));
    client.write('stop');
  });
});
