// Runs INSIDE the user-mode Linux guest (test/uml/uml.ts): the LVS director lab of design.md with keepalived
// 2.2.7 and vipd run, one after the other, on the SAME keepalived.conf (test/uml/lvs/labConfig.ts). For each
// agent it records the normalized `ipvsadm -Ln` table at every checkpoint, the wrr split seen by a client, how
// long each checker type takes to remove a dead real server and re-add it, and how many long-lived connections
// survive a reload; with the "cpu" part, the CPU an agent spends checking many real servers.
// Writes $UML_OUT/lvs-<agent>.json after each part; the host side (test/integration/lvsSideBySide.test.ts,
// bench/lvs/failover-checks.ts) reads them.
//
// Usage: node lvsGuest.js '<json GuestOptions>' (one node process for everything: node starts slowly inside).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentVersion, logTail, startAgent as startAgentIn, stopAgent, type RunningAgent } from '../lvs/agentProcess.js';
import { LabServers, sh, sleep } from '../lvs/labClient.js';
import { CLIENT_NS, CPU_VIP, VIP, cpuConfig, cpuListeners, labConfig, labListeners, labSetupScript, miscDownFlag, miscRunMark } from '../lvs/labConfig.js';
import { normalizeListing, parseProcIpvs, type ProcTable } from '../lvs/ipvsTable.js';
import type { Agent, AgentResult, CheckerKind, CpuResult, GuestOptions, LabResult } from '../lvs/results.js';

const OUT = process.env['UML_OUT'] ?? '.';
const POLL_MS = 20;
const WEB = `TCP ${VIP}:80`;

const startAgent = (agent: Agent, conf: string, tag: string): RunningAgent => startAgentIn({ agent, conf, tag, outDir: OUT });

function procTable(): ProcTable {
  return parseProcIpvs(existsSync('/proc/net/ip_vs') ? readFileSync('/proc/net/ip_vs', 'utf8') : '');
}

function listing(): string[] {
  return normalizeListing(sh('ipvsadm', ['-Ln']));
}

/** Poll the kernel table every 50 ms until `pred` holds: ms waited, or null (bound reached, or the agent died). */
async function waitFor(pred: (t: ProcTable) => boolean, boundMs: number, a: RunningAgent): Promise<number | null> {
  const t0 = Date.now();
  for (;;) {
    if (pred(procTable())) return Date.now() - t0;
    if (a.exitCode !== undefined || Date.now() - t0 > boundMs) return null;
    await sleep(POLL_MS);
  }
}

const weightOf = (t: ProcTable, service: string, dest: string): number | undefined => t.get(service)?.get(dest);

/** Every service of the base config with all its real servers (what keepalived programs at start). */
function labComplete(t: ProcTable): boolean {
  const sizes: [string, number][] = [[WEB, 3], [`TCP ${VIP}:9000`, 3], [`TCP ${VIP}:81`, 2], [`TCP ${VIP}:82`, 2]];
  return sizes.every(([s, n]) => (t.get(s)?.size ?? -1) === n);
}

interface ProcStat {
  comm: string;
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
}

function processStats(): Map<number, ProcStat> {
  const stats = new Map<number, ProcStat>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const text = readFileSync(`/proc/${d}/stat`, 'utf8');
      // Fields after "(comm)": state ppid … utime(14) stime(15) cutime(16) cstime(17) → indices 11..14 here.
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      const comm = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
      stats.set(Number(d), { comm, ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
    } catch {
      // The process ended while we read /proc.
    }
  }
  return stats;
}

function treeOf(root: number, stats: Map<number, ProcStat>): Set<number> {
  const inTree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, s] of stats) if (!inTree.has(pid) && inTree.has(s.ppid)) inTree.add(pid), (grew = true);
  }
  return inTree;
}

/** The guest's busy and total CPU ticks (/proc/stat "cpu" line): is the one-CPU guest saturated? */
function guestCpu(): { busy: number; total: number } {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}

/** The director's address on the real servers' side: the source of every health check's connect. */
const CHECK_SOURCE = '10.2.0.1';

/**
 * Run `action` `alignMs` after the agent's next check of the faulted real server (its TCP SYN seen in the real
 * server's namespace, or the MISC script's mark file rewritten), so that every trial of every agent faults at
 * the same phase of the check cycle; null = at once, wherever the cycle is (the spread is then one delay_loop).
 */
type Aligned = (l: LabServers, alignMs: number | null) => Promise<unknown>;

function afterSyn(ns: string, port: number, then: Record<string, unknown>): Aligned {
  return (l, alignMs) =>
    alignMs === null ? l.request(then) : l.request({ cmd: 'after_probe', ns, port, src: CHECK_SOURCE, offset_ms: alignMs, timeout_ms: 5000, then });
}

function afterMiscRun(action: () => void): Aligned {
  return async (_l, alignMs) => {
    if (alignMs !== null) {
      const mark = miscRunMark(OUT);
      const before = existsSync(mark) ? statSync(mark).mtimeMs : 0;
      for (let i = 0; i < 500 && (existsSync(mark) ? statSync(mark).mtimeMs : 0) === before; i++) await sleep(10);
      await sleep(alignMs);
    }
    action();
  };
}

