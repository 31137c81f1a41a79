// An in-memory twin of a data plane (src/lvs/model.ts DataPlane) for the LVS shell's tests: services and their
// destinations on a Map, keepalived's tolerances (EEXIST on add and ENOENT on delete are success, editDest on a
// missing destination becomes addDest), per-service counters a test sets, and fault injection: refuse the next
// N operations, fail the next N reads.
import { VipdError } from '../../../src/errors/vipdError.js';
import type { VipdErrorCode } from '../../../src/errors/codes.js';
import type { IpvsStats } from '../../../src/lvs/ipvs/types.js';
import {
  destId, serviceId, type ApplyResult, type DataPlane, type DestSpec, type LvsOp, type ReadTable, type ServiceCounters, type ServiceSpec,
} from '../../../src/lvs/model.js';

export const zeroStats = (): IpvsStats => ({ conns: 0n, inPkts: 0n, outPkts: 0n, inBytes: 0n, outBytes: 0n, cps: 0n, inPps: 0n, outPps: 0n, inBps: 0n, outBps: 0n });

interface Entry {
  spec: ServiceSpec;
  readonly dests: Map<string, DestSpec>;
}

export class MemoryDataPlane implements DataPlane {
  readonly name: string;
  readonly services = new Map<string, Entry>();
  /** Every operation applied (refused ones included), in order, as "op id[ → dest]". */
  readonly log: string[] = [];
  readonly counters = new Map<string, ServiceCounters>();
  reads = 0;
  applies = 0;
  closed = false;
  private refuse: { n: number; code: VipdErrorCode } = { n: 0, code: 'VIPD_ERR_IPVS_REFUSED' };
  private failReads = 0;
  /** While set, apply() waits for it (a slow kernel): tests check that applies stay serial. */
  gate: Promise<void> | null = null;
  inApply = 0;
  maxConcurrentApplies = 0;

  constructor(name = 'memory') {
    this.name = name;
  }

  /** The next `n` operations are refused with `code` (n = Infinity: a kernel that never accepts). */
  refuseNext(n: number, code: VipdErrorCode = 'VIPD_ERR_IPVS_REFUSED'): void {
    this.refuse = { n, code };
  }

  failNextReads(n: number): void {
    this.failReads = n;
  }

  /** Put a service in the table behind the shell's back (a foreign or leftover entry). */
  seed(spec: ServiceSpec, dests: readonly DestSpec[] = []): void {
    this.services.set(serviceId(spec), { spec, dests: new Map(dests.map((d) => [destId(d), d])) });
  }

  async read(): Promise<ReadTable> {
    this.reads++;
    if (this.failReads > 0) {
      this.failReads--;
      throw new VipdError('VIPD_ERR_GENL_TIMEOUT', 'dump timed out (injected)');
    }
    return {
      services: [...this.services.values()].map((e) => ({ spec: e.spec, dests: [...e.dests.values()] })),
      counters: new Map([...this.services.keys()].map((id) => [id, this.counters.get(id) ?? { service: zeroStats(), dests: new Map() }])),
    };
  }

  async apply(ops: readonly LvsOp[]): Promise<ApplyResult> {
    this.applies++;
    this.inApply++;
    this.maxConcurrentApplies = Math.max(this.maxConcurrentApplies, this.inApply);
    try {
      if (this.gate) await this.gate;
      const failed: { op: LvsOp; error: VipdError }[] = [];
      for (const op of ops) {
        this.log.push(describe(op));
        if (this.refuse.n > 0) {
          this.refuse.n--;
          failed.push({ op, error: new VipdError(this.refuse.code, `refused (injected): ${describe(op)}`) });
          continue;
        }
        this.one(op);
      }
      return { failed };
    } finally {
      this.inApply--;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private one(op: LvsOp): void {
    const id = serviceId(op.service);
    switch (op.op) {
      case 'addService':
        if (!this.services.has(id)) this.services.set(id, { spec: op.service, dests: new Map() });
        return;
      case 'editService': {
        const e = this.services.get(id);
        if (e) e.spec = op.service;
        return;
      }
      case 'delService':
        this.services.delete(id);
        return;
      case 'addDest':
      case 'editDest':
        this.services.get(id)?.dests.set(destId(op.dest), op.dest);
        return;
      case 'delDest':
        this.services.get(id)?.dests.delete(destId(op.dest));
        return;
    }
  }
}

function describe(op: LvsOp): string {
  const svc = serviceId(op.service);
  return 'dest' in op ? `${op.op} ${svc} → ${destId(op.dest)}` : `${op.op} ${svc}`;
}
