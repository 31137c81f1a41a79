// From a checked config instance (src/config) plus what the interface looks like now, to the parameters of
// the pure core and the runner. Nothing here touches the OS.
import type { VrrpInstanceConfig, VipConfig } from '../config/types.js';
import { ipv4Broadcast } from '../ip/address.js';
import type { RouteSpec } from '../net/routeCodec.js';
import { ROUTE_TABLES } from '../config/keywords/addresses.js';
import type { InstanceParams, Vip } from '../vrrp/types.js';
import type { ValidationView } from '../vrrp/validate.js';
import type { AdvertRoute } from './instanceRunner.js';

export interface InterfaceFacts {
  readonly ifname: string;
  /** First non-secondary IPv4 address: keepalived's default VRRP source (VRRP_PKT_SADDR, vrrp.h:522). */
  readonly primaryIpv4: string | null;
  /** IPv6 adverts come from the link-local address (RFC 5798 §5.1.2.1). */
  readonly linkLocalIpv6: string | null;
}

export function toVip(v: VipConfig): Vip {
  const broadcast = v.broadcast !== null ? ipv4Broadcast(v.broadcast, v.address, v.prefixLength) : null;
  const scope = v.scope === null ? undefined : (SCOPE_NUMBERS[v.scope] ?? Number(v.scope));
  return {
    address: v.address,
    prefixLen: v.prefixLength,
    family: v.family === 'inet' ? 4 : 6,
    ...(v.dev ? { dev: v.dev } : {}),
    ...(v.label ? { label: v.label } : {}),
    ...(broadcast ? { broadcast } : {}),
    ...(scope !== undefined && Number.isInteger(scope) ? { scope } : {}),
  };
}

/** iproute2's scope names (rt_scopes). */
const SCOPE_NUMBERS: Readonly<Record<string, number>> = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 };

/** The address we advertise from, or an error message naming what is missing. */
export function sourceAddressFor(c: VrrpInstanceConfig, iface: InterfaceFacts): string | { error: string } {
  const configured = c.unicastSrcIp ?? c.mcastSrcIp;
  if (configured) return configured;
  if (c.family === 'inet') {
    return iface.primaryIpv4 ?? { error: `(${c.name}) interface ${iface.ifname} has no IPv4 address to send adverts from` };
  }
  return iface.linkLocalIpv6 ?? { error: `(${c.name}) interface ${iface.ifname} has no IPv6 link-local address to send adverts from` };
}

/**
 * How many VIPs one advert can carry on a link of `mtu` bytes: at most 255 (the count is a byte), and what fits
 * after the IP header, the AH header if any, the VRRP header and v2's auth data (keepalived vrrp.c:3490-3534).
 */
export function maxAdvertisedVips(c: VrrpInstanceConfig, mtu: number | null): number {
  const v4 = c.family === 'inet';
  const ah = c.version === 2 && v4 && c.auth?.type === 'AH' ? 24 : 0; // the AH header (keepalived vrrp.c:3490-3534)
  const room = (mtu ?? 1500) - (v4 ? 20 : 40) - 8 - (c.version === 2 && v4 ? 8 : 0) - ah;
  return Math.max(0, Math.min(255, Math.floor(room / (v4 ? 4 : 16))));
}

export function instanceParams(c: VrrpInstanceConfig, sourceAddress: string, inSyncGroup: boolean, mtu: number | null = null): InstanceParams {
  // VIPs beyond what one advert carries become excluded VIPs (moved, announced, never advertised), as keepalived does.
  const max = maxAdvertisedVips(c, mtu);
  return {
    name: c.name,
    vrid: c.vrid,
    version: c.version,
    family: c.family === 'inet' ? 4 : 6,
    priority: c.priority,
    advertIntMs: c.advertIntMs,
    vips: c.vips.slice(0, max).map(toVip),
    excludedVips: [...c.vips.slice(max), ...c.excludedVips].map(toVip),
    preempt: !c.nopreempt,
    preemptDelayMs: c.preemptDelayMs,
    initialState: c.initialState,
    sourceAddress,
    unicastPeers: c.unicastPeers.map((p) => p.address),
    garp: c.garp,
    lowerPrioNoAdvert: c.lowerPrioNoAdvert,
    higherPrioSendAdvert: c.higherPrioSendAdvert,
    downTimerAdverts: c.downTimerAdverts,
    inSyncGroup,
  };
}

