// The data-plane port of the LVS half (design.md "Virtual servers"): the desired table the core computes, the
// operations that move a data plane towards it, and the narrow interface both data planes implement (IPVS over
// generic netlink here; nftables in issue 11; an in-memory twin under test/). The shapes reuse the IPVS names
// because IPVS is the model every LVS user knows; the nftables plane maps them onto its own objects.
import type { DestKey, DestSpec, IpvsStats, ServiceKey, ServiceSpec } from './ipvs/types.js';
import type { VipdError } from '../errors/vipdError.js';

export type { DestKey, DestSpec, ServiceKey, ServiceSpec } from './ipvs/types.js';

/** One service with its destinations, as desired or as read back. */
export interface TableService {
  readonly spec: ServiceSpec;
  readonly dests: readonly DestSpec[];
}

export interface LvsTable {
  readonly services: readonly TableService[];
}

/** Counters read back with the table (for metrics); absent on planes that keep none. */
export interface ServiceCounters {
  readonly service: ServiceStats;
  readonly dests: ReadonlyMap<string, DestStats>; // by destId
}
export type ServiceStats = IpvsStats;
export interface DestStats {
  readonly stats: IpvsStats;
  readonly activeConns: number;
  readonly inactiveConns: number;
  readonly persistentConns: number;
}

/**
 * Live connections per real server as IPVS counts them (ActiveConn/InActConn), by serviceId then destId: for
 * planes whose read() cannot carry them cheaply (nftables counts conntrack entries or flow-set elements).
 */
export type ConnectionCounts = ReadonlyMap<string, ReadonlyMap<string, { readonly active: number; readonly inactive: number }>>;

/** The table with its active/inactive connection counts replaced by `counts` where it has them. */
export function withConnectionCounts(table: ReadTable, counts: ConnectionCounts | null): ReadTable {
  if (!counts || counts.size === 0) return table;
  const counters = new Map<string, ServiceCounters>();
  for (const [id, c] of table.counters) {
    const perDest = counts.get(id);
    if (!perDest) {
      counters.set(id, c);
      continue;
    }
    const dests = new Map<string, DestStats>();
    for (const [did, d] of c.dests) {
      const n = perDest.get(did);
      dests.set(did, n ? { ...d, activeConns: n.active, inactiveConns: n.inactive } : d);
    }
    counters.set(id, { service: c.service, dests });
  }
  return { services: table.services, counters };
}

/** A table read back from the kernel, with counters keyed by serviceId. */
export interface ReadTable extends LvsTable {
  readonly counters: ReadonlyMap<string, ServiceCounters>;
}

export type LvsOp =
  | { readonly op: 'addService'; readonly service: ServiceSpec }
  | { readonly op: 'editService'; readonly service: ServiceSpec }
  | { readonly op: 'delService'; readonly service: ServiceKey }
  | { readonly op: 'addDest'; readonly service: ServiceKey; readonly dest: DestSpec }
  | { readonly op: 'editDest'; readonly service: ServiceKey; readonly dest: DestSpec }
  | { readonly op: 'delDest'; readonly service: ServiceKey; readonly dest: DestKey };

export interface ApplyResult {
  /** Operations the plane refused, in order; every other operation took effect. */
  readonly failed: readonly { readonly op: LvsOp; readonly error: VipdError }[];
}

/** A plane's own counters by reason, for metrics (lvs.md §9.5: tolerated refusals are logged and counted). */
export interface DataPlaneCounters {
  /** Refusals counted as success (keepalived's tolerances: EEXIST on add, ENOENT on delete …), by reason. */
  readonly tolerated: Readonly<Record<string, number>>;
  /** Kernel replies that did not decode and were dropped, by reason. */
  readonly malformedReplies: Readonly<Record<string, number>>;
  /**
   * Real servers in the table the plane cannot forward to now (nftables DR: no connected network of the director
   * holds the address, so they are left out of scheduling). Absent on planes without such a state (IPVS).
   */
  readonly unreachableRealServers?: number;
}

/** The only thing the LVS shell knows about a data plane. */
export interface DataPlane {
  /** A name for logs, status and metrics labels: "ipvs" or "nftables". */
  readonly name: string;
  /** What the kernel holds now, restricted to what this plane can see (IPVS: the whole netns table). */
  read(): Promise<ReadTable>;
  /**
   * Apply in order. keepalived's tolerances hold (lvs.md §2.3, §9.5): EEXIST on add and ENOENT on delete count as
   * success; an editDest answered ENOENT is retried as addDest. Never throws for a refused operation: it is in
   * `failed`, and the shell re-reads the table and repairs.
   */
  apply(ops: readonly LvsOp[]): Promise<ApplyResult>;
  close(): Promise<void>;
  /** The plane's counters (every reason present from the start); absent on planes that keep none. */
  stats?(): DataPlaneCounters;
  /**
   * Active/inactive connections per real server, for a plane whose read() leaves them at 0 because counting
   * costs a walk of a big kernel table (nftables). Called at the metrics' pace only, never on the apply path;
   * does not wait for applies and applies do not wait for it. Absent on IPVS (read() carries the kernel's).
   */
  connections?(): Promise<ConnectionCounts>;
}

/** "tcp:10.1.0.100:80", "udp:[fd00::1]:53", "fwm:inet:1" — the key of a kernel service in maps and labels. */
export function serviceId(k: ServiceKey): string {
  if (k.fwmark !== undefined) return `fwm:${k.family}:${k.fwmark}`;
  return k.family === 'inet6' ? `${k.protocol}:[${k.address}]:${k.port}` : `${k.protocol}:${k.address}:${k.port}`;
}

/** "10.2.0.11:80", "[fd00:2::11]:80". */
export function destId(d: DestKey): string {
  return d.address.includes(':') ? `[${d.address}]:${d.port}` : `${d.address}:${d.port}`;
}

/** The spec alone (identity and programmable fields), dropping whatever else a row carries (stats, counts). */
export function serviceSpecOnly(s: ServiceSpec): ServiceSpec {
  const rest = { scheduler: s.scheduler, flags: s.flags, timeoutS: s.timeoutS, netmaskBits: s.netmaskBits, ...(s.peName ? { peName: s.peName } : {}) };
  if (s.fwmark !== undefined) return { family: s.family, fwmark: s.fwmark, ...rest };
  return { family: s.family, protocol: s.protocol, address: s.address, port: s.port, ...rest };
}

/** The dest spec alone; its family only when it differs from its service's (a tunnel to the other family). */
export function destSpecOnly(d: DestSpec, serviceFamily: ServiceSpec['family']): DestSpec {
  return {
    address: d.address,
    port: d.port,
    forward: d.forward,
    weight: d.weight,
    upperThreshold: d.upperThreshold,
    lowerThreshold: d.lowerThreshold,
    ...(d.family && d.family !== serviceFamily ? { family: d.family } : {}),
    ...(d.tunnel ? { tunnel: { ...d.tunnel } } : {}),
  };
}
