// bench/sync: vipd connection sync vs conntrackd (Debian, FT-FW over multicast) in the same two-director lab.
// For each system: a flood of N new entries in the master's kernel; measured: entries replicated per second
// (N / time until the backup's external cache holds all N) and the commit time of those N entries into the
// backup's kernel at takeover (vipd: becomeMaster(); conntrackd: `conntrackd -c`), and the CPU each daemon used.
// Prints a table of medians over the rounds, with ratios.
//
//   sudo node dist/bench/sync/sync.js [--entries 100000] [--systems vipd,conntrackd] [--rounds 1] [--warmup 20000] [--pin]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { endianness, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, labUnavailableReason } from '../../src/lab/netns.js';
import { LineProc } from '../../test/integration/sync/helpers.js';
import type { SyncSnapshot } from '../../src/sync/service.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const BUDGET_S = Number(process.env['BENCH_SYNC_BUDGET_S'] ?? 120);
const KEY = 'a3f1c2d4e5b60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
type System = 'vipd' | 'conntrackd';

interface Result {
  /** From the flood's last insert acknowledged to the backup holding all N (0 when it was done by then). */
  lagMs: number;
  /** CPU seconds (user + system) the master's and the backup's daemon used from the flood's start to completion. */
  masterCpuS: number;
  backupCpuS: number;
  floodMs: number;
  replicateMs: number;
  perSecond: number;
  commitMs: number;
  committed: number;
}

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
};

/** How often the backup's cache is read while the flood runs: the resolution of "time until the backup holds all N". */
const POLL_MS = 10;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const NFT = `
table ip nat {
  chain pre {
    type nat hook prerouting priority -100;
    ip daddr 10.78.0.100 tcp dport 80 dnat to numgen random mod 2 map { 0 : 10.79.0.11, 1 : 10.79.0.12 }
  }
  chain post {
    type nat hook postrouting priority 100;
  }
}
`;

async function buildLab(lab: Lab, dir: string): Promise<void> {
  await lab.addSwitch('sw');
  const nft = join(dir, 'nat.nft');
  writeFileSync(nft, NFT);
  for (const [h, n] of [['d1', 1], ['d2', 2]] as const) {
    await lab.addHost(h);
    await lab.plug(h, 'eth0', 'sw', h);
    await lab.addAddress(h, 'eth0', `10.78.0.${n}/24`);
    await lab.exec(h, ['nft', '-f', nft]);
  }
}

function conntrackdConf(dir: string, host: string, addr: string): string {
  const path = join(dir, `${host}.conf`);
  writeFileSync(path, `
Sync {
  Mode FTFW {
    ResendQueueSize 131072
    DisableExternalCache Off
  }
  Multicast {
    IPv4_address 225.0.0.50
    Group 3780
    IPv4_interface ${addr}
    Interface eth0
    SndSocketBuffer 8388608
    RcvSocketBuffer 8388608
    Checksum on
  }
}
General {
  HashSize 65536
  HashLimit 524288
  LogFile ${join(dir, `${host}.log`)}
  Syslog off
  LockFile ${join(dir, `${host}.lock`)}
  UNIX { Path ${join(dir, `${host}.ctl`)} }
  NetlinkBufferSize 8388608
  NetlinkBufferSizeMaxGrowth 67108864
  NetlinkOverrunResync On
  Filter From Userspace {
    Protocol Accept { TCP }
    Address Ignore { IPv4_address 127.0.0.1 }
  }
}
`);
  return path;
}

/**
 * conntrackd's local request (conntrack-tools src/local.c): one host-order int on its UNIX stream socket, the
 * text answer until EOF. What `conntrackd -s cache` sends (STATS_CACHE = 29, include/conntrackd.h), without
 * spawning a process per poll: polling must cost both systems about the same, and little.
 */
const CONNTRACKD_STATS_CACHE = 29;

function conntrackdRequest(ctlPath: string, cmd: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = createConnection(ctlPath, () => {
      const req = Buffer.alloc(4);
      if (endianness() === 'LE') req.writeInt32LE(cmd);
      else req.writeInt32BE(cmd);
      sock.write(req);
    });
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    sock.on('error', reject);
  });
}

