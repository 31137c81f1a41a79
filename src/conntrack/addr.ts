// Address bytes <-> text for conntrack tuples. Text is canonical (dotted quad; RFC 5952 for IPv6) so that it can
// be used directly in table keys: the same address always yields the same string.
import { isIPv4, isIPv6 } from 'node:net';

export function ipv4ToString(buf: Buffer, offset = 0): string {
  return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
}

/** RFC 5952 §4: lower-case hex, no leading zeros, the longest run (≥ 2) of zero groups becomes "::". */
export function ipv6ToString(buf: Buffer, offset = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(offset + i * 2));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // IPv4-mapped addresses keep the dotted tail (RFC 5952 §5).
  if (bestStart === 0 && bestLen === 5 && groups[5] === 0xffff) return `::ffff:${ipv4ToString(buf, offset + 12)}`;
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function addrToString(buf: Buffer, family: 4 | 6, offset = 0): string {
  return family === 4 ? ipv4ToString(buf, offset) : ipv6ToString(buf, offset);
}

/** Parse an address into 4 or 16 bytes; null when it is not a valid IPv4/IPv6 literal. */
export function parseAddr(text: string): Buffer | null {
  if (isIPv4(text)) return Buffer.from(text.split('.').map(Number));
  if (!isIPv6(text)) return null;
  let head = text;
  let v4tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    v4tail = text.slice(lastColon + 1).split('.').map(Number);
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const l = left ? left.split(':') : [];
  const r = right !== undefined && right !== '' ? right.split(':') : [];
  const fill = right !== undefined ? 8 - l.length - r.length : 0;
  const groups = [...l, ...Array<string>(fill).fill('0'), ...r].map((g) => parseInt(g, 16));
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  if (v4tail.length === 4) Buffer.from(v4tail).copy(out, 12);
  return out;
}

/** Canonical text of an address literal (null when invalid). */
export function canonicalAddr(text: string): string | null {
  const b = parseAddr(text);
  if (!b) return null;
  return b.length === 4 ? ipv4ToString(b) : ipv6ToString(b);
}

/** Whether addr (canonical text) lies inside cidr ("10.2.0.0/24", "fd00::/8", or a bare address). */
export function inCidr(addr: string, cidr: string): boolean {
  const [net, lenText] = cidr.split('/');
  const a = parseAddr(addr);
  const n = parseAddr(net ?? '');
  if (!a || !n || a.length !== n.length) return false;
  const bits = lenText === undefined ? a.length * 8 : Number(lenText);
  for (let i = 0; i < a.length; i++) {
    const take = Math.max(0, Math.min(8, bits - i * 8));
    if (take === 0) break;
    const mask = (0xff << (8 - take)) & 0xff;
    if ((a[i]! & mask) !== (n[i]! & mask)) return false;
  }
  return true;
}
