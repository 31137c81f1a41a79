// The compact binary form of one conntrack entry: fixed-size bytes instead of an object graph. It is the record
// of the sync wire format (src/sync/codec.ts) and the slot content of the sync caches (src/sync/table.ts), so a
// change read from the kernel is written once and then only copied: into the cache, into a datagram, into a
// peer's cache. At 100,000 entries an object per entry (plus tuples and strings) is what the GC spends its time
// copying; bytes in one slab are not looked at by the GC at all.
//
//   0 u8 op (1 upsert, 2 delete)   1 u8 family (4|6)   2 u8 protocol   3 u8 TCP state (0xff: no TCP info)
//   4 u32 status   8 u32 timeout (s)   12 u32 mark   16 u16 zone   18 u8 wscale orig   19 u8 wscale reply
//  20 u16 orig src port   22 u16 orig dst port   24 u16 reply src port   26 u16 reply dst port
//  28 u16 ICMP id   30 u8 ICMP type   31 u8 ICMP code
//  32 orig src, orig dst, reply src, reply dst (4 or 16 bytes each)
//
// Integers big-endian. The key (what the kernel hashes on, as entryKey()) is family, protocol, zone, the
// original ports, the ICMP fields and the original addresses.
import { formatAddress, parseAddress } from '../ip/address.js';
import { get16, get32, put16, put32, writeIpv4 } from './bytes.js';
import type { AddressNames, TcpInfos } from './interning.js';
import type { RecordDropReason } from './drops.js';
import type { ConntrackEntry, IpFamily } from './types.js';

// The byte helpers live in bytes.ts (types.ts needs them too); re-exported for the record's users.
export { get16, get32, put16, put32, writeIpv4 };

export const OP_UPSERT = 1;
export const OP_DELETE = 2;
export const NO_TCP = 0xff;
/** Fixed part of a record before the four addresses. */
export const RECORD_FIXED = 32;
/** An IPv6 record: the largest. */
export const RECORD_MAX = RECORD_FIXED + 4 * 16;

export function recordLen(family: IpFamily): number {
  return RECORD_FIXED + 4 * (family === 4 ? 4 : 16);
}

/** Copy len bytes of a record (a loop: for 48 bytes cheaper than a subarray view plus set()). */
export function copyRecord(src: Uint8Array, from: number, dst: Uint8Array, to: number, len: number): void {
  for (let i = 0; i < len; i++) dst[to + i] = src[from + i]!;
}

/** Length of the record at off from its family byte; 0 when the family is not 4 or 6. */
export function recordLenAt(buf: Uint8Array, off: number): number {
  const f = buf[off + 1];
  return f === 4 ? RECORD_FIXED + 16 : f === 6 ? RECORD_MAX : 0;
}

/** The entry as a record at out[off…]; the caller guarantees recordLen(family) bytes of room. */
export function writeRecord(op: number, e: ConntrackEntry, out: Uint8Array, off: number): number {
  const tcp = e.tcp;
  out[off] = op;
  out[off + 1] = e.family;
  out[off + 2] = e.orig.proto;
  out[off + 3] = tcp ? tcp.state : NO_TCP;
  put32(out, off + 4, e.status);
  put32(out, off + 8, e.timeoutS);
  put32(out, off + 12, e.mark);
  put16(out, off + 16, e.zone);
  out[off + 18] = tcp ? tcp.wscaleOrig : 0;
  out[off + 19] = tcp ? tcp.wscaleReply : 0;
  put16(out, off + 20, e.orig.srcPort);
  put16(out, off + 22, e.orig.dstPort);
  put16(out, off + 24, e.reply.srcPort);
  put16(out, off + 26, e.reply.dstPort);
  put16(out, off + 28, e.orig.icmpId);
  out[off + 30] = e.orig.icmpType;
  out[off + 31] = e.orig.icmpCode;
  const alen = e.family === 4 ? 4 : 16;
  const a = off + RECORD_FIXED;
  writeAddr(e.orig.src, alen, out, a);
  writeAddr(e.orig.dst, alen, out, a + alen);
  writeAddr(e.reply.src, alen, out, a + 2 * alen);
  writeAddr(e.reply.dst, alen, out, a + 3 * alen);
  return RECORD_FIXED + 4 * alen;
}

function writeAddr(text: string, alen: number, out: Uint8Array, at: number): void {
  if (alen === 4 && writeIpv4(text, out, at)) return;
  const b = parseAddress(text);
  if (b && b.length === alen) out.set(b, at);
  else out.fill(0, at, at + alen);
}

