// keepalived 2.2.7 and vipd side by side on the SAME keepalived.conf, on a real IPVS kernel (user-mode Linux):
// the LVS director lab of design.md (test/uml/lvs/labConfig.ts). One boot runs test/uml/scenarios/lvsGuest.ts
// for each agent; here the normalized `ipvsadm -Ln` tables are compared checkpoint by checkpoint (after start,
// after each checker type fails and recovers, quorum loss with a sorry server, inhibit_on_failure, reload), the
// client's wrr 3/1/1 split of 50 requests must be 30/10/10, and long-lived connections must survive a reload.
// keepalived's tables are also checked against the table written out by hand from the config, so the lab
// itself is known to be right before vipd is compared with it.
//
// Run alone, under the UML lock (CPU-heavy):
//   flock /tmp/vipd-uml.lock npx mocha --no-config --exit --timeout 900000 dist/test/integration/lvsSideBySide.test.js
// VIPD_UML_KEEP=1 keeps the shared directory (agent logs, configs, lvs-<agent>.json).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Agent, AgentResult, GuestOptions, LabResult } from '../uml/lvs/results.js';
import { runUml, umlUnavailableReason, type UmlRun } from '../uml/uml.js';

const GUEST_SCRIPT = fileURLToPath(new URL('../uml/scenarios/lvsGuest.js', import.meta.url));
export const LVS_LAB_MODULES = ['ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'veth', 'bridge'];

const SVC80 = 'TCP 10.1.0.100:80 wrr';
const SVC81 = 'TCP 10.1.0.100:81 rr';
const SVC82 = 'TCP 10.1.0.100:82 rr';
const SVC9000 = 'TCP 10.1.0.100:9000 rr';
const rs = (endpoint: string, weight: number): string => `  -> ${endpoint} Masq ${weight}`;

const ECHO = [SVC9000, rs('10.2.0.11:9000', 1), rs('10.2.0.12:9000', 1), rs('10.2.0.13:9000', 1)];
const QUORUM_UP = [SVC81, rs('10.2.0.11:81', 1), rs('10.2.0.12:81', 1)];
const INHIBIT_UP = [SVC82, rs('10.2.0.11:82', 2), rs('10.2.0.12:82', 1)];
const WEB_ALL = [SVC80, rs('10.2.0.11:80', 3), rs('10.2.0.12:80', 1), rs('10.2.0.13:80', 1)];

/** The whole normalized table, services in ipvsadm's sorted order (81, 82, 80 and 9000 sort as text). */
function table(web: string[], quorum = QUORUM_UP, inhibit = INHIBIT_UP): string[] {
  const services = [web, ECHO, quorum, inhibit];
  return services.sort((a, b) => (a[0]! < b[0]! ? -1 : 1)).flat();
}

/** What keepalived must show at each checkpoint, written out from the config (lvs.md §2). */
const EXPECTED: Record<string, string[]> = {
  start: table(WEB_ALL),
  'http-down': table([SVC80, rs('10.2.0.12:80', 1), rs('10.2.0.13:80', 1)]),
  'http-up': table(WEB_ALL),
  'tcp-down': table([SVC80, rs('10.2.0.11:80', 3), rs('10.2.0.13:80', 1)]),
  'tcp-up': table(WEB_ALL),
  'misc-down': table([SVC80, rs('10.2.0.11:80', 3), rs('10.2.0.12:80', 1)]),
  'misc-up': table(WEB_ALL),
  // Quorum lost: the live real server r2 is removed and the sorry server (weight 1) added (lvs.md §2.5).
  'quorum-lost': table(WEB_ALL, [SVC81, rs('10.2.0.14:81', 1)]),
  'quorum-back': table(WEB_ALL),
  'inhibit-down': table(WEB_ALL, QUORUM_UP, [SVC82, rs('10.2.0.11:82', 0), rs('10.2.0.12:82', 1)]),
  'inhibit-up': table(WEB_ALL),
  reload: table([SVC80, rs('10.2.0.11:80', 2), rs('10.2.0.12:80', 1), rs('10.2.0.14:80', 1)]),
  // keepalived deletes its services on SIGTERM (lvs.md §2.8).
  stopped: [],
};
const CHECKPOINTS = Object.keys(EXPECTED);

describe('LVS director side by side: keepalived 2.2.7 and vipd on the same keepalived.conf (user-mode Linux, real IPVS)', function () {
  this.timeout(900_000);
  let run: UmlRun | null = null;
  const results = new Map<Agent, LabResult>();

  before(async function () {
    const reason = umlUnavailableReason(LVS_LAB_MODULES);
    if (reason) {
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    const agents: Agent[] = ['keepalived', 'vipd'];
    const opts: GuestOptions = { agents, parts: ['lab'], trials: 1, cpuCount: 0, cpuKinds: [], cpuWindowS: 0 };
    run = await runUml({
      modules: LVS_LAB_MODULES,
      scenarios: [{ name: 'lvs', command: `${process.execPath} ${GUEST_SCRIPT} '${JSON.stringify(opts)}'` }],
      timeoutMs: 840_000,
    });
    console.log(`      UML boot + LVS lab (${agents.join(', ')}): ${(run.wallMs / 1000).toFixed(1)} s wall (${run.dir})`);
    const res = run.results.get('lvs')!;
    if (res.rc !== 0) {
      throw new Error(
        `guest scenario failed (rc ${res.rc}, timed out ${run.timedOut}):\n${res.stderr}\nmodules: ${run.moduleErrors}\nconsole tail:\n${run.console.slice(-2000)}`,
      );
    }
    for (const agent of agents) {
      const file = join(run.dir, `lvs-${agent}.json`);
      if (existsSync(file)) {
        const lab = (JSON.parse(readFileSync(file, 'utf8')) as AgentResult).lab;
        if (lab) results.set(agent, lab);
      }
    }
  });

  after(() => {
    if (run && process.env['VIPD_UML_KEEP'] !== '1') run.cleanup();
  });

  function lab(agent: Agent): LabResult {
    const r = results.get(agent);
    assert.ok(r, `no result from the ${agent} run`);
    return r;
  }

  describe('keepalived (the reference, checked against the config)', () => {
    it('ran every step of the lab', () => {
      const k = lab('keepalived');
      assert.deepEqual(k.problems, [], `${k.problems.join('\n')}\nlog tail:\n${k.logTail}`);
    });

    for (const name of CHECKPOINTS) {
      it(`table ${name} is the one the config implies`, () => {
        assert.deepEqual(lab('keepalived').tables[name], EXPECTED[name]);
      });
    }

    it('wrr 3/1/1 splits 50 client requests 30/10/10', () => {
      const k = lab('keepalived');
      assert.deepEqual(k.tables['after-split'], k.tables['start'], `the table changed during the split (wrr restarts its cycle):\n${k.logTail}`);
      assert.deepEqual(k.split, { r1: 30, r2: 10, r3: 10 }, k.logTail);
    });

    it('the 20 long-lived echo connections on :9000 survive the reload', () => {
      const k = lab('keepalived');
      assert.deepEqual([k.reload.heldBefore, k.reload.aliveBefore, k.reload.aliveAfter], [20, 20, 20]);
    });

    it('prints the checker timings (death → removal, return → re-add)', () => {
      const k = lab('keepalived');
      for (const [kind, t] of Object.entries(k.timings)) console.log(`      keepalived ${kind}: ${t.map((x) => `remove ${x.removeMs} ms, re-add ${x.readdMs} ms`).join('; ')}`);
      assert.ok(Object.values(k.timings).every((t) => t.length > 0 && t.every((x) => x.removeMs !== null && x.readdMs !== null)));
    });
  });

  describe('vipd (compared with keepalived)', () => {
    it('ran every step of the lab', function () {
      const v = lab('vipd');
      assert.deepEqual(v.problems, [], `${v.problems.join('\n')}\nlog tail:\n${v.logTail}`);
    });

    for (const name of CHECKPOINTS) {
      it(`table ${name} is identical to keepalived's`, function () {
        const v = lab('vipd');
        assert.deepEqual(v.tables[name], lab('keepalived').tables[name]);
      });
    }

    it('wrr 3/1/1 splits 50 client requests 30/10/10', function () {
      assert.deepEqual(lab('vipd').split, { r1: 30, r2: 10, r3: 10 });
    });

    it('the 20 long-lived echo connections on :9000 survive the reload', function () {
      const v = lab('vipd');
      assert.deepEqual([v.reload.heldBefore, v.reload.aliveBefore, v.reload.aliveAfter], [20, 20, 20]);
    });

    it('prints the checker timings next to keepalived\'s', function () {
      const v = lab('vipd');
      const k = lab('keepalived');
      for (const [kind, t] of Object.entries(v.timings)) {
        const kt = k.timings[kind as keyof typeof k.timings];
        console.log(`      ${kind}: vipd ${t.map((x) => `${x.removeMs}/${x.readdMs}`).join(' ')} ms vs keepalived ${kt.map((x) => `${x.removeMs}/${x.readdMs}`).join(' ')} ms (remove/re-add)`);
      }
      assert.ok(Object.values(v.timings).every((t) => t.length > 0 && t.every((x) => x.removeMs !== null && x.readdMs !== null)));
    });
  });
});
