// bench/scale: CPU per role, resident set and false takeovers of a VRRP pair running many instances, vipd and
// keepalived side by side in one run on the same namespace lab (issue 12). Both directors get the identical
// keepalived.conf: VRRPv3, N instances on eth0 (VRID 1..N), one VIP each, d1 priority 150 (master), d2 100.
//
//   sudo node dist/bench/scale.js [--instances 100,255,255] [--interval-ms 10,100,10] [--duration-s 20]
//                                 [--settle-s 5] [--kinds keepalived,vipd] [--rounds 1] [--vipd-args '...']
//                                 [--node-options "--max-semi-space-size=1"] [--profile DIR]
//                                 [--rss-every-s 30] [--smaps DIR] [--trace-gc] [--agent-logs DIR]
//                                 [--pause-every-s 10 --pause-ms 100]
// --instances and --interval-ms are zipped: one row per pair. Each row runs every kind once per round, one
// after the other, in a fresh lab (agents interleaved round by round so drift in machine load hits both).
//
// Per agent: wait until d1 holds every VIP and d2 none, let it settle --settle-s, then over --duration-s read
// CPU (utime+stime of every process in the host's namespace, /proc/PID/stat: keepalived's parent and VRRP child,
// vipd's one process), and count "Entering MASTER STATE" lines the backup (d2) logs in the window (false
// takeovers: nothing was cut). RSS is VmRSS summed over the namespace's processes at the end of the window.
// --rss-every-s N also prints that sum every N s of the window (does the resident set stay flat?); --smaps DIR
// copies each process's /proc/PID/smaps at the end of the window to DIR/KIND-HOST-PID.smaps (where it goes).
// Each round also prints context switches per second (all threads: how often the agent sleeps and wakes) and,
// with --trace-gc, vipd's scavenges and full collections in the window (its allocation rate, indirectly).
// Where takeovers come from: adverts the kernel dropped in the window (raw sockets of each namespace, the drops
// column of /proc/PID/net/raw; the per-CPU input backlog, /proc/net/softnet_stat), CPU time stolen from this VM
// (/proc/stat), overload lines the master logged, and for vipd the backup's own account of each timeout ("nothing
// heard for X ms, decided Y ms late": late means the backup itself was not running, on time means no advert came)
// and how many Master_Down decisions it deferred after a stall of its own (instance.ts stallGrace).
// --agent-logs DIR writes each director's whole output of each round to DIR/KIND-HOST-ROUND.log.
// --pause-every-s N --pause-ms M pauses both directors together for M ms every N s of the window (SIGSTOP to every
// process of both namespaces, then SIGCONT, the backup first): what a VM descheduled by its hypervisor does to them.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { Lab, buildPairLab, labUnavailableReason } from '../src/lab/netns.js';
import { AgentSet, waitFor, type Agent, type AgentKind } from '../src/lab/agents.js';

interface Args {
  cases: { instances: number; intervalMs: number }[];
  durationS: number;
  settleS: number;
  kinds: AgentKind[];
  rounds: number;
  vipdArgs: string[];
  /** --profile DIR: vipd runs with --cpu-prof into DIR (stopped with SIGTERM so the profile is written). */
  profileDir: string | null;
  /** --node-options '...': node/V8 flags for vipd, before its script (V8 heap settings to compare). */
  nodeOptions: string;
  /** --rss-every-s N: VmRSS of both directors every N s of the window, printed as a timeline. 0: off. */
  rssEveryS: number;
  /** --smaps DIR: /proc/PID/smaps of every director process at the end of the window. */
  smapsDir: string | null;
  /** --trace-gc: vipd runs with V8's --trace-gc; the rounds print its collections in the window. */
  traceGc: boolean;
  /** --agent-logs DIR: every director's output, per round. */
  agentLogsDir: string | null;
  /** --pause-every-s / --pause-ms: both directors stopped together for pauseMs every pauseEveryS (0: never). */
  pauseEveryS: number;
  pauseMs: number;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string, dflt: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
  };
  const instances = get('instances', '100,255,255').split(',').map(Number);
  const intervals = get('interval-ms', '10,100,10').split(',').map(Number);
  const n = Math.max(instances.length, intervals.length);
  const cases = Array.from({ length: n }, (_, i) => ({
    instances: instances[Math.min(i, instances.length - 1)]!,
    intervalMs: intervals[Math.min(i, intervals.length - 1)]!,
  }));
  return {
    cases,
    durationS: Number(get('duration-s', '20')),
    settleS: Number(get('settle-s', '5')),
    kinds: get('kinds', 'keepalived,vipd').split(',') as AgentKind[],
    rounds: Number(get('rounds', '1')),
    vipdArgs: get('vipd-args', '').split(' ').filter(Boolean),
    profileDir: argv.includes('--profile') ? get('profile', '') : null,
    nodeOptions: get('node-options', ''),
    rssEveryS: Number(get('rss-every-s', '0')),
    traceGc: argv.includes('--trace-gc'),
    smapsDir: argv.includes('--smaps') ? get('smaps', '') : null,
    agentLogsDir: argv.includes('--agent-logs') ? get('agent-logs', '') : null,
    pauseEveryS: Number(get('pause-every-s', '0')),
    pauseMs: Number(get('pause-ms', '100')),
  };
}

