// lvs_method DR on the nftables data plane (host kernel, no IPVS), in namespaces: a client, directors running the
// plane (test/integration/lvs/nftDirector.ts) and three real servers holding the VIP on lo (arp_ignore=1,
// arp_announce=2) that answer the client directly. Checks that real servers are forwarded to once the director's
// address on their network appears, the wrr split (3/1/1 → 30/10/10 of 50), weight 0 (the
// open connection goes on, new ones avoid it), delete (its connection breaks with its flow set, new ones avoid
// it), read() and close() of both tables; and, with two directors and mh-port, that every long-lived connection
// survives the master's death (the backup knows none of the flows and picks by the stateless flow hash); and the
// vipd daemon itself running an `lb_kind DR` config (TCP_CHECK takes a dead server out and back; a keep_on_stop
// restart changes no rule handle); and IPv6 (fwd ip6, the VIP on the real servers' lo).
// Root only; hold /tmp/vipd-netns.lock (see the brief).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DestSpec, LvsOp, ServiceSpec } from '../../src/lvs/model.js';
import type { Lab } from '../../src/lab/netns.js';
import { AgentSet, waitFor } from '../../src/lab/agents.js';
import { newLab, requireLab } from './labHelpers.js';
import { JsonPeer as Peer } from '../../src/lab/jsonPeer.js';
import { drLab, tally, waitLine } from './lvs/directorLab.js';
import { checkedRealServer, comesBack, goesOut, restartFlapsNothing, weightZeroDrains } from './lvs/directorChecks.js';

const HERE = dirname(fileURLToPath(import.meta.url));

const service = (vip: string, scheduler: string, flags = 0): ServiceSpec => ({
  family: 'inet',
  protocol: 'tcp',
  address: vip,
  port: 80,
  scheduler,
  flags,
  timeoutS: 0,
  netmaskBits: 32,
});

