// bench/lvs: time to program an IPVS table of N services × M destinations (default 1,000 × 10 = 11,000
// entries) through vipd's IpvsDataPlane (generic netlink, ACK-less batches) against `ipvsadm -R` (the
// keepalived-era bulk tool) of the same table, in the same user-mode Linux boot (the lab kernel has no IPVS:
// test/uml/README.md). Also the read-back: IpvsDataPlane.read() against `ipvsadm -S -n`. Rounds alternate the
// two from an empty table; the ipvsadm figures include starting the ipvsadm process (a few ms; vipd's plane
// is already open, as in the daemon). Prints every round, the medians and the ratio. Then, with the table loaded,
// one real server's weight change (to 0 and back, --changes of each) through the plane against `ipvsadm -e` (one
// process per change), p50/p99. Information only. The nftables side on the host: bench/lvs/nftables.ts.
//
//   flock /tmp/vipd-uml.lock flock /tmp/vipd-bench.lock node dist/bench/lvs/program.js \
//     [--services 1000] [--dests 10] [--rounds 3] [--changes 100]
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runUml, umlUnavailableReason } from '../../test/uml/uml.js';
import { median, percentile } from './stats.js';

const GUEST = fileURLToPath(new URL('./programGuest.js', import.meta.url));
const MODULES = ['ip_vs', 'ip_vs_wrr', 'dummy'];

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : dflt;
};

interface Row {
  planeMs: number;
  ipvsadmMs: number;
  planeReadMs: number;
  ipvsadmSaveMs: number;
  planeFailed: number;
  ipvsadmLines: number;
}

interface Changes {
  planeMs: number[];
  ipvsadmMs: number[];
  planeFailed: number;
  checks: { tool: string; ok: boolean }[];
}

function printChanges(c: Changes): void {
  const row = (name: string, xs: number[]): string => `| ${name} | ${percentile(xs, 0.5).toFixed(1)} | ${percentile(xs, 0.99).toFixed(1)} |`;
  console.log(`\nOne real server's weight (to 0 and back), ${c.planeMs.length} changes each, interleaved, table loaded`);
  console.log('| | p50 ms | p99 ms |');
  console.log('|---|---|---|');
  console.log(row('IpvsDataPlane.apply (one editDest)', c.planeMs));
  console.log(row('ipvsadm -e (one process each)', c.ipvsadmMs));
  const ratio = (q: number): string => (percentile(c.planeMs, q) / percentile(c.ipvsadmMs, q)).toFixed(3);
  console.log(`| ratio plane/ipvsadm | ${ratio(0.5)} | ${ratio(0.99)} |`);
  const bad = c.checks.filter((x) => !x.ok).map((x) => x.tool);
  console.log(`plane refusals ${c.planeFailed}; weight 0 seen by ipvsadm -S after the last "to 0": ${bad.length === 0 ? 'both' : `MISSING for ${bad.join(', ')}`}`);
}

async function main(): Promise<void> {
  const reason = umlUnavailableReason(MODULES);
  if (reason) {
    console.log(`bench/lvs: cannot run: ${reason}`);
    process.exitCode = 2;
    return;
  }
  const services = arg('services', 1000);
  const dests = arg('dests', 10);
  const rounds = Math.max(1, arg('rounds', 3));
  const changes = arg('changes', 100);
  console.log(`load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const run = await runUml({
    modules: MODULES,
    setup: ['ip link add dummy0 type dummy', 'ip link set dummy0 up', 'ip addr add 10.0.0.254/8 dev dummy0'],
    scenarios: [{ name: 'bench', command: `${process.execPath} ${GUEST} ${services} ${dests} ${rounds} ${changes}` }],
    timeoutMs: 900_000,
  });
  try {
    const res = run.results.get('bench')!;
    if (res.rc !== 0) throw new Error(`guest failed (rc ${res.rc}, timed out ${run.timedOut}):\n${res.stderr}\n${run.console.slice(-2000)}`);
    const r = JSON.parse(readFileSync(join(run.dir, 'bench-result.json'), 'utf8')) as { services: number; dests: number; ops: number; rows: Row[]; changes: Changes | null };
    const expectLines = r.services * (1 + r.dests);
    console.log(`IPVS programming, ${r.services} services × ${r.dests} dests = ${r.ops} entries, user-mode Linux ${run.wallMs / 1000 | 0} s boot+run`);
    console.log('round | plane apply ms | ipvsadm -R ms | ratio | plane read ms | ipvsadm -S ms | ratio');
    r.rows.forEach((x, i) => {
      const ok = x.planeFailed === 0 && x.ipvsadmLines === expectLines ? '' : ` (CHECK: plane failed ${x.planeFailed}, ipvsadm lines ${x.ipvsadmLines})`;
      console.log(
        `${i + 1} | ${x.planeMs.toFixed(0)} | ${x.ipvsadmMs.toFixed(0)} | ${(x.planeMs / x.ipvsadmMs).toFixed(2)} | ${x.planeReadMs.toFixed(0)} | ${x.ipvsadmSaveMs.toFixed(0)} | ${(x.planeReadMs / x.ipvsadmSaveMs).toFixed(2)}${ok}`,
      );
    });
    const pm = median(r.rows.map((x) => x.planeMs));
    const im = median(r.rows.map((x) => x.ipvsadmMs));
    const prm = median(r.rows.map((x) => x.planeReadMs));
    const ism = median(r.rows.map((x) => x.ipvsadmSaveMs));
    console.log(`median | ${pm.toFixed(0)} | ${im.toFixed(0)} | ${(pm / im).toFixed(2)} | ${prm.toFixed(0)} | ${ism.toFixed(0)} | ${(prm / ism).toFixed(2)}`);
    if (r.changes) printChanges(r.changes);
    console.log(`load average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    run.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
