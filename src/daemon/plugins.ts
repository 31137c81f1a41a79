// Which optional subsystems a config asks for, and how they follow a reload. Each subsystem lives in its own
// folder and exports a DaemonPlugin; this is the one place that lists them. The daemon sees one plugin, the
// host below, so a reload can add a subsystem the old config did not have (a first vrrp_script, a first notify
// script, a new vipd_conntrack_sync block) without the daemon knowing the list.
import type { Config, ConntrackSyncConfig } from '../config/types.js';
import type { SyncView } from '../status/types.js';
import type { DaemonControl, DaemonPlugin, GroupTransitionEvent, ReloadChange, TransitionEvent } from '../plugin/api.js';
import { sameValue } from '../config/sameValue.js';
import { TrackingPlugin, type TrackingOptions } from '../track/plugin.js';
import { NotifyPlugin, type NotifyOptions } from '../notify/plugin.js';
import { ConnSyncPlugin, followedMembers, type ConnSyncPluginOptions } from '../sync/plugin.js';

export interface PluginOptions {
  readonly tracking?: TrackingOptions;
  readonly notify?: NotifyOptions;
  readonly sync?: ConnSyncPluginOptions;
}

export function buildPlugins(config: Config, opts: PluginOptions = {}): DaemonPlugin[] {
  return [new PluginHost(config, opts)];
}

/** The connection-sync part of a block that decides whether its service must restart. */
function syncSignature(cfg: ConntrackSyncConfig, config: Config): unknown {
  return { cfg, members: followedMembers(cfg, config) };
}

/**
 * Tracking and notify always exist (idle when the config asks for nothing: no process, no timer, no file), so
 * they can pick up a reload; one connection-sync plugin per vipd_conntrack_sync block, keyed by block name.
 * Order matters and is kept everywhere: tracking first (its start() reports initial FAULTs and priorities
 * before any instance starts), then notify, then connection sync.
 */
export class PluginHost implements DaemonPlugin {
  readonly name = 'plugins';
  private ctl: DaemonControl | null = null;
  private config: Config;
  private readonly tracking: TrackingPlugin;
  private readonly notify: NotifyPlugin;
  private readonly sync = new Map<string, { plugin: ConnSyncPlugin; signature: unknown }>();

  constructor(
    config: Config,
    private readonly opts: PluginOptions = {},
  ) {
    this.config = config;
    this.tracking = new TrackingPlugin(config, opts.tracking);
    this.notify = new NotifyPlugin(config, opts.notify ?? {});
  }

  /** The current children, in calling order. */
  children(): DaemonPlugin[] {
    return [this.tracking, this.notify, ...[...this.sync.values()].map((s) => s.plugin)];
  }

  /** At daemon start a throw refuses the start, as with separate plugins. */
  async start(ctl: DaemonControl): Promise<void> {
    this.ctl = ctl;
    await this.tracking.start(ctl);
    await this.notify.start(ctl);
    for (const cfg of this.config.conntrackSync) {
      const plugin = new ConnSyncPlugin(cfg, this.opts.sync);
      this.sync.set(cfg.name, { plugin, signature: syncSignature(cfg, this.config) });
      await plugin.start(ctl);
    }
  }

  /**
   * Tracking and notify reload themselves. A sync block whose settings (or followed members) are unchanged keeps
   * its service; a changed one is stopped (keeping the preemption hold) and a new one started (the UDP port is
   * the same, so the old one must go first); a removed one releases its hold and stops; an added one starts.
   * A failure is logged per subsystem and the others carry on: the VRRP side of the reload is already applied.
   */
  async reload(config: Config, change: ReloadChange): Promise<void> {
    const ctl = this.ctl;
    if (!ctl) return;
    const prev = this.config;
    this.config = config;
    await this.guarded(this.tracking, () => this.tracking.reload(config, change));
    await this.guarded(this.notify, () => this.notify.reload(config, change));

    const wanted = new Map(config.conntrackSync.map((c) => [c.name, c]));
    for (const [name, cur] of [...this.sync]) {
      const cfg = wanted.get(name);
      if (cfg && sameValue(cur.signature, syncSignature(cfg, config))) {
        await this.guarded(cur.plugin, () => cur.plugin.reload(config, change));
        continue;
      }
      this.sync.delete(name);
      ctl.logger.info(`(${cur.plugin.name}) ${cfg ? 'changed: restarting the sync service' : 'removed: stopping the sync service'}`);
      await this.guarded(cur.plugin, () => cur.plugin.retire(cfg !== undefined));
    }
    for (const cfg of config.conntrackSync) {
      if (this.sync.has(cfg.name)) continue;
      const plugin = new ConnSyncPlugin(cfg, this.opts.sync);
      const ok = await this.guarded(plugin, () => plugin.start(ctl));
      if (ok) {
        this.sync.set(cfg.name, { plugin, signature: syncSignature(cfg, config) });
        continue;
      }
      // A predecessor may have left its members held: nobody would release them now.
      const before = prev.conntrackSync.find((c) => c.name === cfg.name);
      for (const m of before ? followedMembers(before, prev) : []) ctl.holdPreempt(m, false);
      await plugin.stop().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    for (const p of this.children()) await this.guarded(p, () => p.stop?.());
    this.sync.clear();
  }

  onTransition(ev: TransitionEvent): void {
    for (const p of this.children()) this.guard(p, () => p.onTransition?.(ev));
  }

  onGroupTransition(ev: GroupTransitionEvent): void {
    for (const p of this.children()) this.guard(p, () => p.onGroupTransition?.(ev));
  }

  onMasterRxLowerPri(ev: { readonly instance: string; readonly src: string; readonly priority: number }): void {
    for (const p of this.children()) this.guard(p, () => p.onMasterRxLowerPri?.(ev));
  }

  /**
   * Present only while some subsystem commits before the VIPs (connection sync): without one the takeover path
   * has nothing to await. The daemon looks it up at each takeover, so a reload adding sync is seen at once.
   */
  get beforeVipsAdded(): ((instance: string) => Promise<void>) | undefined {
    const committers = this.children().filter((p) => p.beforeVipsAdded);
    if (committers.length === 0) return undefined;
    return async (instance) => void (await Promise.all(committers.map((p) => p.beforeVipsAdded!(instance))));
  }

  syncView(): SyncView | null {
    for (const p of this.children()) {
      const v = p.syncView?.();
      if (v) return v;
    }
    return null;
  }

  private guard(p: DaemonPlugin, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctl?.logger.error(`${p.name}: ${(err as Error).message}`);
    }
  }

  private async guarded(p: DaemonPlugin, fn: () => Promise<void> | void): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (err) {
      this.ctl?.logger.error(`${p.name}: ${(err as Error).message}`);
      return false;
    }
  }
}
