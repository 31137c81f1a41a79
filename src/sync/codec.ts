// vipd connection-sync wire format. Every datagram:
//
//   0  u8  version (1)        1  u8  type             2  u16 flags (0; reserved)
//   4  u32 senderId           8  u32 epoch (sender's session; a restart picks a larger one)
//  12  u32 msgSeq   (every message, strictly increasing per sender+epoch: replay protection)
//  16  u32 streamSeq (reliable types: position in the sender's reliable stream; others: highest assigned)
//  20  u16 payloadLen        22  u16 reserved (0)
//  24  payload               24+len  32-byte HMAC-SHA256(key, bytes 0 … 24+len)
//
// All integers big-endian. Type numbers are append-only (memberlist's rule): a peer that does not know a type
// drops it by name and keeps working. Unlike conntrackd's nethdr (peers.md §1.4), every message is
// authenticated; decode() verifies the MAC in constant time before looking at the payload and never throws.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { formatAddress as addrToString, parseAddress as parseAddr } from '../ip/address.js';
import { AddressNames, TcpInfos, writeIpv4 } from '../conntrack/codec.js';
import type { ConntrackEntry, Drop, IpFamily } from '../conntrack/types.js';

export const SYNC_VERSION = 1;
export const HEADER_LEN = 24;
export const MAC_LEN = 32;

/** Append-only: never renumber, never reuse. */
export const MsgType = {
  DATA: 1,
  NACK: 2,
  RESYNC_REQUEST: 3,
  BULK_BEGIN: 4,
  BULK_END: 5,
  KEEPALIVE: 6,
  ACK: 7,
  CONFIRM: 8,
} as const;

export interface SyncHeader {
  senderId: number;
  epoch: number;
  msgSeq: number;
  streamSeq: number;
}

export type SyncRecord = { op: 'upsert' | 'delete'; entry: ConntrackEntry };

export type SyncBody =
  /** Reliable: a batch of changes, applied in stream order. */
  | { type: 'data'; records: SyncRecord[] }
  /** "Resend streamSeq from…to of sender targetId/targetEpoch." */
  | { type: 'nack'; targetId: number; targetEpoch: number; from: number; to: number }
  /** "Send me everything" (targetId 0: whoever is master). */
  | { type: 'resyncRequest'; targetId: number }
  /** Reliable: a full-table resync starts here; receivers mark their cache of this sender. */
  | { type: 'bulkBegin'; bulkId: number }
  /** Reliable: the resync is complete; receivers sweep what the bulk did not refresh. */
  | { type: 'bulkEnd'; bulkId: number; count: number }
  /**
   * Liveness; streamSeq carries the highest sequence sent so tail loss is noticed. wallDs: the sender's wall
   * clock (deciseconds since 2024-01-01) when sent — receivers trust a sender only after a fresh one, so a
   * recording replayed to a restarted receiver is refused (appended field: absent in a payload of one byte).
   */
  | { type: 'keepalive'; role: 'master' | 'backup'; wallDs?: number }
  /** Cumulative acknowledgement of a sender's stream (for lag metrics and "peer in sync"). */
  | { type: 'ack'; targetId: number; targetEpoch: number; upTo: number }
  /** The sender took over as master and has committed its cache to its kernel; wallDs as for keepalive. */
  | { type: 'confirm'; committed: number; wallDs?: number };

export type SyncMessage = SyncHeader & SyncBody;

export const RELIABLE_TYPES: ReadonlySet<SyncBody['type']> = new Set(['data', 'bulkBegin', 'bulkEnd']);

const OP_UPSERT = 1;
const OP_DELETE = 2;
const NO_TCP = 0xff;
/** Fixed part of a record before the four addresses. */
const RECORD_FIXED = 32;

export function recordLen(family: IpFamily): number {
  return RECORD_FIXED + 4 * (family === 4 ? 4 : 16);
}

/** Big-endian stores without Buffer's method call and range check per field (28 fields per record). */
function put16(out: Buffer, off: number, v: number): void {
  out[off] = (v >>> 8) & 0xff;
  out[off + 1] = v & 0xff;
}

function put32(out: Buffer, off: number, v: number): void {
  out[off] = (v >>> 24) & 0xff;
  out[off + 1] = (v >>> 16) & 0xff;
  out[off + 2] = (v >>> 8) & 0xff;
  out[off + 3] = v & 0xff;
}

