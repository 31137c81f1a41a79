// Builders and parsers for the C structs the addon passes through as raw bytes: sockaddr_in / in6 / ll / nl,
// ip_mreqn, ipv6_mreq, in_pktinfo, in6_pktinfo. Layouts are the Linux UAPI ones; fields documented as "host"
// are in the CPU's byte order (sa_family, ifindex, scope_id, nl_pid), network-order fields are big-endian.
// Parsers never throw on short input: they return null.
import { endianness } from 'node:os';
import { AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, ARPHRD_ETHER } from './constants.js';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../ip/address.js';
import { invalidAddress } from './errors.js';

const LITTLE_ENDIAN = endianness() === 'LE';

export function writeU16Host(buf: Buffer, value: number, offset: number): void {
  if (LITTLE_ENDIAN) buf.writeUInt16LE(value, offset);
  else buf.writeUInt16BE(value, offset);
}
export function readU16Host(buf: Buffer, offset: number): number {
  return LITTLE_ENDIAN ? buf.readUInt16LE(offset) : buf.readUInt16BE(offset);
}
export function writeU32Host(buf: Buffer, value: number, offset: number): void {
  if (LITTLE_ENDIAN) buf.writeUInt32LE(value >>> 0, offset);
  else buf.writeUInt32BE(value >>> 0, offset);
}
export function readU32Host(buf: Buffer, offset: number): number {
  return LITTLE_ENDIAN ? buf.readUInt32LE(offset) : buf.readUInt32BE(offset);
}
export function writeI32Host(buf: Buffer, value: number, offset: number): void {
  if (LITTLE_ENDIAN) buf.writeInt32LE(value, offset);
  else buf.writeInt32BE(value, offset);
}
export function readI32Host(buf: Buffer, offset: number): number {
  return LITTLE_ENDIAN ? buf.readInt32LE(offset) : buf.readInt32BE(offset);
}

function ipv4OrThrow(address: string): Buffer {
  const b = parseIpv4(address);
  if (!b) throw invalidAddress(address, 'IPv4');
  return b;
}
function ipv6OrThrow(address: string): Buffer {
  const b = parseIpv6(address);
  if (!b) throw invalidAddress(address, 'IPv6');
  return b;
}

/** struct sockaddr_in (16 bytes): family(host u16) port(be16) addr(4) zero(8). */
export function sockaddrIn(address: string, port = 0): Buffer {
  const out = Buffer.alloc(16);
  writeU16Host(out, AF_INET, 0);
  out.writeUInt16BE(port, 2);
  ipv4OrThrow(address).copy(out, 4);
  return out;
}

/** struct sockaddr_in6 (28 bytes): family, port(be16), flowinfo(be32), addr(16), scope_id(host u32). */
export function sockaddrIn6(address: string, port = 0, scopeId = 0): Buffer {
  const out = Buffer.alloc(28);
  writeU16Host(out, AF_INET6, 0);
  out.writeUInt16BE(port, 2);
  ipv6OrThrow(address).copy(out, 8);
  writeU32Host(out, scopeId, 24);
  return out;
}

/**
 * struct sockaddr_ll (20 bytes): family, protocol(be16 ethertype), ifindex(host i32), hatype(host u16),
 * pkttype(u8), halen(u8), addr[8]. For sending, the kernel uses ifindex, protocol, halen and addr (dst MAC).
 */
export function sockaddrLl(ifindex: number, protocol: number, dstMac?: Buffer): Buffer {
  const out = Buffer.alloc(20);
  writeU16Host(out, AF_PACKET, 0);
  out.writeUInt16BE(protocol, 2);
  writeI32Host(out, ifindex, 4);
  writeU16Host(out, ARPHRD_ETHER, 8);
  if (dstMac) {
    out[11] = Math.min(dstMac.length, 8);
    dstMac.copy(out, 12, 0, Math.min(dstMac.length, 8));
  }
  return out;
}

