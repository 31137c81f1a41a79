// The lvs_sync_daemon driver as the shell sees it (lvs.md §4.8): the plane helper's src/lvs/syncDaemon.ts
// implements it. Without `inst` both kernel daemons run for the whole run; with `inst VI` the daemon follows
// that VRRP instance (MASTER → master daemon, anything else → backup), which the plugin reports through
// onInstanceState for that instance only.
// LEAD: if src/lvs/syncDaemon.ts exports its own interface, replace this one by a re-export of it.
import type { Clock } from '../../clock/clock.js';
import type { LvsSyncDaemonConfig } from '../../config/lvsTypes.js';
import type { Logger } from '../../log/logger.js';
import type { VrrpState } from '../../vrrp/types.js';

export interface SyncDaemonDriver {
  /** Stops stale daemons and starts what the config says (both, or backup until the instance is MASTER). */
  start(): Promise<void> | void;
  onInstanceState(instance: string, state: VrrpState): void;
  /** Stops whatever it started. */
  stop(): Promise<void> | void;
}

export type SyncDaemonFactory = (cfg: LvsSyncDaemonConfig, deps: { readonly clock: Clock; readonly logger: Logger }) => SyncDaemonDriver;
