// Steps the nftables namespace tests run alike on NAT (nftables.test.ts, nftDirector.test.ts) and DR
// (nftDr.test.ts): the health semantics of lvs.md §0.7 seen from a client, and vipd_lvs_keep_on_stop. Written
// once so that NAT and DR are held to the same expectations.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor, type Agent, type AgentSet } from '../../../src/lab/agents.js';
import type { JsonPeer } from '../../../src/lab/jsonPeer.js';

export type Burst = (n: number) => Promise<Record<string, number>>;

/** A keepalived real_server with a TCP_CHECK quick enough (1 s, one retry) for a test to wait on. */
export function checkedRealServer(address: string, port: number, weight: number): string {
  return `
    real_server ${address} ${port} {
        weight ${weight}
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }`;
}

/**
 * Weight 0 (lvs.md §0.7): the client's open connection goes on, new connections avoid its server. `setWeight0`
 * applies weight 0 to real server `index` and returns the failed ops. Returns the held server ("rsN") and N.
 */
export async function weightZeroDrains(
  client: JsonPeer,
  url: { host: string; port: number },
  burst: Burst,
  setWeight0: (index: number) => Promise<unknown[]>,
): Promise<{ held: string; heldIndex: number }> {
  const held = await client.value<string>('open', { url });
  const heldIndex = Number(held.slice(2));
  assert.deepEqual(await setWeight0(heldIndex), []);
  assert.equal(await client.value<string>('again'), held);
  assert.equal((await burst(20))[held], undefined);
  assert.equal(await client.value<string>('again'), held);
  return { held, heldIndex };
}

/** rs2 died: its TCP_CHECK takes it out (`isIn` polled until false) and 20 new connections avoid it. */
export async function goesOut(dir: Agent, isIn: () => Promise<boolean>, burst: Burst): Promise<void> {
  assert.ok(await waitFor(async () => !(await isIn()), 30_000, 100), dir.output().slice(-3000));
  const without = await burst(20);
  assert.equal(without['rs2'], undefined, JSON.stringify(without));
  assert.equal((without['rs1'] ?? 0) + (without['rs3'] ?? 0), 20);
}

/**
 * rs2 answers again after it was taken out: `isBack` (polled) sees it in the table, and wrr 3/1/1 splits 50 new
 * connections 30/10/10 again.
 */
export async function comesBack(dir: Agent, isBack: () => Promise<boolean>, burst: Burst): Promise<void> {
  assert.ok(await waitFor(isBack, 30_000, 100), dir.output().slice(-3000));
  assert.deepEqual(await burst(50), { rs1: 30, rs2: 10, rs3: 10 });
}

/**
 * vipd_lvs_keep_on_stop: stop leaves the table (`listing`: rules and handles, no counters); a restart adopts it
 * and changes no rule handle, and traffic splits 30/10/10 as before. Returns the agent restarted on dir's host.
 */
export async function restartFlapsNothing(
  agents: AgentSet,
  dir: Agent,
  config: string,
  listing: () => Promise<string>,
  burst: Burst,
): Promise<Agent> {
  const before = await listing();
  await dir.stop('SIGTERM');
  assert.equal(await listing(), before, 'the table is kept at stop');
  const again = agents.start('vipd', dir.host, config);
  assert.ok(await waitFor(async () => /virtual server\(s\) on the nftables data plane/.test(again.output()), 30_000, 100), again.output().slice(-3000));
  // Let every real server pass its first checks after the restart (delay_loop 1) before comparing.
  await sleep(4000);
  assert.equal(await listing(), before, `a restart flapped nothing\n${again.output().slice(-3000)}`);
  assert.deepEqual(await burst(50), { rs1: 30, rs2: 10, rs3: 10 });
  return again;
}
