// A netlink message writer over one preallocated buffer: nested attributes are opened and closed in place,
// so encoding an entry costs a handful of writes instead of dozens of small Buffer allocations (the commit of
// 100,000 entries at takeover is on the failover path).
import { NLA_F_NESTED, NLMSG_HDRLEN } from './constants.js';

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

  /** Start a message; finish() fills in the length. */
  begin(type: number, flags: number, seq: number): void {
    this.off = 0;
    this.ensure(NLMSG_HDRLEN);
    this.buf.writeUInt32LE(0, 0);
    this.buf.writeUInt16LE(type, 4);
    this.buf.writeUInt16LE(flags, 6);
    this.buf.writeUInt32LE(seq >>> 0, 8);
    this.buf.writeUInt32LE(0, 12);
    this.off = NLMSG_HDRLEN;
  }

  raw(bytes: ArrayLike<number>): void {
    this.ensure(bytes.length);
    for (let i = 0; i < bytes.length; i++) this.buf[this.off++] = bytes[i]!;
  }

  /** Open a nested attribute; returns the offset to pass to close(). */
  open(type: number): number {
    this.ensure(4);
    const at = this.off;
    this.buf.writeUInt16LE(type | NLA_F_NESTED, at + 2);
    this.off += 4;
    return at;
  }

  close(at: number): void {
    this.buf.writeUInt16LE(this.off - at, at);
  }

  private head(type: number, len: number): void {
    this.ensure(4 + ((len + 3) & ~3));
    this.buf.writeUInt16LE(4 + len, this.off);
    this.buf.writeUInt16LE(type, this.off + 2);
    this.off += 4;
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

  bytes(type: number, b: ArrayLike<number>): void {
    this.head(type, b.length);
    for (let i = 0; i < b.length; i++) this.buf[this.off++] = b[i]!;
    this.pad(b.length);
  }

  /** Complete the message and return a copy of it. */
  finish(): Buffer {
    this.buf.writeUInt32LE(this.off, 0);
    return Buffer.from(this.buf.subarray(0, this.off));
  }
}

/** Fast IPv4 text → 4 bytes (the common case); null when not a dotted quad, so callers fall back. */
export function ipv4Bytes(text: string): number[] | null {
  const out = [0, 0, 0, 0];
  let part = 0;
  let digits = 0;
  let v = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part === 3) return null;
      out[part++] = v;
      v = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      v = v * 10 + (c - 48);
      digits++;
    } else {
      return null;
    }
  }
  if (part !== 3 || digits === 0 || v > 255 || out.some((x) => x > 255)) return null;
  out[3] = v;
  return out;
}