async function external(system: System, d2: LineProc | null, ctlPath: string): Promise<number> {
  if (system === 'vipd') return (await d2!.request<SyncSnapshot>('snapshot')).externalEntries;
  const text = await conntrackdRequest(ctlPath, CONNTRACKD_STATS_CACHE);
  // "cache:external<TAB>active objects:<TABS> N"
  const m = /cache:external\s+active objects:\s+(\d+)/.exec(text);
  if (!m && process.env['BENCH_DEBUG']) process.stderr.write(text);
  return m ? Number(m[1]) : 0;
}

/** utime + stime of a process in seconds (/proc/PID/stat fields 14 and 15, clock ticks of 1/100 s). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // fields 14/15 counted from after the command name
  } catch {
    return NaN;
  }
}

/**
 * --pin: the flood alone on CPU 0, both daemons together on CPU 1 (taskset keeps the pid: it execs). Unpinned,
 * the three share both CPUs and the flood's speed bounds what either system can show (both keep up with it);
 * pinned, the flood is not slowed by the daemons and the daemons' own capacity on one CPU is what is measured.
 */
const pin = process.argv.includes('--pin');
const onFloodCpu = pin ? ['taskset', '-c', '0'] : [];
const onDaemonCpu = pin ? ['taskset', '-c', '1'] : [];

/** Warm-up entries are numbered from here: other clients (10.101.x.x) than the measured flood's (10.100.x.x). */
const WARMUP_BASE = 1 << 24;

