// ctnetlink message codec: conntrack entries <-> IPCTNL_MSG_CT_* messages (nfnetlink_conntrack.h). Pure: no I/O.
// What the kernel requires to create an entry is fixed by net/netfilter/nf_conntrack_netlink.c
// ctnetlink_new_conntrack()/ctnetlink_create_conntrack(): both tuples, CTA_TIMEOUT, optional status,
// protoinfo, mark, and NAT set up through CTA_NAT_SRC/CTA_NAT_DST (the kernel refuses NAT attributes when
// the entry already exists, ctnetlink_change_conntrack() → EOPNOTSUPP, so updates leave them out).
import * as C from './constants.js';
import * as N from '../net/constants.js';
import { parseAddress as parseAddr } from '../ip/address.js';
import type { NetlinkMessage } from '../net/netlinkMsg.js';
import { NlWriter } from '../net/nlattr.js';
import { endianness } from 'node:os';
import { get16, NO_TCP, writeIpv4, OP_DELETE, OP_UPSERT, put16, put32, readRecord, RECORD_FIXED, RECORD_MAX } from './record.js';
import { AddressNames, TcpInfos } from './interning.js';
import type { ConntrackDropReason } from './drops.js';
import { invertTuple, natOf, type ConntrackEntry, type CtTuple, type Drop, type IpFamily } from './types.js';

export type CtEventKind = 'new' | 'update' | 'destroy';

export interface DecodedConntrack {
  kind: CtEventKind;
  entry: ConntrackEntry;
}

const ctType = (msg: number): number => (C.NFNL_SUBSYS_CTNETLINK << 8) | msg;

/**
 * nlattr header fields (host order) read inline: Buffer.readUInt16LE behind readU16Host is two calls with
 * bounds checks, and attribute walks run a dozen times per kernel event. Callers check bounds themselves.
 */
const rd16: (b: Buffer, o: number) => number = endianness() === 'LE' ? (b, o) => b[o]! | (b[o + 1]! << 8) : (b, o) => (b[o]! << 8) | b[o + 1]!;

/**
 * Index the nlattrs of buf[start, end) by type: idx[2t] = payload offset, idx[2t+1] = payload length (-1 when
 * absent). Types beyond the index are skipped. Offsets instead of subarrays: this runs for every kernel event.
 */
function indexAttrs(buf: Buffer, start: number, end: number, idx: Int32Array): boolean {
  for (let i = 0; i < idx.length; i++) idx[i] = -1; // a loop: TypedArray fill() is a runtime call, 3 per event

  let off = start;
  while (off + 4 <= end) {
    const len = rd16(buf, off);
    if (len < 4 || off + len > end) return false;
    const t = rd16(buf, off + 2) & N.NLA_TYPE_MASK;
    if (2 * t + 1 < idx.length) {
      idx[2 * t] = off + 4;
      idx[2 * t + 1] = len - 4;
    }
    off += (len + 3) & ~3;
  }
  return true;
}

function attrU8(buf: Buffer, idx: Int32Array, t: number): number {
  return idx[2 * t + 1]! >= 1 ? buf[idx[2 * t]!]! : 0;
}

function attrBe32(buf: Buffer, idx: Int32Array, t: number): number {
  if (idx[2 * t + 1]! < 4) return 0;
  const o = idx[2 * t]!;
  return ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0;
}

/** Reusable index arrays for decodeConntrack (typed-array allocation per event would dominate its cost). */
export interface DecodeScratch {
  top: Int32Array;
  tuple: Int32Array;
  ip: Int32Array;
  proto: Int32Array;
  pinfo: Int32Array;
  tcp: Int32Array;
  names: AddressNames;
  tcpInfos: TcpInfos;
  /** The record decodeConntrackAt() decodes into before building the entry. */
  record: Uint8Array;
}

export function newDecodeScratch(): DecodeScratch {
  return {
    top: new Int32Array(2 * (C.CTA_ZONE + 1)),
    tuple: new Int32Array(8),
    ip: new Int32Array(10),
    proto: new Int32Array(20),
    pinfo: new Int32Array(4),
    tcp: new Int32Array(12),
    names: new AddressNames(),
    tcpInfos: new TcpInfos(),
    record: new Uint8Array(RECORD_MAX),
  };
}

