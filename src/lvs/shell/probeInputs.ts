// What probes read from outside the LVS config: the values of global track_files (FILE_CHECK) and the client TLS
// material of the root `SSL { … }` block (SSL_GET).
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { LvsSslConfig } from '../../config/lvsTypes.js';
import type { TrackFileConfig } from '../../config/types.js';
import { parseTrackFileValue } from '../../track/priority.js';
import type { ProbeDeps } from '../checkers/types.js';

/**
 * FILE_CHECK reads its track_file at each check (every delay_loop), as keepalived re-reads on change: one small
 * synchronous read per check is cheaper than a watcher per file and always current. A missing or unreadable file
 * is "unknown" (the probe reports a local failure naming it).
 */
export function trackFileReader(trackFiles: readonly TrackFileConfig[]): (name: string) => number | undefined {
  const byName = new Map(trackFiles.map((t) => [t.name, t]));
  return (name) => {
    const tf = byName.get(name);
    if (!tf) return undefined;
    try {
      return parseTrackFileValue(readFileSync(tf.path, 'utf8')) ?? undefined;
    } catch {
      return undefined;
    }
  };
}

/** The files of `SSL { ca certificate key password }`, read once at start; a missing file refuses the start. */
export async function readTlsMaterial(ssl: LvsSslConfig | null): Promise<ProbeDeps['tls'] | undefined> {
  if (!ssl) return undefined;
  const read = (p: string | null) => (p === null ? Promise.resolve(undefined) : readFile(p));
  const [ca, cert, key] = await Promise.all([read(ssl.ca), read(ssl.certificate), read(ssl.key)]);
  return {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(ssl.password !== null ? { passphrase: ssl.password } : {}),
  };
}
