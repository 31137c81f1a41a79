// Netlink attribute TLVs (struct nlattr, linux/netlink.h): { u16 nla_len; u16 nla_type; value; pad to 4 }.
// nla_len counts header + value, not the padding. NLA_F_NESTED marks a value that is itself a list of
// attributes; NLA_F_NET_BYTEORDER marks big-endian integers (netfilter uses them). Header fields are host order.
// Decoding never throws: a malformed attribute ends the list.
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_TYPE_MASK } from './constants.js';
import { readU16Host, readU32Host, writeU16Host, writeU32Host } from './sockaddr.js';

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

export function encodeAttrs(attrs: readonly NlAttr[]): Buffer {
  const parts: Buffer[] = [];
  for (const a of attrs) {
    const nested = !Buffer.isBuffer(a.value);
    const value = nested ? encodeAttrs(a.value as readonly NlAttr[]) : (a.value as Buffer);
    const len = NLA_HDRLEN + value.length;
    const out = Buffer.alloc(nlaAlign(len));
    writeU16Host(out, len, 0);
    writeU16Host(out, (a.type & NLA_TYPE_MASK) | (nested ? NLA_F_NESTED : 0) | (a.netByteOrder ? NLA_F_NET_BYTEORDER : 0), 2);
    value.copy(out, NLA_HDRLEN);
    parts.push(out);
  }
  return Buffer.concat(parts);
}

export function attrBytes(type: number, value: Buffer): NlAttr {
  return { type, value };
}
export function attrU8(type: number, v: number): NlAttr {
  return { type, value: Buffer.from([v & 0xff]) };
}
export function attrU16(type: number, v: number): NlAttr {
  const b = Buffer.alloc(2);
  writeU16Host(b, v, 0);
  return { type, value: b };
}
export function attrU32(type: number, v: number): NlAttr {
  const b = Buffer.alloc(4);
  writeU32Host(b, v, 0);
  return { type, value: b };
}
export function attrU16be(type: number, v: number): NlAttr {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v, 0);
  return { type, value: b };
}
export function attrU32be(type: number, v: number): NlAttr {
  const b = Buffer.alloc(4);
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
