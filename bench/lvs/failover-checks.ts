// bench/lvs: real-server health checks, vipd against keepalived 2.2.7 in the same run, on a real IPVS kernel
// (one user-mode Linux boot, test/uml/uml.ts) and the same keepalived.conf (test/uml/lvs/labConfig.ts):
//   1. death → removal and return → re-add of a real server, per checker type (HTTP_GET, TCP_CHECK,
//      MISC_CHECK), at equal checker settings (delay_loop 1, connect_timeout 1, retry 1, delay_before_retry 1);
//      the kernel table is polled every 20 ms (/proc/net/ip_vs). Ratio vipd/keepalived of the medians.
//      Each fault lands --align-ms (default 300) after the agent's next check of that real server (its SYN seen
//      in the real server's namespace; the MISC script's run mark), so every trial of both agents starts at the
//      same phase of the check cycle; --align-ms -1 faults at once, at whatever phase (then a one-delay_loop
//      spread per cell, and many trials are needed to compare medians).
//   2. CPU to check N real servers (default 1,000: 250 ports on each of r1..r4) with TCP_CHECK and with
//      HTTP_GET, delay_loop 1: CPU seconds of the agent's whole process tree (/proc/PID/stat utime+stime+
//      cutime+cstime) over a window once every real server is in the table and the warmup is past.
// Times are those of the UML guest (one CPU, ≈10× slower process starts than the host): compare the two
// agents within one run, not against host figures.
//
//   flock /tmp/vipd-uml.lock node dist/bench/lvs/failover-checks.js [--trials 3] [--align-ms 300] [--cpu-count 1000]
//        [--cpu-window 10] [--no-cpu] [--no-lab] [--keep]
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Agent, AgentResult, CheckerKind, GuestOptions } from '../../test/uml/lvs/results.js';
import { runUml, umlUnavailableReason } from '../../test/uml/uml.js';

const GUEST_SCRIPT = fileURLToPath(new URL('../../test/uml/scenarios/lvsGuest.js', import.meta.url));
const MODULES = ['ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'veth', 'bridge'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const fmtMs = (xs: (number | null)[]): string => {
  const ok = xs.filter((x): x is number => x !== null);
  const failed = xs.length - ok.length;
  if (ok.length === 0) return `n/a${failed ? ` (${failed} timed out)` : ''}`;
  return `${median(ok).toFixed(0)} (${xs.map((x) => (x === null ? 'timeout' : x.toFixed(0))).join('/')})`;
};