/**
 * CTA_TUPLE_ORIG/REPLY: { CTA_TUPLE_IP { src, dst }, CTA_TUPLE_PROTO { num, ports | icmp id/type/code } }, walked
 * directly (no index arrays: this runs twice for every kernel event) into the compact record at rec[ro…]
 * (record.ts): addresses at addrAt (source) and addrAt + alen (destination), ports at portAt and portAt + 2.
 * The original tuple also fills the protocol and ICMP fields; the reply's ICMP fields are not kept (the record
 * has one set: the kernel derives the reply's from the original). Returns a drop reason or null.
 */
function decodeTupleInto(buf: Buffer, start: number, len: number, alen: number, rec: Uint8Array, ro: number, addrAt: number, portAt: number, orig: boolean): ConntrackDropReason | null {
  const end = start + len;
  const ts = alen === 4 ? C.CTA_IP_V4_SRC : C.CTA_IP_V6_SRC;
  const td = alen === 4 ? C.CTA_IP_V4_DST : C.CTA_IP_V6_DST;
  let found = 0; // bits: 1 source, 2 destination, 4 protocol
  rec[ro + portAt] = rec[ro + portAt + 1] = rec[ro + portAt + 2] = rec[ro + portAt + 3] = 0;
  let off = start;
  while (off + 4 <= end) {
    const alenTotal = rd16(buf, off);
    if (alenTotal < 4 || off + alenTotal > end) return 'bad-attributes';
    const t = rd16(buf, off + 2) & N.NLA_TYPE_MASK;
    const innerEnd = off + alenTotal;
    let p = off + 4;
    if (t === C.CTA_TUPLE_IP || t === C.CTA_TUPLE_PROTO) {
      while (p + 4 <= innerEnd) {
        const l = rd16(buf, p);
        if (l < 4 || p + l > innerEnd) return 'bad-attributes';
        const it = rd16(buf, p + 2) & N.NLA_TYPE_MASK;
        const v = p + 4;
        const vlen = l - 4;
        if (t === C.CTA_TUPLE_IP) {
          const at = it === ts ? addrAt : it === td ? addrAt + alen : -1;
          if (at >= 0 && vlen >= alen) {
            for (let k = 0; k < alen; k++) rec[ro + at + k] = buf[v + k]!;
            found |= at === addrAt ? 1 : 2;
          }
        } else if (vlen >= 1) {
          // Ports and ICMP ids are 16 bits, ICMP type/code 8 bits; the ICMPv6 variants have their own numbers.
          switch (it) {
            case C.CTA_PROTO_NUM:
              if (orig) rec[ro + 2] = buf[v]!;
              found |= 4;
              break;
            case C.CTA_PROTO_SRC_PORT:
            case C.CTA_PROTO_DST_PORT:
              if (vlen >= 2) {
                const at = ro + portAt + (it === C.CTA_PROTO_SRC_PORT ? 0 : 2);
                rec[at] = buf[v]!;
                rec[at + 1] = buf[v + 1]!;
              }
              break;
            case C.CTA_PROTO_ICMP_ID:
            case C.CTA_PROTO_ICMPV6_ID:
              if (orig && vlen >= 2) {
                rec[ro + 28] = buf[v]!;
                rec[ro + 29] = buf[v + 1]!;
              }
              break;
            case C.CTA_PROTO_ICMP_TYPE:
            case C.CTA_PROTO_ICMPV6_TYPE:
              if (orig) rec[ro + 30] = buf[v]!;
              break;
            case C.CTA_PROTO_ICMP_CODE:
            case C.CTA_PROTO_ICMPV6_CODE:
              if (orig) rec[ro + 31] = buf[v]!;
              break;
          }
        }
        p += (l + 3) & ~3;
      }
    }
    off += (alenTotal + 3) & ~3;
  }
  return found === 7 ? null : 'bad-tuple';
}

