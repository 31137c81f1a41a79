// rtnetlink message bodies (linux/rtnetlink.h, if_link.h, if_addr.h), pure: struct ifinfomsg / ifaddrmsg plus
// their attributes, encode for requests and decode for dumps and notifications. Decoders return null for a
// message they cannot read rather than throwing.
import * as C from './constants.js';
import { formatAddress as formatIp, formatMac, isIpv6LinkLocal, parseAddress as parseIp, parseMac } from '../ip/address.js';
import {
  attrBytes,
  attrMap,
  attrNested,
  attrString,
  attrU32,
  decodeAttrs,
  encodeAttrs,
  readAttrString,
  readAttrU32,
  readAttrU8,
  type NlAttr,
} from './nlattr.js';
import { readI32Host, readU16Host, readU32Host, writeI32Host, writeU32Host } from './sockaddr.js';
import { invalidAddress } from './errors.js';

export const IFINFOMSG_LEN = 16;
export const IFADDRMSG_LEN = 8;

export interface LinkInfo {
  ifindex: number;
  name: string;
  /** Link-layer address "aa:bb:cc:dd:ee:ff", or null when the link has none. */
  mac: string | null;
  /** IFF_UP: administratively up. */
  up: boolean;
  /** IFF_RUNNING (the kernel sets it from the operational state: carrier and not dormant). */
  running: boolean;
  /** IFF_LOWER_UP: carrier. */
  lowerUp: boolean;
  /** IFLA_OPERSTATE (RFC 2863). */
  operState: C.OperState;
  mtu: number | null;
  /** Raw IFF_* flags. */
  flags: number;
  /** ARPHRD_* type (1 = Ethernet). */
  linkType: number;
  /** IFLA_LINK: the parent (lower) interface, e.g. of a macvlan or vlan. Absent when the kernel omits it. */
  parentIfindex?: number;
  /** IFLA_LINKINFO/IFLA_INFO_KIND ("macvlan", "veth", "bridge" …). Absent for plain devices. */
  kind?: string;
  /** IFLA_MACVLAN_MODE of a macvlan (1 private, 2 vepa, 4 bridge, 8 passthru, 16 source). */
  macvlanMode?: number;
}

export type IpFamily = 4 | 6;

export interface AddressInfo {
  family: IpFamily;
  ifindex: number;
  /** The interface's own address (IFA_LOCAL for IPv4, IFA_ADDRESS for IPv6). */
  address: string;
  prefixLen: number;
  /** IFA_F_SECONDARY: not the primary address of its subnet. */
  secondary: boolean;
  /** IFA_F_TENTATIVE (IPv6 DAD not finished: not usable as a source yet). */
  tentative: boolean;
  /** IFA_FLAGS / ifa_flags. */
  flags: number;
  /** RT_SCOPE_*: 0 global, 253 link, 254 host. */
  scope: number;
  label?: string;
  broadcast?: string;
  /** IPv4 point-to-point peer (IFA_ADDRESS when it differs from IFA_LOCAL). */
  peer?: string;
}

export interface AddressSpec {
  ifindex: number;
  address: string;
  prefixLen: number;
  /** Optional: inferred from `address`. When given it must agree. */
  family?: IpFamily;
  /** IPv4 label, e.g. "eth0:vip" (keepalived `label`). */
  label?: string;
  broadcast?: string;
  /** RT_SCOPE_* number, default 0 (global). */
  scope?: number;
  /** IPv6: skip duplicate address detection (IFA_F_NODAD). Default true, as keepalived does for VIPs. */
  noDad?: boolean;
  /** IFA_F_NOPREFIXROUTE (keepalived `noprefixroute`). */
  noPrefixRoute?: boolean;
}

/** struct ifinfomsg for a link dump/get: family, pad, type, index, flags, change. */
export function encodeIfinfomsg(family = C.AF_UNSPEC, ifindex = 0): Buffer {
  const b = Buffer.alloc(IFINFOMSG_LEN);
  b[0] = family;
  writeI32Host(b, ifindex, 4);
  return b;
}

/** struct ifaddrmsg: family, prefixlen, flags (low 8 bits), scope, index. */
export function encodeIfaddrmsg(family: number, prefixLen: number, flags: number, scope: number, ifindex: number): Buffer {
  const b = Buffer.alloc(IFADDRMSG_LEN);
  b[0] = family;
  b[1] = prefixLen;
  b[2] = flags & 0xff;
  b[3] = scope;
  writeU32Host(b, ifindex, 4);
  return b;
}