const CHECKER_FAULTS: Record<CheckerKind, { dest: string; weight: number; down: Aligned; up: Aligned }> = {
  http: {
    dest: '10.2.0.11:80',
    weight: 3,
    down: afterSyn('r1', 80, { cmd: 'stop', ns: 'r1', port: 80 }),
    up: afterSyn('r1', 80, { cmd: 'listen', items: [{ ns: 'r1', port: 80, kind: 'http', name: 'r1' }] }),
  },
  tcp: {
    dest: '10.2.0.12:80',
    weight: 1,
    down: afterSyn('r2', 80, { cmd: 'stop', ns: 'r2', port: 80 }),
    up: afterSyn('r2', 80, { cmd: 'listen', items: [{ ns: 'r2', port: 80, kind: 'http', name: 'r2' }] }),
  },
  misc: {
    dest: '10.2.0.13:80',
    weight: 1,
    down: afterMiscRun(() => writeFileSync(miscDownFlag(OUT), 'down\n')),
    up: afterMiscRun(() => rmSync(miscDownFlag(OUT), { force: true })),
  },
};

async function runLab(agent: Agent, lab: LabServers, opts: GuestOptions): Promise<LabResult> {
  sh('ipvsadm', ['-C']);
  rmSync(miscDownFlag(OUT), { force: true });
  await lab.request({ cmd: 'listen', items: labListeners() });
  const conf = join(OUT, `lvs-lab-${agent}.conf`);
  writeFileSync(conf, labConfig(OUT, 'base'));
  const r: LabResult = {
    agent,
    version: agentVersion(agent),
    startMs: null,
    tables: {},
    split: null,
    timings: { http: [], tcp: [], misc: [] },
    quorum: { lostMs: null, backMs: null },
    inhibit: { downMs: null, upMs: null },
    reload: { appliedMs: null, heldBefore: 0, aliveBefore: 0, aliveAfter: 0 },
    stopMs: null,
    problems: [],
    logTail: '',
  };
  const a = startAgent(agent, conf, 'lab');
  const step = (name: string, ms: number | null): number | null => {
    if (ms === null) r.problems.push(`${name}: not within the bound${a.exitCode !== undefined ? ` (agent exited ${a.exitCode})` : ''}`);
    return ms;
  };
  try {
    r.startMs = step('start', await waitFor(labComplete, 60_000, a));
    if (r.startMs === null) return r;
    // Let every checker run at least once (first check within 1 s + warmup ≤ delay_loop, lvs.md §1.2).
    await sleep(3000);
    r.tables['start'] = listing();
    r.split = (await lab.request({ cmd: 'split', ns: CLIENT_NS, host: VIP, port: 80, n: 50 }))['counts'] as Record<string, number>;
    // wrr restarts its cycle whenever a destination changes: a table edited during the split skews it.
    r.tables['after-split'] = listing();

    for (let trial = 0; trial < opts.trials; trial++) {
      for (const kind of ['http', 'tcp', 'misc'] as const) {
        const f = CHECKER_FAULTS[kind];
        await f.down(lab, opts.alignMs ?? null);
        const removeMs = step(`${kind} down`, await waitFor((t) => weightOf(t, WEB, f.dest) === undefined, 20_000, a));
        if (trial === 0) r.tables[`${kind}-down`] = listing();
        await f.up(lab, opts.alignMs ?? null);
        const readdMs = step(`${kind} up`, await waitFor((t) => weightOf(t, WEB, f.dest) === f.weight, 30_000, a));
        if (trial === 0) r.tables[`${kind}-up`] = listing();
        r.timings[kind].push({ removeMs, readdMs });
        if (a.exitCode !== undefined) return r;
      }
    }

    // Quorum: r1 dies on :81 → live weight 1 < quorum 2 → r2 removed, sorry server r4 added.
    const Q = `TCP ${VIP}:81`;
    await lab.request({ cmd: 'stop', ns: 'r1', port: 81 });
    r.quorum.lostMs = step('quorum lost', await waitFor((t) => t.get(Q)?.size === 1 && weightOf(t, Q, '10.2.0.14:81') !== undefined, 20_000, a));
    r.tables['quorum-lost'] = listing();
    await lab.request({ cmd: 'listen', items: [{ ns: 'r1', port: 81, kind: 'http', name: 'r1' }] });
    r.quorum.backMs = step('quorum back', await waitFor((t) => t.get(Q)?.size === 2 && weightOf(t, Q, '10.2.0.11:81') === 1, 30_000, a));
    r.tables['quorum-back'] = listing();

    // inhibit_on_failure: r1 dies on :82 → weight 0, not removed; back at weight 2.
    const I = `TCP ${VIP}:82`;
    await lab.request({ cmd: 'stop', ns: 'r1', port: 82 });
    r.inhibit.downMs = step('inhibit down', await waitFor((t) => weightOf(t, I, '10.2.0.11:82') === 0, 20_000, a));
    r.tables['inhibit-down'] = listing();
    await lab.request({ cmd: 'listen', items: [{ ns: 'r1', port: 82, kind: 'http', name: 'r1' }] });
    r.inhibit.upMs = step('inhibit up', await waitFor((t) => weightOf(t, I, '10.2.0.11:82') === 2, 30_000, a));
    r.tables['inhibit-up'] = listing();

    // Reload: long-lived echo connections on :9000 held across a SIGHUP that changes only port 80.
    const held = await lab.request({ cmd: 'hold', ns: CLIENT_NS, host: VIP, port: 9000, k: 20 });
    r.reload.heldBefore = Number(held['held']);
    r.reload.aliveBefore = Number(held['alive']);
    writeFileSync(conf, labConfig(OUT, 'reload'));
    a.child.kill('SIGHUP');
    r.reload.appliedMs = step(
      'reload',
      await waitFor((t) => weightOf(t, WEB, '10.2.0.14:80') !== undefined && weightOf(t, WEB, '10.2.0.13:80') === undefined && weightOf(t, WEB, '10.2.0.11:80') === 2, 30_000, a),
    );
    // The added real server's first check (it must stay in: r4 answers).
    await sleep(3000);
    r.tables['reload'] = listing();
    r.reload.aliveAfter = Number((await lab.request({ cmd: 'check' }))['alive']);
    await lab.request({ cmd: 'drop' });
    return r;
  } catch (err) {
    r.problems.push(`crash: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return r;
  } finally {
    if (a.exitCode !== undefined) r.problems.push(`agent exited early with ${a.exitCode}`);
    r.stopMs = await stopAgent(a);
    await sleep(500);
    r.tables['stopped'] = listing();
    r.logTail = logTail(a);
    sh('ipvsadm', ['-C']);
  }
}

async function runCpu(agent: Agent, kind: 'tcp' | 'http', opts: GuestOptions): Promise<CpuResult> {
  sh('ipvsadm', ['-C']);
  const conf = join(OUT, `lvs-cpu-${kind}-${agent}.conf`);
  writeFileSync(conf, cpuConfig(kind, opts.cpuCount));
  const a = startAgent(agent, conf, `cpu-${kind}`);
  const svc = `TCP ${CPU_VIP}:80`;
  const r: CpuResult = {
    agent,
    kind,
    count: opts.cpuCount,
    readyMs: null,
    cpuSeconds: 0,
    wallSeconds: 0,
    destsAtEnd: 0,
    processes: 0,
    guestBusyFraction: 0,
    topProcesses: [],
    logTail: '',
  };
  try {
    r.readyMs = await waitFor((t) => (t.get(svc)?.size ?? 0) === opts.cpuCount, 180_000, a);
    if (r.readyMs === null) return r;
    await sleep(3000); // past the warmup: every checker is on its delay_loop cadence
    const pid = a.child.pid ?? 0;
    const s0 = processStats();
    const g0 = guestCpu();
    const t0 = Date.now();
    await sleep(opts.cpuWindowS * 1000);
    const s1 = processStats();
    const g1 = guestCpu();
    r.wallSeconds = (Date.now() - t0) / 1000;
    const hz = Number(sh('getconf', ['CLK_TCK']).trim()) || 100;
    const used = (p: number): number => ((s1.get(p)?.ticks ?? 0) - (s0.get(p)?.ticks ?? 0)) / hz;
    const tree = treeOf(pid, s1);
    r.cpuSeconds = [...tree].reduce((sum, p) => sum + used(p), 0);
    r.processes = [...tree].filter((p) => s1.has(p)).length;
    r.guestBusyFraction = (g1.busy - g0.busy) / Math.max(1, g1.total - g0.total);
    r.topProcesses = [...s1.keys()]
      .map((p) => ({ pid: p, comm: s1.get(p)!.comm, cpuSeconds: used(p), agent: tree.has(p) }))
      .sort((x, y) => y.cpuSeconds - x.cpuSeconds)
      .slice(0, 5);
    r.destsAtEnd = [...(procTable().get(svc)?.values() ?? [])].filter((w) => w > 0).length;
    return r;
  } finally {
    await stopAgent(a);
    r.logTail = logTail(a);
    sh('ipvsadm', ['-C']);
  }
}

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as GuestOptions;
  execFileSync('/bin/sh', ['-c', labSetupScript()], { stdio: 'inherit' });
  const lab = await LabServers.start(OUT);
  if (opts.parts.includes('cpu')) await lab.request({ cmd: 'listen', items: cpuListeners(opts.cpuCount) });
  try {
    for (const agent of opts.agents) {
      const result: AgentResult = {};
      const save = (): void => writeFileSync(join(OUT, `lvs-${agent}.json`), JSON.stringify(result, null, 1));
      if (opts.parts.includes('lab')) {
        result.lab = await runLab(agent, lab, opts);
        save();
      }
      if (opts.parts.includes('cpu')) {
        result.cpu = [];
        for (const kind of opts.cpuKinds) {
          result.cpu.push(await runCpu(agent, kind, opts));
          save();
        }
      }
      save();
    }
  } finally {
    lab.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
