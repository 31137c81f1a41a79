// Ancillary data (struct cmsghdr, cmsg(3)) build/parse for sendmsg/recvmsg through the addon.
// Layout: { size_t cmsg_len; int cmsg_level; int cmsg_type; data…; pad to sizeof(size_t) }.
// size_t is 8 bytes on the 64-bit ABIs and 4 on the 32-bit ones; all fields are in host byte order.
import { readI32Host, readU32Host, writeI32Host, writeU32Host } from './sockaddr.js';
import {
  IPPROTO_IP,
  IPPROTO_IPV6,
  IP_PKTINFO,
  IP_TTL,
  IPV6_HOPLIMIT,
  IPV6_PKTINFO,
  IPV6_TCLASS,
} from './constants.js';
import { endianness } from 'node:os';
import { parseIn6Pktinfo, parseInPktinfo } from './sockaddr.js';

const ARCH_64 = new Set(['x64', 'arm64', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el', 'mips64']);

export interface CmsgLayout {
  /** sizeof(size_t): width of cmsg_len and the alignment unit. */
  readonly sizeTBytes: 4 | 8;
  readonly littleEndian: boolean;
}

/** The layout of the running process (what the kernel expects from this Node binary). */
export function hostCmsgLayout(): CmsgLayout {
  return { sizeTBytes: ARCH_64.has(process.arch) ? 8 : 4, littleEndian: endianness() === 'LE' };
}

export interface Cmsg {
  level: number;
  type: number;
  data: Buffer;
}

function align(n: number, unit: number): number {
  return (n + unit - 1) & ~(unit - 1);
}

/** CMSG_SPACE(dataLen) for the given layout. */
export function cmsgSpace(dataLen: number, layout: CmsgLayout = hostCmsgLayout()): number {
  const hdr = align(layout.sizeTBytes + 8, layout.sizeTBytes);
  return hdr + align(dataLen, layout.sizeTBytes);
}

/** Build a control buffer holding the given messages (each padded to CMSG_SPACE). */
export function buildCmsgs(msgs: readonly Cmsg[], layout: CmsgLayout = hostCmsgLayout()): Buffer {
  const w = layout.sizeTBytes;
  const hdr = align(w + 8, w);
  const total = msgs.reduce((n, m) => n + cmsgSpace(m.data.length, layout), 0);
  const out = Buffer.alloc(total);
  let off = 0;
  for (const m of msgs) {
    const len = hdr + m.data.length; // CMSG_LEN
    writeSizeT(out, len, off, layout);
    writeI32(out, m.level, off + w, layout);
    writeI32(out, m.type, off + w + 4, layout);
    m.data.copy(out, off + hdr);
    off += cmsgSpace(m.data.length, layout);
  }
  return out;
}

/** Parse a control buffer from recvmsg. Stops (without throwing) at the first malformed header. */
export function parseCmsgs(buf: Buffer, layout: CmsgLayout = hostCmsgLayout()): Cmsg[] {
  const w = layout.sizeTBytes;
  const hdr = align(w + 8, w);
  const out: Cmsg[] = [];
  let off = 0;
  while (off + hdr <= buf.length) {
    const len = readSizeT(buf, off, layout);
    if (len < hdr || off + len > buf.length) break;
    out.push({
      level: readI32(buf, off + w, layout),
      type: readI32(buf, off + w + 4, layout),
      data: Buffer.from(buf.subarray(off + hdr, off + len)),
    });
    off += align(len, w);
  }
  return out;
}

/** What the VRRP receive path wants from the ancillary data (IP_PKTINFO/IP_TTL, IPV6_PKTINFO/IPV6_HOPLIMIT). */
export interface PacketInfo {
  ifindex?: number;
  /** Destination address of the received packet (header daddr). */
  dst?: string;
  /** IPv4 TTL or IPv6 hop limit. */
  hopLimit?: number;
  trafficClass?: number;
}

export function packetInfoFromCmsgs(msgs: readonly Cmsg[], layout: CmsgLayout = hostCmsgLayout()): PacketInfo {
  const info: PacketInfo = {};
  const intOf = (d: Buffer): number | undefined => (d.length >= 4 ? readI32(d, 0, layout) : d[0]);
  for (const m of msgs) {
    if (m.level === IPPROTO_IP && m.type === IP_PKTINFO) {
      const p = parseInPktinfo(m.data);
      if (p) {
        info.ifindex = p.ifindex;
        info.dst = p.address;
      }
    } else if (m.level === IPPROTO_IP && m.type === IP_TTL) {
      info.hopLimit = intOf(m.data);
    } else if (m.level === IPPROTO_IPV6 && m.type === IPV6_PKTINFO) {
      const p = parseIn6Pktinfo(m.data);
      if (p) {
        info.ifindex = p.ifindex;
        info.dst = p.address;
      }
    } else if (m.level === IPPROTO_IPV6 && m.type === IPV6_HOPLIMIT) {
      info.hopLimit = intOf(m.data);
    } else if (m.level === IPPROTO_IPV6 && m.type === IPV6_TCLASS) {
      info.trafficClass = intOf(m.data);
    }
  }
  return info;
}

/** A 4-byte host-order int payload (IPV6_HOPLIMIT, IPV6_TCLASS on send). */
export function intCmsgData(value: number, layout: CmsgLayout = hostCmsgLayout()): Buffer {
  const b = Buffer.alloc(4);
  writeI32(b, value, 0, layout);
  return b;
}

function isHost(layout: CmsgLayout): boolean {
  return layout.littleEndian === (endianness() === 'LE');
}
function writeI32(buf: Buffer, v: number, off: number, layout: CmsgLayout): void {
  if (isHost(layout)) writeI32Host(buf, v, off);
  else if (layout.littleEndian) buf.writeInt32LE(v, off);
  else buf.writeInt32BE(v, off);
}
function readI32(buf: Buffer, off: number, layout: CmsgLayout): number {
  if (isHost(layout)) return readI32Host(buf, off);
  return layout.littleEndian ? buf.readInt32LE(off) : buf.readInt32BE(off);
}
function writeSizeT(buf: Buffer, v: number, off: number, layout: CmsgLayout): void {
  if (layout.sizeTBytes === 8) {
    if (layout.littleEndian) buf.writeBigUInt64LE(BigInt(v), off);
    else buf.writeBigUInt64BE(BigInt(v), off);
  } else if (isHost(layout)) writeU32Host(buf, v, off);
  else if (layout.littleEndian) buf.writeUInt32LE(v, off);
  else buf.writeUInt32BE(v, off);
}
function readSizeT(buf: Buffer, off: number, layout: CmsgLayout): number {
  if (layout.sizeTBytes === 8) {
    const v = layout.littleEndian ? buf.readBigUInt64LE(off) : buf.readBigUInt64BE(off);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }
  if (isHost(layout)) return readU32Host(buf, off);
  return layout.littleEndian ? buf.readUInt32LE(off) : buf.readUInt32BE(off);
}
