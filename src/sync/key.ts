// The shared HMAC key. The file holds either 64+ hex digits (e.g. `openssl rand -hex 32`) or raw bytes;
// surrounding whitespace is ignored. Short keys are refused: the MAC is the only thing between an attacker on
// the sync link and the kernel's conntrack table of the next master.
import { readFile } from 'node:fs/promises';
import { VipdError } from '../errors/vipdError.js';

export const MIN_KEY_BYTES = 16;

export function parseKey(text: Buffer): Buffer | { error: string } {
  const trimmed = text.toString('latin1').trim();
  const key = /^[0-9a-fA-F]+$/.test(trimmed) && trimmed.length % 2 === 0 ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'latin1');
  if (key.length < MIN_KEY_BYTES) return { error: `key is ${key.length} bytes; at least ${MIN_KEY_BYTES} are required` };
  return key;
}

export async function loadKeyFile(path: string): Promise<Buffer> {
  const k = parseKey(await readFile(path));
  if ('error' in k) throw new VipdError('VIPD_ERR_SYNC_KEY', `${path}: ${k.error}`);
  return k;
}
