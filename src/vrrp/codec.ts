// VRRP v2/v3 advertisement codec, byte-compatible with keepalived (keepalived.md §1.1-1.2, §8 facts 2-8).
// Pure: decoders never throw on remote input, they return { drop: reason }. Encoders throw on bad LOCAL
// input (a config the validator should have refused), which is a programming error.
import { formatAddress, formatIpv4Cached, parseAddress, parseIpv4 } from '../ip/address.js';
import { internalError, VipdError } from '../errors/vipdError.js';
import { internetChecksum, ipv4PseudoHeader } from './checksum.js';
import {
  AH_HEADER_LEN, AH_IP_PROTOCOL, AUTH_DATA_LEN, AUTH_PASS, ETH_MIN_PAYLOAD, IPV4_HEADER_LEN, MAX_VIPS_PER_ADVERT, V2_MAX_ADVERT_INT_MS,
  V2_MIN_ADVERT_INT_MS, V3_INTERVAL_MASK, V3_MAX_ADVERT_INT_MS, V3_MIN_ADVERT_INT_MS, VRRP_HEADER_LEN,
  VRRP_IP_PROTOCOL, VRRP_TOS, VRRP_TTL, VRRP_TYPE_ADVERTISEMENT,
} from './constants.js';
import type { DropReason } from './drops.js';

export type VrrpVersion = 2 | 3;
export type AddressFamily = 4 | 6;
export type Decoded<T> = { ok: T } | { drop: DropReason };

/** The fields of an advertisement, in vipd units (ms; centiseconds / seconds exist only in this file). */
export interface AdvertFields {
  readonly version: VrrpVersion;
  readonly vrid: number;
  readonly priority: number;
  /** v2: whole seconds on the wire (1000..255000 ms); v3: centiseconds (10..40950 ms). */
  readonly advertIntMs: number;
  /** Addresses in canonical text form, all of the packet's family. */
  readonly addresses: readonly string[];
  /** v2 only: 0 none, 1 PASS, 2 AH (the AH header itself is ah.ts's). Ignored for v3. */
  readonly authType?: number;
  /**
   * v2/IPv4 PASS only: the 8 auth bytes (password NUL-padded; shorter input is NUL-padded). keepalived copies
   * them for PASS alone (vrrp_build_vrrp_v2): with none or AH the field is sent as zeros.
   */
  readonly authData?: Uint8Array;
}

/** A decoded advertisement: the fields plus what validation needs. */
export interface DecodedAdvert extends AdvertFields {
  readonly family: AddressFamily;
  /** Raw type nibble (must be 1; checked by validateAdvert, keepalived row 17). */
  readonly type: number;
  readonly authType: number;
  /** 8 bytes for v2/IPv4, empty otherwise. */
  readonly authData: Buffer;
  readonly checksum: number;
  /** The VRRP message bytes (for checksum verification). */
  readonly message: Buffer;
}

export interface EncodeOptions {
  /** Our source address; also picks the family (IPv6 iff it contains ':'). */
  readonly src: string;
  /** The ACTUAL destination: the multicast group or the unicast peer (v3/IPv4 pseudo-header, vrrp.c:1534). */
  readonly dst: string;
  /** v3/IPv4 only: checksum without the pseudo-header (keepalived `v3_checksum_as_v2`, RFC 9568 peers). */
  readonly v3ChecksumAsV2?: boolean;
  /**
   * v3/IPv4 only: address to put in the pseudo-header instead of `dst`. Set it to 224.0.0.18 for a unicast
   * peer that validateAdvert flagged `legacyUnicastChecksum` (keepalived ≤ 1.3.6, vrrp.c:1203-1221).
   */
  readonly checksumDst?: string;
}

function familyOf(address: string): AddressFamily {
  return address.includes(':') ? 6 : 4;
}

