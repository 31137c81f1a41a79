// Connection sync's metrics, registered by its plugin on the daemon's registry (src/plugin/api.ts
// registerMetrics): the daemon's metrics layer knows nothing of sync. Names and meanings: docs/metrics.md
// "Connection sync"; the gauges show no sample while no sync block runs.
import type { Registry } from 'prom-client';
import { Histogram } from '../metrics/promClient.js';
import { scrapeCounter, scrapeGauge } from '../metrics/scrape.js';
import type { SyncView } from './status.js';

/** Commits of synced connections: from a handful of entries (sub-ms) to a full table (seconds). */
export const COMMIT_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface SyncMetrics {
  /** One commit of synced connections into the kernel table (histogram). */
  commitObserved(durationMs: number): void;
}

/** `view` is read at scrape time: the figures of the service reported on (null: none running). */
export function registerSyncMetrics(registry: Registry, view: () => SyncView | null): SyncMetrics {
  const gauge = (name: string, help: string, pick: (s: SyncView) => number | null | undefined): void =>
    scrapeGauge(registry, name, help, [], (set) => {
      const s = view();
      const value = s ? pick(s) : null;
      if (value !== null && value !== undefined) set({}, value);
    });
  const counter = (name: string, help: string, pick: (s: SyncView) => number): void =>
    scrapeCounter(registry, name, help, [], (add) => {
      const s = view();
      if (s) add({}, pick(s));
    });
  gauge('vipd_conn_sync_entries', 'Connection entries in the sync cache', (s) => s.entries);
  counter('vipd_conn_sync_messages_sent_total', 'Sync messages sent', (s) => s.messagesSent);
  counter('vipd_conn_sync_messages_received_total', 'Sync messages received', (s) => s.messagesReceived);
  counter('vipd_conn_sync_messages_lost_total', 'Sync messages detected lost (sequence gaps)', (s) => s.messagesLost);
  counter('vipd_conn_sync_messages_resent_total', 'Sync messages resent after a NACK', (s) => s.messagesResent);
  gauge('vipd_conn_sync_last_full_resync_timestamp_seconds', 'Unix time of the last completed full resync', (s) =>
    s.lastFullResyncAtMs === null ? null : s.lastFullResyncAtMs / 1000,
  );
  gauge('vipd_conn_sync_last_commit_duration_seconds', 'Duration of the last commit of synced connections', (s) =>
    s.lastCommitDurationMs === null ? null : s.lastCommitDurationMs / 1000,
  );
  gauge('vipd_conn_sync_peer_up', 'Whether the sync peer is reachable (1) or not (0)', (s) => (s.peerUp === undefined ? null : s.peerUp ? 1 : 0));
  const byReason = (name: string, help: string, pick: (s: SyncView) => Readonly<Record<string, number>> | null | undefined): void =>
    scrapeCounter(registry, name, help, ['reason'], (add) => {
      const s = view();
      const counts = s ? pick(s) : null;
      if (counts) for (const [reason, n] of Object.entries(counts)) add({ reason }, n);
    });
  byReason('vipd_conn_sync_drops_total', 'Received sync datagrams dropped, by reason', (s) => s.drops);
  byReason(
    'vipd_ctnetlink_drops_total',
    'Conntrack messages from the kernel (events, dump replies) that did not decode, by reason',
    (s) => s.kernelDrops,
  );
  const commit = new Histogram({
    name: 'vipd_conn_sync_commit_duration_seconds',
    help: 'Duration of commits of synced connections into the kernel table',
    buckets: COMMIT_BUCKETS_SECONDS,
    registers: [registry],
  });
  return { commitObserved: (ms) => commit.observe(Math.max(0, ms) / 1000) };
}