/** struct sockaddr_nl (12 bytes): family, pad, nl_pid(host u32; 0 = kernel / let the kernel assign), nl_groups. */
export function sockaddrNl(pid = 0, groups = 0): Buffer {
  const out = Buffer.alloc(12);
  writeU16Host(out, AF_NETLINK, 0);
  writeU32Host(out, pid, 4);
  writeU32Host(out, groups, 8);
  return out;
}

export type ParsedSockaddr =
  | { family: 'inet'; address: string; port: number }
  | { family: 'inet6'; address: string; port: number; flowInfo: number; scopeId: number }
  | { family: 'packet'; protocol: number; ifindex: number; hatype: number; pktType: number; mac: Buffer }
  | { family: 'netlink'; pid: number; groups: number };

/** Parse the sender address returned by recvmsg; null for unknown families or short buffers. */
export function parseSockaddr(buf: Buffer): ParsedSockaddr | null {
  if (buf.length < 2) return null;
  const family = readU16Host(buf, 0);
  if (family === AF_INET && buf.length >= 8) {
    return { family: 'inet', port: buf.readUInt16BE(2), address: formatIpv4(buf, 4) };
  }
  if (family === AF_INET6 && buf.length >= 24) {
    return {
      family: 'inet6',
      port: buf.readUInt16BE(2),
      flowInfo: buf.readUInt32BE(4),
      address: formatIpv6(buf, 8),
      scopeId: buf.length >= 28 ? readU32Host(buf, 24) : 0,
    };
  }
  if (family === AF_PACKET && buf.length >= 12) {
    const halen = Math.min(buf[11]!, 8, Math.max(0, buf.length - 12));
    return {
      family: 'packet',
      protocol: buf.readUInt16BE(2),
      ifindex: readI32Host(buf, 4),
      hatype: readU16Host(buf, 8),
      pktType: buf[10]!,
      mac: Buffer.from(buf.subarray(12, 12 + halen)),
    };
  }
  if (family === AF_NETLINK && buf.length >= 12) {
    return { family: 'netlink', pid: readU32Host(buf, 4), groups: readU32Host(buf, 8) };
  }
  return null;
}

/** struct ip_mreqn (12 bytes): multiaddr(4) address(4, 0.0.0.0 = any) ifindex(host i32). IP_ADD_MEMBERSHIP / IP_MULTICAST_IF. */
export function ipMreqn(group: string | null, ifindex: number, localAddress = '0.0.0.0'): Buffer {
  const out = Buffer.alloc(12);
  if (group !== null) ipv4OrThrow(group).copy(out, 0);
  ipv4OrThrow(localAddress).copy(out, 4);
  writeI32Host(out, ifindex, 8);
  return out;
}

/** struct ipv6_mreq (20 bytes): multiaddr(16) ifindex(host i32). IPV6_ADD_MEMBERSHIP. */
export function ipv6Mreq(group: string, ifindex: number): Buffer {
  const out = Buffer.alloc(20);
  ipv6OrThrow(group).copy(out, 0);
  writeI32Host(out, ifindex, 16);
  return out;
}

/** struct in6_pktinfo (20 bytes): addr(16) ifindex(host i32). */
export function in6Pktinfo(address: string, ifindex: number): Buffer {
  const out = Buffer.alloc(20);
  ipv6OrThrow(address).copy(out, 0);
  writeI32Host(out, ifindex, 16);
  return out;
}

export function parseIn6Pktinfo(buf: Buffer): { address: string; ifindex: number } | null {
  if (buf.length < 20) return null;
  return { address: formatIpv6(buf, 0), ifindex: readI32Host(buf, 16) };
}

/** struct in_pktinfo (12 bytes): ifindex(host i32) spec_dst(4) addr(4, the header destination). */
export function parseInPktinfo(buf: Buffer): { ifindex: number; specDst: string; address: string } | null {
  if (buf.length < 12) return null;
  return { ifindex: readI32Host(buf, 0), specDst: formatIpv4(buf, 4), address: formatIpv4(buf, 8) };
}
