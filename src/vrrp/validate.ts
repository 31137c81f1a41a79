// Receive-side validation of a decoded advert against one instance, in keepalived's order
// (vrrp_check_packet, vrrp.c:926-1368; keepalived.md §1.3). Returns data; never logs, never counts.
import { canonicalAddress, isIpv4MulticastBytes, isMulticast } from '../ip/address.js';
import { ahIcvMatches, spiFor } from './ah.js';
import { internetChecksum, ipv4PseudoHeader, ipv4PseudoHeaderOf } from './checksum.js';
import type { AddressFamily, ReceivedAdvert, VrrpVersion } from './codec.js';
import { AUTH_AH, AUTH_DATA_LEN, AUTH_NONE, AUTH_PASS, VRRP_IP_PROTOCOL, VRRP_MCAST_V4, VRRP_TTL, VRRP_TYPE_ADVERTISEMENT } from './constants.js';
import type { DropReason } from './drops.js';

/** What validation needs to know about the receiving instance. */
export interface ValidationView {
  readonly vrid: number;
  readonly version: VrrpVersion;
  readonly family: AddressFamily;
  /** v2 only: 0 none / 1 PASS / 2 AH (IPv4). */
  readonly authType: number;
  /** v2 PASS: the 8 bytes compared; AH: the HMAC-MD5 key. Both the password NUL-padded to 8 bytes. */
  readonly authData: Uint8Array;
  readonly advertIntMs: number;
  /** Our advertised VIPs (not the excluded ones). */
  readonly vips: readonly string[];
  /** true when the instance has unicast peers. */
  readonly unicast: boolean;
  /** keepalived `v3_checksum_as_v2`. */
  readonly v3ChecksumAsV2: boolean;
  /** keepalived `check_unicast_src`: drop unicast adverts whose source is not a peer. */
  readonly checkUnicastSrc?: boolean;
  readonly unicastPeers?: readonly string[];
  /** `unicast_peer { ADDR min_ttl N max_ttl M }`: with any bound set, only peers are accepted, within their TTLs. */
  readonly unicastPeerTtl?: readonly { readonly address: string; readonly minTtl: number | null; readonly maxTtl: number | null }[];
}

export type Validation =
  | {
      readonly accept: true;
      /** Anomalies counted but accepted: 'addr_list_err' (VIP list differs), 'advert_interval_err' (v3 interval differs). */
      readonly notes: readonly DropReason[];
      /**
       * v3 unicast checksum matched only with 224.0.0.18 in the pseudo-header (keepalived ≤ 1.3.6 peer).
       * keepalived then sends with that variant too ("Setting unicast VRRPv3 checksum to old version").
       */
      readonly legacyUnicastChecksum: boolean;
    }
  | { readonly accept: false; readonly reason: DropReason };

/** Constant-time compare of two byte strings of equal length (keepalived compares PASS data in constant time). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function padAuth(data: Uint8Array): Buffer {
  const out = Buffer.alloc(AUTH_DATA_LEN);
  Buffer.from(data).subarray(0, AUTH_DATA_LEN).copy(out);
  return out;
}

/** 224.0.0.18 as bytes, for the legacy-checksum check below. */
const MCAST_V4_BYTES: Uint8Array = Uint8Array.of(224, 0, 0, 18);

/**
 * The v3/IPv4 checksum over the pseudo-header {src, dst}: from the received header's bytes when the decoder kept
 * them (the receive path: no second parse of the addresses), else from the text (hand-built packets in tests).
 */
function v3Ipv4ChecksumOk(msg: Buffer, pkt: ReceivedAdvert, legacyDst: boolean): boolean {
  const raw = pkt.addressBytes;
  if (raw) return internetChecksum(ipv4PseudoHeaderOf(raw.src, legacyDst ? MCAST_V4_BYTES : raw.dst, VRRP_IP_PROTOCOL, msg.length), msg) === 0;
  const ph = ipv4PseudoHeader(pkt.src, legacyDst ? VRRP_MCAST_V4 : pkt.dst, VRRP_IP_PROTOCOL, msg.length);
  return ph !== null && internetChecksum(ph, msg) === 0;
}

/** Our VIPs in canonical form, once per view's list (a backup checks every advert against the same list). */
const canonicalSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function sameAddressSet(theirs: readonly string[], ours: readonly string[]): boolean {
  // Order is irrelevant to keepalived's check (vrrp.c:1297-1322), count is not.
  if (theirs.length !== ours.length) return false;
  let mine = canonicalSets.get(ours);
  if (mine === undefined) {
    mine = new Set(ours.map((a) => canonicalAddress(a) ?? a));
    canonicalSets.set(ours, mine);
  }
  // Decoded addresses are already canonical text, so the direct lookup decides; text from elsewhere is canonicalised.
  const set = mine;
  return theirs.every((a) => set.has(a) || set.has(canonicalAddress(a) ?? a));
}

