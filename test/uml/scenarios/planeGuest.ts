// Runs INSIDE the user-mode Linux guest (test/uml/uml.ts) with real IPVS: drives IpvsDataPlane and the
// lvs_sync_daemon driver and records, at each step, what ipvsadm (the independent checker, used only here)
// prints next to what the plane reads back. Writes $UML_OUT/plane-result.json; test/integration/ipvsPlane.test.ts
// asserts on it. One node process for everything: node starts in ≈ 5 s inside the guest.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LvsSyncDaemonConfig } from '../../../src/config/lvsTypes.js';
import { RealClock } from '../../../src/clock/realClock.js';
import { IpvsClient } from '../../../src/lvs/ipvs/client.js';
import { IpvsDataPlane } from '../../../src/lvs/ipvs/plane.js';
import type { ApplyResult, LvsOp } from '../../../src/lvs/model.js';
import { SyncDaemonDriver } from '../../../src/lvs/syncDaemonDriver.js';
import { addOps, bigTable, sortedTable, TABLE, WEB, WEB6 } from './planeTable.js';

const OUT = process.env['UML_OUT'] ?? '.';

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; status?: number };
    return `${e.stdout ?? ''}${e.stderr ?? ''}[exit ${e.status}]`;
  }
}

function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Map ? Object.fromEntries(x) : x)));
}

function failedOf(r: ApplyResult, ops: readonly LvsOp[]): { index: number; op: string; code: string; message: string }[] {
  return r.failed.map((f) => ({ index: ops.indexOf(f.op), op: f.op.op, code: f.error.code, message: f.error.message }));
}

const SYNCD: LvsSyncDaemonConfig = { interface: 'dummy0', instance: null, syncId: 7, maxLen: null, port: null, ttl: null, group: null, source: { file: 'keepalived.conf', line: 1 } };

