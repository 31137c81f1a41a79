// ICMP / ICMPv6 echo for PING_CHECK (RFC 792, RFC 4443 §4.1-4.2). The request is built here; the kernel fills the
// ICMPv6 checksum (it covers a pseudo-header only the kernel knows, RFC 4443 §2.3) and, on a ping socket, the id.

export const ICMP_ECHO_REQUEST = 8;
export const ICMP_ECHO_REPLY = 0;
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;

/** RFC 1071 internet checksum. */
export function internetChecksum(buf: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length % 2 === 1) sum += buf[buf.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function buildEchoRequest(v6: boolean, id: number, seq: number, payload: Buffer): Buffer {
  const msg = Buffer.alloc(8 + payload.length);
  msg[0] = v6 ? ICMPV6_ECHO_REQUEST : ICMP_ECHO_REQUEST;
  msg.writeUInt16BE(id, 4);
  msg.writeUInt16BE(seq, 6);
  payload.copy(msg, 8);
  if (!v6) msg.writeUInt16BE(internetChecksum(msg), 2);
  return msg;
}

export interface EchoReply {
  readonly id: number;
  readonly seq: number;
}

/**
 * An echo reply, or null for anything else (our own request looped back to a raw socket, other ICMP traffic).
 * `withIpHeader`: a raw IPv4 socket delivers the IP header first.
 */
export function parseEchoReply(data: Buffer, v6: boolean, withIpHeader: boolean): EchoReply | null {
  let icmp = data;
  if (withIpHeader) {
    if (data.length < 20 || data[0]! >> 4 !== 4) return null;
    icmp = data.subarray((data[0]! & 0x0f) * 4);
  }
  if (icmp.length < 8) return null;
  if (icmp[0] !== (v6 ? ICMPV6_ECHO_REPLY : ICMP_ECHO_REPLY) || icmp[1] !== 0) return null;
  return { id: icmp.readUInt16BE(4), seq: icmp.readUInt16BE(6) };
}
