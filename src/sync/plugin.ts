// Connection sync as a daemon plugin: one vipd_conntrack_sync block follows a VRRP instance or sync group.
//   - becoming MASTER: the external cache is committed to the kernel in beforeVipsAdded, i.e. strictly after the
//     first advert and before the VIPs and GARP (keepalived + conntrackd get this order wrong: #2254, #2414);
//   - leaving MASTER: becomeBackup() (purge what we owned only after the new master confirms, then resync);
//   - sync-aware preemption: at start, after leaving MASTER and when coming back from FAULT, the followed
//     instances hold preemption until a full resync from the current master has completed since then (bounded by
//     resync_timeout, a deadline of the service: ConnSyncService.awaitResync), so a returning director does not
//     take the VIPs back with a stale table.
//
// Reload (SIGHUP; subsystem.ts decides per block): an unchanged block keeps its service, cache and role; a followed
// instance the reload restarted is treated like a fresh start (a MASTER one steps the service down to backup,
// preemption is held again until in sync). A changed block is retired with its hold kept (for the members its
// successor still follows) and a new service
// started in its place; a removed block releases its hold and stops. What a stopped service held in memory (the
// peer's connections, the stream journal) is dropped; the kernel's conntrack table is left as it is.
import type { Config, ConntrackSyncConfig } from '../config/types.js';
import type { SyncView } from './status.js';
import type { DaemonControl, DaemonPlugin, ReloadChange, TransitionEvent } from '../plugin/api.js';
import { openConnSync } from './index.js';
import type { ConnSyncService } from './service.js';
import type { Clock } from '../clock/clock.js';

export interface ConnSyncPluginOptions {
  /** Tests: a service instead of the real ctnetlink + UDP one. */
  readonly open?: (c: ConntrackSyncConfig, log: (line: string) => void, clock: Clock) => Promise<ConnSyncService>;
  /** Each commit before the VIPs, with its duration (the subsystem's commit histogram). */
  readonly onCommitted?: (ms: number) => void;
}

export class ConnSyncPlugin implements DaemonPlugin {
  readonly name: string;
  private svc: ConnSyncService | null = null;
  private ctl: DaemonControl | null = null;
  private members: readonly string[] = [];
  private mastering: Promise<void> | null = null;
  /** Set while preemption is held: aborting it forgets the service's resync wait. */
  private hold: AbortController | null = null;
  private unlistenLink: (() => void) | null = null;

  constructor(
    readonly cfg: ConntrackSyncConfig,
    private readonly opts: ConnSyncPluginOptions = {},
  ) {
    this.name = `conntrack sync ${cfg.name}`;
  }

  async start(ctl: DaemonControl): Promise<void> {
    this.ctl = ctl;
    this.members = followedMembers(this.cfg, ctl.config);
    const log = (line: string) => ctl.logger.info(`(${this.name}) ${line}`);
    this.svc = await (this.opts.open ?? ((c, l, clock) => openConnSync(c, { log: l, clock })))(this.cfg, log, ctl.clock);
    await this.svc.start();
    // A sync interface deleted and created again comes back under a new index: the channel follows it.
    this.unlistenLink = ctl.onLink((ifname, up) => {
      if (up && ifname === this.cfg.interface) this.svc?.followInterface?.();
    });
    // Started by a reload while we are MASTER: take the master role at once (the cache is empty, so the commit is
    // too) so our connections stream to the backups; holding preemption would mean nothing.
    const master = this.members.find((m) => ctl.snapshot(m)?.state === 'MASTER');
    if (master) void this.beforeVipsAdded(master);
    else this.holdUntilInSync();
  }

  /** SIGHUP with this block unchanged: only followed instances the reload restarted need anything. */
  reload(_config: Config, change: ReloadChange): void {
    const ctl = this.ctl;
    const restarted = this.members.filter((m) => change.started.includes(m));
    if (!ctl || !this.svc || restarted.length === 0) return;
    if (this.mastering) {
      // The restart took the VIPs away (priority 0 sent): like a demotion, the new master's table wins.
      this.mastering = null;
      this.svc.becomeBackup().catch((err: unknown) => ctl.logger.error(`(${this.name}) ${(err as Error).message}`));
      this.holdUntilInSync(true);
    } else if (this.hold) {
      // Still waiting for a resync: the fresh cores must not preempt either.
      for (const m of restarted) ctl.holdPreempt(m, true);
    }
  }

  /**
   * Reload removed or changed this block. The successor (a changed block's new service) holds its own members
   * again; a member it does not follow (the block removed, or its follow_instance / group changed) would stay held
   * for good, as nobody else releases it, so its hold is released here.
   */
  async retire(successorMembers: readonly string[]): Promise<void> {
    const ctl = this.ctl;
    const dropped = this.members.filter((m) => !successorMembers.includes(m));
    if (this.hold && ctl && dropped.length) {
      ctl.logger.info(`(${this.name}) preemption allowed for ${dropped.join(', ')}: ${successorMembers.length ? 'no longer followed' : 'connection sync block removed'}`);
      for (const m of dropped) ctl.holdPreempt(m, false);
    }
    await this.stop();
  }

  /** Commit before the VIPs: every member of a followed group awaits the same single commit. */
  beforeVipsAdded(instance: string): Promise<void> {
    if (!this.svc || !this.members.includes(instance)) return Promise.resolve();
    this.releaseHold('became MASTER');
    this.mastering ??= this.svc.becomeMaster().then(
      ({ committed, ms }) => {
        this.opts.onCommitted?.(ms);
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
    this.unlistenLink?.();
    this.unlistenLink = null;
    await this.svc?.stop();
    this.svc = null;
  }

  /** Hold preemption until a full resync completes after now (or resync_timeout passes). */
  private holdUntilInSync(restart = false): void {
    const ctl = this.ctl;
    if (!ctl || !this.svc) return;
    if (this.hold && !restart) return;
    this.clearHold();
    for (const m of this.members) ctl.holdPreempt(m, true);
    const hold = new AbortController();
    this.hold = hold;
    this.svc.awaitResync(this.cfg.resyncTimeoutMs, hold.signal).then(
      (r) => {
        if (this.hold !== hold || r === 'aborted') return;
        this.releaseHold(r === 'in-sync' ? 'connection table in sync' : `no full resync within ${this.cfg.resyncTimeoutMs} ms`);
      },
      (err: unknown) => ctl.logger.error(`(${this.name}) ${(err as Error).message}`),
    );
  }

  private releaseHold(why: string): void {
    if (!this.hold) return;
    this.clearHold();
    this.ctl?.logger.info(`(${this.name}) preemption allowed: ${why}`);
    for (const m of this.members) this.ctl?.holdPreempt(m, false);
  }

  private clearHold(): void {
    this.hold?.abort();
    this.hold = null;
  }
}

/** The instances a block follows in `config`: its instance, or its sync group's members. */
export function followedMembers(cfg: ConntrackSyncConfig, config: Config): readonly string[] {
  const f = cfg.follow;
  return f.kind === 'instance' ? [f.name] : (config.syncGroups.find((g) => g.name === f.name)?.members ?? []);
}