/** Length of the VRRP message for `count` addresses (keepalived vrrp.c:285-319). */
export function advertLength(version: VrrpVersion, family: AddressFamily, count: number): number {
  return VRRP_HEADER_LEN + count * (family === 4 ? 4 : 16) + (version === 2 && family === 4 ? AUTH_DATA_LEN : 0);
}

/** The interval as carried on the wire: v2 seconds, v3 centiseconds. Throws on a value that cannot be sent. */
export function wireInterval(version: VrrpVersion, advertIntMs: number): number {
  if (version === 2) {
    const s = Math.round(advertIntMs / 1000);
    if (s * 1000 < V2_MIN_ADVERT_INT_MS || s * 1000 > V2_MAX_ADVERT_INT_MS) throw internalError(`v2 advert interval ${advertIntMs} ms out of range`);
    return s;
  }
  const cs = Math.round(advertIntMs / 10);
  if (cs * 10 < V3_MIN_ADVERT_INT_MS || cs * 10 > V3_MAX_ADVERT_INT_MS) throw internalError(`v3 advert interval ${advertIntMs} ms out of range`);
  return cs;
}

/**
 * Build the VRRP message (no IP header). v2: 8-byte header + IPv4 addresses + 8 auth bytes (always, for
 * IPv4), checksum over the message only. v3/IPv4: checksum over pseudo-header {src, dst, 0, 112, len} +
 * message unless `v3ChecksumAsV2`. IPv6 (either version): checksum left 0, the kernel fills it via
 * IPV6_CHECKSUM offset 6 (keepalived vrrp_if.c:1165-1181).
 */
export function encodeAdvert(a: AdvertFields, opts: EncodeOptions): Buffer {
  const family = familyOf(opts.src);
  if (familyOf(opts.dst) !== family) throw new VipdError('VIPD_ERR_INVALID_ADDRESS', 'src and dst families differ');
  if (a.addresses.length > MAX_VIPS_PER_ADVERT) throw internalError('too many addresses for one advert');
  if (!Number.isInteger(a.vrid) || a.vrid < 1 || a.vrid > 255) throw internalError(`bad vrid ${a.vrid}`);
  if (!Number.isInteger(a.priority) || a.priority < 0 || a.priority > 255) throw internalError(`bad priority ${a.priority}`);
  const len = advertLength(a.version, family, a.addresses.length);
  const buf = Buffer.alloc(len);
  buf[0] = (a.version << 4) | VRRP_TYPE_ADVERTISEMENT;
  buf[1] = a.vrid;
  buf[2] = a.priority;
  buf[3] = a.addresses.length;
  const interval = wireInterval(a.version, a.advertIntMs);
  if (a.version === 2) {
    buf[4] = a.authType ?? 0;
    buf[5] = interval;
  } else {
    buf.writeUInt16BE(interval & V3_INTERVAL_MASK, 4); // reserved bits sent as 0 (RFC 5798 §5.2.6)
  }
  let off = VRRP_HEADER_LEN;
  for (const text of a.addresses) {
    const b = parseAddress(text);
    if (!b || (b.length === 4) !== (family === 4)) throw new VipdError('VIPD_ERR_INVALID_ADDRESS', `bad ${family === 4 ? 'IPv4' : 'IPv6'} address ${text}`);
    b.copy(buf, off);
    off += b.length;
  }
  if (a.version === 2 && family === 4 && a.authData && a.authType === AUTH_PASS) {
    Buffer.from(a.authData).subarray(0, AUTH_DATA_LEN).copy(buf, off);
  }
  if (family === 6) return buf; // kernel computes it
  let sum: number;
  if (a.version === 3 && !opts.v3ChecksumAsV2) {
    const ph = ipv4PseudoHeader(opts.src, opts.checksumDst ?? opts.dst, VRRP_IP_PROTOCOL, len);
    if (!ph) throw new VipdError('VIPD_ERR_INVALID_ADDRESS', 'bad src/dst for pseudo-header');
    sum = internetChecksum(ph, buf);
  } else {
    sum = internetChecksum(buf);
  }
  buf.writeUInt16BE(sum, 6);
  return buf;
}

