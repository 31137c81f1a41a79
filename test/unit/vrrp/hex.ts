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
