// Create messages for the commit at takeover, from templates. Every entry of one *shape* (family, protocol kind,
// which optional attributes are present: mark, TCP info, NAT bindings with or without port, zone) has the same
// message layout, so the first entry of a shape is encoded normally while the offsets of its values are
// recorded; later entries copy that template and overwrite only the values. The bytes are identical to
// encodeCreate()'s (test/unit/conntrack/createEncoder.test.ts); the cost per entry is a memcpy and ~20 writes.
import * as N from '../net/constants.js';
import { NlWriter } from '../net/nlattr.js';
import * as C from './constants.js';
import { beginCreate, tcpFlags, writeCreateBody, type AttrSink, type CreateOptions } from './codec.js';
import { get16, get32, NO_TCP, readRecord, RECORD_FIXED } from './record.js';
import { natOf, type ConntrackEntry } from './types.js';

interface Shape {
  template: Buffer;
  offsets: Int32Array;
}

/** Records where each value lands, writing through to the real writer. */
class RecordingSink implements AttrSink {
  readonly offsets: number[] = [];
  constructor(private readonly w: NlWriter) {}
  open(type: number): number {
    return this.w.open(type);
  }
  close(at: number): void {
    this.w.close(at);
  }
  u8(type: number, v: number): void {
    this.offsets.push(this.w.length + 4);
    this.w.u8(type, v);
  }
  be16(type: number, v: number): void {
    this.offsets.push(this.w.length + 4);
    this.w.be16(type, v);
  }
  be32(type: number, v: number): void {
    this.offsets.push(this.w.length + 4);
    this.w.be32(type, v);
  }
  bytes(type: number, b: ArrayLike<number>): void {
    this.offsets.push(this.w.length + 4);
    this.w.bytes(type, b);
  }
}

/** Writes values only, at the recorded offsets, in the same order. */
class PatchSink implements AttrSink {
  buf: Buffer = Buffer.alloc(0);
  offsets: Int32Array = new Int32Array(0);
  private i = 0;
  reset(buf: Buffer, offsets: Int32Array): void {
    this.buf = buf;
    this.offsets = offsets;
    this.i = 0;
  }
  open(): number {
    return 0;
  }
  close(): void {}
  u8(_t: number, v: number): void {
    this.buf[this.offsets[this.i++]!] = v & 0xff;
  }
  be16(_t: number, v: number): void {
    const o = this.offsets[this.i++]!;
    this.buf[o] = (v >>> 8) & 0xff;
    this.buf[o + 1] = v & 0xff;
  }
  be32(_t: number, v: number): void {
    const o = this.offsets[this.i++]!;
    this.buf[o] = (v >>> 24) & 0xff;
    this.buf[o + 1] = (v >>> 16) & 0xff;
    this.buf[o + 2] = (v >>> 8) & 0xff;
    this.buf[o + 3] = v & 0xff;
  }
  bytes(_t: number, b: ArrayLike<number>): void {
    let o = this.offsets[this.i++]!;
    for (let k = 0; k < b.length; k++) this.buf[o++] = b[k]!;
  }
}

function protoKind(proto: number): number {
  return proto === N.IPPROTO_ICMP ? 1 : proto === N.IPPROTO_ICMPV6 ? 2 : 0;
}

function shapeKey(family: number, proto: number, mark: boolean, tcp: boolean, natDst: number, natSrc: number, zone: boolean, opts: CreateOptions): number {
  return (
    (family === 6 ? 1 : 0) |
    (protoKind(proto) << 1) |
    ((mark ? 1 : 0) << 3) |
    ((tcp ? 1 : 0) << 4) |
    (natDst << 5) |
    (natSrc << 7) |
    ((zone ? 1 : 0) << 9) |
    ((opts.exclusive === false ? 1 : 0) << 10)
  );
}

/** Kind of a NAT binding for the shape: 0 none, 1 address only, 2 address and port. */
function natKind(bound: boolean, port: number, icmp: boolean): number {
  return !bound ? 0 : port !== 0 && !icmp ? 2 : 1;
}

function sameBytes(b: Uint8Array, x: number, y: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (b[x + i] !== b[y + i]) return false;
  return true;
}

/** Writes values taken from a compact record at the recorded offsets, in writeCreateBody()'s order. */
class RecordPatch {
  private out: Buffer = Buffer.alloc(0);
  private o: Int32Array = new Int32Array(0);
  private r: Uint8Array = new Uint8Array(0);
  private i = 0;
  reset(out: Buffer, offsets: Int32Array, record: Uint8Array): void {
    this.out = out;
    this.o = offsets;
    this.r = record;
    this.i = 0;
  }
  /** n bytes of the record from `from`. */
  bytes(from: number, n: number): void {
    const at = this.o[this.i++]!;
    for (let k = 0; k < n; k++) this.out[at + k] = this.r[from + k]!;
  }
  u8(v: number): void {
    this.out[this.o[this.i++]!] = v;
  }
  be16(v: number): void {
    const at = this.o[this.i++]!;
    this.out[at] = (v >>> 8) & 0xff;
    this.out[at + 1] = v & 0xff;
  }
  be32(v: number): void {
    const at = this.o[this.i++]!;
    this.out[at] = v >>> 24;
    this.out[at + 1] = (v >>> 16) & 0xff;
    this.out[at + 2] = (v >>> 8) & 0xff;
    this.out[at + 3] = v & 0xff;
  }
  /** CTA_TUPLE_PROTO values: ICMP id/type/code (from the record) or the two ports given. */
  tupleProto(proto: number, icmp: boolean, off: number, first: number, second: number): void {
    this.u8(proto);
    if (icmp) {
      this.be16(get16(this.r, off + 28));
      this.u8(this.r[off + 30]!);
      this.u8(this.r[off + 31]!);
    } else {
      this.be16(first);
      this.be16(second);
    }
  }
  /** CTA_NAT_*: min and max address, and min and max port when the binding has one. */
  nat(addr: number, alen: number, port: number): void {
    this.bytes(addr, alen);
    this.bytes(addr, alen);
    if (port !== 0) {
      this.be16(port);
      this.be16(port);
    }
  }
}