const KIND_NEW = 0;
const KIND_UPDATE = 1;
const KIND_DESTROY = 2;
const KINDS: readonly CtEventKind[] = ['new', 'update', 'destroy'];

/**
 * Decode one ctnetlink conntrack message (a dump reply or a multicast event). Never throws.
 * Events: IPCTNL_MSG_CT_NEW with NLM_F_CREATE is a new entry, without it an update; CT_DELETE is a destroy.
 */
export function decodeConntrack(msg: Pick<NetlinkMessage, 'type' | 'flags' | 'payload'>, sc: DecodeScratch = newDecodeScratch()): DecodedConntrack | Drop<ConntrackDropReason> {
  return decodeConntrackAt(msg.payload, 0, msg.payload.length, msg.type, msg.flags, sc);
}

/** decodeConntrack on a message payload in place: buf[start, end) (no subarray per kernel event). */
export function decodeConntrackAt(buf: Buffer, start: number, end: number, type: number, flags: number, sc: DecodeScratch): DecodedConntrack | Drop<ConntrackDropReason> {
  const kind = decodeConntrackRecord(buf, start, end, type, flags, sc, sc.record, 0);
  if (typeof kind === 'string') return { drop: kind };
  return { kind: KINDS[kind]!, entry: readRecord(sc.record, 0, sc) };
}

/**
 * The message at buf[start, end) as a compact record at rec[ro…] (record.ts; op byte: delete for a destroy),
 * without building an object: the master's path from a kernel event to the sync cache and the wire.
 * Returns 0 new, 1 update, 2 destroy, or a drop reason (src/conntrack/drops.ts).
 */
export function decodeConntrackRecord(buf: Buffer, start: number, end: number, type: number, flags: number, sc: DecodeScratch, rec: Uint8Array, ro: number): number | ConntrackDropReason {
  if (type >> 8 !== C.NFNL_SUBSYS_CTNETLINK) return 'not-ctnetlink';
  const sub = type & 0xff;
  if (sub !== C.IPCTNL_MSG_CT_NEW && sub !== C.IPCTNL_MSG_CT_DELETE) return 'not-conntrack';
  if (end - start < C.NFGENMSG_LEN) return 'truncated';
  const af = buf[start];
  const family: IpFamily | null = af === N.AF_INET ? 4 : af === N.AF_INET6 ? 6 : null;
  if (family === null) return 'unsupported-family';
  const a = sc.top;
  if (!indexAttrs(buf, start + C.NFGENMSG_LEN, end, a)) return 'bad-attributes';
  if (a[2 * C.CTA_TUPLE_ORIG + 1]! < 0) return 'no-orig-tuple';
  const alen = family === 4 ? 4 : 16;
  const kind = sub === C.IPCTNL_MSG_CT_DELETE ? KIND_DESTROY : flags & N.NLM_F_CREATE ? KIND_NEW : KIND_UPDATE;
  rec[ro] = kind === KIND_DESTROY ? OP_DELETE : OP_UPSERT;
  rec[ro + 1] = family;
  put32(rec, ro + 28, 0); // ICMP fields, when the tuple has none
  const origDrop = decodeTupleInto(buf, a[2 * C.CTA_TUPLE_ORIG]!, a[2 * C.CTA_TUPLE_ORIG + 1]!, alen, rec, ro, RECORD_FIXED, 20, true);
  if (origDrop !== null) return origDrop;
  if (a[2 * C.CTA_TUPLE_REPLY + 1]! >= 0) {
    const replyDrop = decodeTupleInto(buf, a[2 * C.CTA_TUPLE_REPLY]!, a[2 * C.CTA_TUPLE_REPLY + 1]!, alen, rec, ro, RECORD_FIXED + 2 * alen, 24, false);
    if (replyDrop !== null) return replyDrop;
  } else {
    // No reply tuple (a DESTROY may carry only the original): the inverse of the original.
    for (let k = 0; k < alen; k++) {
      rec[ro + RECORD_FIXED + 2 * alen + k] = rec[ro + RECORD_FIXED + alen + k]!;
      rec[ro + RECORD_FIXED + 3 * alen + k] = rec[ro + RECORD_FIXED + k]!;
    }
    put16(rec, ro + 24, get16(rec, ro + 22));
    put16(rec, ro + 26, get16(rec, ro + 20));
  }
  rec[ro + 3] = NO_TCP;
  rec[ro + 18] = rec[ro + 19] = 0;
  if (a[2 * C.CTA_PROTOINFO + 1]! >= 0) {
    const pi = sc.pinfo;
    const ta = sc.tcp;
    if (
      indexAttrs(buf, a[2 * C.CTA_PROTOINFO]!, a[2 * C.CTA_PROTOINFO]! + a[2 * C.CTA_PROTOINFO + 1]!, pi) &&
      pi[2 * C.CTA_PROTOINFO_TCP + 1]! >= 0 &&
      indexAttrs(buf, pi[2 * C.CTA_PROTOINFO_TCP]!, pi[2 * C.CTA_PROTOINFO_TCP]! + pi[2 * C.CTA_PROTOINFO_TCP + 1]!, ta)
    ) {
      rec[ro + 3] = attrU8(buf, ta, C.CTA_PROTOINFO_TCP_STATE);
      rec[ro + 18] = attrU8(buf, ta, C.CTA_PROTOINFO_TCP_WSCALE_ORIGINAL);
      rec[ro + 19] = attrU8(buf, ta, C.CTA_PROTOINFO_TCP_WSCALE_REPLY);
    }
  }
  put32(rec, ro + 4, attrBe32(buf, a, C.CTA_STATUS));
  put32(rec, ro + 8, attrBe32(buf, a, C.CTA_TIMEOUT));
  put32(rec, ro + 12, attrBe32(buf, a, C.CTA_MARK));
  put16(rec, ro + 16, a[2 * C.CTA_ZONE + 1]! >= 2 ? buf.readUInt16BE(a[2 * C.CTA_ZONE]!) : 0);
  return kind;
}

