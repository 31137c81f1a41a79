// bench/lvs/nftConnCount: what one count of the nftables plane's active/inactive connections costs
// (NftPlane.connections(), src/lvs/nft/connCount.ts) in a throwaway network namespace.
// - NAT: --entries conntrack entries DNATed to --services × --reals real servers (80 % ESTABLISHED, 20 %
//   TIME_WAIT), created by conntrack-tools (`conntrack -R FILE`: one `-I` per line, batched), counted by one
//   ctnetlink dump; checked against the expected totals.
// - DR: --flows elements spread over the flow sets of one DR service's --reals real servers (20 % also in the
//   closing sets), added by `nft -f`; counted by one `list sets` through a libnftables context of its own.
// Each count --rounds times (the plane's spacing skipped by moving its clock), with the event loop's longest
// stall and its p99 during the counts (perf_hooks.monitorEventLoopDelay, 1 ms resolution) and the time of one apply() started while a count
// runs (the apply path must not wait for it).
//
//   sudo flock /tmp/vipd-bench.lock node dist/bench/lvs/nftConnCount.js [--entries 100000] [--flows 100000] [--services 10] [--reals 10] [--rounds 5]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { RealClock } from '../../src/clock/realClock.js';
import { Lab, labUnavailableReason } from '../../src/lab/netns.js';
import type { ConnectionCounts, DestSpec, LvsOp, ServiceSpec } from '../../src/lvs/model.js';
import { destChain, flowSet, closingSet } from '../../src/lvs/nft/names.js';
import { NftPlane } from '../../src/lvs/nft/plane.js';
import { percentile } from './stats.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const ENTRIES = arg('entries', 100_000);
const FLOWS = arg('flows', 100_000);
const SERVICES = arg('services', 10);
const REALS = arg('reals', 10);
const ROUNDS = arg('rounds', 5);

/** Real time plus a skew the bench moves forward to skip the plane's spacing between rounds. */
class SkewClock extends RealClock {
  skew = 0;
  override now(): number {
    return super.now() + this.skew;
  }
}

const natService = (i: number): ServiceSpec => ({ family: 'inet', protocol: 'tcp', address: `10.100.0.${i}`, port: 80, scheduler: 'rr', flags: 0, timeoutS: 0, netmaskBits: 32 });
const natReal = (i: number, j: number): DestSpec => ({ address: `10.200.${i}.${j + 1}`, port: 8080, forward: 'masq', weight: 1, upperThreshold: 0, lowerThreshold: 0 });
const DR: ServiceSpec = { family: 'inet', protocol: 'tcp', address: '10.101.0.1', port: 80, scheduler: 'rr', flags: 0, timeoutS: 0, netmaskBits: 32 };
const drReal = (j: number): DestSpec => ({ address: `10.201.0.${j + 1}`, port: 80, forward: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0 });

const total = (c: ConnectionCounts, id?: string): { active: number; inactive: number } => {
  let active = 0;
  let inactive = 0;
  for (const [sid, m] of c) if (!id || sid === id) for (const v of m.values()) (active += v.active), (inactive += v.inactive);
  return { active, inactive };
};

async function rounds(plane: NftPlane, clock: SkewClock, probe: () => Promise<void>): Promise<{ ms: number[]; stallMs: number; stallP99Ms: number; applyDuringMs: number; last: ConnectionCounts }> {
  const ms: number[] = [];
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  let last: ConnectionCounts = new Map();
  for (let r = 0; r < ROUNDS; r++) {
    clock.skew += 3_600_000;
    const t = performance.now();
    last = await plane.connections();
    ms.push(performance.now() - t);
  }
  h.disable();
  // One apply started while a count runs.
  clock.skew += 3_600_000;
  const counting = plane.connections();
  const t = performance.now();
  await probe();
  const applyDuringMs = performance.now() - t;
  await counting;
  return { ms, stallMs: h.max / 1e6, stallP99Ms: h.percentile(99) / 1e6, applyDuringMs, last };
}