describe('nftables data plane: lvs_method DR in namespaces (host kernel, no IPVS)', function () {
  this.timeout(120_000);
  let lab: Lab | undefined;
  let agents: AgentSet | undefined;

  afterEach(async () => {
    await agents?.destroy();
    await lab?.destroy();
    agents = lab = undefined;
  });

  async function start(l: Lab, rsCount = 3): Promise<Map<number, ChildProcess>> {
    const servers = new Map<number, ChildProcess>();
    for (let i = 1; i <= rsCount; i++) {
      const s = l.spawn(`rs${i}`, [process.execPath, join(HERE, 'lvs/httpBits.js'), 'server', `rs${i}`, '80']);
      await waitLine(s, 'listening');
      servers.set(i, s);
    }
    return servers;
  }

  it('splits wrr 3/1/1, drains on weight 0, drops a deleted server\'s flows, reads back and cleans up', async function () {
    requireLab(this);
    const LAB = drLab(63);
    lab = newLab('dr');
    const l = lab;
    await LAB.build(l);
    const servers = await start(l);
    const WEB = service(LAB.vip, 'wrr');
    const rs = (i: number, weight: number): DestSpec => ({ address: LAB.rsAddr(i), port: 80, forward: 'route', weight, upperThreshold: 0, lowerThreshold: 0 });
    const dir = new Peer(l.spawn('dir1', [process.execPath, join(HERE, 'lvs/nftDirector.js')]));
    const client = new Peer(l.spawn('c1', [process.execPath, join(HERE, 'lvs/httpBits.js'), 'client']));
    const url = { host: LAB.vip, port: 80 };
    const burst = async (n: number): Promise<Record<string, number>> => tally(await client.value<string[]>('burst', { url, n }));
    const apply = (ops: LvsOp[]): Promise<unknown[]> => dir.value<unknown[]>('apply', { ops });

    const load: LvsOp[] = [{ op: 'addService', service: WEB }, ...[rs(1, 3), rs(2, 1), rs(3, 1)].map((dest) => ({ op: 'addDest' as const, service: WEB, dest }))];
    const forwards = async (): Promise<boolean> =>
      (await l.exec('dir1', ['nft', 'list', 'table', 'netdev', 'vipd_dr'])).stdout.includes(`fwd ip to ${LAB.rsAddr(1)} device "eth0"`);
    // The director's address on the real servers' network comes late (as a VRRP virtual_ipaddress or a late
    // lease would): the servers are loaded but not forwarded to until it is there, then the plane's address
    // watch rewrites their chains.
    await l.ip('dir1', 'addr', 'del', `${LAB.dirAddr(1)}/24`, 'dev', 'eth0');
    assert.deepEqual(await apply(load), []);
    assert.equal(await forwards(), false);
    assert.deepEqual((await dir.value<{ stats: { drRefreshes: number } }>('stats')).stats.drRefreshes, 0);
    await l.addAddress('dir1', 'eth0', `${LAB.dirAddr(1)}/24`);
    assert.ok(await waitFor(forwards, 10_000, 50), 'the chains were not rewritten when the address came');
    assert.deepEqual(await burst(50), { rs1: 30, rs2: 10, rs3: 10 });
    // rs1's 30 flows are remembered, each closed by the client (FIN or RST): kept for tcpfin (2 min), not 15.
    // (Polled: the last connection's FIN may still be on its way when the burst returns.)
    const flows = async (): Promise<string> => (await l.exec('dir1', ['nft', 'list', 'set', 'netdev', 'vipd_dr', `fr_tcp_${LAB.vip}_80_${LAB.rsAddr(1)}_80`])).stdout;
    const closed = async (): Promise<boolean> => {
      const text = await flows();
      return (text.match(/expires/g) ?? []).length === 30 && (text.match(/expires (1m|[0-9]+s)/g) ?? []).length === 30;
    };
    assert.ok(await waitFor(closed, 5000, 50), await flows());
    // Connection counts from the flow sets: every flow was closed by its client (in c…): inactive, none active.
    type Counts = Record<string, Record<string, { active: number; inactive: number }>>;
    const conns = async (): Promise<Record<string, { active: number; inactive: number }>> => (await dir.value<Counts>('connections'))[`tcp:${LAB.vip}:80`] ?? {};
    const allClosed = { [`${LAB.rsAddr(1)}:80`]: { active: 0, inactive: 30 }, [`${LAB.rsAddr(2)}:80`]: { active: 0, inactive: 10 }, [`${LAB.rsAddr(3)}:80`]: { active: 0, inactive: 10 } };
    assert.ok(await waitFor(async () => JSON.stringify(await conns()) === JSON.stringify(allClosed), 5000, 100), JSON.stringify(await conns()));

    // The replies went straight to the client: the director forwarded only client → server packets.
    const read = await dir.value<{ services: { spec: ServiceSpec; dests: DestSpec[] }[]; counters: Record<string, { service: Record<string, string>; dests: Record<string, { stats: Record<string, string> }> }> }>('read');
    assert.deepEqual(read.services, [{ spec: WEB, dests: [rs(1, 3), rs(2, 1), rs(3, 1)] }]);
    const c = read.counters[`tcp:${LAB.vip}:80`]!;
    assert.equal(Number(c.service['conns']), 50);
    assert.equal(Number(c.dests[`${LAB.rsAddr(1)}:80`]!.stats['conns']), 30);
    assert.ok(Number(c.dests[`${LAB.rsAddr(1)}:80`]!.stats['inPkts']) >= 30 * 4, JSON.stringify(c.dests));
    assert.equal(Number(c.dests[`${LAB.rsAddr(1)}:80`]!.stats['outPkts']), 0);

    // Weight 0: the open connection goes on (its flow set is still looked up first), new ones avoid the server.
    const { held, heldIndex } = await weightZeroDrains(client, url, burst, (i) => apply([{ op: 'editDest', service: WEB, dest: rs(i, 0) }]));
    // The held connection is the one active flow (its server's f… element without a c… one).
    const active = async (): Promise<number[]> => Object.values(await conns()).map((c) => c.active);
    assert.ok(await waitFor(async () => (await active()).join() === [1, 2, 3].map((i) => (i === heldIndex ? 1 : 0)).join(), 5000, 100), JSON.stringify(await conns()));

    // Delete (its server stopped, as after a failed check): its flow set goes, so its connection breaks (the next
    // packet meets the flow hash and another server's RST), and no new connection reaches it.
    servers.get(heldIndex)!.kill('SIGKILL');
    assert.deepEqual(await apply([{ op: 'delDest', service: WEB, dest: rs(heldIndex, 0) }]), []);
    const after = await client.call<string>('again');
    assert.ok(!after.ok || after.value !== held, `still answered by ${held} after its deletion`);
    const rest = await burst(20);
    assert.equal(rest[held], undefined, JSON.stringify(rest));
    assert.equal(Object.values(rest).reduce((a, n) => a + n, 0), 20);

    // close(): neither table is left.
    await dir.value('close');
    const tables = (await l.exec('dir1', ['nft', 'list', 'tables'])).stdout;
    assert.ok(!/vipd/.test(tables), tables);
  });

  it('a director pair with mh-port: every long-lived connection survives the master\'s death', async function () {
    requireLab(this);
    const LAB = drLab(64, 2);
    lab = newLab('dp');
    const l = lab;
    await LAB.build(l);
    await start(l);
    // mh with mh-port (IP_VS_SVC_F_SCHED2): the flow hash is the scheduler, the same on both directors.
    const WEB = service(LAB.vip, 'mh', 0x10);
    const rs = (i: number): DestSpec => ({ address: LAB.rsAddr(i), port: 80, forward: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0 });
    const load: LvsOp[] = [{ op: 'addService', service: WEB }, ...[1, 2, 3].map((i) => ({ op: 'addDest' as const, service: WEB, dest: rs(i) }))];
    // Both directors run the same table, as keepalived pairs do (the backup's simply sees no traffic).
    const dirs = [1, 2].map((d) => new Peer(l.spawn(`dir${d}`, [process.execPath, join(HERE, 'lvs/nftDirector.js')])));
    for (const d of dirs) assert.deepEqual(await d.value('apply', { ops: load }), []);
    const client = new Peer(l.spawn('c1', [process.execPath, join(HERE, 'lvs/httpBits.js'), 'client']));
    const url = { host: LAB.vip, port: 80 };

    const N = 30;
    const first = new Map<string, string>();
    for (let k = 0; k < N; k++) first.set(`c${k}`, await client.value<string>('open', { url, name: `c${k}` }));
    assert.ok(new Set(first.values()).size > 1, `all on one server: ${JSON.stringify([...first.values()])}`);

    // The master dies: its link goes down; the backup takes the VIP and announces it (the client's neighbour
    // entry is moved, as the new master's gratuitous ARP would).
    await l.ip('dir1', 'link', 'set', 'eth0', 'down');
    await l.addAddress('dir2', 'eth0', `${LAB.vip}/32`);
    const mac = JSON.parse((await l.ip('dir2', '-j', 'link', 'show', 'eth0')).stdout)[0].address as string;
    await l.ip('c1', 'neigh', 'replace', LAB.vip, 'lladdr', mac, 'dev', 'eth0', 'nud', 'reachable');

    const kept: string[] = [];
    for (const [name, server] of first) {
      const r = await client.call<string>('again', { name });
      if (r.ok && r.value === server) kept.push(name);
    }
    assert.equal(kept.length, N, `${N - kept.length} of ${N} connections lost`);
    // dir2 learnt them as it forwarded them (its flow sets), and new connections work through it.
    assert.equal(Object.values(tally(await client.value<string[]>('burst', { url, n: 10 }))).reduce((a, n) => a + n, 0), 10);
  });

  it('the vipd daemon with lb_kind DR: wrr 30/10/10, a dead real server is taken out by its check and comes back, a keep_on_stop restart flaps no rule', async function () {
    requireLab(this);
    const LAB = drLab(65);
    lab = newLab('dd');
    const l = lab;
    await LAB.build(l);
    const servers = await start(l);
    const realServer = (i: number, weight: number): string => checkedRealServer(LAB.rsAddr(i), 80, weight);
    const config = `
global_defs {
    router_id dir1
    vipd_lvs_dataplane nftables
    vipd_lvs_keep_on_stop
}
virtual_server ${LAB.vip} 80 {
    delay_loop 1
    lb_algo wrr
    lb_kind DR
    protocol TCP
${realServer(1, 3)}
${realServer(2, 1)}
${realServer(3, 1)}
}
`;
    agents = new AgentSet(l);
    // Rules, maps and handles; not the flow sets' elements (-t), which live with the traffic.
    const listing = async (): Promise<string> =>
      (await l.exec('dir1', ['nft', '-a', '-t', 'list', 'table', 'netdev', 'vipd_dr']).catch(() => ({ stdout: '' }))).stdout.replace(/packets \d+ bytes \d+/g, '');
    const inTable = async (i: number): Promise<boolean> => (await listing()).includes(`fwd ip to ${LAB.rsAddr(i)} device "eth0"`);
    // In the table and live: its chain is a target of the service's scheduler map.
    const live = async (i: number): Promise<boolean> => new RegExp(`numgen inc mod \\d+ vmap \\{[^}]*goto r_tcp_${LAB.vip}_80_${LAB.rsAddr(i)}_80`).test(await listing());
    const dir = agents.start('vipd', 'dir1', config);
    assert.ok(await waitFor(async () => (await live(1)) && (await live(2)) && (await live(3)), 30_000, 100), dir.output().slice(-3000));
    const client = new Peer(l.spawn('c1', [process.execPath, join(HERE, 'lvs/httpBits.js'), 'client']));
    const url = { host: LAB.vip, port: 80 };
    const burst = async (n: number): Promise<Record<string, number>> => tally(await client.value<string[]>('burst', { url, n }));
    assert.deepEqual(await burst(50), { rs1: 30, rs2: 10, rs3: 10 });

    servers.get(2)!.kill('SIGKILL');
    await goesOut(dir, () => inTable(2), burst);

    // It answers again: back in the table, the 3/1/1 split again.
    const back = l.spawn('rs2', [process.execPath, join(HERE, 'lvs/httpBits.js'), 'server', 'rs2', '80']);
    await waitLine(back, 'listening');
    await comesBack(dir, () => live(2), burst);

    await restartFlapsNothing(agents, dir, config, listing, burst);
  });

  it('IPv6: fwd ip6 through the neighbour table, wrr 3/1/1 → 30/10/10', async function () {
    requireLab(this);
    const LAB = drLab(66);
    lab = newLab('d6');
    const l = lab;
    await LAB.build(l);
    for (const i of [1, 2, 3]) await waitLine(l.spawn(`rs${i}`, [process.execPath, join(HERE, 'lvs/httpBits.js'), 'server', `rs${i}`, '80', '::']), 'listening');
    const vip6 = 'fd66::100';
    const WEB6: ServiceSpec = { ...service(vip6, 'wrr'), family: 'inet6', netmaskBits: 128 };
    const rs = (i: number, weight: number): DestSpec => ({ address: `fd66::${10 + i}`, port: 80, forward: 'route', weight, upperThreshold: 0, lowerThreshold: 0 });
    const dir = new Peer(l.spawn('dir1', [process.execPath, join(HERE, 'lvs/nftDirector.js')]));
    const load: LvsOp[] = [{ op: 'addService', service: WEB6 }, ...[rs(1, 3), rs(2, 1), rs(3, 1)].map((dest) => ({ op: 'addDest' as const, service: WEB6, dest }))];
    assert.deepEqual(await dir.value('apply', { ops: load }), []);
    const client = new Peer(l.spawn('c1', [process.execPath, join(HERE, 'lvs/httpBits.js'), 'client']));
    assert.deepEqual(tally(await client.value<string[]>('burst', { url: { host: vip6, port: 80 }, n: 50 })), { rs1: 30, rs2: 10, rs3: 10 });
    assert.match((await l.exec('dir1', ['nft', 'list', 'table', 'netdev', 'vipd_dr'])).stdout, /fwd ip6 to fd66::11 device "eth0"/);
  });
});
