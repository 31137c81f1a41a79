// RTM_NEWROUTE / RTM_DELROUTE bodies for keepalived's `virtual_routes` / `static_routes`
// (vrrp_iproute.c netlink_route): a struct rtmsg (linux/rtnetlink.h) followed by RTA_* attributes, with
// RTA_METRICS (nested RTAX_*) and RTA_MULTIPATH (struct rtnexthop + its own RTA_* each). Pure.
import * as C from './constants.js';
import { formatAddress, parseAddress } from '../ip/address.js';
import { attrBytes, attrMap, attrU32, attrU8, decodeAttrs, encodeAttrs, readAttrU32, type NlAttr } from './nlattr.js';
import { invalidAddress } from './errors.js';
import { writeU16Host, writeU32Host } from './sockaddr.js';

// linux/rtnetlink.h
export const RTA_SRC = 2;
export const RTA_METRICS = 8;
export const RTA_MULTIPATH = 9;
export const RTA_FLOW = 11;
export const RTA_PREF = 20;
export const RTA_EXPIRES = 23;
export const RTA_TTL_PROPAGATE = 26;
export const RT_SCOPE_NOWHERE = 255;
export const RTNH_F_ONLINK = 4;

/** enum rtn_type (linux/rtnetlink.h), by iproute2 name. */
export const RTN_TYPES = {
  unicast: 1, local: 2, broadcast: 3, anycast: 4, multicast: 5, blackhole: 6, unreachable: 7, prohibit: 8, throw: 9,
} as const;
export type RouteTypeName = keyof typeof RTN_TYPES;

/** RTAX_* (linux/rtnetlink.h), by keepalived's keyword. */
export const RTAX = {
  lock: 1, mtu: 2, window: 3, rtt: 4, rttvar: 5, ssthresh: 6, cwnd: 7, advmss: 8, reordering: 9, hoplimit: 10,
  initcwnd: 11, features: 12, rto_min: 13, initrwnd: 14, quickack: 15, congctl: 16, fastopen_no_cookie: 17,
} as const;
export type RouteMetricKey = Exclude<keyof typeof RTAX, 'lock' | 'congctl'>;

export interface NextHopSpec {
  readonly gateway?: string;
  readonly ifindex?: number;
  /** 1..256 (the kernel stores weight-1 in rtnh_hops). */
  readonly weight?: number;
  readonly onlink?: boolean;
  readonly realms?: number;
}

export interface RouteSpec {
  /** Destination network; prefix 0 = default route. */
  readonly destination: string;
  readonly prefixLen: number;
  /** Route type; default unicast. */
  readonly type?: RouteTypeName;
  readonly gateway?: string;
  readonly ifindex?: number;
  /** Preferred source address (`src`). */
  readonly source?: string;
  /** IPv6 source-specific routing (`from`). */
  readonly from?: { readonly address: string; readonly prefixLen: number };
  /** Routing table number; default main (254). */
  readonly table?: number;
  /** `metric` (RTA_PRIORITY). */
  readonly metric?: number;
  /** rtm_scope; default as `ip route add`: host for local, link for broadcast/multicast/anycast and for unicast
   * without a gateway, universe otherwise. */
  readonly scope?: number;
  /** rtm_protocol; default keepalived (18). */
  readonly protocol?: number;
  readonly tos?: number;
  readonly onlink?: boolean;
  readonly realms?: number;
  readonly expires?: number;
  readonly pref?: number;
  readonly ttlPropagate?: boolean;
  readonly metrics?: Readonly<Partial<Record<RouteMetricKey, number>>>;
  readonly congctl?: string;
  /** Metrics given with `lock` (RTAX_LOCK bit mask). */
  readonly locked?: readonly (RouteMetricKey | 'congctl')[];
  readonly nexthops?: readonly NextHopSpec[];
  /** add = fail if it exists (NLM_F_EXCL), append (NLM_F_APPEND), prepend (neither: keepalived's default). */
  readonly mode?: 'prepend' | 'add' | 'append';
}

const RTMSG_LEN = 12;
const RTNH_LEN = 8;

function addressBytes(text: string, len: number, what: string): Buffer {
  const b = parseAddress(text);
  if (!b || b.length !== len) throw invalidAddress(text, what);
  return b;
}

