// bench/lvs/nftables: the nftables data plane with 1,000 virtual services × 10 real servers (wrr, NAT) loaded in a
// throwaway network namespace. Measured: the time to load them (one apply() = one libnftables transaction), one
// real server's weight change applied in the kernel (p50/p99 over --changes changes, alternately to 0 and back),
// read() of the whole table, against `nft -f` of the same commands (the same text the plane generates: the load,
// and each change as its own `nft -f` process). IPVS on the same work: bench/lvs/program.ts (UML).
//
//   sudo node dist/bench/lvs/nftables.js [--services 1000] [--reals 10] [--changes 100]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { RealClock } from '../../src/clock/realClock.js';
import { Lab, labUnavailableReason } from '../../src/lab/netns.js';
import type { DestSpec, LvsOp, ServiceSpec } from '../../src/lvs/model.js';
import { NftPlane } from '../../src/lvs/nft/plane.js';
import { fullRuleset, serviceTransition, type RulesetOptions } from '../../src/lvs/nft/ruleset.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const SERVICES = arg('services', 1000);
const REALS = arg('reals', 10);
const CHANGES = arg('changes', 100);

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

function service(i: number): ServiceSpec {
  return { family: 'inet', protocol: 'tcp', address: `10.100.${i >> 8}.${i & 255}`, port: 80, scheduler: 'wrr', flags: 0, timeoutS: 0, netmaskBits: 32 };
}
function real(i: number, j: number, weight: number): DestSpec {
  return { address: `10.200.${(i * REALS + j) >> 8}.${(i * REALS + j) & 255}`, port: 8080, forward: 'masq', weight, upperThreshold: 0, lowerThreshold: 0 };
}
const weightOf = (j: number): number => 1 + (j % 3);

/** The changes: service k·7919 mod N, real server k mod R, alternately to weight 0 and back. */
function change(k: number): { svc: number; real: number; weight: number } {
  const svc = (k * 7919) % SERVICES;
  const r = k % REALS;
  return { svc, real: r, weight: Math.floor(k / REALS) % 2 === 0 ? 0 : weightOf(r) };
}

async function inner(): Promise<void> {
  const o: RulesetOptions = { table: 'vipd', sourceNat: false };
  const ops: LvsOp[] = [];
  for (let i = 0; i < SERVICES; i++) {
    ops.push({ op: 'addService', service: service(i) });
    for (let j = 0; j < REALS; j++) ops.push({ op: 'addDest', service: service(i), dest: real(i, j, weightOf(j)) });
  }
  // The plane: load, changes, read.
  const plane = new NftPlane({ clock: new RealClock(), conntrack: null });
  let t = performance.now();
  const loaded = await plane.apply(ops);
  const planeLoadMs = performance.now() - t;
  if (loaded.failed.length) throw new Error(`load failed: ${loaded.failed[0]!.error.message}`);
  const planeChange: number[] = [];
  for (let k = 0; k < CHANGES; k++) {
    const c = change(k);
    t = performance.now();
    const r = await plane.apply([{ op: 'editDest', service: service(c.svc), dest: real(c.svc, c.real, c.weight) }]);
    planeChange.push(performance.now() - t);
    if (r.failed.length) throw new Error(r.failed[0]!.error.message);
  }
  t = performance.now();
  const table = await plane.read();
  const readMs = performance.now() - t;
  const readDests = table.services.reduce((a, s) => a + s.dests.length, 0);
  await plane.close();

  // nft -f of the same text.
  const dir = mkdtempSync(join(tmpdir(), 'vipd-bench-nft-'));
  const states = new Map<number, DestSpec[]>();
  for (let i = 0; i < SERVICES; i++) states.set(i, Array.from({ length: REALS }, (_, j) => real(i, j, weightOf(j))).sort((a, b) => (a.address < b.address ? -1 : 1)));
  const file = join(dir, 'load.nft');
  writeFileSync(file, `${fullRuleset(o, [...states].map(([i, dests]) => ({ spec: service(i), dests }))).join('\n')}\n`);
  t = performance.now();
  execFileSync('nft', ['-f', file]);
  const nftLoadMs = performance.now() - t;
  const nftChange: number[] = [];
  for (let k = 0; k < CHANGES; k++) {
    const c = change(k);
    const before = states.get(c.svc)!;
    const target = real(c.svc, c.real, 0).address;
    const after = before.map((d) => (d.address === target ? real(c.svc, c.real, c.weight) : d));
    const f = join(dir, `c${k}.nft`);
    writeFileSync(f, `${serviceTransition(o, { spec: service(c.svc), dests: before }, { spec: service(c.svc), dests: after }).join('\n')}\n`);
    t = performance.now();
    const r = spawnSync('nft', ['-f', f]);
    nftChange.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`nft -f change ${k}: ${r.stderr.toString()}`);
    states.set(c.svc, after);
  }
  execFileSync('nft', ['delete', 'table', 'inet', 'vipd']);
  rmSync(dir, { recursive: true, force: true });
  const round = (x: number): number => Math.round(x * 10) / 10;
  const result = {
    services: SERVICES,
    reals: REALS,
    changes: CHANGES,
    planeLoadMs: round(planeLoadMs),
    nftLoadMs: round(nftLoadMs),
    planeChangeP50Ms: round(quantile(planeChange, 0.5)),
    planeChangeP99Ms: round(quantile(planeChange, 0.99)),
    nftChangeP50Ms: round(quantile(nftChange, 0.5)),
    nftChangeP99Ms: round(quantile(nftChange, 0.99)),
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
  const lab = new Lab(`nb${process.pid % 1000}`);
  try {
    await lab.addHost('dir');
    const { stdout } = await lab.exec('dir', [process.execPath, fileURLToPath(import.meta.url), '--inner', ...process.argv.slice(2)]);
    const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
    console.log(`${r['services']} services × ${r['reals']} real servers (wrr, NAT), ${r['changes']} changes`);
    console.log('| | plane (libnftables, in-process) | nft -f (same text, one process each) |');
    console.log('|---|---|---|');
    console.log(`| load all | ${r['planeLoadMs']} ms | ${r['nftLoadMs']} ms |`);
    console.log(`| one real server's weight, p50 | ${r['planeChangeP50Ms']} ms | ${r['nftChangeP50Ms']} ms |`);
    console.log(`| one real server's weight, p99 | ${r['planeChangeP99Ms']} ms | ${r['nftChangeP99Ms']} ms |`);
    console.log(`| read() of ${r['readDests']} real servers with counters | ${r['readMs']} ms | |`);
  } finally {
    await lab.destroy();
  }
}

if (process.argv.includes('--inner')) await inner();
else await outer();
