// The vipd daemon as an LVS-NAT director on the nftables data plane (host kernel, no IPVS), in namespaces: a
// client, one director running a virtual_server config, three real servers with tiny HTTP servers. Checks the
// wrr split end to end (3/1/1 → 30/10/10 of 50 new connections), that a killed real server is taken out by its
// TCP_CHECK and gets no new connection, then comes back when it answers again, and that vipd_lvs_keep_on_stop
// plus a restart leaves every rule handle of `table inet vipd` as it was (nothing flaps).
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
});
