// Test helpers: bytes written out by hand (hex with comments) and keepalived captures from test/fixtures/vrrp.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Hex with `#` / `//` comments and any whitespace, e.g. `hex\`21 33 # ver/type, vrid\``. */
export function hex(text: string | TemplateStringsArray): Buffer {
  const s = typeof text === 'string' ? text : text.join('');
  const clean = s.split('\n').map((l) => l.replace(/(#|\/\/).*$/, '')).join('').replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`bad hex fixture: ${clean}`);
  return Buffer.from(clean, 'hex');
}

/** Load test/fixtures/vrrp/<name>.hex (compiled tests live in dist/test/unit/vrrp/). */
export function capture(name: string): Buffer {
  const url = new URL(`../../../../test/fixtures/vrrp/${name}.hex`, import.meta.url);
  return hex(readFileSync(fileURLToPath(url), 'utf8'));
}

/** test/unit/vrrp/fixtures/<file> (see the README there), raw bytes. */
export function fixtureFile(file: string): Buffer {
  return readFileSync(fileURLToPath(new URL(`../../../../test/unit/vrrp/fixtures/${file}`, import.meta.url)));
}

/** An annotated .hex fixture from test/unit/vrrp/fixtures. */
export function fixture(name: string): Buffer {
  return hex(fixtureFile(`${name}.hex`).toString('utf8'));
}

/** The IP datagrams of a classic little-endian Ethernet pcap (tcpdump -w), Ethernet headers removed. */
export function pcapDatagrams(file: string): Buffer[] {
  const pc = fixtureFile(file);
  if (pc.readUInt32LE(0) !== 0xa1b2c3d4 || pc.readUInt32LE(20) !== 1) throw new Error(`${file}: not a little-endian Ethernet pcap`);
  const out: Buffer[] = [];
  for (let off = 24; off + 16 <= pc.length; ) {
    const incl = pc.readUInt32LE(off + 8);
    out.push(Buffer.from(pc.subarray(off + 16 + 14, off + 16 + incl)));
    off += 16 + incl;
  }
  return out;
}
