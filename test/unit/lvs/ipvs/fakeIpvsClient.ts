// An in-memory IPVS table behind the IpvsPlaneClient interface, answering each operation the way ip_vs_ctl.c does
// (lvs.md §4.2): NEW_SERVICE EEXIST when present; SET/DEL_SERVICE ESRCH when missing; NEW_DEST ESRCH without the
// service and EEXIST when present; SET/DEL_DEST ESRCH without the service, ENOENT without the dest. The errors
// carry the codes IpvsClient gives those errnos (errors.ts). It records every batch it was handed.
import { VipdError } from '../../../../src/errors/vipdError.js';
import type { VipdErrorCode } from '../../../../src/errors/codes.js';
import type { IpvsDropReason } from '../../../../src/lvs/ipvs/drops.js';
import { IPVS_DROP_REASONS } from '../../../../src/lvs/ipvs/drops.js';
import type { IpvsPlaneClient } from '../../../../src/lvs/ipvs/plane.js';
import type { DestSpec, IpvsDest, IpvsOp, IpvsService, IpvsStats, ServiceKey, ServiceSpec } from '../../../../src/lvs/ipvs/types.js';
import { destId, serviceId } from '../../../../src/lvs/model.js';

export function stats(n: number): IpvsStats {
  const b = BigInt(n);
  return { conns: b, inPkts: b, outPkts: b, inBytes: b, outBytes: b, cps: 0n, inPps: 0n, outPps: 0n, inBps: 0n, outBps: 0n };
}

export class FakeIpvsClient implements IpvsPlaneClient {
  readonly drops = Object.fromEntries(IPVS_DROP_REASONS.map((r) => [r, 0])) as Record<IpvsDropReason, number>;
  readonly services = new Map<string, { spec: ServiceSpec; dests: Map<string, DestSpec> }>();
  /** Each applyBatch call's operations, as "op serviceId[ destId]". */
  readonly batches: string[][] = [];
  /** Extra rows the next service dump repeats (an index-resumed dump of a changing table). */
  repeatInDump = false;
  closed = false;
  /** Refusals to give instead of the table's answer, keyed like `batches` entries ("addDest tcp:10.0.0.1:80 10.1.0.4:80"). */
  readonly inject = new Map<string, VipdError>();

  async getServices(): Promise<IpvsService[]> {
    const rows = [...this.services.values()].map(({ spec }, i) => ({ ...spec, stats: stats(i + 1), statsSource: 'stats64' as const }));
    return this.repeatInDump ? [...rows, ...rows] : rows;
  }

  async getDests(k: ServiceKey): Promise<IpvsDest[]> {
    const s = this.services.get(serviceId(k));
    if (!s) return [];
    const rows = [...s.dests.values()].map((d, i) => ({
      ...d,
      family: d.family ?? k.family,
      activeConns: i,
      inactiveConns: 2 * i,
      persistentConns: 3 * i,
      stats: stats(10 + i),
      statsSource: 'stats64' as const,
    }));
    return this.repeatInDump ? [...rows, ...rows] : rows;
  }

  async applyBatch(ops: readonly IpvsOp[]): Promise<(VipdError | null)[]> {
    const names = ops.map((op) => `${op.op} ${serviceId(op.service)}${'dest' in op ? ` ${destId(op.dest)}` : ''}`);
    this.batches.push(names);
    return ops.map((op, i) => this.inject.get(names[i]!) ?? this.apply1(op));
  }

  close(): void {
    this.closed = true;
  }

  private apply1(op: IpvsOp): VipdError | null {
    const sid = serviceId(op.service);
    const s = this.services.get(sid);
    switch (op.op) {
      case 'addService':
        if (s) return refused('VIPD_ERR_IPVS_SERVICE_EXISTS', 'EEXIST');
        this.services.set(sid, { spec: op.service, dests: new Map() });
        return null;
      case 'editService':
        if (!s) return refused('VIPD_ERR_IPVS_NO_SUCH_SERVICE', 'ESRCH');
        s.spec = op.service;
        return null;
      case 'delService':
        if (!s) return refused('VIPD_ERR_IPVS_NO_SUCH_SERVICE', 'ESRCH');
        this.services.delete(sid);
        return null;
    }
    if (!s) return refused('VIPD_ERR_IPVS_NO_SUCH_SERVICE', 'ESRCH');
    const did = destId(op.dest);
    const has = s.dests.has(did);
    switch (op.op) {
      case 'addDest':
        if (has) return refused('VIPD_ERR_IPVS_DEST_EXISTS', 'EEXIST');
        s.dests.set(did, op.dest);
        return null;
      case 'editDest':
        if (!has) return refused('VIPD_ERR_IPVS_NO_SUCH_DEST', 'ENOENT');
        s.dests.set(did, op.dest);
        return null;
      case 'delDest':
        if (!has) return refused('VIPD_ERR_IPVS_NO_SUCH_DEST', 'ENOENT');
        s.dests.delete(did);
        return null;
    }
  }
}

function refused(code: VipdErrorCode, sysCode: string): VipdError {
  return new VipdError(code, `IPVS fake: ${sysCode}`);
}
