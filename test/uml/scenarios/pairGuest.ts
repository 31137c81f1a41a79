// Runs INSIDE the user-mode Linux guest (test/uml/uml.ts): the LVS director PAIR of test/uml/lvs/pairConfig.ts,
// with keepalived 2.2.7 and then vipd (fresh director namespaces for each: fresh IPVS tables and sync daemons) on
// the same two keepalived.conf files. The client holds K long-lived echo connections per variant (NAT :9000,
// DR :9001) through the VIP and checks that each still echoes after every event:
//   death                 the master d1 is SIGKILLed (its whole process group) and all its cables are cut
//   return-after-death    d1's cables come back and its agent restarts: it preempts (priority 150 > 100); then
//                         K more connections per variant open through it (they need d1's sync daemon)
//   sigterm               d1's agent is stopped with SIGTERM (it removes its VIPs and services)
//   return-after-sigterm  d1's agent starts again and preempts
//   reboot                d1 dies again, and its namespace (its kernel state: IPVS table, sync daemons) goes too
//   return-after-reboot   a fresh d1 namespace and agent preempt: measured for information (pairResults.ts)
// Before each event the new master's `ipvsadm -Lnc` is counted (the entries the sync daemon replicated) and
// after it both directors' sync daemons are recorded. Writes $UML_OUT/pair-<agent>.json after every step.
//
// Usage: node pairGuest.js '<json PairOptions>' (one node process for everything: node starts slowly inside).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentVersion, killAgent, logTail, startAgent, stopAgent, type RunningAgent } from '../lvs/agentProcess.js';
import { parseProcIpvs } from '../lvs/ipvsTable.js';
import { LabServers, sh, sleep } from '../lvs/labClient.js';
import {
  CLIENT_NS,
  DR_PORT,
  INNER_VIP,
  NAT_PORT,
  VIP,
  cutDirectorScript,
  directorLinksScript,
  directorScript,
  pairConfig,
  pairListeners,
  pairSetupScript,
  removeDirectorScript,
  type Director,
} from '../lvs/pairConfig.js';
import { VARIANTS, type PairEvent, type PairEventName, type PairOptions, type PairResult, type Variant } from '../lvs/pairResults.js';
import type { Agent } from '../lvs/results.js';

const OUT = process.env['UML_OUT'] ?? '.';
const POLL_MS = 100;
const PORT: Record<Variant, number> = { nat: NAT_PORT, dr: DR_PORT };

function shell(lines: readonly string[]): void {
  execFileSync('/bin/sh', ['-c', lines.join('\n')], { stdio: 'inherit' });
}

const inNs = (d: Director, cmd: string, args: string[]): string => sh('ip', ['netns', 'exec', d, cmd, ...args]);

/** Does director `d` carry both VIPs (the outer on eth0, the inner on eth1)? */
function holdsVips(d: Director): boolean {
  const text = sh('ip', ['-n', d, '-4', '-o', 'addr', 'show']);
  return text.includes(` ${VIP}/`) && text.includes(` ${INNER_VIP}/`);
}

function holdsAnyVip(d: Director): boolean {
  const text = sh('ip', ['-n', d, '-4', '-o', 'addr', 'show']);
  return text.includes(` ${VIP}/`) || text.includes(` ${INNER_VIP}/`);
}

/** Both virtual servers with their three real servers in `d`'s kernel table. */
function tableComplete(d: Director): boolean {
  const t = parseProcIpvs(inNs(d, 'cat', ['/proc/net/ip_vs']));
  return VARIANTS.every((v) => (t.get(`TCP ${VIP}:${PORT[v]}`)?.size ?? 0) === 3);
}

