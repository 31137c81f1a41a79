// A checker's identity: identical checkers of one real server (same type, target and every option) are one
// probe, shared by every virtual server that lists them (issue 10: "Identical probes of one real server shared
// across virtual servers"; lvs.md §9.10). The id is stable across reloads, so a kept checker keeps its state
// (lvs.md §2.7, migrate_checkers compares checkers the same way). `source` (file:line) is not part of it.
import { createHash } from 'node:crypto';
import type { CheckerConfig } from '../../config/lvsTypes.js';

/** "TCP_CHECK 10.2.0.11:80 3f2a9c1b0d4e". */
export function checkIdOf(c: CheckerConfig): string {
  const digest = createHash('sha256').update(canonical(c)).digest('hex').slice(0, 12);
  return `${c.type} ${checkTargetOf(c)} ${digest}`;
}

/** What the probe looks at: "10.2.0.11:80", "[fd00::11]:80", or the track_file name of a FILE_CHECK. */
export function checkTargetOf(c: CheckerConfig): string {
  if (c.type === 'FILE_CHECK') return `file:${c.trackFile}`;
  return c.connectIp.includes(':') ? `[${c.connectIp}]:${c.connectPort}` : `${c.connectIp}:${c.connectPort}`;
}

/** JSON with sorted keys, Buffers as hex, `source` left out. */
function canonical(v: unknown): string {
  if (Buffer.isBuffer(v)) return JSON.stringify(`hex:${v.toString('hex')}`);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => k !== 'source' && o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