/** Body of RTM_NEWADDR / RTM_DELADDR for one address. Throws on an invalid spec (local input, not remote). */
export function encodeAddressRequest(spec: AddressSpec): Buffer {
  const addr = parseIp(spec.address);
  if (!addr) throw invalidAddress(spec.address, 'IP');
  const family: IpFamily = addr.length === 4 ? 4 : 6;
  if (spec.family !== undefined && spec.family !== family) throw invalidAddress(spec.address, `IPv${spec.family}`);
  const maxPrefix = family === 4 ? 32 : 128;
  if (!Number.isInteger(spec.prefixLen) || spec.prefixLen < 0 || spec.prefixLen > maxPrefix) {
    throw invalidAddress(`${spec.address}/${spec.prefixLen}`, `IPv${family} prefix`);
  }
  let flags = 0;
  if (family === 6 && (spec.noDad ?? true)) flags |= C.IFA_F_NODAD;
  if (spec.noPrefixRoute) flags |= C.IFA_F_NOPREFIXROUTE;
  const attrs: NlAttr[] = [attrBytes(C.IFA_LOCAL, addr), attrBytes(C.IFA_ADDRESS, addr)];
  if (spec.broadcast !== undefined && family === 4) {
    const b = parseIp(spec.broadcast);
    if (!b || b.length !== 4) throw invalidAddress(spec.broadcast, 'IPv4 broadcast');
    attrs.push(attrBytes(C.IFA_BROADCAST, b));
  }
  if (spec.label !== undefined && family === 4) attrs.push(attrString(C.IFA_LABEL, spec.label));
  if (flags > 0xff) attrs.push(attrU32(C.IFA_FLAGS, flags));
  const fam = family === 4 ? C.AF_INET : C.AF_INET6;
  return Buffer.concat([encodeIfaddrmsg(fam, spec.prefixLen, flags, spec.scope ?? C.RT_SCOPE_UNIVERSE, spec.ifindex), encodeAttrs(attrs)]);
}

/** Decode an RTM_NEWLINK / RTM_DELLINK body. */
export function decodeLink(payload: Buffer): LinkInfo | null {
  if (payload.length < IFINFOMSG_LEN) return null;
  const linkType = readU16Host(payload, 2);
  const ifindex = readI32Host(payload, 4);
  const flags = readU32Host(payload, 8);
  const a = attrMap(decodeAttrs(payload, IFINFOMSG_LEN));
  const name = readAttrString(a.get(C.IFLA_IFNAME));
  if (name === undefined) return null;
  const macBytes = a.get(C.IFLA_ADDRESS);
  const oper = readAttrU8(a.get(C.IFLA_OPERSTATE)) ?? 0;
  const info: LinkInfo = {
    ifindex,
    name,
    mac: macBytes && macBytes.length > 0 ? formatMac(macBytes) : null,
    up: (flags & C.IFF_UP) !== 0,
    running: (flags & C.IFF_RUNNING) !== 0,
    lowerUp: (flags & C.IFF_LOWER_UP) !== 0,
    operState: C.OPER_STATES[oper] ?? 'unknown',
    mtu: readAttrU32(a.get(C.IFLA_MTU)) ?? null,
    flags,
    linkType,
  };
  const parent = readAttrU32(a.get(C.IFLA_LINK));
  if (parent !== undefined) info.parentIfindex = parent;
  const linkinfo = a.get(C.IFLA_LINKINFO);
  if (linkinfo) {
    const li = attrMap(decodeAttrs(linkinfo));
    const kind = readAttrString(li.get(IFLA_INFO_KIND));
    if (kind !== undefined) info.kind = kind;
    const data = li.get(IFLA_INFO_DATA);
    if (kind === 'macvlan' && data) {
      const mode = readAttrU32(attrMap(decodeAttrs(data)).get(IFLA_MACVLAN_MODE));
      if (mode !== undefined) info.macvlanMode = mode;
    }
  }
  return info;
}

// ---- link creation (use_vmac): linux/if_link.h ----
/** IFLA_LINKINFO children. */
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
/** IFLA_INFO_DATA child of a macvlan. */
export const IFLA_MACVLAN_MODE = 1;
/** enum macvlan_mode: private = no frames between macvlans of one parent (what keepalived's VMAC uses). */
export const MACVLAN_MODE_PRIVATE = 1;

export interface MacvlanSpec {
  /** New interface name (≤ 15 bytes), e.g. "vrrp.51". */
  name: string;
  /** The interface it sits on (IFLA_LINK). */
  parentIfindex: number;
  /** "00:00:5e:00:01:33". */
  mac: string;
  /** MACVLAN_MODE_*, default private. */
  mode?: number;
}

