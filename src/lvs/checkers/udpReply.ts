// UDP_CHECK's reply rule (keepalived check/check_udp.c:255-278): with `require_reply HEX` the reply must be
// min..max bytes long and agree with HEX on the first min(len, |HEX|) bytes, where an 'X' nibble matches anything.

export interface ReplyPattern {
  readonly data: Buffer;
  /** Bits that must match (0 where the pattern has an X nibble). */
  readonly mask: Buffer;
}

/** "01XX0203" → data + mask; an odd trailing nibble is the high nibble of a last byte (low nibble wildcard). */
export function parseReplyPattern(hex: string): ReplyPattern | null {
  const text = hex.replace(/\s+/g, '');
  if (!/^[0-9a-fA-FxX]*$/.test(text) || text.length === 0) return null;
  const n = Math.ceil(text.length / 2);
  const data = Buffer.alloc(n);
  const mask = Buffer.alloc(n);
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const shift = i % 2 === 0 ? 4 : 0;
    if (c === 'x' || c === 'X') continue;
    data[i >> 1] = data[i >> 1]! | (parseInt(c, 16) << shift);
    mask[i >> 1] = mask[i >> 1]! | (0xf << shift);
  }
  return { data, mask };
}

/** null when the reply is acceptable, else why not. */
export function replyMismatch(reply: Buffer, pattern: ReplyPattern, minLen: number, maxLen: number): string | null {
  if (reply.length < minLen || reply.length > maxLen) return `reply of ${reply.length} bytes is outside ${minLen}..${maxLen}`;
  const n = Math.min(reply.length, pattern.data.length);
  for (let i = 0; i < n; i++) {
    if (((reply[i]! ^ pattern.data[i]!) & pattern.mask[i]!) !== 0) return `reply byte ${i} is 0x${reply[i]!.toString(16).padStart(2, '0')}, pattern wants ${describeByte(pattern, i)}`;
  }
  return null;
}

function describeByte(p: ReplyPattern, i: number): string {
  const nib = (shift: number): string => (((p.mask[i]! >> shift) & 0xf) === 0 ? 'X' : ((p.data[i]! >> shift) & 0xf).toString(16));
  return `0x${nib(4)}${nib(0)}`;
}
