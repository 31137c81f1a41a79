// Hand-assembled netlink bytes for the IPVS tests: each field is written as hex with a comment that names it
// (linux/ip_vs.h, linux/netlink.h). Host-order fields are written little-endian: the tests run on x86-64 and
// arm64, both little-endian; `requireLittleEndian` skips them elsewhere rather than compare the wrong bytes.
import { endianness } from 'node:os';
import type { Context } from 'mocha';

/** Bytes from hex fragments; spaces inside fragments are ignored. */
export function hex(...parts: string[]): Buffer {
  return Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex');
}

export function requireLittleEndian(ctx: Context): void {
  if (endianness() !== 'LE') {
    console.log('      skipped: hand-assembled host-order bytes are little-endian');
    ctx.skip();
  }
}
