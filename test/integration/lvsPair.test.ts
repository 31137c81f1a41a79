// Issue 10's pair proof, on a real IPVS kernel (user-mode Linux, one boot): a director pair with
// `lvs_sync_daemon eth2 inst VI_1` keeps 100% of the client's long-lived connections over the master's death
// (SIGKILL and every cable cut), its SIGTERM, and its return (preemption back) after each, and its death with
// its kernel state (a "reboot"), for NAT and for DR (test/uml/lvs/pairConfig.ts, test/uml/scenarios/pairGuest.ts).
// keepalived 2.2.7 runs the same two files first, as the anchor: its figures are printed, not asserted; vipd's
// are asserted. The return of a director with a fresh kernel is measured for both and printed only: the IPVS sync
// has no bulk resync (test/uml/lvs/pairResults.ts INFO_EVENTS).
//
// Run alone, under the UML lock (CPU-heavy):
//   flock /tmp/vipd-uml.lock npx mocha --no-config --exit --timeout 900000 dist/test/integration/lvsPair.test.js
// After its first return d1 carries K more connections per variant: the next failover keeps them only if d1's
// sync daemon runs again after the crash (a killed run leaves a kernel daemon bound to the cut interface).
//
// VIPD_UML_KEEP=1 keeps the shared directory (agent logs, configs, pair-<agent>.json).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INFO_EVENTS, PAIR_EVENTS, VARIANTS, type PairOptions, type PairResult } from '../uml/lvs/pairResults.js';
import type { Agent } from '../uml/lvs/results.js';
import { runUml, umlUnavailableReason, type UmlRun } from '../uml/uml.js';

const GUEST_SCRIPT = fileURLToPath(new URL('../uml/scenarios/pairGuest.js', import.meta.url));
const PAIR_MODULES = ['ip_vs', 'ip_vs_rr', 'veth', 'bridge'];
const K = 50;
const AGENTS: Agent[] = ['keepalived', 'vipd'];

function describeRun(r: PairResult): string {
  return `${r.problems.join('\n')}\n${Object.entries(r.logTails)
    .map(([d, t]) => `--- ${d} log tail:\n${t}`)
    .join('\n')}`;
}

