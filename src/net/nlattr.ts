// Netlink attribute TLVs (struct nlattr, linux/netlink.h): { u16 nla_len; u16 nla_type; value; pad to 4 }.
// nla_len counts header + value, not the padding. NLA_F_NESTED marks a value that is itself a list of
// attributes; NLA_F_NET_BYTEORDER marks big-endian integers (netfilter uses them). Header fields are host order.
// Decoding never throws: a malformed attribute ends the list.
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_TYPE_MASK } from './constants.js';
import { readU16Host, readU32Host, writeU16Host, writeU32Host } from './sockaddr.js';
/** sizeof(struct nlmsghdr); netlinkMsg.ts has the same constant (not imported: it imports this module). */
const NLMSG_HDRLEN = 16;

export const NLA_HDRLEN = 4;
export const NLA_ALIGNTO = 4;

export function nlaAlign(len: number): number {
  return (len + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1);
}

/** An attribute to encode: raw bytes, or a nested list (encoded with NLA_F_NESTED). */
export interface NlAttr {
  type: number;
  value: Buffer | readonly NlAttr[];
  /** Set NLA_F_NET_BYTEORDER in the type (the value must already be big-endian). */
  netByteOrder?: boolean;
}

/**
 * One buffer per call, sized first and then written in place: programming 11,000 IPVS entries built a dozen
 * small buffers per message and spent most of its time collecting them.
 */
export function encodeAttrs(attrs: readonly NlAttr[]): Buffer {
  const out = Buffer.alloc(encodedLength(attrs));
  writeAttrs(attrs, out, 0);
  return out;
}

function encodedLength(attrs: readonly NlAttr[]): number {
  let n = 0;
  for (const a of attrs) n += nlaAlign(NLA_HDRLEN + (Buffer.isBuffer(a.value) ? a.value.length : encodedLength(a.value as readonly NlAttr[])));
  return n;
}

/** Writes `attrs` at `off` (padding stays as allocated: zero); returns the offset after them. */
function writeAttrs(attrs: readonly NlAttr[], out: Buffer, off: number): number {
  for (const a of attrs) {
    const nested = !Buffer.isBuffer(a.value);
    let end: number;
    if (nested) end = writeAttrs(a.value as readonly NlAttr[], out, off + NLA_HDRLEN);
    else end = off + NLA_HDRLEN + (a.value as Buffer).copy(out, off + NLA_HDRLEN);
    writeU16Host(out, end - off, off);
    writeU16Host(out, (a.type & NLA_TYPE_MASK) | (nested ? NLA_F_NESTED : 0) | (a.netByteOrder ? NLA_F_NET_BYTEORDER : 0), off + 2);
    off = nlaAlign(end);
  }
  return off;
}

export function attrBytes(type: number, value: Buffer): NlAttr {
  return { type, value };
}
export function attrU8(type: number, v: number): NlAttr {
  return { type, value: Buffer.from([v & 0xff]) };
}
export function attrU16(type: number, v: number): NlAttr {
  const b = Buffer.allocUnsafe(2); // pooled: every byte is written below
  writeU16Host(b, v, 0);
  return { type, value: b };
}
export function attrU32(type: number, v: number): NlAttr {
  const b = Buffer.allocUnsafe(4);
  writeU32Host(b, v, 0);
  return { type, value: b };
}
export function attrU16be(type: number, v: number): NlAttr {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(v, 0);
  return { type, value: b };
}
export function attrU32be(type: number, v: number): NlAttr {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v >>> 0, 0);
  return { type, value: b };
}
/** NUL-terminated string (IFLA_IFNAME, IFA_LABEL …). */
export function attrString(type: number, s: string): NlAttr {
  return { type, value: Buffer.from(`${s}\0`, 'utf8') };
}
export function attrNested(type: number, children: readonly NlAttr[]): NlAttr {
  return { type, value: children };
}

export interface DecodedAttr {
  /** Type with the NESTED/NET_BYTEORDER flags masked off. */
  type: number;
  nested: boolean;
  netByteOrder: boolean;
  value: Buffer;
}

/** Decode the attribute list in buf[offset, end). Stops at the first malformed header. */
export function decodeAttrs(buf: Buffer, offset = 0, end = buf.length): DecodedAttr[] {
  const out: DecodedAttr[] = [];
  let off = offset;
  const limit = Math.min(end, buf.length);
  while (off + NLA_HDRLEN <= limit) {
    const len = readU16Host(buf, off);
    const rawType = readU16Host(buf, off + 2);
    if (len < NLA_HDRLEN || off + len > limit) break;
    out.push({
      type: rawType & NLA_TYPE_MASK,
      nested: (rawType & NLA_F_NESTED) !== 0,
      netByteOrder: (rawType & NLA_F_NET_BYTEORDER) !== 0,
      value: buf.subarray(off + NLA_HDRLEN, off + len),
    });
    off += nlaAlign(len);
  }
  return out;
}