/**
 * Body of RTM_NEWLINK (with NLM_F_CREATE|NLM_F_EXCL) that creates a macvlan, attribute for attribute as
 * keepalived's netlink_link_add_vmac() builds it (vrrp_vmac.c:318-353): LINKINFO{KIND "macvlan" (no NUL, as
 * iproute2 and keepalived send it), DATA{MACVLAN_MODE}}, LINK, IFNAME, ADDRESS. Created down: the caller
 * writes the interface's sysctls before bringing it up, so it never sends with defaults.
 */
export function encodeMacvlanCreate(spec: MacvlanSpec): Buffer {
  const mac = parseMac(spec.mac);
  if (!mac) throw invalidAddress(spec.mac, 'MAC');
  if (spec.name.length === 0 || Buffer.byteLength(spec.name) > 15) throw invalidAddress(spec.name, 'interface name (1-15 bytes)');
  const attrs: NlAttr[] = [
    attrNested(C.IFLA_LINKINFO, [
      attrBytes(IFLA_INFO_KIND, Buffer.from('macvlan', 'ascii')),
      attrNested(IFLA_INFO_DATA, [attrU32(IFLA_MACVLAN_MODE, spec.mode ?? MACVLAN_MODE_PRIVATE)]),
    ]),
    attrU32(C.IFLA_LINK, spec.parentIfindex),
    attrString(C.IFLA_IFNAME, spec.name),
    attrBytes(C.IFLA_ADDRESS, mac),
  ];
  return Buffer.concat([encodeIfinfomsg(), encodeAttrs(attrs)]);
}

/** Body of RTM_NEWLINK that sets or clears IFF_UP on one interface (ifi_change = IFF_UP: nothing else moves). */
export function encodeLinkSetUp(ifindex: number, up: boolean): Buffer {
  const b = encodeIfinfomsg(C.AF_UNSPEC, ifindex);
  writeU32Host(b, up ? C.IFF_UP : 0, 8);
  writeU32Host(b, C.IFF_UP, 12);
  return b;
}

/** Body of RTM_DELLINK for one interface (by index, like keepalived's netlink_link_del_vmac). */
export function encodeLinkDelete(ifindex: number): Buffer {
  return encodeIfinfomsg(C.AF_UNSPEC, ifindex);
}

/** Decode an RTM_NEWADDR / RTM_DELADDR body (IPv4 and IPv6 only). */
export function decodeAddress(payload: Buffer): AddressInfo | null {
  if (payload.length < IFADDRMSG_LEN) return null;
  const fam = payload[0];
  const family: IpFamily | null = fam === C.AF_INET ? 4 : fam === C.AF_INET6 ? 6 : null;
  if (family === null) return null;
  const alen = family === 4 ? 4 : 16;
  const a = attrMap(decodeAttrs(payload, IFADDRMSG_LEN));
  const ip = (t: number): string | undefined => {
    const v = a.get(t);
    return v && v.length === alen ? formatIp(v) : undefined;
  };
  const local = ip(C.IFA_LOCAL);
  const address = ip(C.IFA_ADDRESS);
  const own = local ?? address;
  if (own === undefined) return null;
  const flags = readAttrU32(a.get(C.IFA_FLAGS)) ?? payload[2]!;
  const info: AddressInfo = {
    family,
    ifindex: readU32Host(payload, 4),
    address: own,
    prefixLen: payload[1]!,
    secondary: (flags & C.IFA_F_SECONDARY) !== 0,
    tentative: (flags & C.IFA_F_TENTATIVE) !== 0,
    flags,
    scope: payload[3]!,
  };
  const label = readAttrString(a.get(C.IFA_LABEL));
  if (label !== undefined) info.label = label;
  const brd = ip(C.IFA_BROADCAST);
  if (brd !== undefined) info.broadcast = brd;
  if (local !== undefined && address !== undefined && address !== local) info.peer = address;
  return info;
}

/**
 * The interface's primary IPv4 address: the first non-secondary address the kernel lists for it, which is
 * what keepalived uses as the advert source when no mcast_src_ip/unicast_src_ip is set (VRRP_PKT_SADDR).
 */
export function primaryIpv4(addresses: readonly AddressInfo[], ifindex: number): string | null {
  const a = addresses.find((x) => x.family === 4 && x.ifindex === ifindex && !x.secondary);
  return a ? a.address : null;
}

/** The interface's first usable link-local IPv6 address: the VRRPv3/IPv6 advert source (RFC 5798 §5.1.2.2). */
export function linkLocalIpv6(addresses: readonly AddressInfo[], ifindex: number): string | null {
  const a = addresses.find(
    (x) => x.family === 6 && x.ifindex === ifindex && !x.tentative && isIpv6LinkLocal(parseIp(x.address)!),
  );
  return a ? a.address : null;
}
