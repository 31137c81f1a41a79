// Value readers shared by route and rule lines (keepalived vrrp_ip_rule_route_parser.c, vrrp_ipaddress.c
// parse_route). Pure; each returns null for text keepalived would reject.
import type { PrefixConfig } from '../types.js';
import { parsePrefix, type ParseCtx } from '../values.js';
import { parseCNumber } from '../iproute2Names.js';

/**
 * Thrown inside a route/rule line parser to skip the line (keepalived's `goto err`), or with `refused` to refuse
 * it as something vipd cannot install; the parsers catch it, it never leaves them.
 */
export class SkipLine {
  constructor(
    readonly message: string,
    readonly refused = false,
  ) {}
}

/** `ADDR[/LEN]`, or default/any/all (family decided later), as keepalived parse_route(). */
export function routePrefix(text: string): { prefix: PrefixConfig | null; family: 'inet' | 'inet6' | null } | null {
  if (text === 'default' || text === 'any' || text === 'all') return { prefix: null, family: null };
  if (text === 'default6') return { prefix: null, family: 'inet6' };
  const p = parsePrefix(text);
  if (!p) return null;
  return { prefix: { address: p.address, prefixLength: p.prefixLength }, family: p.family };
}

/** IPv4 networks with host bits set are refused by the kernel (EINVAL "Invalid prefix for given prefix length"). */
export function hostBitsSet(p: PrefixConfig): boolean {
  if (p.address.includes(':') || p.prefixLength >= 32) return false;
  const n = p.address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const mask = p.prefixLength === 0 ? 0 : (0xffffffff << (32 - p.prefixLength)) >>> 0;
  return ((n & ~mask) >>> 0) !== 0;
}

/** rtt-style times (vrrp_ip_rule_route_parser.c get_time_rtt): raw units, or Ns / Nms; clamped to [0.2 s, 120 s]. */
export function rttValue(text: string, perMs: number): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|sec|secs)?$/i.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2]?.toLowerCase();
  let v = unit === undefined ? n : unit === 'ms' ? n * perMs : n * 1000 * perMs;
  v = Math.round(v);
  return Math.min(Math.max(v, 200 * perMs), 120000 * perMs);
}

/** Realms `FROM/TO` or `TO` (get_realms): names from rt_realms; FROM in the high 16 bits. */
export function realmsValue(text: string, ctx: ParseCtx): number | null {
  const [a, b] = text.split('/', 2);
  const first = ctx.iproute2.lookup('rt_realms', a!);
  if (first === null) return null;
  if (b === undefined) return first;
  const second = ctx.iproute2.lookup('rt_realms', b);
  return second === null ? null : ((first << 16) | second) >>> 0;
}

export function u32(text: string | undefined, max = 0xffffffff): number | null {
  if (text === undefined) return null;
  const n = parseCNumber(text);
  return n !== null && n <= max ? n : null;
}