const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? (a / b).toFixed(2) : 'n/a');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      trials: { type: 'string', default: '3' },
      'align-ms': { type: 'string', default: '300' },
      'cpu-count': { type: 'string', default: '1000' },
      'cpu-window': { type: 'string', default: '10' },
      'no-cpu': { type: 'boolean', default: false },
      'no-lab': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
  });
  const reason = umlUnavailableReason(MODULES);
  if (reason) {
    console.error(`bench/lvs: cannot run: ${reason}`);
    process.exitCode = 1;
    return;
  }
  const agents: Agent[] = ['keepalived', 'vipd'];

  const opts: GuestOptions = {
    agents,
    parts: [...(values['no-lab'] ? [] : (['lab'] as const)), ...(values['no-cpu'] ? [] : (['cpu'] as const))],
    trials: Number(values.trials),
    alignMs: Number(values['align-ms']) < 0 ? null : Number(values['align-ms']),
    cpuCount: Number(values['cpu-count']),
    cpuKinds: ['tcp', 'http'],
    cpuWindowS: Number(values['cpu-window']),
  };
  const run = await runUml({
    modules: MODULES,
    scenarios: [{ name: 'lvs', command: `${process.execPath} ${GUEST_SCRIPT} '${JSON.stringify(opts)}'` }],
    timeoutMs: 3_600_000,
  });
  const res = run.results.get('lvs')!;
  console.log(`UML boot + bench: ${(run.wallMs / 1000).toFixed(1)} s wall (${run.dir}); guest rc ${res.rc}${res.stderr ? `\n${res.stderr}` : ''}`);
  const data = new Map<Agent, AgentResult>();
  for (const a of agents) {
    const f = join(run.dir, `lvs-${a}.json`);
    if (existsSync(f)) data.set(a, JSON.parse(readFileSync(f, 'utf8')) as AgentResult);
  }
  const k = data.get('keepalived');
  const v = data.get('vipd');
  for (const [a, r] of data) {
    if (r.lab?.problems.length) console.log(`${a}: lab problems: ${r.lab.problems.join('; ')}`);
  }

  if (opts.parts.includes('lab')) {
    console.log(`\nDeath → removal and return → re-add, ms: median (trials); ${opts.trials} trial(s); ${opts.alignMs === null ? 'faults at any phase' : `faults ${opts.alignMs} ms after the agent's check`}; delay_loop 1, connect_timeout 1, retry 1, delay_before_retry 1`);
    console.log('| checker | event | keepalived | vipd | ratio vipd/keepalived |');
    console.log('|---|---|---|---|---|');
    const names: Record<CheckerKind, string> = { http: 'HTTP_GET', tcp: 'TCP_CHECK', misc: 'MISC_CHECK' };
    for (const kind of ['http', 'tcp', 'misc'] as const) {
      for (const [event, key] of [['death → removal', 'removeMs'], ['return → re-add', 'readdMs']] as const) {
        const kt = k?.lab?.timings[kind].map((t) => t[key]) ?? [];
        const vt = v?.lab?.timings[kind].map((t) => t[key]) ?? [];
        const km = median(kt.filter((x): x is number => x !== null));
        const vm = median(vt.filter((x): x is number => x !== null));
        console.log(`| ${names[kind]} | ${event} | ${fmtMs(kt)} | ${v ? fmtMs(vt) : 'not run'} | ${v ? ratio(vm, km) : 'n/a'} |`);
      }
    }
  }
  if (opts.parts.includes('cpu')) {
    console.log(`\nCPU to check ${opts.cpuCount} real servers, delay_loop 1, ${opts.cpuWindowS} s window: CPU s per wall s (real servers up at the end)`);
    console.log('| checker | keepalived | vipd | ratio vipd/keepalived |');
    console.log('|---|---|---|---|');
    for (const kind of opts.cpuKinds) {
      const cell = (r: AgentResult | undefined): { text: string; rate: number } => {
        const c = r?.cpu?.find((x) => x.kind === kind);
        if (!c) return { text: 'not run', rate: NaN };
        if (c.readyMs === null) return { text: `never had all ${c.count} in the table (see its log)`, rate: NaN };
        const rate = c.cpuSeconds / c.wallSeconds;
        return {
          text: `${rate.toFixed(3)} (${c.cpuSeconds.toFixed(2)} s / ${c.wallSeconds.toFixed(1)} s; ${c.destsAtEnd}/${c.count} up; ${c.processes} proc; guest CPU ${(c.guestBusyFraction * 100).toFixed(0)}% busy)`,
          rate,
        };
      };
      const kc = cell(k);
      const vc = cell(v);
      console.log(`| ${kind === 'tcp' ? 'TCP_CHECK' : 'HTTP_GET'} | ${kc.text} | ${vc.text} | ${ratio(vc.rate, kc.rate)} |`);
    }
  }
  for (const [a, r] of data) {
    for (const c of r.cpu ?? []) {
      const top = c.topProcesses.map((p) => `${p.comm}${p.agent ? '*' : ''} ${p.cpuSeconds.toFixed(2)}`).join(', ');
      console.log(`${a} ${c.kind}: top CPU in the window (* = agent): ${top}`);
    }
  }
  if (values.keep) console.log(`\nkept ${run.dir}`);
  else run.cleanup();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