/** ESTABLISHED connection entries per variant in `d`'s IPVS table (`ipvsadm -Lnc`: PRO EXPIRE STATE SRC VIRT DEST). */
function establishedEntries(d: Director): Record<Variant, number> {
  const out: Record<Variant, number> = { nat: 0, dr: 0 };
  for (const line of inNs(d, 'ipvsadm', ['-Lnc']).split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] !== 'TCP' || f[2] !== 'ESTABLISHED') continue;
    for (const v of VARIANTS) if (f[4] === `${VIP}:${PORT[v]}`) out[v]++;
  }
  return out;
}

function daemons(d: Director): string[] {
  return inNs(d, 'ipvsadm', ['-L', '--daemon'])
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

async function until(pred: () => boolean, boundMs: number): Promise<number | null> {
  const t0 = Date.now();
  for (;;) {
    if (pred()) return Date.now() - t0;
    if (Date.now() - t0 > boundMs) return null;
    await sleep(POLL_MS);
  }
}

class PairRun {
  readonly agents = new Map<Director, RunningAgent>();
  readonly r: PairResult;

  constructor(
    readonly agent: Agent,
    readonly lab: LabServers,
    readonly opts: PairOptions,
  ) {
    const none = (): Record<Variant, { held: number; alive: number }> => ({ nat: { held: 0, alive: 0 }, dr: { held: 0, alive: 0 } });
    this.r = { agent, version: agentVersion(agent), k: opts.k, opened: none(), openedAfterReturn: none(), events: [], problems: [], logTails: {} };
  }

  save(): void {
    writeFileSync(join(OUT, `pair-${this.agent}.json`), JSON.stringify(this.r, null, 1));
  }

  step<T>(name: string, v: T | null): T | null {
    if (v === null) this.r.problems.push(`${name}: not within the bound`);
    return v;
  }

  conf(d: Director): string {
    return join(OUT, `pair-${this.agent}-${d}.conf`);
  }

  start(d: Director): RunningAgent {
    const a = startAgent({ agent: this.agent, conf: this.conf(d), tag: `pair-${d}`, outDir: OUT, netns: d });
    this.agents.set(d, a);
    return a;
  }

  /** The client's alive connections per variant (every held connection pinged `rounds` times). */
  async alive(rounds = 1): Promise<Record<Variant, number>> {
    const reply = await this.lab.request({ cmd: 'check', rounds });
    const groups = (reply['groups'] ?? {}) as Record<string, { alive: number }>;
    return { nat: groups['nat']?.alive ?? 0, dr: groups['dr']?.alive ?? 0 };
  }

  /**
   * Ping the connections until `d` holds an entry for each, or the bound; the counts seen last. The master syncs
   * a connection on its 3rd packet, then on every 50th (sync_threshold 3 50, ipvs-sysctl.rst) over UDP
   * multicast with no retransmission: a lost update (seen: 3 of 50 under a loaded guest) is repaired only by
   * the connection's 53rd packet, so each round pings every connection ten times.
   */
  async waitSynced(d: Director, boundMs: number): Promise<Record<Variant, number>> {
    const t0 = Date.now();
    for (;;) {
      const alive = await this.alive();
      const n = establishedEntries(d);
      if (VARIANTS.every((v) => n[v] >= alive[v])) return n;
      if (Date.now() - t0 > boundMs) {
        // For diagnosis: which connections the backup lacks, next to the master's view of them.
        writeFileSync(join(OUT, `pair-${this.agent}-unsynced-${Date.now()}.txt`), ['d1', 'd2'].map((x) => `== ${x}\n${inNs(x as Director, 'ipvsadm', ['-Lnc'])}`).join('\n'));
        return n;
      }
      await this.alive(10);
    }
  }

  /** K more connections per variant; `into` gets each variant's totals. */
  async hold(into: Record<Variant, { held: number; alive: number }>): Promise<void> {
    for (const v of VARIANTS) {
      const held = await this.lab.request({ cmd: 'hold', ns: CLIENT_NS, host: VIP, port: PORT[v], k: this.opts.k, group: v });
      into[v] = ((held['groups'] ?? {}) as Record<string, { held: number; alive: number }>)[v] ?? { held: 0, alive: 0 };
    }
    this.save();
  }

  async event(name: PairEventName, newMaster: Director, entriesBefore: Record<Variant, number>, act: () => Promise<void>): Promise<void> {
    const other: Director = newMaster === 'd1' ? 'd2' : 'd1';
    const aliveBefore = await this.alive();
    const t0 = Date.now();
    await act();
    const moved = await until(() => holdsVips(newMaster) && !holdsAnyVip(other), 60_000);
    const takeoverMs = this.step(`${name}: VIPs on ${newMaster}`, moved === null ? null : Date.now() - t0);
    // The gratuitous ARPs go out with the VIPs; give the client and real servers' neighbour tables a moment.
    await sleep(1000);
    const entriesAtTakeover = establishedEntries(newMaster);
    const aliveAfter = await this.alive();
    const ev: PairEvent = { name, newMaster, entriesBefore, aliveBefore, entriesAtTakeover, aliveAfter, takeoverMs, daemons: { d1: daemons('d1'), d2: daemons('d2') } };
    this.r.events.push(ev);
    this.save();
  }

  async run(): Promise<void> {
    for (const d of ['d1', 'd2'] as const) {
      shell(removeDirectorScript(d));
      shell(directorScript(d));
      writeFileSync(this.conf(d), pairConfig(d));
    }
    const d1 = this.start('d1');
    if (this.step('d1 master with its table', await until(() => holdsVips('d1') && tableComplete('d1'), 90_000)) === null) return;
    this.start('d2');
    if (this.step('d2 table', await until(() => tableComplete('d2') && daemons('d2').some((l) => l.includes('backup')), 90_000)) === null) return;
    // Every checker has run once (first check within 1 s, lvs.md §1.2).
    await sleep(2000);
    await this.hold(this.r.opened);

    await this.event('death', 'd2', await this.waitSynced('d2', 60_000), async () => {
      await killAgent(d1);
      shell(cutDirectorScript('d1'));
    });
    await this.event('return-after-death', 'd1', establishedEntries('d1'), async () => {
      shell(directorLinksScript('d1'));
      this.start('d1');
    });
    await this.hold(this.r.openedAfterReturn);
    await this.event('sigterm', 'd2', await this.waitSynced('d2', 60_000), async () => {
      const a = this.agents.get('d1')!;
      if ((await stopAgent(a)) === null) this.r.problems.push('sigterm: d1 did not exit within 20 s');
    });
    await this.event('return-after-sigterm', 'd1', establishedEntries('d1'), async () => {
      this.start('d1');
    });
    await this.event('reboot', 'd2', await this.waitSynced('d2', 60_000), async () => {
      await killAgent(this.agents.get('d1')!);
      shell(removeDirectorScript('d1'));
    });
    await this.event('return-after-reboot', 'd1', { nat: 0, dr: 0 }, async () => {
      shell(directorScript('d1'));
      this.start('d1');
    });
  }

  async finish(): Promise<void> {
    for (const [d, a] of this.agents) {
      if (a.exitCode !== undefined && a.exitCode !== null && a.exitCode !== 0) this.r.problems.push(`${d}: agent exited with ${a.exitCode}`);
      await stopAgent(a);
      this.r.logTails[d] = logTail(a, 6000);
    }
    await this.lab.request({ cmd: 'drop' });
    for (const d of ['d1', 'd2'] as const) shell(removeDirectorScript(d));
    this.save();
  }
}

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as PairOptions;
  execFileSync('/bin/sh', ['-c', pairSetupScript()], { stdio: 'inherit' });
  const lab = await LabServers.start(OUT);
  await lab.request({ cmd: 'listen', items: pairListeners() });
  try {
    for (const agent of opts.agents) {
      const run = new PairRun(agent, lab, opts);
      try {
        await run.run();
      } catch (err) {
        run.r.problems.push(`crash: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      } finally {
        await run.finish();
      }
    }
  } finally {
    lab.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
