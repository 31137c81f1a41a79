// Persistence (keepalived persistence_timeout / persistence_granularity, lvs.md §1.2; IPVS templates) on
// nftables: one timed set of client keys (the source address masked by the granularity) per real server.
// The service chain looks the client up in each set first; the real server's chain adds (or refreshes) the
// client with `update … timeout`, so a client keeps its server while it opens new connections within the
// timeout. A set per server rather than one map client → server because nftables cannot store a verdict from
// the packet path (`update @m { key : goto chain }` is refused by the parser), and a lookup that misses simply
// falls through to the scheduler.
// Like IPVS templates (lvs.md §0.7), a weight-0 server still takes its persistent clients; a deleted one loses
// them with its set.
import { IP_VS_SVC_F } from '../ipvs/constants.js';
import type { ServiceSpec } from '../model.js';

/** Clients remembered per real server; a full set stops adding (those clients are scheduled afresh). */
export const PERSIST_SET_SIZE = 65536;

export function isPersistent(s: ServiceSpec): boolean {
  return (s.flags & IP_VS_SVC_F.PERSISTENT) !== 0;
}

function ipv4Mask(bits: number): string {
  const m = bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((s) => (m >>> s) & 0xff).join('.');
}

function ipv6Mask(bits: number): string {
  const groups: string[] = [];
  for (let g = 0; g < 8; g++) {
    const b = Math.max(0, Math.min(16, bits - g * 16));
    groups.push(((0xffff << (16 - b)) & 0xffff).toString(16));
  }
  // Compress the trailing zero groups as nft prints them ("ffff:ffff::").
  const lastNonZero = groups.map((x) => x !== '0').lastIndexOf(true);
  if (lastNonZero === 7) return groups.join(':');
  if (lastNonZero < 0) return '::';
  return `${groups.slice(0, lastNonZero + 1).join(':')}::`;
}

/** The client key: `ip saddr`, or `ip saddr & 255.255.255.0` with granularity 24. */
export function clientKey(s: ServiceSpec): string {
  if (s.family === 'inet6') return s.netmaskBits >= 128 || s.netmaskBits <= 0 ? 'ip6 saddr' : `ip6 saddr & ${ipv6Mask(s.netmaskBits)}`;
  return s.netmaskBits >= 32 || s.netmaskBits <= 0 ? 'ip saddr' : `ip saddr & ${ipv4Mask(s.netmaskBits)}`;
}

/** `add set` arguments for a real server's persistence set. */
export function persistSetDecl(s: ServiceSpec): string {
  return `{ type ${s.family === 'inet6' ? 'ipv6_addr' : 'ipv4_addr'}; flags dynamic,timeout; size ${PERSIST_SET_SIZE}; }`;
}

/** Service chain: a remembered client goes straight to its server. */
export function persistLookupRule(s: ServiceSpec, set: string, destChain: string): string {
  return `${clientKey(s)} @${set} goto ${destChain}`;
}

/** Real-server chain: remember (or refresh) the client for the timeout (IPVS: ≥ 1 s). */
export function persistUpdateRule(s: ServiceSpec, set: string): string {
  return `update @${set} { ${clientKey(s)} timeout ${Math.max(1, s.timeoutS)}s }`;
}
