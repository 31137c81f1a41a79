// Runs INSIDE the user-mode Linux guest (bench/lvs/program.ts boots it): programs the same table of N services ×
// M destinations through IpvsDataPlane.apply and through `ipvsadm -R`, alternating, from an empty table each
// time; then reads it back through IpvsDataPlane.read and `ipvsadm -S -n`. Writes $UML_OUT/bench-result.json.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RealClock } from '../../src/clock/realClock.js';
import { IpvsClient } from '../../src/lvs/ipvs/client.js';
import { IpvsDataPlane } from '../../src/lvs/ipvs/plane.js';
import { addOps, bigTable, bigTableRestore } from '../../test/uml/scenarios/planeTable.js';

const OUT = process.env['UML_OUT'] ?? '.';
const [services, dests, rounds] = process.argv.slice(2).map(Number);

async function main(): Promise<void> {
  const n = services ?? 1000;
  const m = dests ?? 10;
  const clock = new RealClock();
  const plane = await IpvsDataPlane.open({ clock, timeoutMs: 60_000 });
  const admin = await IpvsClient.open({ clock, timeoutMs: 60_000 });
  const ops = addOps(bigTable(n, m));
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
  await admin.flush();
  admin.close();
  await plane.close();
  writeFileSync(join(OUT, 'bench-result.json'), JSON.stringify({ services: n, dests: m, ops: ops.length, rows }, null, 1));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
