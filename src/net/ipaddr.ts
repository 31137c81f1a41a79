// IP address text <-> bytes, without node:net (which has no such conversion). Pure; parsers return null on
// malformed input instead of throwing, so they are safe on configuration and remote data alike.

/** Parse dotted-quad IPv4 ("10.1.0.100") into 4 network-order bytes, or null. */
export function parseIpv4(text: string): Buffer | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** Parse an IPv6 address (RFC 4291 §2.2 text forms, incl. "::" and embedded IPv4; no zone) into 16 bytes, or null. */
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

/** Parse either family: 4 or 16 bytes, or null. */
export function parseIp(text: string): Buffer | null {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

export function formatIpv4(bytes: Buffer, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/** RFC 5952 canonical text: lowercase, no leading zeros, the longest run (≥ 2) of zero groups as "::". */
export function formatIpv6(bytes: Buffer, offset = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(bytes.readUInt16BE(offset + i * 2));
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
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(':');
  if (bestStart === -1) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** Format 4 or 16 bytes as text. */
export function formatIp(bytes: Buffer): string {
  return bytes.length === 16 ? formatIpv6(bytes) : formatIpv4(bytes);
}

export function isIpv4Multicast(addr: Buffer): boolean {
  return addr.length === 4 && (addr[0]! & 0xf0) === 0xe0;
}

export function isIpv6Multicast(addr: Buffer): boolean {
  return addr.length === 16 && addr[0] === 0xff;
}

/** fe80::/10 */
export function isIpv6LinkLocal(addr: Buffer): boolean {
  return addr.length === 16 && addr[0] === 0xfe && (addr[1]! & 0xc0) === 0x80;
}

/** "aa:bb:cc:dd:ee:ff" → 6 bytes, or null. */
export function parseMac(text: string): Buffer | null {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) return null;
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

export function formatMac(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
