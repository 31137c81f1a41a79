// bench/lvs/nftables: the nftables data plane with 1,000 virtual services × 10 real servers (wrr, NAT) loaded in a
// throwaway network namespace. Measured: the time to load them from an empty table (one apply() = one libnftables
// transaction) against `nft -f` of the same commands (the text the plane generates); read() of the whole table;
// then, with the table loaded, one real server's weight change applied in the kernel (weightChanges.ts: to 0 and
// back, --changes of each) through the plane against `nft -f` of the same change (one process each), p50/p99; and
// the plane's changes again with an `nft -f` change before each (another writer invalidates libnftables' cache).
// IPVS on the same work: bench/lvs/program.ts (user-mode Linux).
//
//   sudo flock /tmp/vipd-bench.lock node dist/bench/lvs/nftables.js [--services 1000] [--reals 10] [--changes 100]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { RealClock } from '../../src/clock/realClock.js';
import { Lab, labUnavailableReason } from '../../src/lab/netns.js';
import type { DestSpec, LvsOp, ServiceSpec } from '../../src/lvs/model.js';
import { NftPlane } from '../../src/lvs/nft/plane.js';
import { fullRuleset, serviceTransition, type RulesetOptions } from '../../src/lvs/nft/ruleset.js';
import { percentile } from './stats.js';
import { weightChanges, type WeightChange } from './weightChanges.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const SERVICES = arg('services', 1000);
const REALS = arg('reals', 10);
const CHANGES = arg('changes', 100);

function service(i: number): ServiceSpec {
  return { family: 'inet', protocol: 'tcp', address: `10.100.${i >> 8}.${i & 255}`, port: 80, scheduler: 'wrr', flags: 0, timeoutS: 0, netmaskBits: 32 };
}
function real(i: number, j: number, weight: number): DestSpec {
  return { address: `10.200.${(i * REALS + j) >> 8}.${(i * REALS + j) & 255}`, port: 8080, forward: 'masq', weight, upperThreshold: 0, lowerThreshold: 0 };
}
const weightOf = (j: number): number => 1 + (j % 3);