async function inner(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-bench-ct-'));
  const clock = new SkewClock();
  const plane = new NftPlane({ clock, conntrack: null });
  const round1 = (x: number): number => Math.round(x * 10) / 10;
  try {
    // --- NAT ---
    const ops: LvsOp[] = [];
    for (let i = 0; i < SERVICES; i++) {
      ops.push({ op: 'addService', service: natService(i) });
      for (let j = 0; j < REALS; j++) ops.push({ op: 'addDest', service: natService(i), dest: natReal(i, j) });
    }
    ops.push({ op: 'addService', service: DR });
    for (let j = 0; j < REALS; j++) ops.push({ op: 'addDest', service: DR, dest: drReal(j) });
    const applied = await plane.apply(ops);
    if (applied.failed.length) throw new Error(applied.failed[0]!.error.message);

    const lines: string[] = [];
    let established = 0;
    for (let k = 0; k < ENTRIES; k++) {
      const i = k % SERVICES;
      const j = Math.floor(k / SERVICES) % REALS;
      const client = `10.9.${(k >> 16) & 255}.${(k >> 8) & 255}`;
      const sport = 1024 + (k & 255) * 200 + ((k >> 24) & 127);
      const est = k % 5 !== 0;
      if (est) established++;
      lines.push(
        `-I -s ${client} -d ${natService(i).address} -r ${natReal(i, j).address} -q ${client} -p tcp --sport ${sport} --dport 80 --reply-port-src 8080 --reply-port-dst ${sport} --state ${est ? 'ESTABLISHED' : 'TIME_WAIT'} -t 3600`,
      );
    }
    writeFileSync(join(dir, 'ct.txt'), `${lines.join('\n')}\n`);
    let t = performance.now();
    execFileSync('conntrack', ['-R', join(dir, 'ct.txt')], { stdio: 'ignore' });
    const insertMs = performance.now() - t;
    const inTable = Number(execFileSync('conntrack', ['-C']).toString().trim());

    const toggle = { w: 1 };
    const editNat = async (): Promise<void> => {
      toggle.w = 3 - toggle.w;
      const r = await plane.apply([{ op: 'editDest', service: natService(0), dest: { ...natReal(0, 0), weight: toggle.w } }]);
      if (r.failed.length) throw new Error(r.failed[0]!.error.message);
    };
    t = performance.now();
    await editNat();
    const applyAloneMs = performance.now() - t;
    const nat = await rounds(plane, clock, editNat);
    const natTotals = total(nat.last);

    // --- DR ---
    const elems = (set: string, keys: string[]): string => `add element netdev vipd_dr ${set} { ${keys.join(', ')} }`;
    const perReal = new Map<number, { f: string[]; c: string[] }>();
    for (let k = 0; k < FLOWS; k++) {
      const j = k % REALS;
      const key = `10.8.${(k >> 16) & 255}.${(k >> 8) & 255} . ${1024 + (k & 255)} timeout 3600s`;
      const e = perReal.get(j) ?? { f: [], c: [] };
      e.f.push(key);
      if (k % 5 === 0) e.c.push(key);
      perReal.set(j, e);
    }
    const cmds: string[] = [];
    for (const [j, e] of perReal) {
      const chain = destChain(DR, drReal(j));
      cmds.push(elems(flowSet(chain), e.f));
      if (e.c.length) cmds.push(elems(closingSet(chain), e.c));
    }
    writeFileSync(join(dir, 'dr.nft'), `${cmds.join('\n')}\n`);
    execFileSync('nft', ['-f', join(dir, 'dr.nft')]);
    const editDr = async (): Promise<void> => {
      toggle.w = 3 - toggle.w;
      const r = await plane.apply([{ op: 'editDest', service: DR, dest: { ...drReal(0), weight: toggle.w } }]);
      if (r.failed.length) throw new Error(r.failed[0]!.error.message);
    };
    t = performance.now();
    await editDr();
    const drApplyAloneMs = performance.now() - t;
    // Only DR in the count: a plane that holds just the DR service.
    const drPlane = new NftPlane({ clock, conntrack: null, keepOnClose: true });
    await drPlane.read();
    const onlyDr = await drPlane.apply([
      ...Array.from({ length: SERVICES }, (_, i) => ({ op: 'delService' as const, service: natService(i) })),
    ]);
    if (onlyDr.failed.length) throw new Error(onlyDr.failed[0]!.error.message);
    const dr = await rounds(drPlane, clock, async () => {
      toggle.w = 3 - toggle.w;
      const r = await drPlane.apply([{ op: 'editDest', service: DR, dest: { ...drReal(0), weight: toggle.w } }]);
      if (r.failed.length) throw new Error(r.failed[0]!.error.message);
    });
    const drTotals = total(dr.last, `tcp:${DR.address}:80`);
    await drPlane.close();

    console.log(
      JSON.stringify({
        entries: ENTRIES,
        inTable,
        insertMs: round1(insertMs),
        expectedActive: established,
        natTotals,
        natCountMs: nat.ms.map(round1),
        natP50Ms: round1(percentile(nat.ms, 0.5)),
        natStallMs: round1(nat.stallMs),
        natStallP99Ms: round1(nat.stallP99Ms),
        applyAloneMs: round1(applyAloneMs),
        natApplyDuringMs: round1(nat.applyDuringMs),
        flows: FLOWS,
        drTotals,
        drCountMs: dr.ms.map(round1),
        drP50Ms: round1(percentile(dr.ms, 0.5)),
        drStallMs: round1(dr.stallMs),
        drStallP99Ms: round1(dr.stallP99Ms),
        drApplyAloneMs: round1(drApplyAloneMs),
        drApplyDuringMs: round1(dr.applyDuringMs),
      }),
    );
  } finally {
    await plane.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function outer(): Promise<void> {
  const why = labUnavailableReason();
  if (why) {
    console.error(`bench/lvs/nftConnCount: ${why}`);
    process.exit(2);
  }
  console.log(`load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const lab = new Lab(`nc${process.pid % 1000}`);
  try {
    await lab.addHost('dir');
    // DR needs a link whose connected network holds the real servers (drTopology.ts) and a link to hook.
    await lab.exec('dir', ['ip', 'link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1']);
    await lab.exec('dir', ['ip', 'addr', 'add', '10.201.0.254/24', 'dev', 'd0']);
    await lab.exec('dir', ['ip', 'link', 'set', 'd0', 'up']);
    await lab.exec('dir', ['ip', 'link', 'set', 'd1', 'up']);
    const { stdout } = await lab.exec('dir', [process.execPath, fileURLToPath(import.meta.url), '--inner', ...process.argv.slice(2)]);
    console.log(stdout.trim().split('\n').at(-1));
    console.log(`load average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    await lab.destroy();
  }
}

if (process.argv.includes('--inner')) await inner();
else await outer();