/** VIP of instance i (1-based): 10.1.(100 + ⌊(i-1)/200⌋).((i-1) mod 200 + 1), a /32 off the lab's subnet. */
function vipOf(i: number): string {
  return `10.1.${100 + Math.floor((i - 1) / 200)}.${((i - 1) % 200) + 1}`;
}

/** keepalived.conf with `instances` VRRPv3 instances, the same text for vipd and keepalived. */
export function scaleConfig(routerId: string, priority: number, instances: number, intervalMs: number): string {
  const lines = ['global_defs {', `    router_id ${routerId}`, '    vrrp_version 3', '}', ''];
  for (let i = 1; i <= instances; i++) {
    lines.push(
      `vrrp_instance VI_${i} {`,
      '    state BACKUP',
      '    interface eth0',
      `    virtual_router_id ${i}`,
      `    priority ${priority}`,
      `    advert_int ${(intervalMs / 1000).toFixed(2)}`,
      '    virtual_ipaddress {',
      `        ${vipOf(i)}/32`,
      '    }',
      '}',
      '',
    );
  }
  return lines.join('\n');
}

/** Processes in a lab host's namespace. */
async function nsPids(lab: Lab, host: string): Promise<number[]> {
  const { stdout } = await lab.run('ip', ['netns', 'pids', lab.ns(host)]);
  return stdout.split(/\s+/).filter(Boolean).map(Number);
}

const CLK_TCK = 100;

/** utime + stime in seconds per pid (/proc/PID/stat fields 14 and 15; the process's threads included). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

/**
 * Context switches of every thread of a process (/proc/PID/task/T/status, voluntary + involuntary): how often
 * it went to sleep and woke up again. A noise-robust companion to CPU: it does not depend on what else runs.
 */
function wakeUps(pid: number): number {
  let n = 0;
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      try {
        const st = readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8');
        for (const m of st.matchAll(/(?:nonvoluntary|voluntary)_ctxt_switches:\s+(\d+)/g)) n += Number(m[1]);
      } catch {
        // the thread exited
      }
    }
  } catch {
    // the process exited
  }
  return n;
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function vipCount(lab: Lab, host: string, vips: Set<string>): Promise<number> {
  const { stdout } = await lab.ip(host, '-j', '-4', 'addr', 'show', 'dev', 'eth0');
  const links = JSON.parse(stdout) as { addr_info?: { local?: string }[] }[];
  let n = 0;
  for (const l of links) for (const a of l.addr_info ?? []) if (a.local && vips.has(a.local)) n++;
  return n;
}

/** --trace-gc lines of one window: V8 prints one per scavenge and one per full (mark-compact) collection. */
function gcCounts(text: string): { scavenges: number; markCompacts: number } {
  return { scavenges: countMatches(text, /: Scavenge /g), markCompacts: countMatches(text, /: Mark-(?:Compact|sweep) /g) };
}

function countMatches(text: string, re: RegExp): number {
  return (text.match(re) ?? []).length;
}

interface Sample {
  masterCpuPct: number;
  backupCpuPct: number;
  masterRssMb: number;
  backupRssMb: number;
  /** Context switches per second over the window (all threads). */
  masterWakeUps: number;
  backupWakeUps: number;
  /** --trace-gc: scavenges and mark-compacts (mark-sweep) per director in the window, vipd only. */
  gc: { d1: { scavenges: number; markCompacts: number }; d2: { scavenges: number; markCompacts: number } } | null;
  falseTakeovers: number;
  settled: boolean;
  diag: Diagnosis;
}

