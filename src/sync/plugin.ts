// Connection sync as a daemon plugin: one vipd_conntrack_sync block follows a VRRP instance or sync group.
//   - becoming MASTER: the external cache is committed to the kernel in beforeVipsAdded, i.e. strictly after the
//     first advert and before the VIPs and GARP (keepalived + conntrackd get this order wrong: #2254, #2414);
//   - leaving MASTER: becomeBackup() (purge what we owned only after the new master confirms, then resync);
//   - sync-aware preemption: at start, after leaving MASTER and when coming back from FAULT, the followed
//     instances hold preemption until a full resync from the current master has completed since then (bounded by
//     resync_timeout), so a returning director does not take the VIPs back with a stale table.
import type { Config, ConntrackSyncConfig } from '../config/types.js';
import type { SyncView } from '../metrics/types.js';
import type { DaemonControl, DaemonPlugin, TransitionEvent } from '../daemon/plugin.js';
import { openConnSync } from './index.js';
import type { ConnSyncService } from './service.js';

const HOLD_POLL_MS = 100;

export interface ConnSyncPluginOptions {
  /** Tests: a service instead of the real ctnetlink + UDP one. */
  readonly open?: (c: ConntrackSyncConfig, log: (line: string) => void) => Promise<ConnSyncService>;
  readonly holdPollMs?: number;
}

export class ConnSyncPlugin implements DaemonPlugin {
  readonly name: string;
  private svc: ConnSyncService | null = null;
  private ctl: DaemonControl | null = null;
  private members: readonly string[] = [];
  private mastering: Promise<void> | null = null;
  private holdTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly cfg: ConntrackSyncConfig,
    private readonly opts: ConnSyncPluginOptions = {},
  ) {
    this.name = `conntrack sync ${cfg.name}`;
  }

  async start(ctl: DaemonControl): Promise<void> {
    this.ctl = ctl;
    const f = this.cfg.follow;
    this.members = f.kind === 'instance' ? [f.name] : (ctl.config.syncGroups.find((g) => g.name === f.name)?.members ?? []);
    const log = (line: string) => ctl.logger.info(`(${this.name}) ${line}`);
    this.svc = await (this.opts.open ?? ((c, l) => openConnSync(c, { log: l })))(this.cfg, log);
    await this.svc.start();
    this.holdUntilInSync();
  }

  /** Commit before the VIPs: every member of a followed group awaits the same single commit. */
  beforeVipsAdded(instance: string): Promise<void> {
    if (!this.svc || !this.members.includes(instance)) return Promise.resolve();
    this.releaseHold('became MASTER');
    this.mastering ??= this.svc.becomeMaster().then(
      ({ committed, ms }) => {
        this.ctl?.metrics.syncCommit(ms);
        this.ctl?.logger.info(`(${this.name}) committed ${committed} connections in ${ms.toFixed(1)} ms before adding the VIPs`);
      },
      (err: unknown) => this.ctl?.logger.error(`(${this.name}) commit failed, adding the VIPs anyway: ${(err as Error).message}`),
    );
    return this.mastering;
  }

  onTransition(ev: TransitionEvent): void {
    if (!this.svc || !this.members.includes(ev.instance)) return;
    if (ev.from === 'MASTER' && (ev.to === 'BACKUP' || ev.to === 'FAULT') && this.mastering) {
      this.mastering = null;
      this.svc.becomeBackup().catch((err: unknown) => this.ctl?.logger.error(`(${this.name}) ${(err as Error).message}`));
      this.holdUntilInSync(true);
    } else if (ev.from === 'FAULT' && ev.to === 'BACKUP') {
      // Cut off for a while: whatever we had may be stale; wait for a fresh resync before preempting.
      this.holdUntilInSync(true);
    }
  }

  syncView(): SyncView | null {
    return this.svc?.snapshot() ?? null;
  }

  async stop(): Promise<void> {
    this.clearHold();
    await this.svc?.stop();
    this.svc = null;
  }

  /** Hold preemption until a full resync completes after now (or resync_timeout passes). */
  private holdUntilInSync(restart = false): void {
    const ctl = this.ctl;
    if (!ctl || !this.svc) return;
    if (this.holdTimer && !restart) return;
    this.clearHold();
    for (const m of this.members) ctl.holdPreempt(m, true);
    const startedAt = Date.now();
    this.holdTimer = setInterval(() => {
      const resyncedAt = this.svc?.snapshot().lastFullResyncAtMs ?? null;
      if (resyncedAt !== null && resyncedAt >= startedAt) this.releaseHold('connection table in sync');
      else if (Date.now() - startedAt >= this.cfg.resyncTimeoutMs) this.releaseHold(`no full resync within ${this.cfg.resyncTimeoutMs} ms`);
    }, this.opts.holdPollMs ?? HOLD_POLL_MS);
  }

  private releaseHold(why: string): void {
    if (!this.holdTimer) return;
    this.clearHold();
    this.ctl?.logger.info(`(${this.name}) preemption allowed: ${why}`);
    for (const m of this.members) this.ctl?.holdPreempt(m, false);
  }

  private clearHold(): void {
    if (this.holdTimer) clearInterval(this.holdTimer);
    this.holdTimer = null;
  }
}

export function createConnSyncPlugins(config: Config, opts: ConnSyncPluginOptions = {}): ConnSyncPlugin[] {
  return config.conntrackSync.map((c) => new ConnSyncPlugin(c, opts));
}