/** The caller guarantees room for recordLen(family) bytes at off. */
function writeRecord(r: SyncRecord, out: Buffer, off: number): number {
  const e = r.entry;
  const tcp = e.tcp;
  out[off] = r.op === 'upsert' ? OP_UPSERT : OP_DELETE;
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

function writeAddr(text: string, alen: number, out: Buffer, at: number): void {
  if (alen === 4 && writeIpv4(text, out, at)) return;
  const b = parseAddr(text);
  if (b && b.length === alen) b.copy(out, at);
  else out.fill(0, at, at + alen);
}

/** Caches a receiver keeps across datagrams so that entries share address strings and TCP info objects. */
export interface RecordScratch {
  names: AddressNames;
  tcpInfos: TcpInfos;
}

export function newRecordScratch(): RecordScratch {
  return { names: new AddressNames(), tcpInfos: new TcpInfos() };
}

function get16(b: Buffer, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function get32(b: Buffer, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function readRecord(buf: Buffer, off: number, sc: RecordScratch | undefined): { rec: SyncRecord; len: number } | Drop {
  if (off + RECORD_FIXED > buf.length) return { drop: 'truncated-record' };
  const op = buf[off];
  const fam = buf[off + 1];
  if (op !== OP_UPSERT && op !== OP_DELETE) return { drop: 'bad-record-op' };
  if (fam !== 4 && fam !== 6) return { drop: 'bad-record-family' };
  const family: IpFamily = fam;
  const len = recordLen(family);
  if (off + len > buf.length) return { drop: 'truncated-record' };
  const alen = family === 4 ? 4 : 16;
  const a = (i: number): string => (sc ? sc.names.text(buf, family, off + RECORD_FIXED + i * alen) : addrToString(buf, family, off + RECORD_FIXED + i * alen));
  const proto = buf[off + 2]!;
  const tcpState = buf[off + 3]!;
  const icmpId = get16(buf, off + 28);
  const icmpType = buf[off + 30]!;
  const icmpCode = buf[off + 31]!;
  const entry: ConntrackEntry = {
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
  return { rec: { op: op === OP_UPSERT ? 'upsert' : 'delete', entry }, len };
}

function encodeBody(b: SyncBody): { type: number; payload: Buffer } {
  switch (b.type) {
    case 'data': {
      const size = 2 + b.records.reduce((n, r) => n + recordLen(r.entry.family), 0);
      const p = Buffer.alloc(size);
      p.writeUInt16BE(b.records.length, 0);
      let off = 2;
      for (const r of b.records) off += writeRecord(r, p, off);
      return { type: MsgType.DATA, payload: p };
    }
    case 'nack':
      return { type: MsgType.NACK, payload: u32s(b.targetId, b.targetEpoch, b.from, b.to) };
    case 'resyncRequest':
      return { type: MsgType.RESYNC_REQUEST, payload: u32s(b.targetId) };
    case 'bulkBegin':
      return { type: MsgType.BULK_BEGIN, payload: u32s(b.bulkId) };
    case 'bulkEnd':
      return { type: MsgType.BULK_END, payload: u32s(b.bulkId, b.count) };
    case 'keepalive': {
      const role = b.role === 'master' ? 1 : 2;
      if (b.wallDs === undefined) return { type: MsgType.KEEPALIVE, payload: Buffer.from([role]) };
      const p = Buffer.alloc(5);
      p[0] = role;
      p.writeUInt32BE(b.wallDs >>> 0, 1);
      return { type: MsgType.KEEPALIVE, payload: p };
    }
    case 'ack':
      return { type: MsgType.ACK, payload: u32s(b.targetId, b.targetEpoch, b.upTo) };
    case 'confirm':
      return { type: MsgType.CONFIRM, payload: b.wallDs === undefined ? u32s(b.committed) : u32s(b.committed, b.wallDs) };
  }
}

function u32s(...v: number[]): Buffer {
  const b = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => b.writeUInt32BE(x >>> 0, i * 4));
  return b;
}

export function mac(key: Buffer, data: Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

export function encodeMessage(m: SyncMessage, key: Buffer): Buffer {
  let out: Buffer;
  let payloadLen: number;
  let type: number;
  if (m.type === 'data') {
    // The hot path (every change and every bulk datagram): records straight into the datagram, one allocation.
    payloadLen = 2;
    for (const r of m.records) payloadLen += recordLen(r.entry.family);
    out = Buffer.allocUnsafe(HEADER_LEN + payloadLen + MAC_LEN);
    out.writeUInt16BE(m.records.length, HEADER_LEN);
    let off = HEADER_LEN + 2;
    for (const r of m.records) off += writeRecord(r, out, off);
    type = MsgType.DATA;
  } else {
    const body = encodeBody(m);
    payloadLen = body.payload.length;
    out = Buffer.allocUnsafe(HEADER_LEN + payloadLen + MAC_LEN);
    body.payload.copy(out, HEADER_LEN);
    type = body.type;
  }
  out[0] = SYNC_VERSION;
  out[1] = type;
  out.writeUInt16BE(0, 2);
  out.writeUInt32BE(m.senderId >>> 0, 4);
  out.writeUInt32BE(m.epoch >>> 0, 8);
  out.writeUInt32BE(m.msgSeq >>> 0, 12);
  out.writeUInt32BE(m.streamSeq >>> 0, 16);
  out.writeUInt16BE(payloadLen, 20);
  out.writeUInt16BE(0, 22);
  createHmac('sha256', key).update(out.subarray(0, HEADER_LEN + payloadLen)).digest().copy(out, HEADER_LEN + payloadLen);
  return out;
}

function decodeBody(type: number, p: Buffer, sc: RecordScratch | undefined): SyncBody | Drop {
  const need = (n: number): boolean => p.length >= n;
  switch (type) {
    case MsgType.DATA: {
      if (!need(2)) return { drop: 'bad-payload' };
      const count = p.readUInt16BE(0);
      const records: SyncRecord[] = [];
      let off = 2;
      for (let i = 0; i < count; i++) {
        const r = readRecord(p, off, sc);
        if ('drop' in r) return r;
        records.push(r.rec);
        off += r.len;
      }
      return { type: 'data', records };
    }
    case MsgType.NACK:
      return need(16) ? { type: 'nack', targetId: p.readUInt32BE(0), targetEpoch: p.readUInt32BE(4), from: p.readUInt32BE(8), to: p.readUInt32BE(12) } : { drop: 'bad-payload' };
    case MsgType.RESYNC_REQUEST:
      return need(4) ? { type: 'resyncRequest', targetId: p.readUInt32BE(0) } : { drop: 'bad-payload' };
    case MsgType.BULK_BEGIN:
      return need(4) ? { type: 'bulkBegin', bulkId: p.readUInt32BE(0) } : { drop: 'bad-payload' };
    case MsgType.BULK_END:
      return need(8) ? { type: 'bulkEnd', bulkId: p.readUInt32BE(0), count: p.readUInt32BE(4) } : { drop: 'bad-payload' };
    case MsgType.KEEPALIVE:
      if (!need(1) || (p[0] !== 1 && p[0] !== 2)) return { drop: 'bad-payload' };
      return need(5)
        ? { type: 'keepalive', role: p[0] === 1 ? 'master' : 'backup', wallDs: p.readUInt32BE(1) }
        : { type: 'keepalive', role: p[0] === 1 ? 'master' : 'backup' };
    case MsgType.ACK:
      return need(12) ? { type: 'ack', targetId: p.readUInt32BE(0), targetEpoch: p.readUInt32BE(4), upTo: p.readUInt32BE(8) } : { drop: 'bad-payload' };
    case MsgType.CONFIRM:
      if (!need(4)) return { drop: 'bad-payload' };
      return need(8) ? { type: 'confirm', committed: p.readUInt32BE(0), wallDs: p.readUInt32BE(4) } : { type: 'confirm', committed: p.readUInt32BE(0) };
    default:
      return { drop: 'unknown-type' };
  }
}

/**
 * Verify and decode one datagram. Drop reasons: too-short, unsupported-version, bad-length, bad-mac,
 * unknown-type, bad-payload, truncated-record, bad-record-op, bad-record-family.
 */
export function decodeMessage(buf: Buffer, key: Buffer, sc?: RecordScratch): SyncMessage | Drop {
  if (buf.length < HEADER_LEN + MAC_LEN) return { drop: 'too-short' };
  if (buf[0] !== SYNC_VERSION) return { drop: 'unsupported-version' };
  const len = buf.readUInt16BE(20);
  if (HEADER_LEN + len + MAC_LEN !== buf.length) return { drop: 'bad-length' };
  const expected = mac(key, buf.subarray(0, HEADER_LEN + len));
  if (!timingSafeEqual(expected, buf.subarray(HEADER_LEN + len))) return { drop: 'bad-mac' };
  const body = decodeBody(buf[1]!, buf.subarray(HEADER_LEN, HEADER_LEN + len), sc);
  if ('drop' in body) return body;
  return {
    senderId: buf.readUInt32BE(4),
    epoch: buf.readUInt32BE(8),
    msgSeq: buf.readUInt32BE(12),
    streamSeq: buf.readUInt32BE(16),
    ...body,
  };
}

/** How many records of the given family fit in one datagram of maxDatagramBytes (UDP payload). */
export function recordsPerMessage(maxDatagramBytes: number, family: IpFamily = 6): number {
  return Math.max(1, Math.floor((maxDatagramBytes - HEADER_LEN - MAC_LEN - 2) / recordLen(family)));
}
