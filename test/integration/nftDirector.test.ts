// The vipd daemon as an LVS-NAT director on the nftables data plane (host kernel, no IPVS), in namespaces: a
// client, one director running a virtual_server config, three real servers with tiny HTTP servers. Checks the
// wrr split end to end (3/1/1 → 30/10/10 of 50 new connections), that a killed real server is taken out by its
// TCP_CHECK and gets no new connection, then comes back when it answers again, and that vipd_lvs_keep_on_stop
// plus a restart leaves every rule handle of `table inet vipd` as it was (nothing flaps). And the per-real-server
// connection gauges on /metrics (node_ipvs_backend_connections_active/_inactive) against `conntrack -L`:
// long-lived connections active, closed ones and UDP flows inactive.
// Root only; hold /tmp/vipd-netns.lock (see the brief).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentSet, waitFor } from '../../src/lab/agents.js';
import type { Lab } from '../../src/lab/netns.js';
import { newLab, requireLab } from './labHelpers.js';
import { JsonPeer as Peer } from '../../src/lab/jsonPeer.js';
import { directorLab, tally, waitLine } from './lvs/directorLab.js';
import { checkedRealServer, comesBack, goesOut, restartFlapsNothing } from './lvs/directorChecks.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const LAB = directorLab(62);
const VIP = LAB.vip;
const rsAddr = LAB.rsAddr;

const realServer = (i: number, weight: number): string => checkedRealServer(rsAddr(i), 8080, weight);

const CONFIG = `
global_defs {
    router_id dir
    vipd_lvs_keep_on_stop
}
virtual_server ${VIP} 80 {
    delay_loop 1
    lb_algo wrr
    lb_kind NAT
    protocol TCP
${realServer(1, 3)}
${realServer(2, 1)}
${realServer(3, 1)}
}
`;