/**
 * Decode a VRRP message of the given family. Structural checks only (length vs count, known version);
 * semantic checks (type, auth, interval, checksum, TTL) are validateAdvert's.
 */
export function decodeAdvert(msg: Buffer, family: AddressFamily): Decoded<DecodedAdvert> {
  if (msg.length < VRRP_HEADER_LEN) return { drop: 'truncated' };
  const version = msg[0]! >> 4;
  if (version !== 2 && version !== 3) return { drop: 'version_mismatch' };
  const count = msg[3]!;
  const expected = advertLength(version, family, count);
  // Exact length: a 28-byte auth_hmac trailer is rejected like legacy keepalived does (§1.5).
  if (msg.length !== expected) return { drop: 'packet_len_err' };
  const alen = family === 4 ? 4 : 16;
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) {
    const off = VRRP_HEADER_LEN + i * alen;
    // IPv4: the text is cached (a backup decodes the same VIPs every interval); IPv6 formats afresh.
    addresses.push(alen === 4 ? formatIpv4Cached(msg, off) : formatAddress(msg.subarray(off, off + alen)));
  }
  const hasAuth = version === 2 && family === 4;
  const authData = hasAuth ? Buffer.from(msg.subarray(expected - AUTH_DATA_LEN, expected)) : Buffer.alloc(0);
  const advertIntMs = version === 2 ? msg[5]! * 1000 : (msg.readUInt16BE(4) & V3_INTERVAL_MASK) * 10;
  return {
    ok: {
      version, family, type: msg[0]! & 0x0f, vrid: msg[1]!, priority: msg[2]!, advertIntMs, addresses,
      authType: version === 2 ? msg[4]! : 0, authData, checksum: msg.readUInt16BE(6), message: msg,
    },
  };
}

/** An IPv4 datagram carrying VRRP, as far as the receive path needs it. */
export interface Ipv4Vrrp {
  readonly src: string;
  readonly dst: string;
  readonly ttl: number;
  readonly tos: number;
  readonly id: number;
  readonly protocol: number;
  /** The VRRP message, trimmed to tot_len (Ethernet padding removed), after the AH header if there is one. */
  readonly payload: Buffer;
  /** Source and destination as the header holds them (views, no copy): the v3 checksum's pseudo-header. */
  readonly srcBytes: Uint8Array;
  readonly dstBytes: Uint8Array;
  /** Protocol 51 (keepalived `auth_type AH`): the AH header and what its ICV is verified over. */
  readonly ah?: ReceivedAh;
}

/** The AH header as it is on the wire (decoded by decodeIpv4Packet below; ah.ts signs and verifies it). */
export interface AhHeader {
  readonly nextHeader: number;
  readonly payloadLen: number;
  /** keepalived puts the sender's IPv4 address here (vrrp.c vrrp_build_ipsecah), in network order. */
  readonly spi: number;
  readonly seq: number;
  readonly icv: Buffer;
}

/** An AH header as received, with the bytes its ICV covers (ah.ts ahIcvMatches). */
export interface ReceivedAh {
  readonly header: AhHeader;
  /** The whole datagram, trimmed to tot_len. */
  readonly datagram: Buffer;
  /** IPv4 header length: the AH header starts here. */
  readonly ihl: number;
}

/**
 * Parse an IPv4 datagram as read from a raw socket. Accepts IP options (RFC 5798 is silent, keepalived
 * skips ihl*4 bytes) and trailing Ethernet padding up to the 46-byte minimum payload (keepalived §1.3
 * rows 8/18, fixed in 2.3.2). Does not verify the IP header checksum: the kernel already did.
 */
