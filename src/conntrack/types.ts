// The in-memory shape of one conntrack entry, as vipd reads it from and writes it to the kernel (ctnetlink)
// and as it replicates it to peers (src/sync/codec.ts). Addresses are canonical text (src/conntrack/addr.ts).
import { get32, writeIpv4 } from './bytes.js';

export type IpFamily = 4 | 6;

export interface CtTuple {
  src: string;
  dst: string;
  /** IP protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6, …). */
  proto: number;
  /** Ports for tcp/udp/sctp/udplite/dccp; 0 otherwise. */
  srcPort: number;
  dstPort: number;
  /** ICMP/ICMPv6 echo id/type/code; 0 otherwise. */
  icmpId: number;
  icmpType: number;
  icmpCode: number;
}

export interface CtTcpInfo {
  /** enum tcp_conntrack (3 = ESTABLISHED). */
  state: number;
  wscaleOrig: number;
  wscaleReply: number;
}

export interface ConntrackEntry {
  family: IpFamily;
  orig: CtTuple;
  /** The reply tuple as the kernel holds it: after NAT it carries the translation (DNAT: reply.src = real server). */
  reply: CtTuple;
  /** enum ip_conntrack_status bitmask. */
  status: number;
  /** Seconds left before the kernel expires the entry. */
  timeoutS: number;
  mark: number;
  zone: number;
  tcp: CtTcpInfo | null;
}

/** A decoder's refusal, by reason (the reason lists are in src/conntrack/drops.ts and src/sync/drops.ts). */
export interface Drop<R extends string = string> {
  drop: R;
}

export function isDrop<T>(v: T | Drop): v is Drop {
  return typeof v === 'object' && v !== null && 'drop' in v;
}

export function invertTuple(t: CtTuple): CtTuple {
  return { ...t, src: t.dst, dst: t.src, srcPort: t.dstPort, dstPort: t.srcPort };
}

/**
 * Key of an entry: its original-direction tuple and zone (what the kernel's hash is keyed on). An opaque string
 * for Map keys, never shown: for IPv4 eleven UTF-16 code units built in one call (family tag, addresses,
 * ports, protocol, ICMP fields, zone), which is several times cheaper to build and hash than text; 100,000
 * entries are keyed on every burst of kernel events and every received bulk. Other families use text, which
 * can never equal an 11-unit IPv4 key (it has spaces and is longer).
 */
export function entryKey(e: Pick<ConntrackEntry, 'family' | 'orig' | 'zone'>): string {
  const t = e.orig;
  if (e.family === 4) {
    const s = ipv4Number(t.src);
    const d = ipv4Number(t.dst);
    if (s >= 0 && d >= 0) {
      return String.fromCharCode(4, s >>> 16, s & 0xffff, d >>> 16, d & 0xffff, t.srcPort, t.dstPort, t.proto, t.icmpId, (t.icmpType << 8) | t.icmpCode, e.zone);
    }
  }
  return `${t.src} ${t.srcPort} ${t.dst} ${t.dstPort} ${t.proto} ${t.icmpId} ${t.icmpType} ${t.icmpCode} ${e.zone}`;
}

const quad = new Uint8Array(4);

/** Dotted quad → u32, or -1 when the text is not one (bytes.ts writeIpv4: the one strict dotted-quad reader). */
function ipv4Number(text: string): number {
  return writeIpv4(text, quad, 0) ? get32(quad, 0) : -1;
}

/**
 * The NAT bindings implied by the two tuples: the destination was rewritten when the reply does not come from
 * where the original went (DNAT), the source when the reply does not go back to where the original came from.
 */
export function natOf(e: ConntrackEntry): { dst: { addr: string; port: number } | null; src: { addr: string; port: number } | null } {
  const o = e.orig;
  const r = e.reply;
  const dst = r.src !== o.dst || r.srcPort !== o.dstPort ? { addr: r.src, port: r.srcPort } : null;
  const src = r.dst !== o.src || r.dstPort !== o.srcPort ? { addr: r.dst, port: r.dstPort } : null;
  return { dst, src };
}