export function validateAdvert(pkt: ReceivedAdvert, view: ValidationView): Validation {
  const a = pkt.advert;
  const drop = (reason: DropReason): Validation => ({ accept: false, reason });
  if (a.vrid !== view.vrid) return drop('unknown_vrid');
  if (a.family !== view.family) return drop('wrong_family');
  // keepalived row 7 (vrrp_check_packet): an AH header iff the instance uses auth_type AH.
  if (a.family === 4 && (pkt.ah !== undefined) !== (view.authType === AUTH_AH)) return drop('authtype_mismatch');
  // RFC 5798 §7.1 / keepalived row 9: TTL/hop limit 255 only for multicast; unicast TTL is not checked.
  if (!view.unicast && pkt.ttl !== VRRP_TTL) return drop('ip_ttl_err');
  if (a.version !== view.version) return drop('version_mismatch');
  if (a.version === 2) {
    if (a.authType !== AUTH_NONE && a.authType !== AUTH_PASS && a.authType !== AUTH_AH) return drop('invalid_authtype');
    if (a.authType !== view.authType) return drop('authtype_mismatch');
    if (a.authType === AUTH_AH && pkt.ah) {
      // Row 15 (vrrp_in_chk_ipsecah): AH for another protocol is ignored, then ICV, then SPI = source address.
      // The sequence number, the one stateful check, is AhSession's (it runs before the runner's validation).
      if (pkt.ah.header.nextHeader !== VRRP_IP_PROTOCOL) return drop('ah_next_header');
      if (!ahIcvMatches(pkt.ah.datagram, pkt.ah.ihl, view.authData, view.unicast)) return drop('ah_icv_mismatch');
      if (pkt.ah.header.spi !== spiFor(pkt.src)) return drop('ah_spi_mismatch');
    }
    if (a.authType === AUTH_PASS && !sameBytes(padAuth(a.authData), padAuth(view.authData))) return drop('auth_failure');
    // keepalived row 16: "to prevent concurrent VRID ... multiple master" — v2 interval mismatch is dropped.
    if (a.advertIntMs !== view.advertIntMs) return drop('advert_interval_err');
  }
  if (a.type !== VRRP_TYPE_ADVERTISEMENT) return drop('invalid_type_rcvd');
  const notes: DropReason[] = [];
  // keepalived row 19: v3 interval mismatch is accepted; the backup adopts the master's interval.
  if (a.version === 3 && a.advertIntMs !== view.advertIntMs) notes.push('advert_interval_err');
  let legacyUnicastChecksum = false;
  if (a.family === 4) {
    // IPv6 checksums are verified by the kernel (IPV6_CHECKSUM); bad ones never reach us.
    if (a.version === 2 || view.v3ChecksumAsV2) {
      if (internetChecksum(a.message) !== 0) return drop('checksum_err');
    } else if (!v3Ipv4ChecksumOk(a.message, pkt, false)) {
      // keepalived row 20: a ≤ 1.3.6 peer put 224.0.0.18 in the unicast pseudo-header; accept and adapt.
      if (view.unicast && v3Ipv4ChecksumOk(a.message, pkt, true)) legacyUnicastChecksum = true;
      else return drop('checksum_err');
    }
  }
  // The received header's bytes when the decoder kept them (the same address as pkt.dst, without parsing it again).
  const mcastDst = pkt.addressBytes ? isIpv4MulticastBytes(pkt.addressBytes.dst) : isMulticast(pkt.dst);
  if (view.unicast && mcastDst) return drop('mcast_on_unicast');
  if (!view.unicast && !mcastDst) return drop('unicast_on_mcast');
  const bounded = view.unicast && (view.unicastPeerTtl ?? []).some((p) => p.minTtl !== null || p.maxTtl !== null);
  if (view.unicast && (view.checkUnicastSrc || bounded)) {
    // keepalived row 25 (vrrp.c:1324-1362): source must be a peer; then its TTL must be within the peer's bounds.
    const src = canonicalAddress(pkt.src);
    if (!(view.unicastPeers ?? []).some((p) => canonicalAddress(p) === src)) return drop('unicast_src_err');
    const peer = (view.unicastPeerTtl ?? []).find((p) => canonicalAddress(p.address) === src);
    const ttl = pkt.ttl ?? 255;
    if (peer && ((peer.minTtl !== null && ttl < peer.minTtl) || (peer.maxTtl !== null && ttl > peer.maxTtl))) return drop('ip_ttl_err');
  }
  // keepalived ≥ 2.3.3 rows 23-24: VIP mismatch is counted but accepted (dropping splits the brain during
  // rolling VIP changes). RFC 5798 §7.1 allows it: the check is a MAY for non-owners ... see test/rfc.
  if (!sameAddressSet(a.addresses, view.vips)) notes.push('addr_list_err');
  return { accept: true, notes, legacyUnicastChecksum };
}