/** The scope `ip route add` picks when none is given (iproute2 ip/iproute.c iproute_modify). */
export function defaultScope(spec: RouteSpec): number {
  const type = spec.type ?? 'unicast';
  if (type === 'local') return C.RT_SCOPE_HOST;
  if (type === 'broadcast' || type === 'multicast' || type === 'anycast') return C.RT_SCOPE_LINK;
  if (type === 'unicast' && !spec.gateway && !(spec.nexthops && spec.nexthops.length > 0)) return C.RT_SCOPE_LINK;
  return C.RT_SCOPE_UNIVERSE;
}

/** nlmsg flags for RTM_NEWROUTE in the route's mode (keepalived netlink_route). */
export function addRouteFlags(spec: RouteSpec): number {
  const mode = spec.mode ?? 'prepend';
  return C.NLM_F_CREATE | (mode === 'add' ? C.NLM_F_EXCL : mode === 'append' ? C.NLM_F_APPEND : 0);
}

/**
 * The rtmsg + attributes. `op` 'delete' sends scope NOWHERE unless one was given, so the kernel matches the route
 * whatever scope it was added with (fib_table_delete), as keepalived does.
 */
export function encodeRouteRequest(spec: RouteSpec, op: 'add' | 'delete' = 'add'): Buffer {
  const dst = parseAddress(spec.destination);
  if (!dst) throw invalidAddress(spec.destination, 'IP');
  const family = dst.length === 4 ? C.AF_INET : C.AF_INET6;
  const max = dst.length * 8;
  if (!Number.isInteger(spec.prefixLen) || spec.prefixLen < 0 || spec.prefixLen > max) {
    throw invalidAddress(`${spec.destination}/${spec.prefixLen}`, 'route prefix');
  }
  const table = spec.table ?? C.RT_TABLE_MAIN;
  const h = Buffer.alloc(RTMSG_LEN);
  h[0] = family;
  h[1] = spec.prefixLen; // rtm_dst_len
  h[2] = spec.from?.prefixLen ?? 0; // rtm_src_len
  h[3] = spec.tos ?? 0;
  h[4] = table < 256 ? table : C.RT_TABLE_UNSPEC;
  h[5] = spec.protocol ?? C.RTPROT_KEEPALIVED;
  h[6] = spec.scope ?? (op === 'delete' ? RT_SCOPE_NOWHERE : defaultScope(spec));
  h[7] = RTN_TYPES[spec.type ?? 'unicast'];
  writeU32Host(h, spec.onlink ? RTNH_F_ONLINK : 0, 8); // rtm_flags
  const attrs: NlAttr[] = [];
  if (table >= 256) attrs.push(attrU32(C.RTA_TABLE, table));
  if (spec.prefixLen > 0) attrs.push(attrBytes(C.RTA_DST, dst));
  if (spec.from) attrs.push(attrBytes(RTA_SRC, addressBytes(spec.from.address, dst.length, 'from prefix of the same family')));
  if (spec.source) attrs.push(attrBytes(C.RTA_PREFSRC, addressBytes(spec.source, dst.length, 'source of the same family')));
  if (spec.gateway) attrs.push(attrBytes(C.RTA_GATEWAY, addressBytes(spec.gateway, dst.length, 'gateway of the same family')));
  if (spec.ifindex !== undefined) attrs.push(attrU32(C.RTA_OIF, spec.ifindex));
  if (spec.metric !== undefined) attrs.push(attrU32(C.RTA_PRIORITY, spec.metric));
  if (spec.realms !== undefined) attrs.push(attrU32(RTA_FLOW, spec.realms));
  if (spec.expires !== undefined) attrs.push(attrU32(RTA_EXPIRES, spec.expires));
  const metrics = encodeMetrics(spec);
  if (metrics) attrs.push(metrics);
  if (spec.pref !== undefined) attrs.push(attrU8(RTA_PREF, spec.pref));
  if (spec.ttlPropagate !== undefined) attrs.push(attrU8(RTA_TTL_PROPAGATE, spec.ttlPropagate ? 1 : 0));
  if (spec.nexthops && spec.nexthops.length > 0) attrs.push(attrBytes(RTA_MULTIPATH, encodeNexthops(spec.nexthops, dst.length)));
  return Buffer.concat([h, encodeAttrs(attrs)]);
}

