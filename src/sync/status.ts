// Connection sync's own part of /status and `vipd status` (the daemon and the CLI know nothing about it: the
// plugin hands its section over through src/plugin/api.ts statusSection).
import { formatDuration } from '../status/format.js';
import type { StatusSection } from '../status/types.js';

/** Cumulative connection-sync figures, read at scrape time. */
export interface SyncView {
  /** Entries in the local (internal or external) cache. */
  readonly entries: number;
  readonly messagesSent: number;
  readonly messagesReceived: number;
  /** Messages detected missing by sequence gap. */
  readonly messagesLost: number;
  /** Messages resent after a NACK. */
  readonly messagesResent: number;
  /** Wall clock of the last completed full resync (Unix epoch ms), null when none yet. */
  readonly lastFullResyncAtMs: number | null;
  /** Duration of the last commit of synced entries into the kernel table, null when none yet. */
  readonly lastCommitDurationMs: number | null;
  /** Optional: peer reachable / channel established. */
  readonly peerUp?: boolean;
  /** Optional: received sync datagrams dropped, by reason (every reason of src/sync/drops.ts, 0 included). */
  readonly drops?: Readonly<Record<string, number>>;
  /** Optional: ctnetlink messages from the kernel that did not decode, by reason (src/conntrack/drops.ts). */
  readonly kernelDrops?: Readonly<Record<string, number>> | null;
}

/** The one `vipd status` line for connection sync; ages are taken at `nowMs` (wall clock, Unix ms). */
export function renderSyncLine(s: SyncView, nowMs: number): string {
  const parts = [
    `${s.entries} entries`,
    `sent ${s.messagesSent}`,
    `received ${s.messagesReceived}`,
    `lost ${s.messagesLost}`,
    `resent ${s.messagesResent}`,
    s.lastFullResyncAtMs === null ? 'no full resync yet' : `last full resync ${formatDuration(nowMs - s.lastFullResyncAtMs)} ago`,
  ];
  if (s.lastCommitDurationMs !== null) parts.push(`last commit ${s.lastCommitDurationMs.toFixed(1)} ms`);
  if (s.peerUp !== undefined) parts.push(s.peerUp ? 'peer up' : 'PEER DOWN');
  return `connection sync: ${parts.join(', ')}`;
}

/** The "sync" section: the service's whole snapshot as data (what statusVersion 1 served as `sync`), one line. */
export function syncStatusSection(view: SyncView, nowMs: number): StatusSection {
  return { lines: [renderSyncLine(view, nowMs)], data: view };
}
