// IPVS request attributes (the area after genlmsghdr), pure. Field order follows libipvs
// (ipvsadm libipvs.c ipvs_nl_fill_service_attr / ipvs_nl_fill_dest_attr) so a capture of ours reads like
// ipvsadm's. Shapes the kernel would refuse for sure are refused here first with VIPD_ERR_IPVS_INVALID and
// nothing is sent; value checks the kernel owns (weight range, thresholds, address kinds) are left to it.
import { VipdError } from '../../errors/vipdError.js';
import { parseIpv4, parseIpv6 } from '../../ip/address.js';
import { writeU32Host } from '../../net/sockaddr.js';
import { attrBytes, attrNested, attrString, attrU16, attrU16be, attrU32, attrU32be, attrU8, encodeAttrs, type NlAttr } from '../../net/nlattr.js';
import {
  AF_INET,
  AF_INET6,
  DAEMON_STATES,
  FORWARD_METHODS,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPVS_CMD_ATTR,
  IPVS_DAEMON_ATTR,
  IPVS_DEST_ATTR,
  IPVS_SVC_ATTR,
  NAME_MAXLEN,
  TUNNEL_TYPES,
  type DaemonState,
} from './constants.js';
import type { DaemonSpec, DestKey, DestSpec, IpvsFamily, IpvsProtocol, IpvsTimeouts, ServiceKey, ServiceSpec } from './types.js';

const PROTOCOLS: Record<IpvsProtocol, number> = { tcp: IPPROTO_TCP, udp: IPPROTO_UDP, sctp: IPPROTO_SCTP };

function invalid(message: string): VipdError<'VIPD_ERR_IPVS_INVALID'> {
  return new VipdError('VIPD_ERR_IPVS_INVALID', message);
}

export function afNumber(family: IpvsFamily): number {
  return family === 'inet' ? AF_INET : AF_INET6;
}

/** union nf_inet_addr: 16 bytes, IPv4 in the first 4. */
export function addressBytes(family: IpvsFamily, address: string): Buffer {
  const raw = family === 'inet' ? parseIpv4(address) : parseIpv6(address);
  if (!raw) throw invalid(`"${address}" is not an ${family === 'inet' ? 'IPv4' : 'IPv6'} address`);
  const out = Buffer.alloc(16);
  raw.copy(out, 0);
  return out;
}

function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw invalid(`${what} port ${port} is not in 0..65535`);
}

function checkU32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw invalid(`${what} ${v} is not in 0..4294967295`);
}

function checkName(name: string, what: string): void {
  if (name.length === 0 || Buffer.byteLength(name) >= NAME_MAXLEN) throw invalid(`${what} "${name}" must be 1..${NAME_MAXLEN - 1} bytes`);
}

/** Printable identity, for messages: "TCP 10.0.0.1:80", "FWM 7 (inet6)". */
export function serviceLabel(k: ServiceKey): string {
  if (k.fwmark !== undefined) return `FWM ${k.fwmark}${k.family === 'inet6' ? ' (IPv6)' : ''}`;
  const host = k.family === 'inet6' ? `[${k.address}]` : k.address;
  return `${k.protocol.toUpperCase()} ${host}:${k.port}`;
}

export function destLabel(family: IpvsFamily, d: DestKey): string {
  return family === 'inet6' || d.address.includes(':') ? `[${d.address}]:${d.port}` : `${d.address}:${d.port}`;
}

/** The key attributes of a service: AF and FWMARK, or AF, PROTOCOL, ADDR, PORT. */
function serviceKeyAttrs(k: ServiceKey): NlAttr[] {
  const attrs: NlAttr[] = [attrU16(IPVS_SVC_ATTR.AF, afNumber(k.family))];
  if (k.fwmark !== undefined) {
    checkU32(k.fwmark, 'fwmark');
    if (k.fwmark === 0) throw invalid('fwmark 0 does not identify a service');
    attrs.push(attrU32(IPVS_SVC_ATTR.FWMARK, k.fwmark));
    return attrs;
  }
  const proto = PROTOCOLS[k.protocol];
  if (proto === undefined) throw invalid(`protocol "${String(k.protocol)}" is not tcp, udp or sctp`);
  checkPort(k.port, 'service');
  attrs.push(
    attrU16(IPVS_SVC_ATTR.PROTOCOL, proto),
    attrBytes(IPVS_SVC_ATTR.ADDR, addressBytes(k.family, k.address)),
    attrU16be(IPVS_SVC_ATTR.PORT, k.port),
  );
  return attrs;
}