interface Diagnosis {
  rawDrops: { d1: number; d2: number };
  backlogDrops: number;
  stealPct: number;
  masterOverloadLines: number;
  /** vipd: Master_Down decisions the backup deferred after a stall of its own. */
  deferred: number;
  /** vipd: the backup's timeout lines in the window: how many were decided late, worst lateness and silence. */
  timeouts: { count: number; late: number; worstLateMs: number; worstSilenceMs: number };
}

/** Sum of the drops column of every raw socket in a process's network namespace (/proc/PID/net/raw). */
function rawDrops(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const lines = readFileSync(`/proc/${pid}/net/raw`, 'utf8').trim().split('\n').slice(1);
    return lines.reduce((n, l) => n + Number(l.trim().split(/\s+/).at(-1) ?? 0), 0);
  } catch {
    return 0;
  }
}

/** Packets dropped because a CPU's input backlog was full (second column of /proc/net/softnet_stat, hex). */
function backlogDrops(): number {
  try {
    return readFileSync('/proc/net/softnet_stat', 'utf8').trim().split('\n').reduce((n, l) => n + parseInt(l.split(' ')[1] ?? '0', 16), 0);
  } catch {
    return 0;
  }
}

/** Total and steal jiffies of the machine (/proc/stat "cpu" line). */
function cpuJiffies(): { total: number; steal: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { total: f.slice(0, 8).reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
  } catch {
    return { total: 0, steal: 0 };
  }
}

/** vipd's "Receive advertisement timeout (nothing heard for X ms, timer T ms[, decided L ms late])" lines. */
export function timeoutAccount(text: string): Diagnosis['timeouts'] {
  const acc = { count: 0, late: 0, worstLateMs: 0, worstSilenceMs: 0 };
  for (const m of text.matchAll(/Receive advertisement timeout \(nothing heard for (\d+) ms, timer \d+ ms(?:, decided (\d+) ms late)?\)/g)) {
    acc.count++;
    acc.worstSilenceMs = Math.max(acc.worstSilenceMs, Number(m[1]));
    if (m[2] !== undefined) {
      acc.late++;
      acc.worstLateMs = Math.max(acc.worstLateMs, Number(m[2]));
    }
  }
  return acc;
}

let labCounter = 0;

