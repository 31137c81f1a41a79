// Why a received packet was not (fully) accepted. Names follow keepalived's stats/JSON counters and
// mehdy/keepalived-exporter (keepalived.md §1.3, §7.1) where keepalived has one; the others are vipd's.
// Append-only: metrics pre-create one series per entry.

export const DROP_REASONS = [
  /** Buffer shorter than the IP + VRRP headers, or recvmsg reported truncation (keepalived §1.3 rows 0-1). */
  'truncated',
  /** Malformed IPv4 header: not version 4, IHL < 5, fragment, protocol neither 112 nor 51 (vipd; kernel normally prevents). */
  'ip_header_err',
  /** Lengths disagree: IPv4 tot_len vs bytes received (Ethernet padding tolerated), or VRRP length vs count (rows 8, 18). */
  'packet_len_err',
  /** Multicast advert with TTL / hop limit ≠ 255 (RFC 5798 §7.1; row 9). */
  'ip_ttl_err',
  /** Version nibble ≠ the instance's version (row 10; keepalived counts `vers_err` in SNMP only). */
  'version_mismatch',
  /** v2 auth_type not 0/1/2 (row 12). */
  'invalid_authtype',
  /** v2 auth_type ≠ ours (row 13). */
  'authtype_mismatch',
  /** v2 PASS data differs (row 14); AH failures have their own ah_* reasons below. */
  'auth_failure',
  /** Advert interval ≠ ours: v2 → dropped (row 16); v3 → accepted and only noted (row 19). */
  'advert_interval_err',
  /** Type ≠ 1 (row 17). */
  'invalid_type_rcvd',
  /** Bad VRRP checksum (row 20; keepalived `chk_err` in SNMP only). */
  'checksum_err',
  /** Multicast destination on a unicast instance (row 21; keepalived counts it as addr_list_err). */
  'mcast_on_unicast',
  /** Unicast destination on a multicast instance (row 21). */
  'unicast_on_mcast',
  /** Source not in unicast_peer while source checking is on (row 25). */
  'unicast_src_err',
  /** VIP count or list differs from ours: counted but ACCEPTED, as keepalived ≥ 2.3.3 (rows 23-24). */
  'addr_list_err',
  /** No instance for this VRID on the socket (row 2; keepalived `vrid_err` is never incremented). */
  'unknown_vrid',
  /** Address family of the packet ≠ the instance's family. */
  'wrong_family',
  /** IP protocol 51 but shorter than IP header + 24-byte AH + VRRP header (keepalived vrrp_get_header: "too short"). */
  'ah_truncated',
  /** AH next header ≠ 112: AH for another protocol (row 15; keepalived drops it uncounted). */
  'ah_next_header',
  /** AH ICV (HMAC-MD5-96) differs: other key, or a field changed in transit (row 15; keepalived auth_failure). */
  'ah_icv_mismatch',
  /** AH SPI ≠ the packet's IPv4 source address (row 15; keepalived auth_failure). */
  'ah_spi_mismatch',
  /** AH sequence number not above the last one accepted or sent (row 15 anti-replay; keepalived auth_failure). */
  'ah_seq_replay',
] as const;

export type DropReason = (typeof DROP_REASONS)[number];