/**
 * NETMASK: IPv4 sends the mask bytes as on the wire (255.255.255.0 → ff ff ff 00); IPv6 sends the prefix length
 * 1..128 as a host-order u32 (ip_vs_ctl.c ip_vs_genl_parse_service; ipvsadm does the same).
 */
function netmaskAttr(family: IpvsFamily, bits: number): NlAttr {
  if (family === 'inet') {
    if (!Number.isInteger(bits) || bits < 0 || bits > 32) throw invalid(`IPv4 persistence netmask /${bits} is not in 0..32`);
    return attrU32be(IPVS_SVC_ATTR.NETMASK, bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);
  }
  if (!Number.isInteger(bits) || bits < 1 || bits > 128) throw invalid(`IPv6 persistence prefix /${bits} is not in 1..128`);
  return attrU32(IPVS_SVC_ATTR.NETMASK, bits);
}

/** struct ip_vs_flags { u32 flags; u32 mask; }: mask ~0 sets every flag to the given value, as keepalived does. */
function flagsAttr(flags: number): NlAttr {
  checkU32(flags, 'service flags');
  const b = Buffer.alloc(8);
  writeU32Host(b, flags >>> 0, 0);
  writeU32Host(b, 0xffffffff, 4);
  return attrBytes(IPVS_SVC_ATTR.FLAGS, b);
}

function serviceNest(s: ServiceSpec): NlAttr {
  checkName(s.scheduler, 'scheduler');
  checkU32(s.timeoutS, 'persistence timeout');
  const attrs = serviceKeyAttrs(s);
  attrs.push(attrString(IPVS_SVC_ATTR.SCHED_NAME, s.scheduler));
  if (s.peName !== undefined) {
    checkName(s.peName, 'persistence engine');
    attrs.push(attrString(IPVS_SVC_ATTR.PE_NAME, s.peName));
  }
  attrs.push(flagsAttr(s.flags), attrU32(IPVS_SVC_ATTR.TIMEOUT, s.timeoutS), netmaskAttr(s.family, s.netmaskBits));
  return attrNested(IPVS_CMD_ATTR.SERVICE, attrs);
}

function serviceKeyNest(k: ServiceKey): NlAttr {
  return attrNested(IPVS_CMD_ATTR.SERVICE, serviceKeyAttrs(k));
}

/** NEW_SERVICE / SET_SERVICE. */
export function encodeServiceFull(s: ServiceSpec): Buffer {
  return encodeAttrs([serviceNest(s)]);
}

/** DEL_SERVICE, GET_SERVICE (doit), GET_DEST (dump), ZERO: the service key alone. */
export function encodeServiceKey(k: ServiceKey): Buffer {
  return encodeAttrs([serviceKeyNest(k)]);
}

function destKeyAttrs(family: IpvsFamily, d: DestKey): NlAttr[] {
  checkPort(d.port, 'real server');
  return [attrBytes(IPVS_DEST_ATTR.ADDR, addressBytes(family, d.address)), attrU16be(IPVS_DEST_ATTR.PORT, d.port)];
}

/** NEW_DEST / SET_DEST: the service key and the full destination, both at the top level. */
export function encodeDestFull(svc: ServiceKey, d: DestSpec): Buffer {
  const family = d.family ?? svc.family;
  if (family !== svc.family && d.forward !== 'tunnel') {
    throw invalid(`real server ${destLabel(family, d)} of another family than ${serviceLabel(svc)} needs forwarding "tunnel"`);
  }
  const fwd = FORWARD_METHODS[d.forward];
  if (fwd === undefined) throw invalid(`forwarding method "${String(d.forward)}" is not masq, local, tunnel, route or bypass`);
  for (const [v, what] of [
    [d.upperThreshold, 'u_threshold'],
    [d.lowerThreshold, 'l_threshold'],
  ] as const) {
    checkU32(v, what);
  }
  if (!Number.isInteger(d.weight) || d.weight < -0x80000000 || d.weight > 0x7fffffff) throw invalid(`weight ${d.weight} is not a 32-bit integer`);
  const attrs = destKeyAttrs(family, d);
  attrs.push(
    attrU32(IPVS_DEST_ATTR.FWD_METHOD, fwd),
    attrU32(IPVS_DEST_ATTR.WEIGHT, d.weight >>> 0),
    attrU32(IPVS_DEST_ATTR.U_THRESH, d.upperThreshold),
    attrU32(IPVS_DEST_ATTR.L_THRESH, d.lowerThreshold),
    attrU16(IPVS_DEST_ATTR.ADDR_FAMILY, afNumber(family)),
  );
  if (d.tunnel) {
    const type = TUNNEL_TYPES[d.tunnel.type];
    if (type === undefined) throw invalid(`tunnel type "${String(d.tunnel.type)}" is not ipip, gue or gre`);
    checkPort(d.tunnel.port, 'tunnel');
    if (d.tunnel.type === 'gue' && d.tunnel.port === 0) throw invalid(`GUE tunnel to ${destLabel(family, d)} needs a port`);
    attrs.push(attrU8(IPVS_DEST_ATTR.TUN_TYPE, type), attrU16be(IPVS_DEST_ATTR.TUN_PORT, d.tunnel.port), attrU16(IPVS_DEST_ATTR.TUN_FLAGS, d.tunnel.flags));
  }
  return encodeAttrs([serviceKeyNest(svc), attrNested(IPVS_CMD_ATTR.DEST, attrs)]);
}

