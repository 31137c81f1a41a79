// Which connections are replicated. Rules are evaluated in order and the first match wins (as in the config
// block `filter { exclude address 10.2.0.0/24 port 22; default include }`); every field a rule sets must match.
// An address matches when the original source or destination lies in the prefix; a port range matches when
// either original port lies in it (docs/configuration.md §5).
// Built in, before any rule: loopback flows and the sync channel's own datagrams are never replicated.
import { parseAddress } from '../ip/address.js';
import { get16, OP_UPSERT, RECORD_FIXED, RECORD_MAX, writeRecord } from '../conntrack/record.js';
import type { ConntrackEntry } from '../conntrack/types.js';

const PROTO_NUMBERS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, dccp: 33, gre: 47, icmpv6: 58, sctp: 132 };

export interface SyncFilterRule {
  readonly action: 'include' | 'exclude';
  readonly address: { readonly network: string; readonly prefixLength: number } | null;
  readonly portMin: number | null;
  readonly portMax: number | null;
  /** Name (tcp, udp, sctp, icmp, icmpv6, dccp, gre). */
  readonly protocol: string | null;
}

export interface SyncFilter {
  readonly rules: readonly SyncFilterRule[];
  readonly default: 'include' | 'exclude';
  /** UDP port of the sync channel (its own flows are excluded). */
  readonly syncPort?: number;
}

/** A rule with its prefix parsed once: the filter runs on every kernel event and every received record. */
interface CompiledRule {
  readonly include: boolean;
  readonly proto: number | null;
  readonly portMin: number | null;
  readonly portMax: number | null;
  readonly net: Uint8Array | null;
  readonly prefixLength: number;
}

function inPrefix(b: Uint8Array, at: number, alen: number, net: Uint8Array, bits: number): boolean {
  if (net.length !== alen) return false;
  for (let i = 0; i < alen && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((b[at + i]! & mask) !== (net[i]! & mask)) return false;
  }
  return true;
}

function isLoopback(b: Uint8Array, at: number, alen: number): boolean {
  if (alen === 4) return b[at] === 127;
  for (let i = 0; i < 15; i++) if (b[at + i] !== 0) return false;
  return b[at + 15] === 1;
}

/**
 * One filter compiled for use: the rules' prefixes are parsed once, and the scratch record for entry objects is
 * the filter's own. The sync service holds one for its lifetime (it runs on every kernel event and every
 * received record); nothing is cached at module level, so two services (two sync blocks, or tests) never share
 * or evict each other's state.
 */
export class ReplicationFilter {
  private readonly rules: readonly CompiledRule[];
  private readonly scratch = Buffer.alloc(RECORD_MAX);

  constructor(readonly spec: SyncFilter) {
    this.rules = spec.rules.map((r) => ({
      include: r.action === 'include',
      // An unknown protocol name matches nothing (validation refuses it before a filter is built).
      proto: r.protocol === null ? null : (PROTO_NUMBERS[r.protocol] ?? -1),
      portMin: r.portMin,
      portMax: r.portMax,
      net: r.address ? (parseAddress(r.address.network) ?? new Uint8Array(0)) : null,
      prefixLength: r.address?.prefixLength ?? 0,
    }));
  }

  /** The filter on a compact record (src/conntrack/record.ts) at b[off…]: no object, no text. */
  acceptsRecord(b: Uint8Array, off: number): boolean {
    const f = this.spec;
    const alen = b[off + 1] === 4 ? 4 : 16;
    const src = off + RECORD_FIXED;
    const dst = src + alen;
    let same = true;
    for (let i = 0; i < alen && same; i++) same = b[src + i] === b[dst + i];
    if (same || isLoopback(b, src, alen) || isLoopback(b, dst, alen)) return false;
    const proto = b[off + 2]!;
    const sport = get16(b, off + 20);
    const dport = get16(b, off + 22);
    if (f.syncPort !== undefined && proto === 17 && (dport === f.syncPort || sport === f.syncPort)) return false;
    for (const r of this.rules) {
      if (r.proto !== null && r.proto !== proto) continue;
      if (r.portMin !== null && r.portMax !== null) {
        const inRange = (p: number): boolean => p >= r.portMin! && p <= r.portMax!;
        if (!inRange(dport) && !inRange(sport)) continue;
      }
      if (r.net && !inPrefix(b, src, alen, r.net, r.prefixLength) && !inPrefix(b, dst, alen, r.net, r.prefixLength)) continue;
      return r.include;
    }
    return f.default === 'include';
  }

  accepts(e: ConntrackEntry): boolean {
    writeRecord(OP_UPSERT, e, this.scratch, 0);
    return this.acceptsRecord(this.scratch, 0);
  }
}

/** One-off verdict (compiles the filter each call: hot paths hold a ReplicationFilter). */
export function isReplicated(f: SyncFilter, e: ConntrackEntry): boolean {
  return new ReplicationFilter(f).accepts(e);
}

export const INCLUDE_ALL: SyncFilter = { rules: [], default: 'include' };
