// Runs INSIDE the user-mode Linux guest (bench/lvs/program.ts boots it): programs the same table of N services ×
// M destinations through IpvsDataPlane.apply and through `ipvsadm -R`, alternating, from an empty table each
// time; then reads it back through IpvsDataPlane.read and `ipvsadm -S -n`. Then, with the table loaded, one real
// server's weight changes (weightChanges.ts: to 0 and back) through IpvsDataPlane.apply and through `ipvsadm -e`
// (one process per change, as an operator or a script-based tool runs it), interleaved change by change on
// disjoint services so that the machine's load drifts over both alike. Writes $UML_OUT/bench-result.json.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RealClock } from '../../src/clock/realClock.js';
import { IpvsClient } from '../../src/lvs/ipvs/client.js';
import { IpvsDataPlane } from '../../src/lvs/ipvs/plane.js';
import type { TableService } from '../../src/lvs/model.js';
import { addOps, bigTable, bigTableRestore } from '../../test/uml/scenarios/planeTable.js';
import { weightChanges, type WeightChange } from './weightChanges.js';

const OUT = process.env['UML_OUT'] ?? '.';
const [services, dests, rounds, changes] = process.argv.slice(2).map(Number);

/** ipvsadm's arguments naming a service and a real server of bigTable (all TCP, NAT). */
function ipvsadmTarget(table: readonly TableService[], c: WeightChange): { svc: string; real: string; line: (w: number) => string } {
  const s = table[c.service]!;
  const k = s.spec as { address: string; port: number };
  const d = s.dests[c.real]!;
  const svc = `${k.address}:${k.port}`;
  const real = `${d.address}:${d.port}`;
  return { svc, real, line: (w) => `-a -t ${svc} -r ${real} -m -w ${w}` };
}

/** Per-change wall times (ms) of the plane and of `ipvsadm -e`, and whether the last "to 0" of each is in the kernel. */
async function measureChanges(plane: IpvsDataPlane, table: readonly TableService[], count: number) {
  const byPlane = weightChanges(count, table.length, table[0]!.dests.length, 0);
  const byIpvsadm = weightChanges(count, table.length, table[0]!.dests.length, table.length >> 1);
  const planeMs: number[] = [];
  const ipvsadmMs: number[] = [];
  let planeFailed = 0;
  const checks: { tool: string; ok: boolean }[] = [];
  const check = (tool: string, c: WeightChange): void => {
    const t = ipvsadmTarget(table, c);
    const rules = execFileSync('ipvsadm', ['-S', '-n'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }); // -S takes no -t
    checks.push({ tool, ok: rules.includes(t.line(0)) });
  };
  for (let k = 0; k < count; k++) {
    const p = byPlane[k]!;
    const s = table[p.service]!;
    const dest = s.dests[p.real]!;
    let t = performance.now();
    const res = await plane.apply([{ op: 'editDest', service: s.spec, dest: { ...dest, weight: p.toZero ? 0 : dest.weight } }]);
    planeMs.push(performance.now() - t);
    planeFailed += res.failed.length;
    const a = byIpvsadm[k]!;
    const target = ipvsadmTarget(table, a);
    const weight = a.toZero ? 0 : table[a.service]!.dests[a.real]!.weight;
    t = performance.now();
    execFileSync('ipvsadm', ['-e', '-t', target.svc, '-r', target.real, '-m', '-w', String(weight)]);
    ipvsadmMs.push(performance.now() - t);
    if (k === count - 2) {
      check('plane', p);
      check('ipvsadm', a);
    }
  }
  return { planeMs, ipvsadmMs, planeFailed, checks };
}

async function main(): Promise<void> {
  const n = services ?? 1000;
  const m = dests ?? 10;
  const clock = new RealClock();
  const plane = await IpvsDataPlane.open({ clock, timeoutMs: 60_000 });
  const admin = await IpvsClient.open({ clock, timeoutMs: 60_000 });
  const table = bigTable(n, m);
  const ops = addOps(table);
  const restore = bigTableRestore(n, m);
  const rows: { planeMs: number; ipvsadmMs: number; planeReadMs: number; ipvsadmSaveMs: number; planeFailed: number; ipvsadmLines: number }[] = [];
  for (let r = 0; r < (rounds ?? 3); r++) {
    await admin.flush();
    let t = performance.now();
    const res = await plane.apply(ops);
    const planeMs = performance.now() - t;
    t = performance.now();
    const read = await plane.read();
    const planeReadMs = performance.now() - t;
    await admin.flush();
    t = performance.now();
    execFileSync('ipvsadm', ['-R'], { input: restore });
    const ipvsadmMs = performance.now() - t;
    t = performance.now();
    const saved = execFileSync('ipvsadm', ['-S', '-n'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const ipvsadmSaveMs = performance.now() - t;
    rows.push({
      planeMs,
      ipvsadmMs,
      planeReadMs,
      ipvsadmSaveMs,
      planeFailed: res.failed.length + (read.services.length === n ? 0 : 1),
      ipvsadmLines: saved.split('\n').filter((l) => l.length > 0).length,
    });
  }
  // The last round left the whole table loaded (by ipvsadm -R): the changes run against it.
  const changed = (changes ?? 100) > 1 ? await measureChanges(plane, table, changes ?? 100) : null;
  await admin.flush();
  admin.close();
  await plane.close();
  writeFileSync(join(OUT, 'bench-result.json'), JSON.stringify({ services: n, dests: m, ops: ops.length, rows, changes: changed }, null, 1));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