function addrBytes(text: string, family: IpFamily): Uint8Array {
  if (family === 4) {
    const b = new Uint8Array(4);
    if (writeIpv4(text, b, 0)) return b;
  }
  return parseAddr(text) ?? new Uint8Array(family === 4 ? 4 : 16);
}

/**
 * What the entry encoders write through: NlWriter, or a sink that only records (CreateEncoder's template) or
 * only patches values at recorded offsets (its fast path). Calls must come in the same order for one shape.
 */
export interface AttrSink {
  open(type: number): number;
  close(at: number): void;
  u8(type: number, v: number): void;
  be16(type: number, v: number): void;
  be32(type: number, v: number): void;
  bytes(type: number, b: ArrayLike<number>): void;
}

/** A tuple; the addresses may be given as bytes (parsed once per entry: the reply tuple reuses them). */
function writeTuple(w: AttrSink, type: number, t: CtTuple, family: IpFamily, src = addrBytes(t.src, family), dst = addrBytes(t.dst, family)): void {
  const outer = w.open(type);
  const ip = w.open(C.CTA_TUPLE_IP);
  w.bytes(family === 4 ? C.CTA_IP_V4_SRC : C.CTA_IP_V6_SRC, src);
  w.bytes(family === 4 ? C.CTA_IP_V4_DST : C.CTA_IP_V6_DST, dst);
  w.close(ip);
  const p = w.open(C.CTA_TUPLE_PROTO);
  w.u8(C.CTA_PROTO_NUM, t.proto);
  if (t.proto === N.IPPROTO_ICMP) {
    w.be16(C.CTA_PROTO_ICMP_ID, t.icmpId);
    w.u8(C.CTA_PROTO_ICMP_TYPE, t.icmpType);
    w.u8(C.CTA_PROTO_ICMP_CODE, t.icmpCode);
  } else if (t.proto === N.IPPROTO_ICMPV6) {
    w.be16(C.CTA_PROTO_ICMPV6_ID, t.icmpId);
    w.u8(C.CTA_PROTO_ICMPV6_TYPE, t.icmpType);
    w.u8(C.CTA_PROTO_ICMPV6_CODE, t.icmpCode);
  } else {
    w.be16(C.CTA_PROTO_SRC_PORT, t.srcPort);
    w.be16(C.CTA_PROTO_DST_PORT, t.dstPort);
  }
  w.close(p);
  w.close(outer);
}