/** RTA_METRICS: RTAX_LOCK first when anything is locked, then RTAX_* in number order (u32; congctl a string). */
function encodeMetrics(spec: RouteSpec): NlAttr | null {
  const m = spec.metrics ?? {};
  const inner: NlAttr[] = (Object.keys(m) as RouteMetricKey[]).map((k) => attrU32(RTAX[k], m[k]!));
  if (spec.congctl !== undefined) inner.push(attrBytes(RTAX.congctl, Buffer.from(spec.congctl, 'utf8')));
  if (inner.length === 0) return null;
  inner.sort((a, b) => a.type - b.type);
  const lock = (spec.locked ?? []).reduce((acc, k) => acc | (1 << RTAX[k]), 0);
  if (lock) inner.unshift(attrU32(RTAX.lock, lock));
  return attrBytes(RTA_METRICS, encodeAttrs(inner));
}

/** RTA_MULTIPATH payload: per hop a struct rtnexthop {u16 len; u8 flags; u8 hops; i32 ifindex} + RTA_GATEWAY/RTA_FLOW. */
function encodeNexthops(hops: readonly NextHopSpec[], addrLen: number): Buffer {
  return Buffer.concat(
    hops.map((nh) => {
      const inner: NlAttr[] = [];
      if (nh.gateway) inner.push(attrBytes(C.RTA_GATEWAY, addressBytes(nh.gateway, addrLen, 'next hop of the same family')));
      if (nh.realms !== undefined) inner.push(attrU32(RTA_FLOW, nh.realms));
      const attrs = encodeAttrs(inner);
      const head = Buffer.alloc(RTNH_LEN);
      writeU16Host(head, RTNH_LEN + attrs.length, 0);
      head[2] = nh.onlink ? RTNH_F_ONLINK : 0;
      if (nh.weight !== undefined && (nh.weight < 1 || nh.weight > 256)) throw invalidAddress(String(nh.weight), 'next hop weight 1..256');
      head[3] = nh.weight === undefined ? 0 : nh.weight - 1;
      writeU32Host(head, (nh.ifindex ?? 0) >>> 0, 4);
      return Buffer.concat([head, attrs]);
    }),
  );
}

/**
 * What identifies a route in the kernel's table (fib_table_lookup / ip6 fib node): enough to tell that a route
 * the kernel reports deleted (RTM_DELROUTE) is one we installed. The metric is the kernel's: IPv6 gives 1024 to
 * a route added without one (IP6_RT_PRIO_USER), IPv4 0.
 */
export interface RouteKey {
  readonly family: 4 | 6;
  readonly destination: string;
  readonly prefixLen: number;
  readonly table: number;
  readonly type: number;
  readonly tos: number;
  readonly metric: number;
  readonly protocol: number;
}

const IP6_RT_PRIO_USER = 1024;

export function routeKey(spec: RouteSpec): RouteKey {
  const family = spec.destination.includes(':') ? 6 : 4;
  return {
    family,
    destination: formatAddress(parseAddress(spec.destination) ?? Buffer.alloc(family === 4 ? 4 : 16)),
    prefixLen: spec.prefixLen,
    table: spec.table ?? C.RT_TABLE_MAIN,
    type: RTN_TYPES[spec.type ?? 'unicast'],
    tos: spec.tos ?? 0,
    metric: spec.metric ?? (family === 6 ? IP6_RT_PRIO_USER : 0),
    protocol: spec.protocol ?? C.RTPROT_KEEPALIVED,
  };
}

/** The key of an RTM_NEWROUTE/RTM_DELROUTE body; null when it is not an IPv4/IPv6 route or is malformed. */
export function decodeRouteKey(payload: Buffer): RouteKey | null {
  if (payload.length < RTMSG_LEN) return null;
  const family = payload[0] === C.AF_INET ? 4 : payload[0] === C.AF_INET6 ? 6 : null;
  if (family === null) return null;
  const alen = family === 4 ? 4 : 16;
  const a = attrMap(decodeAttrs(payload, RTMSG_LEN));
  const dst = a.get(C.RTA_DST);
  if (dst !== undefined && dst.length !== alen) return null;
  return {
    family,
    destination: formatAddress(dst ?? Buffer.alloc(alen)),
    prefixLen: payload[1]!,
    table: readAttrU32(a.get(C.RTA_TABLE)) ?? payload[4]!,
    type: payload[7]!,
    tos: payload[3]!,
    metric: readAttrU32(a.get(C.RTA_PRIORITY)) ?? 0,
    protocol: payload[5]!,
  };
}
