// Pure IPv4/IPv6 text <-> bytes conversion for the codec (no node:net: the core does no I/O and must run
// anywhere). Parsers return null on bad input instead of throwing: addresses can come from the wire.

/** Parse dotted-quad IPv4. Returns 4 bytes or null. */
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

/** Parse IPv6 (with :: compression and an optional trailing dotted IPv4; no zone). Returns 16 bytes or null. */
export function parseIpv6(text: string): Buffer | null {
  if (text.includes('%')) text = text.slice(0, text.indexOf('%'));
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    const items = s.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (i === items.length - 1 && it.includes('.')) {
        const v4 = parseIpv4(it);
        if (!v4) return null;
        out.push(v4.readUInt16BE(0), v4.readUInt16BE(2));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return null;
        out.push(parseInt(it, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** Parse either family; IPv6 iff the text contains ':'. */
export function parseAddress(text: string): Buffer | null {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

export function formatIpv4(bytes: Uint8Array): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/** RFC 5952 canonical text: lower case, longest run (≥ 2) of zero groups compressed, first run on ties. */
export function formatIpv6(bytes: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

export function formatAddress(bytes: Uint8Array): string {
  return bytes.length === 16 ? formatIpv6(bytes) : formatIpv4(bytes);
}

/** Canonical text form, or null when the text is not an address. */
export function canonicalAddress(text: string): string | null {
  const b = parseAddress(text);
  return b ? formatAddress(b) : null;
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

/** IPv4 224.0.0.0/4 or IPv6 ff00::/8. */
export function isMulticast(text: string): boolean {
  const b = parseAddress(text);
  if (!b) return false;
  return b.length === 4 ? (b[0]! & 0xf0) === 0xe0 : b[0] === 0xff;
}
