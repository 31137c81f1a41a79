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
import { OP_DELETE, OP_UPSERT, readRecord, recordDrop, recordLen, recordLenAt, writeRecord, type RecordScratch } from '../conntrack/record.js';
import type { ConntrackEntry, Drop } from '../conntrack/types.js';
import type { SyncDropReason } from './drops.js';

export { recordLen };

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
  /** Reliable: a batch of changes, applied in stream order: `count` records (src/conntrack/record.ts) in `bytes`. */
  | { type: 'data'; count: number; bytes: Buffer }
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

/** A DATA body from entry objects (tests, and the rare paths that hold objects). */
export function dataBody(records: readonly SyncRecord[]): Extract<SyncBody, { type: 'data' }> {
  let len = 0;
  for (const r of records) len += recordLen(r.entry.family);
  const bytes = Buffer.allocUnsafe(len);
  let off = 0;
  for (const r of records) off += writeRecord(r.op === 'upsert' ? OP_UPSERT : OP_DELETE, r.entry, bytes, off);
  return { type: 'data', count: records.length, bytes };
}

/** The records of a DATA body as entry objects (tests, status dumps). */
export function recordsOf(body: Extract<SyncBody, { type: 'data' }>, sc?: RecordScratch): SyncRecord[] {
  const out: SyncRecord[] = [];
  for (let off = 0, i = 0; i < body.count; i++) {
    out.push({ op: body.bytes[off] === OP_DELETE ? 'delete' : 'upsert', entry: readRecord(body.bytes, off, sc) });
    off += recordLenAt(body.bytes, off);
  }
  return out;
}

function encodeBody(b: SyncBody): { type: number; payload: Buffer } {
  switch (b.type) {
    case 'data': {
      const p = Buffer.allocUnsafe(2 + b.bytes.length);
      p.writeUInt16BE(b.count, 0);
      b.bytes.copy(p, 2);
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
    // The hot path (every change and every bulk datagram): the records are already bytes, one copy.
    payloadLen = 2 + m.bytes.length;
    out = Buffer.allocUnsafe(HEADER_LEN + payloadLen + MAC_LEN);
    out.writeUInt16BE(m.count, HEADER_LEN);
    m.bytes.copy(out, HEADER_LEN + 2);
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

function decodeBody(type: number, p: Buffer): SyncBody | Drop<SyncDropReason> {
  const need = (n: number): boolean => p.length >= n;
  switch (type) {
    case MsgType.DATA: {
      if (!need(2)) return { drop: 'bad-payload' };
      const count = p.readUInt16BE(0);
      // Validated here, kept as bytes: the caches store records, so nothing is decoded into objects.
      let off = 2;
      for (let i = 0; i < count; i++) {
        const drop = recordDrop(p, off, p.length);
        if (drop !== null) return { drop };
        off += recordLenAt(p, off);
      }
      return { type: 'data', count, bytes: p.subarray(2, off) };
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
 * Verify and decode one datagram. Drop reasons (src/sync/drops.ts): too-short, unsupported-version, bad-length,
 * bad-mac, unknown-type, bad-payload, truncated-record, bad-record-op, bad-record-family.
 */
export function decodeMessage(buf: Buffer, key: Buffer): SyncMessage | Drop<SyncDropReason> {
  if (buf.length < HEADER_LEN + MAC_LEN) return { drop: 'too-short' };
  if (buf[0] !== SYNC_VERSION) return { drop: 'unsupported-version' };
  const len = buf.readUInt16BE(20);
  if (HEADER_LEN + len + MAC_LEN !== buf.length) return { drop: 'bad-length' };
  const expected = mac(key, buf.subarray(0, HEADER_LEN + len));
  if (!timingSafeEqual(expected, buf.subarray(HEADER_LEN + len))) return { drop: 'bad-mac' };
  const body = decodeBody(buf[1]!, buf.subarray(HEADER_LEN, HEADER_LEN + len));
  if ('drop' in body) return body;
  return {
    senderId: buf.readUInt32BE(4),
    epoch: buf.readUInt32BE(8),
    msgSeq: buf.readUInt32BE(12),
    streamSeq: buf.readUInt32BE(16),
    ...body,
  };
}