async function inner(): Promise<void> {
  const o: RulesetOptions = { table: 'vipd', sourceNat: false };
  const ops: LvsOp[] = [];
  for (let i = 0; i < SERVICES; i++) {
    ops.push({ op: 'addService', service: service(i) });
    for (let j = 0; j < REALS; j++) ops.push({ op: 'addDest', service: service(i), dest: real(i, j, weightOf(j)) });
  }
  // Load through the plane, from an empty table; keep nothing.
  const loader = new NftPlane({ clock: new RealClock(), conntrack: null, keepOnClose: true });
  let t = performance.now();
  const loaded = await loader.apply(ops);
  const planeLoadMs = performance.now() - t;
  if (loaded.failed.length) throw new Error(`load failed: ${loaded.failed[0]!.error.message}`);
  await loader.close();
  execFileSync('nft', ['delete', 'table', 'inet', 'vipd']);

  // Load the same text through nft -f, from an empty table.
  const dir = mkdtempSync(join(tmpdir(), 'vipd-bench-nft-'));
  const states = new Map<number, DestSpec[]>();
  for (let i = 0; i < SERVICES; i++) states.set(i, Array.from({ length: REALS }, (_, j) => real(i, j, weightOf(j))).sort((a, b) => (a.address < b.address ? -1 : 1)));
  const file = join(dir, 'load.nft');
  writeFileSync(file, `${fullRuleset(o, [...states].map(([i, dests]) => ({ spec: service(i), dests }))).join('\n')}\n`);
  t = performance.now();
  execFileSync('nft', ['-f', file]);
  const nftLoadMs = performance.now() - t;

  // A plane adopts that table (read); then the changes.
  const plane = new NftPlane({ clock: new RealClock(), conntrack: null });
  t = performance.now();
  const table = await plane.read();
  const readMs = performance.now() - t;
  const readDests = table.services.reduce((a, s) => a + s.dests.length, 0);
  // Untimed: the first change after an adoption re-asserts the table's skeleton (plane.ts load()); not a change's cost.
  const warm = await plane.apply([{ op: 'editDest', service: service(0), dest: real(0, 0, weightOf(0)) }]);
  if (warm.failed.length) throw new Error(warm.failed[0]!.error.message);

  const timed = async (fn: () => Promise<void> | void): Promise<number> => {
    const start = performance.now();
    await fn();
    return performance.now() - start;
  };
  const byPlane = async (c: WeightChange): Promise<void> => {
    const r = await plane.apply([{ op: 'editDest', service: service(c.service), dest: real(c.service, c.real, c.toZero ? 0 : weightOf(c.real)) }]);
    if (r.failed.length) throw new Error(r.failed[0]!.error.message);
  };
  let files = 0;
  /** Writes the change's file (untimed) and returns the timed `nft -f` run. */
  const byNft = (c: WeightChange): (() => void) => {
    const before = states.get(c.service)!;
    const target = real(c.service, c.real, 0).address;
    const after = before.map((d) => (d.address === target ? real(c.service, c.real, c.toZero ? 0 : weightOf(c.real)) : d));
    const f = join(dir, `c${files++}.nft`);
    writeFileSync(f, `${serviceTransition(o, { spec: service(c.service), dests: before }, { spec: service(c.service), dests: after }).join('\n')}\n`);
    return () => {
      const n = spawnSync('nft', ['-f', f]);
      if (n.status !== 0) throw new Error(`nft -f ${f}: ${n.stderr.toString()}`);
      states.set(c.service, after);
    };
  };
  // Disjoint services per workload (weightChanges.ts), so the two writers never see each other's service.
  const quarter = SERVICES >> 2;
  const planeAlone: number[] = [];
  for (const c of weightChanges(CHANGES, SERVICES, REALS, 0)) planeAlone.push(await timed(() => byPlane(c)));
  const nftAlone: number[] = [];
  for (const c of weightChanges(CHANGES, SERVICES, REALS, 2 * quarter)) {
    const run = byNft(c);
    nftAlone.push(await timed(run));
  }
  // Another writer between the plane's changes (here nft -f; in the field any other nftables user) moves the
  // ruleset generation, so libnftables refills its cache at the plane's next change.
  const planeShared: number[] = [];
  const other = weightChanges(CHANGES, SERVICES, REALS, 3 * quarter);
  for (const [k, c] of weightChanges(CHANGES, SERVICES, REALS, quarter).entries()) {
    byNft(other[k]!)();
    planeShared.push(await timed(() => byPlane(c)));
  }
  await plane.close();
  rmSync(dir, { recursive: true, force: true });
  const round = (x: number): number => Math.round(x * 10) / 10;
  const result = {
    services: SERVICES,
    reals: REALS,
    changes: CHANGES,
    planeLoadMs: round(planeLoadMs),
    nftLoadMs: round(nftLoadMs),
    planeChangeP50Ms: round(percentile(planeAlone, 0.5)),
    planeChangeP99Ms: round(percentile(planeAlone, 0.99)),
    nftChangeP50Ms: round(percentile(nftAlone, 0.5)),
    nftChangeP99Ms: round(percentile(nftAlone, 0.99)),
    planeSharedP50Ms: round(percentile(planeShared, 0.5)),
    planeSharedP99Ms: round(percentile(planeShared, 0.99)),
    readMs: round(readMs),
    readDests,
  };
  console.log(JSON.stringify(result));
}

async function outer(): Promise<void> {
  const why = labUnavailableReason();
  if (why) {
    console.error(`bench/lvs/nftables: ${why}`);
    process.exit(2);
  }
  console.log(`load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const lab = new Lab(`nb${process.pid % 1000}`);
  try {
    await lab.addHost('dir');
    const { stdout } = await lab.exec('dir', [process.execPath, fileURLToPath(import.meta.url), '--inner', ...process.argv.slice(2)]);
    const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
    console.log(`${r['services']} services × ${r['reals']} real servers (wrr, NAT), ${r['changes']} changes each`);
    console.log('| | plane (libnftables, in-process) | nft -f (same text, one process each) |');
    console.log('|---|---|---|');
    console.log(`| load all | ${r['planeLoadMs']} ms | ${r['nftLoadMs']} ms |`);
    console.log(`| one real server's weight, p50 | ${r['planeChangeP50Ms']} ms | ${r['nftChangeP50Ms']} ms |`);
    console.log(`| one real server's weight, p99 | ${r['planeChangeP99Ms']} ms | ${r['nftChangeP99Ms']} ms |`);
    console.log(`| same, p50 / p99, another writer (nft -f) between the plane's changes | ${r['planeSharedP50Ms']} / ${r['planeSharedP99Ms']} ms | |`);
    console.log(`| read() of ${r['readDests']} real servers with counters | ${r['readMs']} ms | |`);
    console.log(`load average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    await lab.destroy();
  }
}

if (process.argv.includes('--inner')) await inner();
else await outer();
