// One advert as the bytes handed to the socket: the VRRP message (codec.ts), inside an IPv4 header for the
// IP_HDRINCL path, with keepalived's AH header between them for `auth_type AH` (ah.ts). IPv6: the message alone
// (the kernel builds the header and the checksum).
import { encodeAhIpv4Packet } from './ah.js';
import { encodeAdvert, encodeIpv4Packet, type AdvertFields, type EncodeOptions } from './codec.js';

export interface AdvertPacketOptions extends EncodeOptions {
  /** IPv4 id: per-instance counter, incremented per send and skipping 0 (keepalived vrrp.c:429-434). */
  readonly id: number;
  /** IPv4 TTL: 255 multicast, `unicast_ttl` unicast. */
  readonly ttl: number;
  /** `auth_type AH`: the key (ahKey), this advert's sequence number (AhSession) and whether the TTL is left out of the ICV. */
  readonly ah?: { readonly key: Uint8Array; readonly seq: number; readonly unicast: boolean };
}

export function encodeAdvertPacket(fields: AdvertFields, o: AdvertPacketOptions): Buffer {
  const message = encodeAdvert(fields, o);
  if (o.src.includes(':')) return message;
  if (o.ah) return encodeAhIpv4Packet({ src: o.src, dst: o.dst, id: o.id, ttl: o.ttl, seq: o.ah.seq, key: o.ah.key, unicast: o.ah.unicast, message });
  return encodeIpv4Packet({ src: o.src, dst: o.dst, id: o.id, ttl: o.ttl, payload: message });
}

/**
 * Re-stamp an IPv4 advert encoded by encodeAdvertPacket (no AH) with a new IP id: bytes 4-5, and the header
 * checksum (bytes 10-11) updated incrementally (RFC 1624 eqn. 3), so a master can send a pre-encoded advert per
 * interval without re-encoding it (issue 12). The result is byte-identical to encoding it afresh with `id`.
 */
export function restampIpv4Id(packet: Buffer, id: number): void {
  const old = (packet[4]! << 8) | packet[5]!;
  const next = id & 0xffff;
  if (old === next) return;
  // HC' = ~(~HC + ~m + m'), one's-complement arithmetic.
  let sum = (~((packet[10]! << 8) | packet[11]!) & 0xffff) + (~old & 0xffff) + next;
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  const hc = ~sum & 0xffff;
  packet[4] = next >>> 8;
  packet[5] = next & 0xff;
  packet[10] = hc >>> 8;
  packet[11] = hc & 0xff;
}
