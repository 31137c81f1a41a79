// IP and MAC address text <-> bytes, shared by the VRRP codec, the OS edge, conntrack, sync and config.
// Pure and strict: parsers return null on malformed input instead of throwing, so they are safe on remote data
// and on configuration alike. Text output is canonical (dotted quad; RFC 5952 for IPv6) so it can key tables.
//
// Why not the `ip` package for parsing: ip.toBuffer accepts "10.1.0.256" (as 10.1.0.0) and "1::2::3", and
// ip.toString compresses the first zero run rather than the longest (RFC 5952 §4.2.3). Subnet arithmetic
// (inCidr, ipv4Broadcast) is a byte mask here too: one CommonJS package less to load at start (issue 12) for
// three one-line calculations.

/** Dotted-quad IPv4 ("10.1.0.100") → 4 network-order bytes, or null. */
export function parseIpv4(text: string): Buffer | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null; // no leading zeros, like inet_pton (octal ambiguity)
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** IPv6 text (RFC 4291 §2.2 forms, incl. "::" and an embedded IPv4 tail; no zone) → 16 bytes, or null. */
export function parseIpv6(text: string): Buffer | null {
  if (text.length === 0 || text.length > 45 || text.includes('%')) return null;
  const dbl = text.indexOf('::');
  if (dbl !== -1 && text.indexOf('::', dbl + 1) !== -1) return null;
  const groupsOf = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    const items = s.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (i === items.length - 1 && it.includes('.')) {
        const v4 = parseIpv4(it);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return null;
        out.push(parseInt(it, 16));
      }
    }
    return out;
  };
  let groups: number[];
  if (dbl === -1) {
    const g = groupsOf(text);
    if (!g || g.length !== 8) return null;
    groups = g;
  } else {
    const head = groupsOf(text.slice(0, dbl));
    const tail = groupsOf(text.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** Either family: 4 or 16 bytes, or null. */
export function parseAddress(text: string): Buffer | null {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

const ipv4Texts = new Map<number, string>();
/** Bound on remembered addresses: a flood of spoofed sources empties the cache rather than growing it. */
const IPV4_TEXTS_MAX = 4096;

/**
 * formatIpv4 for the receive path: the same few peers and groups arrive thousands of times a second, so their text
 * is built once and reused (no string per packet; issue 12).
 */
export function formatIpv4Cached(bytes: Uint8Array, offset = 0): string {
  const key = ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
  let text = ipv4Texts.get(key);
  if (text === undefined) {
    if (ipv4Texts.size >= IPV4_TEXTS_MAX) ipv4Texts.clear();
    text = formatIpv4(bytes, offset);
    ipv4Texts.set(key, text);
  }
  return text;
}

/**
 * RFC 5952 canonical text: lower case, no leading zeros, the longest run (≥ 2) of zero groups as "::" (the first
 * on ties), IPv4-mapped addresses with a dotted tail (§5).
 */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart === 0 && bestLen === 5 && g[5] === 0xffff) return `::ffff:${formatIpv4(bytes, offset + 12)}`;
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(':');
  if (bestStart === -1) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** 4 or 16 bytes (at offset, for `family`) as canonical text. */
export function formatAddress(bytes: Uint8Array, family: 4 | 6 = bytes.length === 16 ? 6 : 4, offset = 0): string {
  return family === 6 ? formatIpv6(bytes, offset) : formatIpv4(bytes, offset);
}

/** Canonical text form, or null when the text is not an address. */
export function canonicalAddress(text: string): string | null {
  const b = parseAddress(text);
  return b ? formatAddress(b, b.length === 16 ? 6 : 4) : null;
}

/**
 * Compare two addresses as unsigned big-endian integers (keepalived vrrp.c:2331-2357, lib/utils.c:918):
 * RFC 5798 §6.4.3 — on equal priority the higher primary address wins. Unparsable sorts lowest.
 */
export function compareAddresses(a: string, b: string): number {
  const x = parseAddress(a) ?? Buffer.alloc(0);
  const y = parseAddress(b) ?? Buffer.alloc(0);
  if (x.length !== y.length) return x.length - y.length;
  return Buffer.compare(x, y);
}

export function isIpv4MulticastBytes(addr: Uint8Array): boolean {
  return addr.length === 4 && (addr[0]! & 0xf0) === 0xe0;
}

export function isIpv6MulticastBytes(addr: Uint8Array): boolean {
  return addr.length === 16 && addr[0] === 0xff;
}

/** fe80::/10 */
export function isIpv6LinkLocal(addr: Uint8Array): boolean {
  return addr.length === 16 && addr[0] === 0xfe && (addr[1]! & 0xc0) === 0x80;
}

/** IPv4 224.0.0.0/4 or IPv6 ff00::/8, from text. */
export function isMulticast(text: string): boolean {
  const b = parseAddress(text);
  return b !== null && (isIpv4MulticastBytes(b) || isIpv6MulticastBytes(b));
}

/** Whether `addr` lies inside `cidr` ("10.2.0.0/24", "fd00::/8", or a bare address = host route). */
export function inCidr(addr: string, cidr: string): boolean {
  const [net, lenText] = cidr.split('/');
  const a = parseAddress(addr);
  const n = parseAddress(net ?? '');
  if (!a || !n || a.length !== n.length) return false;
  const bits = lenText === undefined ? a.length * 8 : Number(lenText);
  if (!Number.isInteger(bits) || bits < 0 || bits > a.length * 8) return false;
  for (let i = 0; i < a.length; i++) {
    const take = Math.max(0, Math.min(8, bits - i * 8));
    if (take === 0) break;
    const mask = (0xff << (8 - take)) & 0xff;
    if ((a[i]! & mask) !== (n[i]! & mask)) return false;
  }
  return true;
}

/**
 * keepalived's `brd` for an IPv4 VIP, as iproute2 reads it: `+` = host bits set, `-` = host bits clear, else an
 * address. null when there is nothing to set (/31, /32, or not IPv4).
 */
export function ipv4Broadcast(spec: string, address: string, prefixLen: number): string | null {
  if (!parseIpv4(address) || prefixLen < 0 || prefixLen > 30) return null;
  if (spec === '+' || spec === '-') {
    const bytes = parseIpv4(address)!;
    for (let i = 0; i < 4; i++) {
      const hostMask = 0xff >> Math.max(0, Math.min(8, prefixLen - i * 8));
      bytes[i] = spec === '+' ? bytes[i]! | hostMask : bytes[i]! & ~hostMask;
    }
    return formatIpv4(bytes);
  }
  return parseIpv4(spec) ? spec : null;
}

/** "aa:bb:cc:dd:ee:ff" (or with dashes) → 6 bytes, or null. */
export function parseMac(text: string): Buffer | null {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) return null;
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

export function formatMac(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