export function decodeIpv4Packet(buf: Buffer): Decoded<Ipv4Vrrp> {
  if (buf.length < IPV4_HEADER_LEN) return { drop: 'truncated' };
  if (buf[0]! >> 4 !== 4) return { drop: 'ip_header_err' };
  const ihl = (buf[0]! & 0x0f) * 4;
  if (ihl < IPV4_HEADER_LEN) return { drop: 'ip_header_err' };
  if (buf.length < ihl + VRRP_HEADER_LEN) return { drop: 'truncated' };
  const totLen = buf.readUInt16BE(2);
  const fragOff = buf.readUInt16BE(6);
  if ((fragOff & 0x3fff) !== 0) return { drop: 'ip_header_err' }; // MF set or offset ≠ 0: a fragment
  const protocol = buf[9]!;
  if (protocol !== VRRP_IP_PROTOCOL && protocol !== AH_IP_PROTOCOL) return { drop: 'ip_header_err' };
  // keepalived vrrp_get_header: with AH, the IP header + the 24-byte AH + the VRRP header must all be there.
  const vrrpAt = protocol === AH_IP_PROTOCOL ? ihl + AH_HEADER_LEN : ihl;
  if (protocol === AH_IP_PROTOCOL && buf.length < vrrpAt + VRRP_HEADER_LEN) return { drop: 'ah_truncated' };
  if (totLen < vrrpAt + VRRP_HEADER_LEN || totLen > buf.length) return { drop: 'packet_len_err' };
  if (totLen < buf.length && buf.length > ETH_MIN_PAYLOAD) return { drop: 'packet_len_err' };
  const ip = {
    src: formatIpv4Cached(buf, 12), dst: formatIpv4Cached(buf, 16), ttl: buf[8]!, tos: buf[1]!,
    id: buf.readUInt16BE(4), protocol, payload: buf.subarray(vrrpAt, totLen),
    srcBytes: buf.subarray(12, 16), dstBytes: buf.subarray(16, 20),
  };
  if (protocol !== AH_IP_PROTOCOL) return { ok: ip };
  const header: AhHeader = {
    nextHeader: buf[ihl]!, payloadLen: buf[ihl + 1]!, spi: buf.readUInt32BE(ihl + 4), seq: buf.readUInt32BE(ihl + 8),
    icv: Buffer.from(buf.subarray(ihl + 12, ihl + AH_HEADER_LEN)),
  };
  return { ok: { ...ip, ah: { header, datagram: buf.subarray(0, totLen), ihl } } };
}

export interface Ipv4PacketOptions {
  /** 112 (default) or 51 when an AH header follows (ah.ts). */
  readonly protocol?: number;
  readonly src: string;
  readonly dst: string;
  /** Per-instance counter, incremented per send and skipping 0 (keepalived vrrp.c:429-434). */
  readonly id: number;
  readonly ttl?: number;
  readonly tos?: number;
  readonly payload: Uint8Array;
}

/** The 20-byte IPv4 header keepalived sends (vrrp.c:1371-1407): no options, DF clear, proto 112 (51 with AH), checksum filled. */
export function buildIpv4Header(o: Omit<Ipv4PacketOptions, 'payload'> & { readonly payloadLength: number }): Buffer {
  const s = parseIpv4(o.src), d = parseIpv4(o.dst);
  if (!s || !d) throw new VipdError('VIPD_ERR_INVALID_ADDRESS', 'bad IPv4 src/dst');
  const h = Buffer.alloc(IPV4_HEADER_LEN);
  h[0] = 0x45;
  h[1] = o.tos ?? VRRP_TOS;
  h.writeUInt16BE(IPV4_HEADER_LEN + o.payloadLength, 2);
  h.writeUInt16BE(o.id & 0xffff, 4);
  h.writeUInt16BE(0, 6); // DF clear, no fragmentation
  h[8] = o.ttl ?? VRRP_TTL;
  h[9] = o.protocol ?? VRRP_IP_PROTOCOL;
  s.copy(h, 12); d.copy(h, 16);
  // The kernel fills the checksum with IP_HDRINCL anyway; computing it keeps our own captures identical.
  h.writeUInt16BE(internetChecksum(h), 10);
  return h;
}