/**
 * v2 authentication bytes: the password NUL-padded to 8 bytes (keepalived vrrp_parser.c:1495-1509), sent as is
 * with PASS, the HMAC-MD5 key with AH (IPv4 only: the config layer drops AH for IPv6 like keepalived does).
 */
export function authBytes(c: VrrpInstanceConfig): { authType: number; authData: Buffer } {
  if (c.version === 2 && (c.auth?.type === 'PASS' || (c.auth?.type === 'AH' && c.family === 'inet'))) {
    const data = Buffer.alloc(8);
    Buffer.from(c.auth.password, 'utf8').subarray(0, 8).copy(data);
    return { authType: c.auth.type === 'PASS' ? 1 : 2, authData: data };
  }
  return { authType: 0, authData: Buffer.alloc(8) };
}

export function validationView(c: VrrpInstanceConfig, mtu: number | null = null): ValidationView {
  const { authType, authData } = authBytes(c);
  return {
    vrid: c.vrid,
    version: c.version,
    family: c.family === 'inet' ? 4 : 6,
    authType,
    authData,
    advertIntMs: c.advertIntMs,
    vips: c.vips.slice(0, maxAdvertisedVips(c, mtu)).map((v) => v.address),
    unicast: c.unicastPeers.length > 0,
    v3ChecksumAsV2: c.v3ChecksumAsV2,
    checkUnicastSrc: c.checkUnicastSrc,
    unicastPeers: c.unicastPeers.map((p) => p.address),
    unicastPeerTtl: c.unicastPeers.map((p) => ({ address: p.address, minTtl: p.minTtl, maxTtl: p.maxTtl })),
  };
}

export function advertRoute(c: VrrpInstanceConfig, sourceAddress: string): AdvertRoute {
  const unicast = c.unicastPeers.length > 0;
  return {
    family: c.family === 'inet' ? 4 : 6,
    sourceAddress,
    destinations: unicast ? c.unicastPeers.map((p) => p.address) : [c.mcastGroup],
    unicast,
    unicastTtl: c.unicastTtl,
    v3ChecksumAsV2: c.v3ChecksumAsV2,
  };
}

/** keepalived `virtual_routes` as rtnetlink route specs; `dev` names resolved to ifindexes (unknown: left to the kernel). */
export function routeSpecs(c: VrrpInstanceConfig, ifindexOf: (name: string) => number | undefined): RouteSpec[] {
  return c.virtualRoutes.map((r) => {
    const slash = r.destination.indexOf('/');
    const viaV6 = r.via?.includes(':') ?? c.family === 'inet6';
    const [destination, prefixLen] =
      r.destination === 'default'
        ? [viaV6 ? '::' : '0.0.0.0', 0]
        : slash < 0
          ? [r.destination, r.destination.includes(':') ? 128 : 32]
          : [r.destination.slice(0, slash), Number(r.destination.slice(slash + 1))];
    const ifindex = r.dev ? ifindexOf(r.dev) : undefined;
    const table = r.table === null ? undefined : (ROUTE_TABLES[r.table] ?? Number(r.table));
    return {
      destination,
      prefixLen,
      ...(r.via ? { gateway: r.via } : {}),
      ...(ifindex !== undefined ? { ifindex } : {}),
      ...(r.src ? { source: r.src } : {}),
      ...(table !== undefined ? { table } : {}),
      ...(r.metric !== null ? { metric: r.metric } : {}),
    };
  });
}
