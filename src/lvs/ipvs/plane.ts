// The IPVS data plane (the DataPlane port of ../model.ts) on IpvsClient: reads the kernel table with its
// counters, and applies operations in order with keepalived's tolerances (lvs.md §2.3, §9.5): EEXIST on an add
// and ENOENT/ESRCH on a delete are success, an edit of a missing destination becomes an add
// (ipvswrapper.c ipvs_talk :206-212). Each tolerance is counted by reason for the metrics and reported once per
// occurrence to onTolerated (the shell logs it). Operations go in batches (IpvsClient.applyBatch: ACK-less
// chunks, refusals matched to their operation by sequence number), so 11,000 operations are a few dozen
// round trips, not 11,000.
import type { Clock } from '../../clock/clock.js';
import { VipdError } from '../../errors/vipdError.js';
import type { NetlinkTransport } from '../../net/genlSocket.js';
import { destId, destSpecOnly, serviceId, serviceSpecOnly, type ApplyResult, type DataPlane, type DataPlaneCounters, type DestStats, type LvsOp, type ReadTable, type ServiceCounters, type TableService } from '../model.js';
import { IpvsClient } from './client.js';
import type { IpvsDropReason } from './drops.js';
import type { DestSpec, IpvsDest, IpvsOp, IpvsService, ServiceKey } from './types.js';

/** Why a refusal counted as success. Append-only (a metric pre-creates one series per reason). */
export const IPVS_TOLERATED_REASONS = [
  /** addService answered EEXIST: the service is there. */
  'add-service-exists',
  /** addDest answered EEXIST: the destination is there. */
  'add-dest-exists',
  /** delService answered ESRCH: the service is gone already. */
  'del-service-missing',
  /** delDest answered ENOENT (destination gone) or ESRCH (its service gone). */
  'del-dest-missing',
  /** editDest answered ENOENT and was retried as addDest (keepalived ipvs_talk). */
  'edit-dest-readded',
] as const;
export type IpvsToleratedReason = (typeof IPVS_TOLERATED_REASONS)[number];

/** What the plane needs of IpvsClient (a fake in unit tests). */
export interface IpvsPlaneClient {
  readonly drops: Readonly<Record<IpvsDropReason, number>>;
  getServices(): Promise<IpvsService[]>;
  getDests(k: ServiceKey): Promise<IpvsDest[]>;
  applyBatch(ops: readonly IpvsOp[]): Promise<(VipdError | null)[]>;
  close(): void;
}

export interface IpvsDataPlaneOptions {
  clock: Clock;
  /** Bound per request (and per batch chunk), default 5000 ms. */
  timeoutMs?: number;
  /** A netlink socket stand-in (unit tests). */
  transport?: NetlinkTransport;
  onDrop?: (reason: IpvsDropReason, detail: string) => void;
  /** A refusal that counted as success (log it: someone else touches the table, or a re-read is stale). */
  onTolerated?: (reason: IpvsToleratedReason, op: LvsOp, error: VipdError) => void;
}

export class IpvsDataPlane implements DataPlane {
  readonly name = 'ipvs';
  /** Refusals counted as success, per reason (every reason present from the start, for metrics). */
  readonly tolerated: Record<IpvsToleratedReason, number>;
  private readonly onTolerated: IpvsDataPlaneOptions['onTolerated'];
  /** The read in progress: reads queue behind it (one dump per socket at a time, see read()). */
  private reading: Promise<unknown> = Promise.resolve();

  constructor(
    /** The client the plane drives; the sync daemon driver may share it. */
    readonly client: IpvsPlaneClient,
    opts: Pick<IpvsDataPlaneOptions, 'onTolerated'> = {},
  ) {
    this.tolerated = Object.fromEntries(IPVS_TOLERATED_REASONS.map((r) => [r, 0])) as Record<IpvsToleratedReason, number>;
    this.onTolerated = opts.onTolerated;
  }

  /**
   * Open the netlink socket and resolve the IPVS family. Without IPVS: VIPD_ERR_IPVS_UNAVAILABLE naming the
   * module and the other data plane.
   */
  static async open(opts: IpvsDataPlaneOptions): Promise<IpvsDataPlane> {
    let client: IpvsClient;
    try {
      client = await IpvsClient.open({ clock: opts.clock, timeoutMs: opts.timeoutMs, transport: opts.transport, onDrop: opts.onDrop });
    } catch (err) {
      if (err instanceof VipdError && err.code === 'VIPD_ERR_IPVS_UNAVAILABLE') {
        throw new VipdError(
          'VIPD_ERR_IPVS_UNAVAILABLE',
          'the kernel has no IPVS (generic netlink family "IPVS" missing): load it with `modprobe ip_vs`, ' +
            'or use the nftables data plane with `vipd_lvs_dataplane nftables` in global_defs',
          { cause: err },
        );
      }
      throw err;
    }
    return new IpvsDataPlane(client, opts);
  }

  /** Reply messages the client dropped, per reason. */
  get drops(): Readonly<Record<IpvsDropReason, number>> {
    return this.client.drops;
  }

  /**
   * GET_SERVICE dump, then one GET_DEST dump per service, one after the other: the kernel runs one dump per
   * socket at a time (netlink_dump_start answers EBUSY to a second). Rows are keyed by identity because an
   * index-resumed dump of a changing table may repeat one (lvs.md §4.5). Concurrent calls (a scrape's counter
   * refresh and a repair's re-read) queue: a second dump on the socket would be answered EBUSY.
   */
  read(): Promise<ReadTable> {
    const next = this.reading.then(() => this.readOnce());
    this.reading = next.catch(() => undefined);
    return next;
  }

