// Pure builders for the frames a new master sends to move a VIP: gratuitous ARP for IPv4 and unsolicited
// Neighbor Advertisement for IPv6, byte-for-byte the form keepalived sends (vrrp_arp.c:96-163,
// vrrp_ndisc.c:167-260). Complete Ethernet frames, ready for an AF_PACKET SOCK_RAW socket (packetSender.ts).
// Inputs are local (our MAC, our configured VIP), so invalid ones throw VIPD_ERR_INVALID_ADDRESS.
import { invalidAddress } from './errors.js';
import { parseIpv4, parseIpv6 } from '../ip/address.js';

export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETH_HLEN = 14;
const BROADCAST_MAC = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
/** RFC 2464 §7: IPv6 multicast ff02::1 maps to 33:33:00:00:00:01. */
const ALL_NODES_MAC = Buffer.from([0x33, 0x33, 0x00, 0x00, 0x00, 0x01]);
const ALL_NODES_IPV6 = Buffer.from('ff020000000000000000000000000001', 'hex');

function checkMac(mac: Buffer): void {
  if (mac.length !== 6) throw invalidAddress(mac.toString('hex'), 'Ethernet MAC');
}

/**
 * Gratuitous ARP (42 bytes; the NIC pads to the 60-byte minimum): Ethernet dst ff:ff:ff:ff:ff:ff, src `mac`,
 * ethertype 0x0806; ARP htype 1, ptype 0x0800, hlen 6, plen 4, op 1 (REQUEST), sha = `mac`, spa = VIP,
 * tha = ff:ff:ff:ff:ff:ff, tpa = VIP. A request (not a reply) with tha = broadcast is keepalived's choice: every
 * host on the segment processes it and updates an existing cache entry for the VIP.
 */
export function buildGratuitousArp(mac: Buffer, vip: string): Buffer {
  checkMac(mac);
  const ip = parseIpv4(vip);
  if (!ip) throw invalidAddress(vip, 'IPv4');
  const f = Buffer.alloc(ETH_HLEN + 28);
  BROADCAST_MAC.copy(f, 0);
  mac.copy(f, 6);
  f.writeUInt16BE(ETHERTYPE_ARP, 12);
  f.writeUInt16BE(1, 14); // ARPHRD_ETHER
  f.writeUInt16BE(0x0800, 16); // ETH_P_IP
  f[18] = 6;
  f[19] = 4;
  f.writeUInt16BE(1, 20); // ARPOP_REQUEST
  mac.copy(f, 22); // sha
  ip.copy(f, 28); // spa
  BROADCAST_MAC.copy(f, 32); // tha
  ip.copy(f, 38); // tpa
  return f;
}

export interface UnsolicitedNaOptions {
  /** R flag: set when IPv6 forwarding is enabled on the interface (keepalived re-reads it, vrrp_ndisc.c). */
  router: boolean;
}

/**
 * Unsolicited Neighbor Advertisement (RFC 4861 §7.2.6), 86 bytes: Ethernet dst 33:33:00:00:00:01, src `mac`,
 * ethertype 0x86dd; IPv6 src = VIP, dst ff02::1, hop limit 255 (RFC 4861 §7.1.2 requires it), next header 58;
 * ICMPv6 type 136 code 0, flags R (as given) S=0 O=1, target = VIP, option Target Link-Layer Address (type 2,
 * length 1) = `mac`; ICMPv6 checksum over the IPv6 pseudo-header (RFC 4443 §2.3).
 */
export function buildUnsolicitedNa(mac: Buffer, vip6: string, opts: UnsolicitedNaOptions): Buffer {
  checkMac(mac);
  const ip = parseIpv6(vip6);
  if (!ip) throw invalidAddress(vip6, 'IPv6');
  const icmpLen = 32;
  const f = Buffer.alloc(ETH_HLEN + 40 + icmpLen);
  ALL_NODES_MAC.copy(f, 0);
  mac.copy(f, 6);
  f.writeUInt16BE(ETHERTYPE_IPV6, 12);
  const ip6 = ETH_HLEN;
  f.writeUInt32BE(0x60000000, ip6); // version 6, traffic class 0, flow label 0
  f.writeUInt16BE(icmpLen, ip6 + 4);
  f[ip6 + 6] = 58; // ICMPv6
  f[ip6 + 7] = 255;
  ip.copy(f, ip6 + 8);
  ALL_NODES_IPV6.copy(f, ip6 + 24);
  const icmp = ip6 + 40;
  f[icmp] = 136;
  f[icmp + 1] = 0;
  f[icmp + 4] = (opts.router ? 0x80 : 0) | 0x20; // R, S=0, O=1
  ip.copy(f, icmp + 8);
  f[icmp + 24] = 2; // Target Link-Layer Address
  f[icmp + 25] = 1; // in units of 8 bytes
  mac.copy(f, icmp + 26);
  f.writeUInt16BE(icmpv6Checksum(ip, ALL_NODES_IPV6, f.subarray(icmp)), icmp + 2);
  return f;
}

/** RFC 1071 one's-complement sum over the IPv6 pseudo-header {src, dst, length, 0, 58} and the message. */
export function icmpv6Checksum(src: Buffer, dst: Buffer, message: Buffer): number {
  let sum = 0;
  const add = (b: Buffer): void => {
    for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
    if (b.length % 2 === 1) sum += b[b.length - 1]! << 8;
  };
  add(src);
  add(dst);
  sum += (message.length >>> 16) + (message.length & 0xffff);
  sum += 58;
  add(message);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = ~sum & 0xffff;
  return c;
}