/** DEL_DEST: service key and destination key. */
export function encodeDestKey(svc: ServiceKey, d: DestKey & { family?: IpvsFamily }): Buffer {
  const family = d.family ?? svc.family;
  const attrs = destKeyAttrs(family, d);
  if (family !== svc.family) attrs.push(attrU16(IPVS_DEST_ATTR.ADDR_FAMILY, afNumber(family)));
  return encodeAttrs([serviceKeyNest(svc), attrNested(IPVS_CMD_ATTR.DEST, attrs)]);
}

/** NEW_DAEMON: STATE, MCAST_IFN, SYNC_ID, then the ≥ 4.3 options only when set. */
export function encodeDaemonStart(d: DaemonSpec): Buffer {
  checkName(d.ifname, 'sync daemon interface');
  if (!Number.isInteger(d.syncId) || d.syncId < 0 || d.syncId > 255) throw invalid(`sync id ${d.syncId} is not in 0..255`);
  const attrs: NlAttr[] = [
    attrU32(IPVS_DAEMON_ATTR.STATE, DAEMON_STATES[d.state]),
    attrString(IPVS_DAEMON_ATTR.MCAST_IFN, d.ifname),
    attrU32(IPVS_DAEMON_ATTR.SYNC_ID, d.syncId),
  ];
  if (d.maxLen) attrs.push(attrU16(IPVS_DAEMON_ATTR.SYNC_MAXLEN, d.maxLen));
  if (d.group) {
    const v4 = parseIpv4(d.group);
    const v6 = v4 ? null : parseIpv6(d.group);
    if (!v4 && !v6) throw invalid(`sync group "${d.group}" is not an IP address`);
    attrs.push(v4 ? attrBytes(IPVS_DAEMON_ATTR.MCAST_GROUP, v4) : attrBytes(IPVS_DAEMON_ATTR.MCAST_GROUP6, v6!));
  }
  if (d.port) {
    checkPort(d.port, 'sync');
    attrs.push(attrU16(IPVS_DAEMON_ATTR.MCAST_PORT, d.port));
  }
  if (d.ttl) attrs.push(attrU8(IPVS_DAEMON_ATTR.MCAST_TTL, d.ttl));
  return encodeAttrs([attrNested(IPVS_CMD_ATTR.DAEMON, attrs)]);
}

/** DEL_DAEMON: the state alone. */
export function encodeDaemonStop(state: DaemonState): Buffer {
  return encodeAttrs([attrNested(IPVS_CMD_ATTR.DAEMON, [attrU32(IPVS_DAEMON_ATTR.STATE, DAEMON_STATES[state])])]);
}

/** SET_CONFIG: top-level timeouts in seconds; the kernel leaves a 0 value unchanged. */
export function encodeTimeouts(t: IpvsTimeouts): Buffer {
  checkU32(t.tcpS, 'tcp timeout');
  checkU32(t.tcpFinS, 'tcp fin timeout');
  checkU32(t.udpS, 'udp timeout');
  return encodeAttrs([
    attrU32(IPVS_CMD_ATTR.TIMEOUT_TCP, t.tcpS),
    attrU32(IPVS_CMD_ATTR.TIMEOUT_TCP_FIN, t.tcpFinS),
    attrU32(IPVS_CMD_ATTR.TIMEOUT_UDP, t.udpS),
  ]);
}