describe('LVS director pair with lvs_sync_daemon: long-lived connections over failover (user-mode Linux, real IPVS)', function () {
  this.timeout(900_000);
  let run: UmlRun | null = null;
  const results = new Map<Agent, PairResult>();

  before(async function () {
    const reason = umlUnavailableReason(PAIR_MODULES);
    if (reason) {
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    const opts: PairOptions = { agents: AGENTS, k: K };
    run = await runUml({
      modules: PAIR_MODULES,
      scenarios: [{ name: 'pair', command: `${process.execPath} ${GUEST_SCRIPT} '${JSON.stringify(opts)}'` }],
      timeoutMs: 840_000,
    });
    console.log(`      UML boot + director pair (${AGENTS.join(', ')}): ${(run.wallMs / 1000).toFixed(1)} s wall (${run.dir})`);
    const res = run.results.get('pair')!;
    if (res.rc !== 0) {
      throw new Error(`guest scenario failed (rc ${res.rc}, timed out ${run.timedOut}):\n${res.stderr}\nmodules: ${run.moduleErrors}\nconsole tail:\n${run.console.slice(-2000)}`);
    }
    for (const agent of AGENTS) {
      const file = join(run.dir, `pair-${agent}.json`);
      if (existsSync(file)) results.set(agent, JSON.parse(readFileSync(file, 'utf8')) as PairResult);
    }
    for (const [agent, r] of results) {
      const opened = (o: PairResult['opened']): string => VARIANTS.map((v) => `${v} ${o[v].alive}/${o[v].held}`).join(', ');
      console.log(`      ${agent} (${r.version}): opened ${opened(r.opened)}; after d1's return ${opened(r.openedAfterReturn)} (alive/held)`);
      for (const e of r.events) {
        const per = VARIANTS.map((v) => `${v} ${e.aliveAfter[v]}/${e.aliveBefore[v]} kept (entries on ${e.newMaster}: ${e.entriesBefore[v]} before, ${e.entriesAtTakeover[v]} at takeover)`).join(', ');
        const info = INFO_EVENTS.includes(e.name) ? ' [information]' : '';
        console.log(`        ${e.name.padEnd(21)} → ${e.newMaster} in ${e.takeoverMs ?? '—'} ms: ${per}${info}`);
      }
      if (r.problems.length > 0) console.log(`        problems: ${r.problems.join('; ')}`);
    }
  });

  after(() => {
    if (run && process.env['VIPD_UML_KEEP'] !== '1') run.cleanup();
  });

  function result(agent: Agent): PairResult {
    const r = results.get(agent);
    assert.ok(r, `no result from the ${agent} run`);
    return r;
  }

  it('keepalived 2.2.7 (the anchor) ran every event (its figures are printed above, not asserted)', () => {
    assert.equal(result('keepalived').events.length, PAIR_EVENTS.length + INFO_EVENTS.length, describeRun(result('keepalived')));
  });

  it(`vipd opened ${K} echo connections per variant through the VIP, and ${K} more through the returned d1, all echoing`, () => {
    const r = result('vipd');
    for (const v of VARIANTS) {
      assert.deepEqual(r.opened[v], { held: K, alive: K }, `${v}\n${describeRun(r)}`);
      assert.deepEqual(r.openedAfterReturn[v], { held: 2 * K, alive: 2 * K }, `${v}\n${describeRun(r)}`);
    }
  });

  for (const name of PAIR_EVENTS) {
    // The second K open right after return-after-death.
    const held = name === 'death' || name === 'return-after-death' ? K : 2 * K;
    for (const v of VARIANTS) {
      it(`vipd keeps ${held}/${held} ${v.toUpperCase()} connections over ${name}`, () => {
        const r = result('vipd');
        const e = r.events.find((x) => x.name === name);
        assert.ok(e, `event ${name} did not run\n${describeRun(r)}`);
        assert.notEqual(e.takeoverMs, null, `the VIPs did not move to ${e.newMaster}\n${describeRun(r)}`);
        assert.deepEqual([e.aliveBefore[v], e.aliveAfter[v]], [held, held], `${JSON.stringify(e)}\n${describeRun(r)}`);
      });
    }
  }

  it('vipd: before each failover to d2, d2 holds a synced entry for every connection (the kernel sync daemon ran)', () => {
    const r = result('vipd');
    for (const e of r.events.filter((x) => x.newMaster === 'd2')) {
      for (const v of VARIANTS) assert.ok(e.entriesBefore[v] >= e.aliveBefore[v], `${e.name} ${v}: ${e.entriesBefore[v]} entries on d2 for ${e.aliveBefore[v]} connections`);
    }
  });

  it('vipd: after each event the master runs the master sync daemon, a returned backup the backup one, a stopped agent none', () => {
    const r = result('vipd');
    const only = (lines: string[], kind: string): boolean => lines.length === 1 && lines[0]!.startsWith(`${kind} sync daemon`);
    for (const e of r.events) {
      const ctx = `${e.name}: ${JSON.stringify(e.daemons)}`;
      assert.ok(e.daemons[e.newMaster].some((l) => l.startsWith('master sync daemon')), ctx);
      if (e.name.startsWith('return')) assert.ok(only(e.daemons.d2, 'backup'), ctx);
      if (e.name === 'sigterm') assert.deepEqual(e.daemons.d1, [], ctx);
      if (e.name === 'return-after-reboot') assert.ok(only(e.daemons.d1, 'master'), ctx);
    }
  });

  it('vipd ran without problems', () => {
    const r = result('vipd');
    assert.deepEqual(r.problems, [], describeRun(r));
  });
});