export function encodeIpv4Packet(o: Ipv4PacketOptions): Buffer {
  return Buffer.concat([buildIpv4Header({ ...o, payloadLength: o.payload.length }), o.payload]);
}

/** An advert as received, with the IP-level facts validation needs. */
export interface ReceivedAdvert {
  readonly advert: DecodedAdvert;
  readonly src: string;
  readonly dst: string;
  /** IPv4 TTL or IPv6 hop limit (from the IPV6_HOPLIMIT cmsg); undefined when unknown. */
  readonly ttl: number | undefined;
  /** IPv4: src and dst as the header held them, so validation builds the pseudo-header without parsing text. */
  readonly addressBytes?: { readonly src: Uint8Array; readonly dst: Uint8Array };
  /** IPv4 protocol 51: the AH header, verified by validateAdvert (ICV, SPI) and AhSession (sequence). */
  readonly ah?: ReceivedAh;
}

/** decodeIpv4Packet + decodeAdvert. */
export function decodeIpv4Advert(buf: Buffer): Decoded<ReceivedAdvert> {
  const ip = decodeIpv4Packet(buf);
  if ('drop' in ip) return ip;
  const adv = decodeAdvert(ip.ok.payload, 4);
  if ('drop' in adv) return adv;
  return {
    ok: {
      advert: adv.ok, src: ip.ok.src, dst: ip.ok.dst, ttl: ip.ok.ttl,
      addressBytes: { src: ip.ok.srcBytes, dst: ip.ok.dstBytes },
      ...(ip.ok.ah ? { ah: ip.ok.ah } : {}),
    },
  };
}

/** IPv6: the raw socket delivers only the VRRP message; src/dst/hop limit come from recvmsg ancillary data. */
export function decodeIpv6Advert(msg: Buffer, meta: { src: string; dst: string; hopLimit: number | undefined }): Decoded<ReceivedAdvert> {
  const adv = decodeAdvert(msg, 6);
  if ('drop' in adv) return adv;
  return { ok: { advert: adv.ok, src: meta.src, dst: meta.dst, ttl: meta.hopLimit } };
}

/**
 * One packet from a raw VRRP socket, decoded once for the whole receive path: the daemon routes it by `vrid`, the
 * instance's runner and validation use `decoded` as is. `vrid` is read from the decoded advert; only when the
 * packet is dropped is it looked up where the VRRP header would start, so the drop is still counted against its
 * instance as keepalived does (it finds the instance by VRID before checking lengths, vrrp_scheduler.c); null when
 * not even that byte is there.
 */
export interface ReceivedPacket {
  readonly vrid: number | null;
  readonly decoded: Decoded<ReceivedAdvert>;
}

export function decodeReceived(
  packet: Buffer,
  family: AddressFamily,
  meta: { readonly src?: string; readonly dst?: string; readonly hopLimit?: number },
): ReceivedPacket {
  const decoded = family === 4 ? decodeIpv4Advert(packet) : decodeIpv6Advert(packet, { src: meta.src ?? '::', dst: meta.dst ?? '::', hopLimit: meta.hopLimit });
  if ('ok' in decoded) return { vrid: decoded.ok.advert.vrid, decoded };
  return { vrid: vridOfDropped(packet, family), decoded };
}

function vridOfDropped(packet: Buffer, family: AddressFamily): number | null {
  if (family === 6) return packet.length >= 2 ? packet[1]! : null;
  if (packet.length < 1) return null;
  // keepalived's AH header (IP protocol 51) sits between the IP and the VRRP headers.
  const vrrpAt = (packet[0]! & 0x0f) * 4 + (packet.length > 9 && packet[9] === AH_IP_PROTOCOL ? AH_HEADER_LEN : 0);
  return packet.length > vrrpAt + 1 ? packet[vrrpAt + 1]! : null;
}
