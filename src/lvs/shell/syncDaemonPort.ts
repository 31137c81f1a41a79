// The lvs_sync_daemon driver as the shell sees it (lvs.md §4.8); ipvsSyncDaemon.ts adapts the kernel driver
// (src/lvs/syncDaemonDriver.ts, which takes instance states, not names) to it. Without `inst` both kernel daemons
// run for the whole run; with `inst VI` the daemon follows that VRRP instance (MASTER → master daemon, anything
// else → backup), which the plugin reports through onInstanceState.
import type { Clock } from '../../clock/clock.js';
import type { LvsSyncDaemonConfig } from '../../config/lvsTypes.js';
import type { Logger } from '../../log/logger.js';
import type { VrrpState } from '../../vrrp/types.js';

/** What the metrics show of the sync daemons (lvs.md §9.11: GET_DAEMON state as a metric). */
export interface SyncDaemonStatus {
  /** Starts and stops the kernel refused since the driver started. */
  readonly errors: number;
  /** The daemons the kernel reported at the last GET_DAEMON; null before its first answer. */
  readonly kernel: readonly { readonly state: 'master' | 'backup'; readonly ifname: string; readonly syncId: number }[] | null;
}

export interface SyncDaemonDriver {
  /** Stops stale daemons and starts what the config says (both, or backup until the instance is MASTER). */
  start(): Promise<void> | void;
  onInstanceState(instance: string, state: VrrpState): void;
  /** Stops whatever it started. */
  stop(): Promise<void> | void;
  /** For metrics (optional): the last known state, read without I/O. */
  status?(): SyncDaemonStatus;
  /** Ask the kernel again (GET_DAEMON) when the last answer is older than `maxAgeMs`; never awaited by a scrape. */
  refresh?(maxAgeMs: number): void;
}

export type SyncDaemonFactory = (cfg: LvsSyncDaemonConfig, deps: { readonly clock: Clock; readonly logger: Logger }) => SyncDaemonDriver;
