// Which connections are replicated. Rules are evaluated in order and the first match wins (as in the config
// block `filter { exclude address 10.2.0.0/24 port 22; default include }`); every field a rule sets must match.
// An address matches when the original source or destination lies in the prefix; a port range matches when
// either original port lies in it (docs/configuration.md §5).
// Built in, before any rule: loopback flows and the sync channel's own datagrams are never replicated.
import { inCidr } from '../ip/address.js';
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

function ruleMatches(r: SyncFilterRule, e: ConntrackEntry): boolean {
  if (r.protocol !== null && PROTO_NUMBERS[r.protocol] !== e.orig.proto) return false;
  if (r.portMin !== null && r.portMax !== null) {
    const inRange = (p: number): boolean => p >= r.portMin! && p <= r.portMax!;
    if (!inRange(e.orig.dstPort) && !inRange(e.orig.srcPort)) return false;
  }
  if (r.address) {
    const cidr = `${r.address.network}/${r.address.prefixLength}`;
    if (!inCidr(e.orig.src, cidr) && !inCidr(e.orig.dst, cidr)) return false;
  }
  return true;
}

/** Canonical text makes loopback a prefix test (no parsing on the per-event path). */
function isLoopback(addr: string): boolean {
  return addr.startsWith('127.') || addr === '::1';
}

export function isReplicated(f: SyncFilter, e: ConntrackEntry): boolean {
  if (e.orig.src === e.orig.dst || isLoopback(e.orig.src) || isLoopback(e.orig.dst)) return false;
  if (f.syncPort !== undefined && e.orig.proto === 17 && (e.orig.dstPort === f.syncPort || e.orig.srcPort === f.syncPort)) return false;
  for (const r of f.rules) if (ruleMatches(r, e)) return r.action === 'include';
  return f.default === 'include';
}

export const INCLUDE_ALL: SyncFilter = { rules: [], default: 'include' };