  private async readOnce(): Promise<ReadTable> {
    const services: TableService[] = [];
    const counters = new Map<string, ServiceCounters>();
    for (const s of await this.client.getServices()) {
      const id = serviceId(s);
      if (counters.has(id)) continue;
      const spec = serviceSpecOnly(s);
      const dests: DestSpec[] = [];
      const destCounters = new Map<string, DestStats>();
      for (const d of await this.client.getDests(spec)) {
        const did = destId(d);
        if (destCounters.has(did)) continue;
        dests.push(destSpecOnly(d, spec.family));
        destCounters.set(did, { stats: d.stats, activeConns: d.activeConns, inactiveConns: d.inactiveConns, persistentConns: d.persistentConns });
      }
      services.push({ spec, dests });
      counters.set(id, { service: s.stats, dests: destCounters });
    }
    return { services, counters };
  }

  /**
   * Apply in order. The operations go in segments, each one batch; a segment ends before an operation that
   * depends on an earlier editDest of the segment (same destination, or its service as a whole), because an
   * editDest answered ENOENT is retried as addDest only after its batch, and that retry must come before such
   * an operation as it would have in keepalived's one-at-a-time order.
   */
  async apply(ops: readonly LvsOp[]): Promise<ApplyResult> {
    const errors: (VipdError | null)[] = new Array<VipdError | null>(ops.length).fill(null);
    for (let start = 0; start < ops.length; ) {
      const end = segmentEnd(ops, start);
      const segment = ops.slice(start, end);
      const results = await this.client.applyBatch(segment.map(withDestFamily));
      const retry: number[] = [];
      segment.forEach((op, j) => {
        const err = results[j] ?? null;
        if (err && op.op === 'editDest' && err.code === 'VIPD_ERR_IPVS_NO_SUCH_DEST') {
          this.tolerate('edit-dest-readded', op, err);
          retry.push(start + j);
        } else {
          errors[start + j] = this.judge(op, err);
        }
      });
      if (retry.length > 0) {
        const adds: IpvsOp[] = retry.map((i) => {
          const op = ops[i] as Extract<LvsOp, { op: 'editDest' }>;
          return { op: 'addDest', service: op.service, dest: op.dest };
        });
        const again = await this.client.applyBatch(adds);
        retry.forEach((i, k) => (errors[i] = this.judge(adds[k]!, again[k] ?? null, ops[i]!)));
      }
      start = end;
    }
    const failed: { op: LvsOp; error: VipdError }[] = [];
    errors.forEach((error, i) => {
      if (error) failed.push({ op: ops[i]!, error });
    });
    return { failed };
  }

  async close(): Promise<void> {
    this.client.close();
  }

  stats(): DataPlaneCounters {
    return { tolerated: this.tolerated, malformedReplies: this.client.drops };
  }

  /** null when `err` is none or a tolerated refusal of `op`; else the error. `reported` is the op the caller asked for. */
  private judge(op: IpvsOp, err: VipdError | null, reported: LvsOp = op): VipdError | null {
    if (!err) return null;
    const reason = toleratedReason(op, err);
    if (!reason) return err;
    this.tolerate(reason, reported, err);
    return null;
  }

  private tolerate(reason: IpvsToleratedReason, op: LvsOp, err: VipdError): void {
    this.tolerated[reason]++;
    this.onTolerated?.(reason, op, err);
  }
}

function toleratedReason(op: IpvsOp, err: VipdError): IpvsToleratedReason | null {
  if (op.op === 'addService' && err.code === 'VIPD_ERR_IPVS_SERVICE_EXISTS') return 'add-service-exists';
  if (op.op === 'addDest' && err.code === 'VIPD_ERR_IPVS_DEST_EXISTS') return 'add-dest-exists';
  if (op.op === 'delService' && err.code === 'VIPD_ERR_IPVS_NO_SUCH_SERVICE') return 'del-service-missing';
  if (op.op === 'delDest' && (err.code === 'VIPD_ERR_IPVS_NO_SUCH_DEST' || err.code === 'VIPD_ERR_IPVS_NO_SUCH_SERVICE')) return 'del-dest-missing';
  return null;
}

/**
 * The port's delDest names the destination by address and port only; a destination of the other family (an IPv6
 * tunnel real server of an IPv4 service) needs its family on the wire, which its canonical address text tells.
 */
function withDestFamily(op: LvsOp): IpvsOp {
  if (op.op !== 'delDest') return op;
  const family = op.dest.address.includes(':') ? 'inet6' : 'inet';
  return family === op.service.family ? op : { ...op, dest: { ...op.dest, family } };
}

/** The index after the last operation of the segment that starts at `start` (see apply). */
function segmentEnd(ops: readonly LvsOp[], start: number): number {
  const editedDests = new Set<string>();
  const editedServices = new Set<string>();
  let i = start;
  for (; i < ops.length; i++) {
    const op = ops[i]!;
    const sid = serviceId(op.service);
    const serviceLevel = op.op === 'addService' || op.op === 'editService' || op.op === 'delService';
    if (serviceLevel ? editedServices.has(sid) : editedDests.has(`${sid} ${destId(op.dest)}`)) break;
    if (op.op === 'editDest') {
      editedDests.add(`${sid} ${destId(op.dest)}`);
      editedServices.add(sid);
    }
  }
  return i;
}