function writeNat(w: AttrSink, type: number, family: IpFamily, addr: string, port: number, proto: number): void {
  const a = addrBytes(addr, family);
  const nat = w.open(type);
  w.bytes(family === 4 ? C.CTA_NAT_V4_MINIP : C.CTA_NAT_V6_MINIP, a);
  w.bytes(family === 4 ? C.CTA_NAT_V4_MAXIP : C.CTA_NAT_V6_MAXIP, a);
  if (proto !== N.IPPROTO_ICMP && proto !== N.IPPROTO_ICMPV6 && port !== 0) {
    const p = w.open(C.CTA_NAT_PROTO);
    w.be16(C.CTA_PROTONAT_PORT_MIN, port);
    w.be16(C.CTA_PROTONAT_PORT_MAX, port);
    w.close(p);
  }
  w.close(nat);
}

/**
 * TCP tracking flags for an injected entry. Like conntrackd (src/netlink.c nl_create_conntrack), window
 * tracking is relaxed (BE_LIBERAL): the sequence windows are not replicated, so the new master must not judge
 * in-flight segments against windows it never saw. CLOSE_INIT marks entries already closing.
 */
export function tcpFlags(state: number): number {
  let f = C.IP_CT_TCP_FLAG_SACK_PERM | C.IP_CT_TCP_FLAG_BE_LIBERAL;
  if (state >= C.TCP_CONNTRACK_TIME_WAIT) f |= C.IP_CT_TCP_FLAG_CLOSE_INIT;
  return f;
}

function writeCommon(w: AttrSink, e: ConntrackEntry, timeoutS: number): void {
  // IPS_EXPECTED cannot be set from user space (nf_ct_change_status_common → EBUSY); NAT bits are derived by
  // the kernel from CTA_NAT_*, and the remaining unchangeable bits are ignored by __nf_ct_change_status().
  w.be32(C.CTA_STATUS, e.status & (C.IPS_SEEN_REPLY | C.IPS_ASSURED | C.IPS_CONFIRMED));
  w.be32(C.CTA_TIMEOUT, Math.max(1, timeoutS));
  if (e.mark) w.be32(C.CTA_MARK, e.mark);
  if (e.tcp) {
    const flags = tcpFlags(e.tcp.state);
    const pi = w.open(C.CTA_PROTOINFO);
    const tcp = w.open(C.CTA_PROTOINFO_TCP);
    w.u8(C.CTA_PROTOINFO_TCP_STATE, e.tcp.state);
    w.u8(C.CTA_PROTOINFO_TCP_WSCALE_ORIGINAL, e.tcp.wscaleOrig);
    w.u8(C.CTA_PROTOINFO_TCP_WSCALE_REPLY, e.tcp.wscaleReply);
    w.bytes(C.CTA_PROTOINFO_TCP_FLAGS_ORIGINAL, [flags, flags]);
    w.bytes(C.CTA_PROTOINFO_TCP_FLAGS_REPLY, [flags, flags]);
    w.close(tcp);
    w.close(pi);
  }
}

function begin(w: NlWriter, msg: number, flags: number, seq: number, family: IpFamily | 0): void {
  w.begin(ctType(msg), flags, seq);
  w.raw([family === 4 ? N.AF_INET : family === 6 ? N.AF_INET6 : 0, C.NFNETLINK_V0, 0, 0]);
}

export interface CreateOptions {
  /** Timeout to give the injected entry (conntrackd CommitTimeout); default: the entry's own timeoutS. */
  timeoutS?: number;
  /** NLM_F_EXCL: fail with EEXIST instead of updating an existing entry. Default true (create path). */
  exclusive?: boolean;
}

/**
 * IPCTNL_MSG_CT_NEW with NLM_F_CREATE. The reply tuple is sent un-NATed (the inverse of the original) and the
 * translation travels in CTA_NAT_DST/CTA_NAT_SRC: nf_nat_setup_info() then rewrites the reply tuple itself and
 * sets IPS_DST_NAT/IPS_SRC_NAT, which is what makes the NAT hooks translate the flow's packets.
 */