/** Caches that let many materialised entries share address strings and TCP info objects. */
export interface RecordScratch {
  names: AddressNames;
  tcpInfos: TcpInfos;
}

/** The record at off as an entry object (the record must be valid: see recordDrop). */
export function readRecord(buf: Uint8Array, off: number, sc?: RecordScratch): ConntrackEntry {
  const family: IpFamily = buf[off + 1] === 6 ? 6 : 4;
  const alen = family === 4 ? 4 : 16;
  const a = (i: number): string => (sc ? sc.names.text(buf, family, off + RECORD_FIXED + i * alen) : formatAddress(buf, family, off + RECORD_FIXED + i * alen));
  const proto = buf[off + 2]!;
  const tcpState = buf[off + 3]!;
  const icmpId = get16(buf, off + 28);
  const icmpType = buf[off + 30]!;
  const icmpCode = buf[off + 31]!;
  return {
    family,
    orig: { src: a(0), dst: a(1), proto, srcPort: get16(buf, off + 20), dstPort: get16(buf, off + 22), icmpId, icmpType, icmpCode },
    reply: { src: a(2), dst: a(3), proto, srcPort: get16(buf, off + 24), dstPort: get16(buf, off + 26), icmpId, icmpType, icmpCode },
    status: get32(buf, off + 4),
    timeoutS: get32(buf, off + 8),
    mark: get32(buf, off + 12),
    zone: get16(buf, off + 16),
    tcp:
      tcpState === NO_TCP
        ? null
        : sc
          ? sc.tcpInfos.get(tcpState, buf[off + 18]!, buf[off + 19]!)
          : { state: tcpState, wscaleOrig: buf[off + 18]!, wscaleReply: buf[off + 19]! },
  };
}

/** Why the bytes at buf[off, end) are not one valid record, or null with its length known via recordLenAt. */
export function recordDrop(buf: Uint8Array, off: number, end: number): RecordDropReason | null {
  if (off + RECORD_FIXED > end) return 'truncated-record';
  const op = buf[off];
  if (op !== OP_UPSERT && op !== OP_DELETE) return 'bad-record-op';
  const len = recordLenAt(buf, off);
  if (len === 0) return 'bad-record-family';
  if (off + len > end) return 'truncated-record';
  return null;
}

/** Hash of the record's key (FNV-1a over the key bytes). */
export function keyHash(b: Uint8Array, off: number): number {
  let h = 2166136261;
  h = Math.imul(h ^ b[off + 1]!, 16777619);
  h = Math.imul(h ^ b[off + 2]!, 16777619);
  h = Math.imul(h ^ b[off + 16]!, 16777619);
  h = Math.imul(h ^ b[off + 17]!, 16777619);
  for (let i = 20; i < 24; i++) h = Math.imul(h ^ b[off + i]!, 16777619);
  for (let i = 28; i < 32; i++) h = Math.imul(h ^ b[off + i]!, 16777619);
  const end = off + RECORD_FIXED + (b[off + 1] === 4 ? 8 : 32);
  for (let i = off + RECORD_FIXED; i < end; i++) h = Math.imul(h ^ b[i]!, 16777619);
  return h >>> 0;
}

/** Same key (see keyHash) for the records at a[ao…] and b[bo…]. */
export function sameKey(a: Uint8Array, ao: number, b: Uint8Array, bo: number): boolean {
  if (a[ao + 1] !== b[bo + 1] || a[ao + 2] !== b[bo + 2] || a[ao + 16] !== b[bo + 16] || a[ao + 17] !== b[bo + 17]) return false;
  for (let i = 20; i < 24; i++) if (a[ao + i] !== b[bo + i]) return false;
  for (let i = 28; i < 32; i++) if (a[ao + i] !== b[bo + i]) return false;
  const n = RECORD_FIXED + (a[ao + 1] === 4 ? 8 : 32);
  for (let i = RECORD_FIXED; i < n; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}

/**
 * Whether two records of the same key differ in a way a peer must learn: status, TCP state, mark or the reply
 * tuple (the NAT binding). The timeout alone is not news: it changes with every packet.
 */
export function sameState(a: Uint8Array, ao: number, b: Uint8Array, bo: number): boolean {
  for (let i = 3; i < 8; i++) if (a[ao + i] !== b[bo + i]) return false;
  for (let i = 12; i < 16; i++) if (a[ao + i] !== b[bo + i]) return false;
  for (let i = 24; i < 28; i++) if (a[ao + i] !== b[bo + i]) return false;
  const alen = a[ao + 1] === 4 ? 4 : 16;
  for (let i = RECORD_FIXED + 2 * alen; i < RECORD_FIXED + 4 * alen; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}