async function run(system: System, n: number, idx: number, warmup: number): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-bench-sync-'));
  const lab = new Lab(`bs${process.pid % 100}${idx}`);
  try {
    await buildLab(lab, dir);
    let d1: LineProc | null = null;
    let d2: LineProc | null = null;
    const confs: Record<string, string> = {};
    const pids: Array<number | undefined> = [];
    if (system === 'vipd') {
      const agent = join(HERE, '../../test/integration/sync/agent.js');
      const cfg = (n: number) => JSON.stringify({ key: KEY, interface: 'eth0', sourceAddress: `10.78.0.${n}`, mcastGroup: '225.0.0.51', peers: [], port: 3781 });
      d1 = new LineProc(lab.spawn('d1', [...onDaemonCpu, process.execPath, agent, cfg(1)]));
      d2 = new LineProc(lab.spawn('d2', [...onDaemonCpu, process.execPath, agent, cfg(2)]));
      await d1.nextLine();
      await d2.nextLine();
      await d1.request('becomeMaster');
      pids.push(d1.child.pid, d2.child.pid);
    } else {
      for (const [h, a] of [['d1', '10.78.0.1'], ['d2', '10.78.0.2']] as const) {
        confs[h] = conntrackdConf(dir, h, a);
        pids.push(lab.spawn(h, [...onDaemonCpu, 'conntrackd', '-C', confs[h]!]).pid);
      }
      await sleep(1500);
    }
    await sleep(1000);
    if (warmup > 0) {
      // The same warm-up for both systems: a flood of `warmup` other entries, replicated, then deleted again
      // (replicated too), so the measured flood meets daemons in their steady state. For vipd that means
      // compiled hot paths: V8 compiles them during the first thousands of events, which a director that has
      // run for a while did long ago. `--warmup 0` measures cold daemons.
      const ctl = join(dir, 'd2.ctl');
      const base = await external(system, d2, ctl);
      const floodOnce = async (mode: string): Promise<void> => {
        const p = new LineProc(lab.spawn('d1', [...onFloodCpu, process.execPath, join(HERE, 'flood.js'), String(warmup), String(WARMUP_BASE), mode]));
        await p.nextLine(600_000);
      };
      const waitFor = async (what: string, done: (got: number) => boolean): Promise<void> => {
        for (const end = Date.now() + BUDGET_S * 1000; ; await sleep(POLL_MS)) {
          const got = await external(system, d2, ctl);
          if (done(got)) return;
          if (Date.now() > end) throw new Error(`${system}: warm-up ${what} not replicated (backup holds ${got})`);
        }
      };
      await floodOnce('insert');
      await waitFor('inserts', (got) => got >= base + warmup);
      await floodOnce('delete');
      await waitFor('deletes', (got) => got <= base);
      await sleep(500);
    }
    if (d1 && d2 && process.env['VIPD_AGENT_PROF']) {
      await d1.request('profStart');
      await d2.request('profStart');
    }
    const cpu0 = pids.map(cpuSeconds);
    const t0 = performance.now();
    const flood = new LineProc(lab.spawn('d1', [...onFloodCpu, process.execPath, join(HERE, 'flood.js'), String(n), '0']));
    const floodRes = JSON.parse(await flood.nextLine(600_000)) as { inserted: number; ms: number };
    const floodEndMs = performance.now() - t0;
    let replicateMs = NaN;
    const cpu: number[] = [];
    const deadline = Date.now() + BUDGET_S * 1000;
    const trace: string[] = [];
    for (;;) {
      const got = await external(system, d2, join(dir, 'd2.ctl'));
      if (process.env['BENCH_TRACE'] && d1) {
        const s1 = await d1.request<SyncSnapshot>('snapshot');
        trace.push(`${(performance.now() - t0).toFixed(0)} ms: d1 internal ${s1.internalEntries} kernel events ${s1.kernelEvents} sent ${s1.messagesSent}; d2 external ${got}`);
      }
      if (got >= n) {
        replicateMs = performance.now() - t0;
        cpu.push(...pids.map((p, k) => cpuSeconds(p) - cpu0[k]!));
        if (trace.length) process.stderr.write(`  trace:\n    ${trace.join('\n    ')}\n`);
        if (d1 && d2 && process.env['BENCH_DEBUG']) {
          const pick = (x: SyncSnapshot) => ({ sent: x.messagesSent, lost: x.messagesLost, resent: x.messagesResent, bulksSent: x.bulksSent, bulksReceived: x.bulksReceived, overruns: x.kernelOverruns, drops: x.drops });
          process.stderr.write(`  d1 ${JSON.stringify(pick(await d1.request<SyncSnapshot>('snapshot')))}\n  d2 ${JSON.stringify(pick(await d2.request<SyncSnapshot>('snapshot')))}\n`);
          process.stderr.write(`  at ${replicateMs.toFixed(0)} ms; d1 log:\n${d1.stderr}\n`);
        }
        break;
      }
      if (Date.now() > deadline) {
        process.stderr.write(`  ${system}: backup holds ${got} of ${n} after ${BUDGET_S} s\n`);
        if (d1 && d2) {
          process.stderr.write(`  d1: ${JSON.stringify(await d1.request('snapshot'))}\n  d2: ${JSON.stringify(await d2.request('snapshot'))}\n`);
          process.stderr.write(`  d1 log: ${d1.stderr.slice(-1500)}\n  d2 log: ${d2.stderr.slice(-1500)}\n`);
        }
        break;
      }
      await sleep(POLL_MS);
    }
    if (d1 && d2 && process.env['VIPD_AGENT_PROF']) {
      await d1.request('profStop');
      await d2.request('profStop');
    }
    let commitMs: number;
    let committed: number;
    if (system === 'vipd') {
      const r = await d2!.request<{ committed: number; ms: number }>('becomeMaster', 600_000);
      commitMs = r.ms;
      committed = r.committed;
    } else {
      // `conntrackd -c` returns before the commit, which runs in steps inside the daemon's loop; the daemon logs
      // "commit has taken X seconds" when done. Use that figure, or the wall time until the kernel holds N.
      const log = join(dir, 'd2.log');
      const c0 = performance.now();
      await lab.exec('d2', ['conntrackd', '-C', confs['d2']!, '-c']);
      let logged: number | null = null;
      committed = 0;
      for (const end = Date.now() + 120_000; Date.now() < end; ) {
        const text = readFileSync(log, 'utf8');
        const m = /commit has taken ([\d.]+) seconds/.exec(text);
        const { stdout } = await lab.exec('d2', ['conntrack', '-C']);
        committed = Number(stdout.trim());
        if (m) {
          logged = Number(m[1]) * 1000;
          break;
        }
        if (committed >= n) break;
        await sleep(20);
      }
      commitMs = logged ?? performance.now() - c0;
    }
    if (d1 && d2 && process.env['BENCH_DEBUG']) {
      await d1.request('stop').catch(() => undefined);
      await d2.request('stop').catch(() => undefined);
    }
    return { lagMs: Math.max(0, replicateMs - floodEndMs), masterCpuS: cpu[0] ?? NaN, backupCpuS: cpu[1] ?? NaN, floodMs: floodRes.ms, replicateMs, perSecond: n / (replicateMs / 1000), commitMs, committed };
  } finally {
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

const why = labUnavailableReason();
if (why) {
  console.log(`bench/sync skipped: ${why}`);
  process.exit(0);
}
const n = Number(arg('entries', '100000'));
const systems = arg('systems', 'vipd,conntrackd').split(',') as System[];
// Rounds alternate the order (A B, B A, …) so that neither system always runs first on a fresh machine or second
// right after the other's lab was torn down; the table shows medians, the per-round ratios follow it.
const rounds = Math.max(1, Number(arg('rounds', '1')));
const warmup = Math.max(0, Number(arg('warmup', '20000')));
const results = new Map<System, Result[]>(systems.map((s) => [s, []]));
let labIndex = 0;
for (let r = 0; r < rounds; r++) {
  for (const s of r % 2 === 0 ? systems : [...systems].reverse()) {
    process.stderr.write(`round ${r + 1}/${rounds}: ${s} with ${n} entries…\n`);
    results.get(s)!.push(await run(s, n, labIndex++ % 10, warmup));
  }
}
const median = (xs: number[]): number => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
};
const fmt = (v: number, d = 1): string => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
const paired = systems.length === 2 && systems.includes('vipd') && systems.includes('conntrackd');
console.log(
  `\nbench/sync: ${n} new DNAT entries flooded into the master's kernel (ctnetlink inserts, ${n} NEW events)` +
    (pin ? '; flood pinned to CPU 0, both daemons to CPU 1' : '') +
    (warmup > 0 ? ` after a warm-up of ${warmup} entries inserted and deleted` : ', cold daemons (no warm-up)') +
    (rounds > 1 ? `; medians of ${rounds} rounds` : '') +
    '\n',
);
console.log('| metric | ' + systems.join(' | ') + (paired ? ' | vipd vs conntrackd (>1: vipd better) |' : ' |'));
console.log('|---|' + systems.map(() => '---|').join('') + (paired ? '---|' : ''));
const perRound: string[] = [];
const row = (name: string, pick: (r: Result) => number, d: number, higherBetter: boolean): void => {
  const vals = systems.map((s) => median(results.get(s)!.map(pick)));
  let ratio = '';
  if (paired) {
    const ratioOf = (a: number, b: number): number => (higherBetter ? a / b : b / a);
    ratio = ` ${fmt(ratioOf(vals[systems.indexOf('vipd')]!, vals[systems.indexOf('conntrackd')]!), 2)}× |`;
    if (rounds > 1) {
      const v = results.get('vipd')!;
      const c = results.get('conntrackd')!;
      perRound.push(`${name}: ${v.map((x, k) => fmt(ratioOf(pick(x), pick(c[k]!)), 2) + '×').join(', ')}`);
    }
  }
  console.log(`| ${name} | ${vals.map((v) => fmt(v, d)).join(' | ')} |${ratio}`);
};
row('entries replicated per second', (r) => r.perSecond, 0, true);
row('time until the backup holds all N (s)', (r) => r.replicateMs / 1000, 2, false);
row(`commit time for N entries at takeover (s)`, (r) => r.commitMs / 1000, 3, false);
row('entries in the backup kernel after commit', (r) => r.committed, 0, true);
row('flood duration on the master (s)', (r) => r.floodMs / 1000, 2, false);
row('backup complete after the flood ended (ms)', (r) => r.lagMs, 0, false);
row('CPU used by the master daemon until then (s)', (r) => r.masterCpuS, 2, false);
row('CPU used by the backup daemon until then (s)', (r) => r.backupCpuS, 2, false);
row('CPU of both daemons per 100,000 entries replicated (s)', (r) => ((r.masterCpuS + r.backupCpuS) * 100_000) / n, 2, false);
if (perRound.length) console.log(`\nvipd vs conntrackd per round:\n${perRound.map((l) => `- ${l}`).join('\n')}`);
