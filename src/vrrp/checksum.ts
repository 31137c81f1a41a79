// RFC 1071 Internet checksum and the pseudo-headers VRRPv3 uses (RFC 5798 §5.2.8).
import { parseIpv4, parseIpv6 } from '../ip/address.js';

/** One's-complement sum folded to 16 bits (not yet inverted) over the concatenation of `parts`. */
function onesSum(parts: readonly Uint8Array[]): number {
  let sum = 0;
  let odd: number | null = null; // a byte left over from a part of odd length pairs with the next part's first byte
  for (const p of parts) {
    let i = 0;
    if (odd !== null && p.length > 0) { sum += (odd << 8) | p[0]!; odd = null; i = 1; }
    for (; i + 1 < p.length; i += 2) sum += (p[i]! << 8) | p[i + 1]!;
    if (i < p.length) odd = p[i]!;
    // fold early so the sum never leaves the safe-integer range on huge inputs
    if (sum > 0xffffffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  }
  if (odd !== null) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * RFC 1071 checksum of the concatenated parts. Computing it over data whose checksum field is filled in
 * yields 0 when the checksum is right.
 */
export function internetChecksum(...parts: Uint8Array[]): number {
  return (~onesSum(parts)) & 0xffff;
}

/** IPv4 pseudo-header {src, dst, 0, proto, length} (RFC 768 style; RFC 5798 §5.2.8). Null if an address is bad. */
export function ipv4PseudoHeader(src: string, dst: string, protocol: number, length: number): Buffer | null {
  const s = parseIpv4(src), d = parseIpv4(dst);
  if (!s || !d) return null;
  return ipv4PseudoHeaderOf(s, d, protocol, length);
}

/** The same from the 4-byte addresses as they sit in a received IPv4 header (no text round trip). */
export function ipv4PseudoHeaderOf(s: Uint8Array, d: Uint8Array, protocol: number, length: number): Buffer {
  const h = Buffer.alloc(12);
  h.set(s, 0); h.set(d, 4);
  h[8] = 0; h[9] = protocol; h.writeUInt16BE(length & 0xffff, 10);
  return h;
}

/** IPv6 pseudo-header {src, dst, upper-layer length (32), 0 0 0, next header} (RFC 8200 §8.1). */
export function ipv6PseudoHeader(src: string, dst: string, protocol: number, length: number): Buffer | null {
  const s = parseIpv6(src), d = parseIpv6(dst);
  if (!s || !d) return null;
  const h = Buffer.alloc(40);
  s.copy(h, 0); d.copy(h, 16);
  h.writeUInt32BE(length >>> 0, 32);
  h[39] = protocol;
  return h;
}