async function runOne(kind: AgentKind, instances: number, intervalMs: number, a: Args): Promise<Sample> {
  const lab = new Lab(`sc${process.pid % 100}${labCounter++}`);
  const agents = new AgentSet(lab);
  const vips = new Set(Array.from({ length: instances }, (_, i) => vipOf(i + 1)));
  try {
    await buildPairLab(lab, 1, ['d1', 'd2']);
    const extra = kind === 'vipd' ? a.vipdArgs : [];
    const nodeArgs = [...a.nodeOptions.split(' ').filter(Boolean), ...(a.traceGc ? ['--trace-gc'] : []), ...(a.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${a.profileDir}`] : [])];
    const d1 = agents.start(kind, 'd1', scaleConfig('d1', 150, instances, intervalMs), extra, { nodeArgs });
    const d2 = agents.start(kind, 'd2', scaleConfig('d2', 100, instances, intervalMs), extra, { nodeArgs });
    const settled = await waitFor(
      async () => (await vipCount(lab, 'd1', vips)) === instances && (await vipCount(lab, 'd2', vips)) === 0,
      60_000,
      250,
    );
    if (!settled) {
      process.stderr.write(`  ${kind} ${instances}x${intervalMs}ms: never settled (d1 all VIPs, d2 none) within 60 s\n`);
      process.stderr.write(`${d2.output().slice(-1500)}\n`);
    }
    await new Promise((r) => setTimeout(r, a.settleS * 1000));
    const pids = { d1: await nsPids(lab, 'd1'), d2: await nsPids(lab, 'd2') };
    const cpu = (ps: number[]) => ps.reduce((s, p) => s + cpuSeconds(p), 0);
    const outAt = d2.output().length;
    const out1At = d1.output().length;
    const wakes = (ps: number[]) => ps.reduce((s, p) => s + wakeUps(p), 0);
    const w0 = { d1: wakes(pids.d1), d2: wakes(pids.d2) };
    const c0 = { d1: cpu(pids.d1), d2: cpu(pids.d2) };
    const raw0 = { d1: rawDrops(pids.d1[0]), d2: rawDrops(pids.d2[0]) };
    const backlog0 = backlogDrops();
    const jiffies0 = cpuJiffies();
    const t0 = performance.now();
    const pauses = pauseTogether(a, pids, t0);
    await sampleRss(a, kind, pids, t0);
    await pauses;
    const c1 = { d1: cpu(pids.d1), d2: cpu(pids.d2) };
    const w1 = { d1: wakes(pids.d1), d2: wakes(pids.d2) };
    const seconds = (performance.now() - t0) / 1000;
    const jiffies1 = cpuJiffies();
    const diag: Diagnosis = {
      rawDrops: { d1: rawDrops(pids.d1[0]) - raw0.d1, d2: rawDrops(pids.d2[0]) - raw0.d2 },
      backlogDrops: backlogDrops() - backlog0,
      stealPct: jiffies1.total > jiffies0.total ? ((jiffies1.steal - jiffies0.steal) / (jiffies1.total - jiffies0.total)) * 100 : 0,
      masterOverloadLines: countMatches(d1.output().slice(out1At), /overload: the event loop ran/g),
      deferred: countMatches(d2.output().slice(outAt), /Master_Down deferred/g),
      timeouts: timeoutAccount(d2.output().slice(outAt)),
    };
    const rss = (ps: number[]) => ps.reduce((s, p) => s + rssMb(p), 0);
    const sample: Sample = {
      masterCpuPct: ((c1.d1 - c0.d1) / seconds) * 100,
      backupCpuPct: ((c1.d2 - c0.d2) / seconds) * 100,
      masterRssMb: rss(pids.d1),
      backupRssMb: rss(pids.d2),
      masterWakeUps: (w1.d1 - w0.d1) / seconds,
      backupWakeUps: (w1.d2 - w0.d2) / seconds,
      gc: a.traceGc && kind === 'vipd' ? { d1: gcCounts(d1.output().slice(out1At)), d2: gcCounts(d2.output().slice(outAt)) } : null,
      falseTakeovers: countMatches(d2.output().slice(outAt), /Entering MASTER STATE/g),
      settled,
      diag,
    };
    if (a.smapsDir) copySmaps(a.smapsDir, kind, pids);
    if (a.agentLogsDir) {
      mkdirSync(a.agentLogsDir, { recursive: true });
      for (const ag of [d1, d2]) writeFileSync(`${a.agentLogsDir}/${kind}-${ag.host}-${labCounter}.log`, ag.output());
    }
    checkAlive(kind, d1);
    checkAlive(kind, d2);
    if (kind === 'vipd' && a.profileDir !== null) {
      // A clean exit writes the profile; the backup first, so the master's handover has nobody to wait for long.
      await d2.stop('SIGTERM', 15_000);
      await d1.stop('SIGTERM', 15_000);
    }
    return sample;
  } finally {
    await agents.destroy();
    await lab.destroy();
  }
}

/** --pause-every-s: stops every process of both directors for --pause-ms, every N s until the window ends. */
async function pauseTogether(a: Args, pids: { d1: number[]; d2: number[] }, t0: number): Promise<void> {
  if (a.pauseEveryS <= 0) return;
  const signal = (ps: number[], sig: NodeJS.Signals) => {
    for (const p of ps) {
      try {
        process.kill(p, sig);
      } catch {
        // exited
      }
    }
  };
  const endMs = t0 + a.durationS * 1000;
  for (let next = t0 + a.pauseEveryS * 1000; next + a.pauseMs < endMs; next += a.pauseEveryS * 1000) {
    await new Promise((r) => setTimeout(r, next - performance.now()));
    signal([...pids.d1, ...pids.d2], 'SIGSTOP');
    await new Promise((r) => setTimeout(r, a.pauseMs));
    signal(pids.d2, 'SIGCONT');
    signal(pids.d1, 'SIGCONT');
  }
}

/** Sleeps out the window; with --rss-every-s, prints both directors' VmRSS every N s on the way. */
async function sampleRss(a: Args, kind: string, pids: { d1: number[]; d2: number[] }, t0: number): Promise<void> {
  const endMs = t0 + a.durationS * 1000;
  if (a.rssEveryS <= 0) {
    await new Promise((r) => setTimeout(r, endMs - performance.now()));
    return;
  }
  const rss = (ps: number[]) => ps.reduce((s, p) => s + rssMb(p), 0).toFixed(1);
  const line = () =>
    process.stderr.write(`  rss ${kind} t=${((performance.now() - t0) / 1000).toFixed(0)} s d1 ${rss(pids.d1)} MB d2 ${rss(pids.d2)} MB load ${loadAverage()}\n`);
  line();
  for (;;) {
    const left = endMs - performance.now();
    if (left <= 0) break;
    await new Promise((r) => setTimeout(r, Math.min(left, a.rssEveryS * 1000)));
    line();
  }
}

function copySmaps(dir: string, kind: string, pids: { d1: number[]; d2: number[] }): void {
  mkdirSync(dir, { recursive: true });
  for (const [host, ps] of Object.entries(pids)) {
    for (const p of ps) {
      try {
        writeFileSync(`${dir}/${kind}-${host}-${p}.smaps`, readFileSync(`/proc/${p}/smaps`, 'utf8'));
      } catch {
        // the process exited: nothing to copy
      }
    }
  }
}

function checkAlive(kind: string, agent: Agent): void {
  if (agent.child.exitCode !== null || agent.child.signalCode !== null) {
    process.stderr.write(`  ${kind} on ${agent.host} exited early:\n${agent.output().slice(-1500)}\n`);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

async function main(): Promise<void> {
  const reason = labUnavailableReason();
  if (reason) {
    console.error(`bench/scale: ${reason}`);
    process.exitCode = 1;
    return;
  }
  const a = parseArgs(process.argv.slice(2));
  const rows: string[] = [];
  for (const c of a.cases) {
    const samples: Record<string, Sample[]> = {};
    for (let r = 0; r < a.rounds; r++) {
      for (const kind of a.kinds) {
        const s = await runOne(kind, c.instances, c.intervalMs, a);
        (samples[kind] ??= []).push(s);
        process.stderr.write(
          `  ${c.instances}x${c.intervalMs}ms ${kind} round ${r + 1}: master ${s.masterCpuPct.toFixed(1)} % backup ` +
            `${s.backupCpuPct.toFixed(1)} % RSS ${s.masterRssMb.toFixed(1)}/${s.backupRssMb.toFixed(1)} MB, ` +
            `backup→MASTER ${s.falseTakeovers}${s.settled ? '' : ' (never settled)'}, wake-ups/s ` +
            `${s.masterWakeUps.toFixed(0)}/${s.backupWakeUps.toFixed(0)}` +
            (s.gc ? `, GC in window d1 ${s.gc.d1.scavenges} scavenges + ${s.gc.d1.markCompacts} full, d2 ${s.gc.d2.scavenges} + ${s.gc.d2.markCompacts}` : '') +
            `, load ${loadAverage()}\n` +
            `    dropped: raw sockets d1 ${s.diag.rawDrops.d1} d2 ${s.diag.rawDrops.d2}, input backlog ${s.diag.backlogDrops}; steal ` +
            `${s.diag.stealPct.toFixed(2)} %; master overload lines ${s.diag.masterOverloadLines}; backup deferred ${s.diag.deferred} Master_Down(s) after a stall` +
            (s.diag.timeouts.count > 0
              ? `; backup timeouts ${s.diag.timeouts.count} (${s.diag.timeouts.late} decided late, worst ${s.diag.timeouts.worstLateMs} ms; ` +
                `longest silence ${s.diag.timeouts.worstSilenceMs} ms)`
              : '') +
            '\n',
        );
      }
    }
    const med = (k: string, f: (s: Sample) => number) => median((samples[k] ?? []).map(f));
    const cell = (k: string) =>
      `${med(k, (s) => s.masterCpuPct).toFixed(1)} % / ${med(k, (s) => s.backupCpuPct).toFixed(1)} %`;
    const rss = (k: string) => `${med(k, (s) => Math.max(s.masterRssMb, s.backupRssMb)).toFixed(1)}`;
    const takeovers = (k: string) => (samples[k] ?? []).map((s) => s.falseTakeovers + (s.settled ? '' : '*')).join('/');
    const ratio = (f: (s: Sample) => number) => (med('vipd', f) / med('keepalived', f)).toFixed(2);
    rows.push(
      `| ${c.instances} × ${c.intervalMs} ms | ${cell('keepalived')} | ${cell('vipd')} | ` +
        `${ratio((s) => s.masterCpuPct)} / ${ratio((s) => s.backupCpuPct)} | ${rss('keepalived')} / ${rss('vipd')} | ` +
        `${takeovers('keepalived')} / ${takeovers('vipd')} |`,
    );
  }
  console.log(`window ${a.durationS} s after ${a.settleS} s settling, ${a.rounds} round(s), medians; load average at end ${loadAverage()}`);
  console.log('| instances × advert_int | keepalived master / backup CPU | vipd master / backup CPU | ratio vipd/keepalived master / backup | RSS MB keepalived / vipd (larger director) | backup→MASTER in window keepalived / vipd |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