describe('integration: vipd as an LVS-NAT director on the nftables data plane', function () {
  this.timeout(180_000);
  let lab: Lab | undefined;
  let agents: AgentSet | undefined;

  afterEach(async () => {
    await agents?.destroy();
    await lab?.destroy();
    agents = lab = undefined;
  });

  it('wrr 3/1/1 splits 30/10/10, a dead real server is taken out and comes back, a keep_on_stop restart flaps no rule', async function () {
    requireLab(this);
    lab = newLab('vd');
    const l = lab;
    await LAB.build(l);
    agents = new AgentSet(l);
    const servers = new Map<number, ChildProcess>();
    const startServer = async (i: number): Promise<void> => {
      const s = l.spawn(`rs${i}`, [process.execPath, join(HERE, 'lvs/httpBits.js'), 'server', `rs${i}`, '8080']);
      await waitLine(s, 'listening');
      servers.set(i, s);
    };
    for (const i of [1, 2, 3]) await startServer(i);

    const listing = async (): Promise<string> => (await l.exec('dir', ['nft', '-a', 'list', 'table', 'inet', 'vipd'])).stdout.replace(/packets \d+ bytes \d+/g, '');
    // A real server is in the table when its dnat rule is.
    const inTable = async (i: number): Promise<boolean> => (await l.exec('dir', ['nft', 'list', 'table', 'inet', 'vipd']).catch(() => ({ stdout: '' }))).stdout.includes(`dnat ip to ${rsAddr(i)}:8080`);
    const allIn = async (): Promise<boolean> => (await inTable(1)) && (await inTable(2)) && (await inTable(3));

    const dir = agents.start('vipd', 'dir', CONFIG);
    assert.ok(await waitFor(allIn, 30_000, 100), dir.output().slice(-3000));
    const client = new Peer(l.spawn('c1', [process.execPath, join(HERE, 'lvs/httpBits.js'), 'client']));
    const url = { host: VIP, port: 80 };
    const burst = async (n: number): Promise<Record<string, number>> => tally(await client.value<string[]>('burst', { url, n }));

    // wrr 3/1/1: ten whole cycles of five, whatever cycle position the counter is at.
    assert.deepEqual(await burst(50), { rs1: 30, rs2: 10, rs3: 10 });

    // rs2 dies: its TCP_CHECK fails, vipd takes it out, new connections avoid it.
    servers.get(2)!.kill('SIGKILL');
    await goesOut(dir, () => inTable(2), burst);

    // rs2 answers again: back in the table, the 3/1/1 split again.
    await startServer(2);
    await comesBack(dir, () => inTable(2), burst);

    // vipd_lvs_keep_on_stop: stop leaves the table; a restart adopts it and changes no rule handle.
    await restartFlapsNothing(agents, dir, CONFIG, listing, burst);
  });

  it('/metrics: active and inactive connections per real server are what conntrack -L holds (IPVS\'s meaning)', async function () {
    requireLab(this);
    const CL = directorLab(67);
    lab = newLab('vc');
    const l = lab;
    await CL.build(l);
    for (const i of [1, 2, 3]) await waitLine(l.spawn(`rs${i}`, [process.execPath, join(HERE, 'lvs/httpBits.js'), 'server', `rs${i}`, '8080']), 'listening');
    const LISTEN = '127.0.0.1:9652';
    const config = `
global_defs {
    router_id dir
}
virtual_server ${CL.vip} 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
${[1, 2, 3].map((i) => checkedRealServer(CL.rsAddr(i), 8080, 1)).join('')}
}
virtual_server ${CL.vip} 53 {
    lb_algo rr
    lb_kind NAT
    protocol UDP
    real_server ${CL.rsAddr(1)} 53 {
        weight 1
    }
}
`;
    agents = new AgentSet(l);
    const dir = agents.start('vipd', 'dir', config, [], { metricsListen: LISTEN });
    const inTable = async (): Promise<boolean> => {
      const t = (await l.exec('dir', ['nft', 'list', 'table', 'inet', 'vipd']).catch(() => ({ stdout: '' }))).stdout;
      return [1, 2, 3].every((i) => t.includes(`dnat ip to ${CL.rsAddr(i)}:8080`)) && t.includes(`dnat ip to ${CL.rsAddr(1)}:53`);
    };
    assert.ok(await waitFor(inTable, 30_000, 100), dir.output().slice(-3000));

    // Six long-lived connections (rr: two per server), then the client closes both of rs1's.
    const client = new Peer(l.spawn('c1', [process.execPath, join(HERE, 'lvs/httpBits.js'), 'client']));
    const url = { host: CL.vip, port: 80 };
    const who = new Map<string, string>();
    for (let k = 0; k < 6; k++) who.set(`c${k}`, await client.value<string>('open', { url, name: `c${k}`, idle: true }));
    assert.deepEqual(tally([...who.values()]), { rs1: 2, rs2: 2, rs3: 2 });
    for (const [name, server] of who) if (server === 'rs1') await client.value('close', { name });
    // Three UDP flows to the UDP service (rs1 has no listener: conntrack keeps the flows all the same).
    await client.value('udp', { url: { host: CL.vip, port: 53 }, n: 3 });

    // The independent checker: conntrack's own listing of the director's table, per real server.
    const ct = async (args: string[]): Promise<number> => {
      const r = await l.exec('dir', ['conntrack', '-L', ...args]).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
      return r.stdout.split('\n').filter((line) => line.trim()).length;
    };
    const expected = async (): Promise<Record<string, [number, number]>> => {
      const out: Record<string, [number, number]> = {};
      for (const i of [1, 2, 3]) {
        // -d VIP: only the DNATed flows (the TCP_CHECKs go from the director to the server directly).
        const rsArgs = ['-d', CL.vip, '--reply-src', CL.rsAddr(i), '-p', 'tcp', '--reply-port-src', '8080']; // (-p before its options)
        const all = await ct(rsArgs);
        const est = await ct([...rsArgs, '--state', 'ESTABLISHED']);
        out[`${CL.rsAddr(i)}:8080`] = [est, all - est];
      }
      out[`${CL.rsAddr(1)}:53`] = [0, await ct(['-d', CL.vip, '--reply-src', CL.rsAddr(1), '-p', 'udp', '--reply-port-src', '53'])];
      return out;
    };
    const metrics = async (): Promise<string> =>
      (await l.exec('dir', [process.execPath, '-e', `fetch('http://${LISTEN}/metrics').then(r => r.text()).then(t => process.stdout.write(t))`])).stdout;
    const gauges = (text: string): Record<string, [number, number]> => {
      const out: Record<string, [number, number]> = {};
      for (const line of text.split('\n')) {
        const m = /^node_ipvs_backend_connections_(active|inactive)\{([^}]*)\} (\d+)/.exec(line);
        if (!m) continue;
        const label = (k: string): string => new RegExp(`${k}="([^"]*)"`).exec(m[2]!)![1]!;
        const key = `${label('remote_address')}:${label('remote_port')}`;
        const row = (out[key] ??= [0, 0]);
        row[m[1] === 'active' ? 0 : 1] = Number(m[3]);
      }
      return out;
    };
    const want = { [`${CL.rsAddr(1)}:8080`]: [0, 2], [`${CL.rsAddr(2)}:8080`]: [2, 0], [`${CL.rsAddr(3)}:8080`]: [2, 0], [`${CL.rsAddr(1)}:53`]: [0, 3] };
    // conntrack first: the closed connections are in TIME_WAIT (120 s), the open ones ESTABLISHED.
    const canon = (o: Record<string, unknown>): string => JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k]]));
    assert.ok(await waitFor(async () => canon(await expected()) === canon(want), 10_000, 200), `${JSON.stringify(await expected())}\n${(await l.exec('dir', ['conntrack', '-L'])).stdout}`);
    // /metrics follows within a refresh (a scrape starts a re-read when the table is older than 5 s).
    let last: Record<string, [number, number]> = {};
    const same = async (): Promise<boolean> => canon((last = gauges(await metrics()))) === canon(want);
    assert.ok(await waitFor(same, 30_000, 500), `metrics ${JSON.stringify(last)} vs conntrack -L ${JSON.stringify(await expected())}`);
  });
});
