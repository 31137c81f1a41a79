// Create messages for the commit at takeover, from templates. Every entry of one *shape* (family, protocol kind,
// which optional attributes are present: mark, TCP info, NAT bindings with or without port, zone) has the same
// message layout, so the first entry of a shape is encoded normally while the offsets of its values are
// recorded; later entries copy that template and overwrite only the values. The bytes are identical to
// encodeCreate()'s (test/unit/conntrack/createEncoder.test.ts); the cost per entry is a memcpy and ~20 writes.
import * as N from '../net/constants.js';
import { NlWriter } from '../net/nlattr.js';
import { beginCreate, writeCreateBody, type AttrSink, type CreateOptions } from './codec.js';
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

export class CreateEncoder {
  private readonly shapes = new Map<number, Shape>();
  private readonly writer = new NlWriter();
  private readonly patch = new PatchSink();

  /** The create message of `e` (sequence number 0: NetlinkSocket.sendBatch stamps it). */
  encode(e: ConntrackEntry, opts: CreateOptions = {}): Buffer {
    const nat = natOf(e);
    const icmp = protoKind(e.orig.proto) !== 0;
    const natKind = (b: { port: number } | null): number => (b === null ? 0 : b.port !== 0 && !icmp ? 2 : 1);
    const key =
      (e.family === 6 ? 1 : 0) |
      (protoKind(e.orig.proto) << 1) |
      ((e.mark ? 1 : 0) << 3) |
      ((e.tcp ? 1 : 0) << 4) |
      (natKind(nat.dst) << 5) |
      (natKind(nat.src) << 7) |
      ((e.zone ? 1 : 0) << 9) |
      ((opts.exclusive === false ? 1 : 0) << 10);
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
