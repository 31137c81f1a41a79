// VRRP protocol constants. Values follow RFC 5798 (VRRPv3), RFC 3768 (VRRPv2) and keepalived's vrrp.h
// (see /work/shared/reference/keepalived.md §1.1) so that vipd is byte-compatible with keepalived.

/** IP protocol number of VRRP (RFC 5798 §5.1.1.4, §5.1.2.4). */
export const VRRP_IP_PROTOCOL = 112;
/** IP protocol number of IPsec AH, used by keepalived's `auth_type AH` (RFC 2402 §2, IPv4 + VRRPv2 only). */
export const AH_IP_PROTOCOL = 51;
/** keepalived's fixed AH header (vrrp_ipsecah.h): next header, payload len, reserved, SPI, sequence, 12-byte ICV. */
export const AH_HEADER_LEN = 24;
/** AH Payload Length for a 96-bit ICV: 32-bit words minus 2 (RFC 2402 §2.2; keepalived IPSEC_AH_PLEN). */
export const AH_PAYLOAD_LEN = 4;
/** HMAC-MD5-96: the digest truncated to 96 bits (RFC 2403 §2; keepalived HMAC_MD5_TRUNC). */
export const AH_ICV_LEN = 12;
/** IPv4 multicast group (RFC 5798 §5.1.1.2). */
export const VRRP_MCAST_V4 = '224.0.0.18';
/** IPv6 multicast group (RFC 5798 §5.1.2.2). */
export const VRRP_MCAST_V6 = 'ff02::12';
/** TTL / hop limit on send, and required on receive for multicast (RFC 5798 §5.1.1.3, §7.1). */
export const VRRP_TTL = 255;
/** Version numbers (RFC 3768 §5.3.1, RFC 5798 §5.2.1). */
export const VRRP_VERSION_2 = 2;
export const VRRP_VERSION_3 = 3;
/** The only defined packet type (RFC 5798 §5.2.2). */
export const VRRP_TYPE_ADVERTISEMENT = 1;

/** Priority of the address owner (RFC 5798 §5.2.4). */
export const PRIORITY_OWNER = 255;
/** Default priority of a non-owner (RFC 5798 §5.2.4, keepalived VRRP_PRIO_DFL). */
export const PRIORITY_DEFAULT = 100;
/** "Current master stops participating" (RFC 5798 §5.2.4). */
export const PRIORITY_STOP = 0;
/** Effective priority of a non-owner is clamped to 1..254 (keepalived vrrp_track.c:583-638). */
export const PRIORITY_MIN_EFFECTIVE = 1;
export const PRIORITY_MAX_EFFECTIVE = 254;

/** Max addresses in one advert (count field is 8 bits; keepalived VRRP_MAX_ADDR). */
export const MAX_VIPS_PER_ADVERT = 255;

/** VRRPv2 authentication types (RFC 2338 §5.3.6, keepalived vrrp.h). */
export const AUTH_NONE = 0;
export const AUTH_PASS = 1;
export const AUTH_AH = 2;
/** v2/IPv4 adverts always carry 8 bytes of auth data, even with auth none (keepalived vrrp.c:285-319). */
export const AUTH_DATA_LEN = 8;

/** Fixed VRRP header length, v2 and v3 (RFC 5798 §5.1). */
export const VRRP_HEADER_LEN = 8;
/** Offset of the checksum in the VRRP header; the IPv6 socket sets IPV6_CHECKSUM to this (keepalived vrrp_if.c:1165). */
export const VRRP_CHECKSUM_OFFSET = 6;
/** keepalived never sends IPv4 options (vrrp.c:1371-1407). */
export const IPV4_HEADER_LEN = 20;
export const IPV6_HEADER_LEN = 40;
/** TOS/traffic class keepalived uses: internetwork control, CS6 (vrrp.c:1371, vrrp_if.c:1294). */
export const VRRP_TOS = 0xc0;
/** Largest IP payload of a frame that Ethernet pads to its 60-byte minimum (ETH_ZLEN − ETH_HLEN). */
export const ETH_MIN_PAYLOAD = 46;

/** v2 interval is whole seconds in 8 bits (RFC 3768 §5.3.7). */
export const V2_MIN_ADVERT_INT_MS = 1000;
export const V2_MAX_ADVERT_INT_MS = 255_000;
/** v3 interval is 12 bits of centiseconds (RFC 5798 §5.2.7). */
export const V3_MIN_ADVERT_INT_MS = 10;
export const V3_MAX_ADVERT_INT_MS = 40_950;
export const V3_INTERVAL_MASK = 0x0fff;

/** Default advertisement interval (RFC 5798 §5.2.7: 100 cs). */
export const DEFAULT_ADVERT_INT_MS = 1000;
/** Master_Down_Interval = 3 × Master_Adver_Interval + Skew (RFC 5798 §6.1); keepalived's down_timer_adverts. */
export const DEFAULT_DOWN_TIMER_ADVERTS = 3;

/** GARP defaults (keepalived vrrp.h:167-170, keepalived.md §2.7). */
export const DEFAULT_GARP_MASTER_DELAY_MS = 5000;
export const DEFAULT_GARP_MASTER_REPEAT = 5;
export const DEFAULT_GARP_MASTER_REFRESH_MS = 0;
export const DEFAULT_GARP_MASTER_REFRESH_REPEAT = 1;
export const DEFAULT_GARP_LOWER_PRIO_DELAY_MS = 5000;
export const DEFAULT_GARP_LOWER_PRIO_REPEAT = 5;
