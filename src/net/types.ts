// The narrow ports the daemon uses for the OS edge, so that tests can pass in-memory twins
// (memberlist's Transport/MockNetwork habit). Concrete implementations live next to this file.

/** What the receive path knows about a packet besides its bytes. */
export interface VrrpPacketMeta {
  /** Interface it arrived on (IP_PKTINFO / IPV6_PKTINFO). */
  ifindex?: number;
  /** Sender address (IPv4: header saddr; IPv6: recvmsg source address). */
  src?: string;
  /** Destination address (IPv4: header daddr; IPv6: IPV6_PKTINFO). Multicast group or our unicast address. */
  dst?: string;
  /** IPv4 TTL (from the header) or IPv6 hop limit (IPV6_HOPLIMIT cmsg). RFC 5798 §7.1: must be 255 for multicast. */
  hopLimit?: number;
}

/**
 * One VRRP transport = one interface + one address family + one mode (multicast group or unicast source).
 *
 * IPv4 (`family` 4): `send` takes a complete IPv4 datagram (20-byte header + VRRP message, header built by the
 * codec; the kernel fills checksum/id only when they are 0), `onPacket` delivers the complete received IPv4
 * datagram (header included, so TTL/options are visible).
 * IPv6 (`family` 6): `send` takes only the VRRP message (the kernel builds the IPv6 header and the VRRP checksum
 * at offset 6), `onPacket` delivers only the VRRP message; the hop limit/addresses are in `meta`.
 */
export interface VrrpTransport {
  readonly family: 4 | 6;
  /**
   * Send one packet to `dst` (multicast group or unicast peer). Throws VipdNetError on failure. The caller may
   * reuse the buffer once this returns (the runner re-stamps its adverts): keep a copy, not the buffer.
   */
  send(packet: Buffer, dst: string): void;
  /**
   * Register the (single) receive handler; starts receiving. A later call replaces the handler. The packet and the
   * meta are valid during the call only (the socket reads into one reused buffer and reuses the meta): copy what
   * must outlive it.
   */
  onPacket(cb: (packet: Buffer, meta: VrrpPacketMeta) => void): void;
  /**
   * Optional, instead of onPacket: each datagram as the range [start, end) of a buffer the socket reads into, so no
   * Buffer is made per packet (a backup hears thousands a second, issue 12). The same validity rule.
   */
  onDatagram?(cb: (buf: Buffer, start: number, end: number, meta: VrrpPacketMeta) => void): void;
  /**
   * Deliver every packet already queued on the receive socket now, synchronously (the unit driver calls it before
   * handling a late timeout). Optional: twins without a queue need none.
   */
  readQueued?(): void;
  /**
   * Under dense traffic, read the socket at most once per `ms` (a wake-up per datagram costs more than the advert;
   * issue 12). Optional: twins without a queue need none.
   */
  setReceiveCoalescing?(ms: number): void;
  /** Stop receiving and close the sockets. Idempotent. */
  close(): void;
}

/** Sends complete Ethernet frames (GARP, unsolicited NA) out of one interface. */
export interface FrameSender {
  readonly ifindex: number;
  /** Throws VipdNetError on failure. */
  send(frame: Buffer): void;
  close(): void;
}