export function encodeCreate(e: ConntrackEntry, seq: number, opts: CreateOptions = {}, w = new NlWriter()): Buffer {
  begin(w, C.IPCTNL_MSG_CT_NEW, createFlags(opts), seq, e.family);
  writeCreateBody(w, e, natOf(e), opts.timeoutS ?? e.timeoutS);
  return w.finish();
}

export function createFlags(opts: CreateOptions): number {
  return N.NLM_F_REQUEST | N.NLM_F_ACK | N.NLM_F_CREATE | (opts.exclusive === false ? 0 : N.NLM_F_EXCL);
}

/** Everything after nfgenmsg of a create message (see encodeCreate). */
export function writeCreateBody(w: AttrSink, e: ConntrackEntry, nat: ReturnType<typeof natOf>, timeoutS: number): void {
  const src = addrBytes(e.orig.src, e.family);
  const dst = addrBytes(e.orig.dst, e.family);
  writeTuple(w, C.CTA_TUPLE_ORIG, e.orig, e.family, src, dst);
  writeTuple(w, C.CTA_TUPLE_REPLY, invertTuple(e.orig), e.family, dst, src);
  writeCommon(w, e, timeoutS);
  if (nat.dst) writeNat(w, C.CTA_NAT_DST, e.family, nat.dst.addr, nat.dst.port, e.orig.proto);
  if (nat.src) writeNat(w, C.CTA_NAT_SRC, e.family, nat.src.addr, nat.src.port, e.orig.proto);
  if (e.zone) w.be16(C.CTA_ZONE, e.zone);
}

export function beginCreate(w: NlWriter, e: ConntrackEntry, opts: CreateOptions): void {
  begin(w, C.IPCTNL_MSG_CT_NEW, createFlags(opts), 0, e.family);
}

/** IPCTNL_MSG_CT_NEW without NLM_F_CREATE: refresh status/timeout/mark/TCP state of an existing entry. */
export function encodeUpdate(e: ConntrackEntry, seq: number, timeoutS = e.timeoutS, w = new NlWriter()): Buffer {
  begin(w, C.IPCTNL_MSG_CT_NEW, N.NLM_F_REQUEST | N.NLM_F_ACK, seq, e.family);
  writeTuple(w, C.CTA_TUPLE_ORIG, e.orig, e.family);
  writeCommon(w, e, timeoutS);
  if (e.zone) w.be16(C.CTA_ZONE, e.zone);
  return w.finish();
}

/** Only the timeout of an existing entry (conntrackd -t: let stale entries expire soon). */
export function encodeSetTimeout(e: ConntrackEntry, seq: number, timeoutS: number, w = new NlWriter()): Buffer {
  begin(w, C.IPCTNL_MSG_CT_NEW, N.NLM_F_REQUEST | N.NLM_F_ACK, seq, e.family);
  writeTuple(w, C.CTA_TUPLE_ORIG, e.orig, e.family);
  w.be32(C.CTA_TIMEOUT, timeoutS);
  if (e.zone) w.be16(C.CTA_ZONE, e.zone);
  return w.finish();
}

export function encodeDelete(e: Pick<ConntrackEntry, 'family' | 'orig' | 'zone'>, seq: number, w = new NlWriter()): Buffer {
  begin(w, C.IPCTNL_MSG_CT_DELETE, N.NLM_F_REQUEST | N.NLM_F_ACK, seq, e.family);
  writeTuple(w, C.CTA_TUPLE_ORIG, e.orig, e.family);
  if (e.zone) w.be16(C.CTA_ZONE, e.zone);
  return w.finish();
}

/** Full table dump (family 0 = both IPv4 and IPv6). */
export function encodeDumpRequest(seq: number, family: IpFamily | 0 = 0): Buffer {
  const w = new NlWriter(32);
  begin(w, C.IPCTNL_MSG_CT_GET, N.NLM_F_REQUEST | N.NLM_F_DUMP, seq, family);
  return w.finish();
}
