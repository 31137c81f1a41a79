// Big-endian integer and dotted-quad helpers shared by the record format (record.ts) and the entry key
// (types.ts entryKey). The lowest file of src/conntrack: it imports nothing, so types.ts can use it without
// reaching up into record.ts (which itself needs types.ts).
export function put16(out: Uint8Array, off: number, v: number): void {
  out[off] = (v >>> 8) & 0xff;
  out[off + 1] = v & 0xff;
}

export function put32(out: Uint8Array, off: number, v: number): void {
  out[off] = (v >>> 24) & 0xff;
  out[off + 1] = (v >>> 16) & 0xff;
  out[off + 2] = (v >>> 8) & 0xff;
  out[off + 3] = v & 0xff;
}

export function get16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

export function get32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Dotted-quad text straight into out[at, at+4) (no allocation); false when the text is not one. */
export function writeIpv4(text: string, out: Uint8Array, at: number): boolean {
  let part = 0;
  let digits = 0;
  let v = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part === 3 || v > 255) return false;
      out[at + part++] = v;
      v = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      v = v * 10 + (c - 48);
      digits++;
    } else {
      return false;
    }
  }
  if (part !== 3 || digits === 0 || v > 255) return false;
  out[at + 3] = v;
  return true;
}
