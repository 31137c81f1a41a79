// Why an IPVS reply message from the kernel was not taken (src/lvs/ipvs/decode.ts). Append-only like
// src/conntrack/drops.ts: a metric pre-creates one series per reason; never rename or reuse one. Imports nothing.

export const IPVS_DROP_REASONS = [
  /** Payload shorter than the 4-byte genlmsghdr. */
  'short-genl-header',
  /** A reply command other than the one this dump answers with (NEW_SERVICE, NEW_DEST, NEW_DAEMON …). */
  'unexpected-command',
  /** Attribute lengths that do not tile their area (a length below 4 or past the end of its parent). */
  'bad-attributes',
  /** No IPVS_CMD_ATTR_SERVICE / _DEST / _DAEMON nest where the command needs one. */
  'missing-nest',
  /** SVC_ATTR_AF (or a dest's ADDR_FAMILY) neither AF_INET nor AF_INET6, or absent. */
  'bad-family',
  /** Neither FWMARK nor PROTOCOL + ADDR + PORT: nothing identifies the service. */
  'missing-key',
  /** A PROTOCOL other than TCP, UDP, SCTP. */
  'bad-protocol',
  /** An address attribute shorter than its family needs. */
  'bad-address',
  /** SVC_ATTR_FLAGS shorter than struct ip_vs_flags (8 bytes). */
  'bad-flags',
  /** A NETMASK that is not a prefix (IPv4: non-contiguous mask bytes; IPv6: above 128). */
  'bad-netmask',
  /** A required scalar (SCHED_NAME, TIMEOUT, WEIGHT, FWD_METHOD, thresholds, daemon STATE …) absent or short. */
  'missing-field',
  /** A forwarding method, tunnel type or daemon state outside the header's enum. */
  'bad-enum',
] as const;

export type IpvsDropReason = (typeof IPVS_DROP_REASONS)[number];
