// IPsec AH as keepalived 2.2.7 does it for `auth_type AH` (VRRPv2 over IPv4 only): a 24-byte AH header between
// the IPv4 header (protocol 51) and the VRRP message, HMAC-MD5-96 keyed with the 8-byte auth_pass (NUL-padded),
// SPI = the sender's IPv4 address, a 32-bit sequence number. No SA negotiation, no kernel IPsec: both ends
// compute the ICV themselves (vrrp.c vrrp_build_ipsecah, vrrp_update_pkt, vrrp_in_chk_ipsecah; vrrp_ipsecah.c).
//
// The ICV covers the IPv4 header with its mutable fields zeroed (RFC 2402 §3.3.3.1.1.1: TOS, flags/fragment
// offset, header checksum; keepalived also zeroes the TTL when the instance is unicast, never for multicast),
// the AH header with the ICV zeroed, and the VRRP message. Pure: node:crypto's HMAC is computation, not I/O.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseIpv4 } from '../ip/address.js';
import { internalError, VipdError } from '../errors/vipdError.js';
import { buildIpv4Header } from './codec.js';
import { AH_HEADER_LEN, AH_ICV_LEN, AH_IP_PROTOCOL, AH_PAYLOAD_LEN, AUTH_DATA_LEN, VRRP_IP_PROTOCOL } from './constants.js';

// The AH header's shape is defined where it is decoded (codec.ts), so codec.ts need not import this file.
export type { AhHeader } from './codec.js';

/** The HMAC key: auth_pass NUL-padded / truncated to the 8 bytes keepalived keeps (vrrp_parser.c auth_pass). */
export function ahKey(password: string | Uint8Array): Buffer {
  const key = Buffer.alloc(AUTH_DATA_LEN);
  Buffer.from(password).subarray(0, AUTH_DATA_LEN).copy(key);
  return key;
}

/**
 * HMAC-MD5-96 over a whole IPv4 datagram carrying AH right after its `ihl`-byte header. Copies the datagram,
 * zeroes TOS, flags/fragment offset, header checksum (and TTL when `unicast`) and the ICV field, then MACs it
 * in one piece, which is what keepalived's two-buffer hmac_md5 calls amount to on both sides. The 8-byte key is
 * used as is: HMAC pads keys to 64 bytes with zeros, so trailing NULs change nothing (RFC 2104 §2).
 */
export function computeAhIcv(datagram: Uint8Array, ihl: number, key: Uint8Array, unicast: boolean): Buffer {
  const m = Buffer.from(datagram);
  m[1] = 0; // TOS
  m.writeUInt16BE(0, 6); // flags + fragment offset
  m.writeUInt16BE(0, 10); // header checksum
  if (unicast) m[8] = 0; // keepalived: TTL only for unicast (vrrp_update_pkt, vrrp_in_chk_ipsecah)
  m.fill(0, ihl + 12, ihl + AH_HEADER_LEN);
  return createHmac('md5', Buffer.from(key)).update(m).digest().subarray(0, AH_ICV_LEN);
}

/** Constant-time ICV comparison (keepalived memcmp_constant_time). */
export function ahIcvMatches(datagram: Uint8Array, ihl: number, key: Uint8Array, unicast: boolean): boolean {
  const got = Buffer.from(datagram.subarray(ihl + 12, ihl + AH_HEADER_LEN));
  return got.length === AH_ICV_LEN && timingSafeEqual(got, computeAhIcv(datagram, ihl, key, unicast));
}

/** The SPI keepalived expects: the IPv4 source address as a 32-bit number. */
export function spiFor(src: string): number {
  const s = parseIpv4(src);
  if (!s) throw new VipdError('VIPD_ERR_INVALID_ADDRESS', `AH needs an IPv4 source address, not ${src}`);
  return s.readUInt32BE(0);
}

export interface AhPacketOptions {
  readonly src: string;
  readonly dst: string;
  /** Per-instance IP id; never 0, or the kernel would fill it in after the ICV was computed. */
  readonly id: number;
  readonly ttl: number;
  readonly tos?: number;
  readonly seq: number;
  /** 8-byte key (ahKey). */
  readonly key: Uint8Array;
  /** The instance has unicast peers: the TTL is left out of the ICV. */
  readonly unicast: boolean;
  /** The VRRPv2 message (auth type 2, auth data zero). */
  readonly message: Uint8Array;
}

/** IPv4 header (protocol 51) + AH + VRRP message, ICV filled: the datagram keepalived sends (vrrp_update_pkt). */
export function encodeAhIpv4Packet(o: AhPacketOptions): Buffer {
  if (o.id === 0) throw internalError('IP id 0 would be rewritten by the kernel after the ICV');
  const ip = buildIpv4Header({
    src: o.src, dst: o.dst, id: o.id, ttl: o.ttl, ...(o.tos !== undefined ? { tos: o.tos } : {}),
    payloadLength: AH_HEADER_LEN + o.message.length, protocol: AH_IP_PROTOCOL,
  });
  const ah = Buffer.alloc(AH_HEADER_LEN);
  ah[0] = VRRP_IP_PROTOCOL;
  ah[1] = AH_PAYLOAD_LEN;
  ah.writeUInt32BE(spiFor(o.src), 4);
  ah.writeUInt32BE(o.seq >>> 0, 8);
  const datagram = Buffer.concat([ip, ah, o.message]);
  computeAhIcv(datagram, ip.length, o.key, o.unicast).copy(datagram, ip.length + 12);
  return datagram;
}
