// read(): the LvsTable and its counters rebuilt from the JSON listing of vipd's own counters
// (`list counters table inet vipd`, libnftables JSON schema 1). The specs live in the comments of the m…
// counters (names.ts), so the counters alone rebuild the table: a restarted vipd adopts what it finds and the
// core sees no difference, so no rule changes. Pure and total: whatever does not parse is dropped and counted
// by reason, never thrown. DR services keep theirs in the netdev table (dr.ts): its listing is merged in.
import type { DestSpec, DestStats, ReadTable, ServiceCounters, ServiceSpec, TableService } from '../model.js';
import { destId, serviceId } from '../model.js';
import type { IpvsStats } from '../ipvs/types.js';
import {
  destChain,
  parseDestComment,
  parseServiceComment,
  serviceChain,
  serviceChainOfDest,
  specCounter,
  trafficCounter,
} from './names.js';

export const NFT_DROP_REASONS = ['json', 'shape', 'counter', 'comment', 'orphan'] as const;
export type NftDropReason = (typeof NFT_DROP_REASONS)[number];

interface Counter {
  packets: bigint;
  bytes: bigint;
  comment?: string;
}

function toBig(v: unknown): bigint | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? BigInt(Math.trunc(v)) : null;
}

function zeroStats(): IpvsStats {
  return { conns: 0n, inPkts: 0n, outPkts: 0n, inBytes: 0n, outBytes: 0n, cps: 0n, inPps: 0n, outPps: 0n, inBps: 0n, outBps: 0n };
}

/** Counters of `family` `table` by name into `out`; entries that are not counters of ours are skipped or dropped. */
function countersOf(json: string, family: string, table: string, drop: (r: NftDropReason) => void, out: Map<string, Counter>): Map<string, Counter> {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    drop('json');
    return out;
  }
  const items = (doc as { nftables?: unknown } | null)?.nftables;
  if (!Array.isArray(items)) {
    drop('shape');
    return out;
  }
  for (const item of items as unknown[]) {
    if (typeof item !== 'object' || item === null || !('counter' in item)) continue;
    const c = (item as { counter: unknown }).counter as Record<string, unknown> | null;
    if (typeof c !== 'object' || c === null) {
      drop('counter');
      continue;
    }
    if (c['family'] !== family || c['table'] !== table) continue;
    const packets = toBig(c['packets']);
    const bytes = toBig(c['bytes']);
    if (typeof c['name'] !== 'string' || packets === null || bytes === null) {
      drop('counter');
      continue;
    }
    out.set(c['name'], { packets, bytes, ...(typeof c['comment'] === 'string' ? { comment: c['comment'] } : {}) });
  }
  return out;
}

/** Another table's listing to merge (the DR netdev table). */
export interface MoreCounters {
  readonly json: string;
  readonly family: string;
  readonly table: string;
}

/** Rebuild the table from the JSON output of `list counters table inet <table>` (and of `more` tables). */
export function readTableFromJson(json: string, table: string, drop: (r: NftDropReason) => void, more: readonly MoreCounters[] = []): ReadTable {
  const counters = countersOf(json, 'inet', table, drop, new Map());
  for (const m of more) countersOf(m.json, m.family, m.table, drop, counters);
  const services = new Map<string, { spec: ServiceSpec; dests: DestSpec[] }>(); // by service chain name
  const pendingDests: { name: string; spec: DestSpec }[] = [];
  for (const [name, c] of counters) {
    if (name.startsWith('ms_')) {
      const spec = c.comment !== undefined ? parseServiceComment(c.comment) : null;
      if (!spec || specCounter(serviceChain(spec)) !== name) drop('comment');
      else services.set(serviceChain(spec), { spec, dests: [] });
    } else if (name.startsWith('mr_')) {
      const spec = c.comment !== undefined ? parseDestComment(c.comment) : null;
      if (!spec) drop('comment');
      else pendingDests.push({ name: name.slice(1), spec });
    }
  }
  for (const { name, spec } of pendingDests) {
    // r_<service slug>_<address>_<port>: the service is what remains once this server's suffix is cut.
    const sc = serviceChainOfDest(name, spec);
    const owner = sc === null ? undefined : services.get(sc);
    if (!owner || destChain(owner.spec, spec) !== name) drop('orphan');
    else owner.dests.push(spec);
  }
  const list: TableService[] = [];
  const stats = new Map<string, ServiceCounters>();
  for (const { spec, dests } of services.values()) {
    dests.sort((a, b) => (destId(a) < destId(b) ? -1 : destId(a) > destId(b) ? 1 : 0));
    list.push({ spec, dests });
    const svc = zeroStats();
    svc.conns = counters.get(serviceChain(spec))?.packets ?? 0n;
    const perDest = new Map<string, DestStats>();
    for (const d of dests) {
      const chain = destChain(spec, d);
      const st = zeroStats();
      st.conns = counters.get(chain)?.packets ?? 0n;
      const i = counters.get(trafficCounter(chain, 'in'));
      const o = counters.get(trafficCounter(chain, 'out'));
      st.inPkts = i?.packets ?? 0n;
      st.inBytes = i?.bytes ?? 0n;
      st.outPkts = o?.packets ?? 0n;
      st.outBytes = o?.bytes ?? 0n;
      svc.inPkts += st.inPkts;
      svc.inBytes += st.inBytes;
      svc.outPkts += st.outPkts;
      svc.outBytes += st.outBytes;
      perDest.set(destId(d), { stats: st, activeConns: 0, inactiveConns: 0, persistentConns: 0 });
    }
    stats.set(serviceId(spec), { service: svc, dests: perDest });
  }
  return { services: list, counters: stats };
}