export class CreateEncoder {
  private readonly shapes = new Map<number, Shape>();
  private readonly recordPatch = new RecordPatch();
  private readonly writer = new NlWriter();
  private readonly patch = new PatchSink();

  /**
   * The create message of the compact record at r[off…] (src/conntrack/record.ts), straight from its bytes: the
   * commit at takeover reads the sync cache, which holds records, so no entry object is built per connection.
   * The values are patched in writeCreateBody()'s order; the bytes equal encode(readRecord(r, off)).
   */
  encodeRecord(r: Uint8Array, off: number, opts: CreateOptions = {}): Buffer {
    const family = r[off + 1]!;
    const alen = family === 4 ? 4 : 16;
    const proto = r[off + 2]!;
    const icmp = protoKind(proto) !== 0;
    const a = off + RECORD_FIXED;
    const oSrc = a;
    const oDst = a + alen;
    const rSrc = a + 2 * alen;
    const rDst = a + 3 * alen;
    // natOf(): DNAT when the reply does not come from where the original went, SNAT when it does not go back.
    const dnat = !sameBytes(r, rSrc, oDst, alen) || get16(r, off + 24) !== get16(r, off + 22);
    const snat = !sameBytes(r, rDst, oSrc, alen) || get16(r, off + 26) !== get16(r, off + 20);
    const mark = get32(r, off + 12);
    const zone = get16(r, off + 16);
    const tcpState = r[off + 3]!;
    const key = shapeKey(family, proto, mark !== 0, tcpState !== NO_TCP, natKind(dnat, get16(r, off + 24), icmp), natKind(snat, get16(r, off + 26), icmp), zone !== 0, opts);
    const shape = this.shapes.get(key);
    if (!shape) return this.encode(readRecord(r, off), opts); // first of its shape: records the template
    const out = Buffer.allocUnsafe(shape.template.length);
    shape.template.copy(out, 0);
    const p = this.recordPatch;
    p.reset(out, shape.offsets, r);
    // CTA_TUPLE_ORIG, then CTA_TUPLE_REPLY as the inverse of the original (the kernel applies the NAT itself).
    const sport = get16(r, off + 20);
    const dport = get16(r, off + 22);
    p.bytes(oSrc, alen);
    p.bytes(oDst, alen);
    p.tupleProto(proto, icmp, off, sport, dport);
    p.bytes(oDst, alen);
    p.bytes(oSrc, alen);
    p.tupleProto(proto, icmp, off, dport, sport);
    p.be32(get32(r, off + 4) & (C.IPS_SEEN_REPLY | C.IPS_ASSURED | C.IPS_CONFIRMED));
    p.be32(Math.max(1, opts.timeoutS ?? get32(r, off + 8)));
    if (mark) p.be32(mark);
    if (tcpState !== NO_TCP) {
      const f = tcpFlags(tcpState);
      p.u8(tcpState);
      p.u8(r[off + 18]!);
      p.u8(r[off + 19]!);
      p.be16((f << 8) | f);
      p.be16((f << 8) | f);
    }
    if (dnat) p.nat(rSrc, alen, icmp ? 0 : get16(r, off + 24));
    if (snat) p.nat(rDst, alen, icmp ? 0 : get16(r, off + 26));
    if (zone) p.be16(zone);
    return out;
  }

  /** The create message of `e` (sequence number 0: NetlinkSocket.sendBatch stamps it). */
  encode(e: ConntrackEntry, opts: CreateOptions = {}): Buffer {
    const nat = natOf(e);
    const icmp = protoKind(e.orig.proto) !== 0;
    const key = shapeKey(e.family, e.orig.proto, e.mark !== 0, e.tcp !== null, natKind(nat.dst !== null, nat.dst?.port ?? 0, icmp), natKind(nat.src !== null, nat.src?.port ?? 0, icmp), e.zone !== 0, opts);
    const timeoutS = opts.timeoutS ?? e.timeoutS;
    const shape = this.shapes.get(key);
    if (!shape) {
      const rec = new RecordingSink(this.writer);
      beginCreate(this.writer, e, opts);
      writeCreateBody(rec, e, nat, timeoutS);
      const msg = this.writer.finish();
      this.shapes.set(key, { template: Buffer.from(msg), offsets: Int32Array.from(rec.offsets) });
      return msg;
    }
    const out = Buffer.allocUnsafe(shape.template.length);
    shape.template.copy(out, 0);
    this.patch.reset(out, shape.offsets);
    writeCreateBody(this.patch, e, nat, timeoutS);
    return out;
  }
}