/** First value per attribute type (the kernel emits each rtnetlink attribute once). */
export function attrMap(attrs: readonly DecodedAttr[]): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  for (const a of attrs) if (!m.has(a.type)) m.set(a.type, a.value);
  return m;
}

// Readers return undefined when the value is too short, so decoders stay total.
export function readAttrU8(v: Buffer | undefined): number | undefined {
  return v && v.length >= 1 ? v[0] : undefined;
}
export function readAttrU16(v: Buffer | undefined): number | undefined {
  return v && v.length >= 2 ? readU16Host(v, 0) : undefined;
}
export function readAttrU32(v: Buffer | undefined): number | undefined {
  return v && v.length >= 4 ? readU32Host(v, 0) : undefined;
}
export function readAttrU16be(v: Buffer | undefined): number | undefined {
  return v && v.length >= 2 ? v.readUInt16BE(0) : undefined;
}
export function readAttrU32be(v: Buffer | undefined): number | undefined {
  return v && v.length >= 4 ? v.readUInt32BE(0) : undefined;
}
/** A NUL-terminated (or unterminated) string value. */
export function readAttrString(v: Buffer | undefined): string | undefined {
  if (!v) return undefined;
  const nul = v.indexOf(0);
  return v.subarray(0, nul === -1 ? v.length : nul).toString('utf8');
}

/**
 * A netlink message writer over one reusable buffer: nested attributes are opened and closed in place, so a
 * message costs a handful of writes instead of dozens of small Buffer allocations (encodeAttrs). Used where
 * messages are built by the hundred thousand (the conntrack commit at takeover is on the failover path).
 * Values are written as given: big-endian helpers for netfilter attributes, host order for headers.
 */
export class NlWriter {
  private buf: Buffer;
  private off = 0;

  constructor(capacity = 512) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  private ensure(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n));
    this.buf.copy(next, 0, 0, this.off);
    this.buf = next;
  }

  /** Bytes written so far in the current message. */
  get length(): number {
    return this.off;
  }

  /** Start a message (nlmsghdr); finish() fills in the length. */
  begin(type: number, flags: number, seq: number): void {
    this.off = 0;
    this.ensure(NLMSG_HDRLEN);
    writeU32Host(this.buf, 0, 0);
    writeU16Host(this.buf, type, 4);
    writeU16Host(this.buf, flags, 6);
    writeU32Host(this.buf, seq >>> 0, 8);
    writeU32Host(this.buf, 0, 12);
    this.off = NLMSG_HDRLEN;
  }

  /** Bytes written as they are (a family header such as nfgenmsg). */
  raw(bytes: ArrayLike<number>): void {
    this.ensure(bytes.length);
    for (let i = 0; i < bytes.length; i++) this.buf[this.off++] = bytes[i]!;
  }

  /** Open a nested attribute; returns the offset to pass to close(). */
  open(type: number): number {
    this.ensure(NLA_HDRLEN);
    const at = this.off;
    writeU16Host(this.buf, (type & NLA_TYPE_MASK) | NLA_F_NESTED, at + 2);
    this.off += NLA_HDRLEN;
    return at;
  }

  close(at: number): void {
    writeU16Host(this.buf, this.off - at, at);
  }

  private head(type: number, len: number): void {
    this.ensure(NLA_HDRLEN + nlaAlign(len));
    writeU16Host(this.buf, NLA_HDRLEN + len, this.off);
    writeU16Host(this.buf, type, this.off + 2);
    this.off += NLA_HDRLEN;
  }

  private pad(len: number): void {
    for (let p = len; p & 3; p++) this.buf[this.off++] = 0;
  }

  u8(type: number, v: number): void {
    this.head(type, 1);
    this.buf[this.off++] = v & 0xff;
    this.pad(1);
  }

  be16(type: number, v: number): void {
    this.head(type, 2);
    this.buf.writeUInt16BE(v & 0xffff, this.off);
    this.off += 2;
    this.pad(2);
  }

  be32(type: number, v: number): void {
    this.head(type, 4);
    this.buf.writeUInt32BE(v >>> 0, this.off);
    this.off += 4;
  }

  /** Raw value bytes, or `len` bytes of `src` starting at `srcOff` (copying straight from a received record). */
  bytes(type: number, b: ArrayLike<number>, srcOff = 0, len = b.length - srcOff): void {
    this.head(type, len);
    for (let i = 0; i < len; i++) this.buf[this.off++] = b[srcOff + i]!;
    this.pad(len);
  }

  /** Complete the message and return a copy of it. */
  finish(): Buffer {
    writeU32Host(this.buf, this.off, 0);
    return Buffer.from(this.buf.subarray(0, this.off));
  }
}