async function main(): Promise<void> {
  const clock = new RealClock();
  const started = Date.now();
  const plane = await IpvsDataPlane.open({ clock, timeoutMs: 20_000 });
  const admin = await IpvsClient.open({ clock, timeoutMs: 20_000 }); // flush and the sync daemons
  const result: Record<string, unknown> = {};

  // 1. The table, read back.
  const ops = addOps(TABLE);
  const applied = await plane.apply(ops);
  result['table'] = { failed: failedOf(applied, ops), rules: sh('ipvsadm', ['-S', '-n']), list: sh('ipvsadm', ['-Ln']), read: plain(await plane.read()) };

  // 2. keepalived's tolerances: everything added twice, deletes of what is not there, an edit of a missing dest.
  const again = await plane.apply(ops);
  const tolerOps: LvsOp[] = [
    { op: 'delDest', service: WEB, dest: { address: '10.1.0.99', port: 80 } },
    { op: 'delService', service: { family: 'inet', protocol: 'tcp', address: '10.0.9.9', port: 80 } },
    { op: 'delDest', service: { family: 'inet', protocol: 'tcp', address: '10.0.9.9', port: 80 }, dest: { address: '10.1.0.1', port: 80 } },
    { op: 'editDest', service: WEB, dest: { address: '10.1.0.9', port: 80, forward: 'route', weight: 7, upperThreshold: 0, lowerThreshold: 0 } },
  ];
  const tolerated = await plane.apply(tolerOps);
  result['tolerances'] = {
    againFailed: failedOf(again, ops),
    failed: failedOf(tolerated, tolerOps),
    counts: { ...plane.tolerated },
    rules: sh('ipvsadm', ['-S', '-n']),
  };

  // 3. Refusals in the middle of a batch: attributed to their operation, the others take effect.
  const missing = { family: 'inet' as const, protocol: 'udp' as const, address: '10.0.9.9', port: 1 };
  const mixedOps: LvsOp[] = [
    { op: 'addDest', service: WEB, dest: { address: '10.1.0.20', port: 80, forward: 'masq', weight: -1, upperThreshold: 0, lowerThreshold: 0 } },
    { op: 'addDest', service: missing, dest: { address: '10.1.0.21', port: 1, forward: 'masq', weight: 1, upperThreshold: 0, lowerThreshold: 0 } },
    { op: 'addDest', service: WEB, dest: { address: '10.1.0.22', port: 80, forward: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0 } },
    { op: 'editService', service: { ...WEB6, scheduler: 'bogus', flags: 0, timeoutS: 0, netmaskBits: 128 } },
    { op: 'delDest', service: WEB, dest: { address: '10.1.0.2', port: 80 } },
  ];
  const mixed = await plane.apply(mixedOps);
  result['refusals'] = { failed: failedOf(mixed, mixedOps), rules: sh('ipvsadm', ['-S', '-n']) };

  // 4. lvs_sync_daemon: both daemons; then tracking an instance; then refused with mixed-family dests.
  const daemons = (): string => sh('ipvsadm', ['-L', '--daemon']);
  const syncd: Record<string, unknown> = {};
  const both = new SyncDaemonDriver({ client: admin, config: SYNCD });
  syncd['bothStartErrors'] = (await both.start('BACKUP')).map((e) => e.code);
  syncd['bothStarted'] = { ipvsadm: daemons(), ours: plain(await both.daemons()) };
  syncd['bothIgnoresVrrp'] = (await both.onInstanceState('MASTER')).length;
  syncd['bothStopErrors'] = (await both.stop()).map((e) => e.code);
  syncd['bothStopped'] = daemons();
  const inst = new SyncDaemonDriver({ client: admin, config: { ...SYNCD, instance: 'VI_1', syncId: 51, port: 8849, ttl: 2, group: '224.0.0.82', maxLen: 1400 } });
  const steps: [string, () => Promise<unknown>][] = [
    ['start', () => inst.start('BACKUP')],
    ['master', () => inst.onInstanceState('MASTER')],
    ['backup', () => inst.onInstanceState('BACKUP')],
    ['masterAgain', () => inst.onInstanceState('MASTER')],
    ['stop', () => inst.stop()],
  ];
  const instSteps: Record<string, unknown> = {};
  for (const [name, step] of steps) {
    const errors = (await step()) as { code: string }[];
    instSteps[name] = { errors: errors.map((e) => e.code), ipvsadm: daemons() };
  }
  syncd['inst'] = instSteps;
  // A destination of the other family (IPv6 tunnel real server on an IPv4 service): NEW_DAEMON answers EINVAL.
  const mixedFamily: LvsOp = { op: 'addDest', service: WEB, dest: { address: '2001:db8::30', port: 80, family: 'inet6', forward: 'tunnel', weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnel: { type: 'ipip', port: 0, flags: 0 } } };
  syncd['mixedAdd'] = failedOf(await plane.apply([mixedFamily]), [mixedFamily]);
  const refused = new SyncDaemonDriver({ client: admin, config: SYNCD });
  const refusedErrors = await refused.start();
  syncd['mixed'] = { errors: refusedErrors.map((e) => ({ code: e.code, message: e.message })), ipvsadm: daemons() };
  await refused.stop();
  result['syncd'] = syncd;

  // 5. 1,000 services × 10 destinations, programmed and read back; then programmed again (11,000 EEXIST).
  await admin.flush();
  const big = addOps(bigTable(1000, 10));
  const before = { ...plane.tolerated };
  let t0 = Date.now();
  const bigApplied = await plane.apply(big);
  const applyMs = Date.now() - t0;
  t0 = Date.now();
  const bigRead = await plane.read();
  const readMs = Date.now() - t0;
  t0 = Date.now();
  const bigAgain = await plane.apply(big);
  const againMs = Date.now() - t0;
  const rules = sh('ipvsadm', ['-S', '-n']).split('\n').filter((l) => l.length > 0);
  result['big'] = {
    ops: big.length,
    failed: bigApplied.failed.length,
    againFailed: bigAgain.failed.length,
    againTolerated: {
      service: plane.tolerated['add-service-exists'] - before['add-service-exists'],
      dest: plane.tolerated['add-dest-exists'] - before['add-dest-exists'],
    },
    readServices: bigRead.services.length,
    readDests: bigRead.services.reduce((n, s) => n + s.dests.length, 0),
    readMatches: JSON.stringify(sortedTable(bigRead.services)) === JSON.stringify(sortedTable(bigTable(1000, 10))),
    ipvsadmServices: rules.filter((l) => l.startsWith('-A ')).length,
    ipvsadmDests: rules.filter((l) => l.startsWith('-a ')).length,
    applyMs,
    readMs,
    againMs,
  };
  await admin.flush();

  result['drops'] = { plane: plane.drops, admin: admin.drops };
  result['elapsedMs'] = Date.now() - started;
  admin.close();
  await plane.close();
  writeFileSync(join(OUT, 'plane-result.json'), JSON.stringify(result, null, 1));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
