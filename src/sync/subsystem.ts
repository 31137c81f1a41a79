// Connection sync as one daemon plugin ("sync"): one ConnSyncPlugin per vipd_conntrack_sync block, keyed by block
// name, created, kept, restarted or stopped as reloads change the blocks (a reload can add the first block). It
// registers sync's metrics and its /status section itself (src/plugin/api.ts), so the daemon and the metrics
// layer know nothing about sync.
import type { Registry } from 'prom-client';
import type { Config, ConntrackSyncConfig } from '../config/types.js';
import { sameValue } from '../config/sameValue.js';
import type { DaemonControl, DaemonPlugin, PluginFactory, ReloadChange, TransitionEvent } from '../plugin/api.js';
import type { StatusSection } from '../status/types.js';
import { registerSyncMetrics, type SyncMetrics } from './metrics.js';
import { ConnSyncPlugin, followedMembers, type ConnSyncPluginOptions } from './plugin.js';
import { syncStatusSection, type SyncView } from './status.js';

/** Connection sync for the composition root's plugin list. */
export function connSyncPlugin(opts: ConnSyncPluginOptions = {}): PluginFactory {
  return { name: 'sync', create: (config) => new ConnSyncSubsystem(config, opts) };
}

/** The connection-sync part of a block that decides whether its service must restart. */
function syncSignature(cfg: ConntrackSyncConfig, config: Config): unknown {
  return { cfg, members: followedMembers(cfg, config) };
}

export class ConnSyncSubsystem implements DaemonPlugin {
  readonly name = 'sync';
  private ctl: DaemonControl | null = null;
  private config: Config;
  private readonly blocks = new Map<string, { plugin: ConnSyncPlugin; signature: unknown }>();
  private metrics: SyncMetrics | null = null;

  constructor(
    config: Config,
    private readonly opts: ConnSyncPluginOptions = {},
  ) {
    this.config = config;
  }

  registerMetrics(registry: Registry): void {
    this.metrics = registerSyncMetrics(registry, () => this.view());
  }

  /** The running blocks, in start order. */
  children(): ConnSyncPlugin[] {
    return [...this.blocks.values()].map((b) => b.plugin);
  }

  /** At daemon start a block that cannot start refuses the start. */
  async start(ctl: DaemonControl): Promise<void> {
    this.ctl = ctl;
    for (const cfg of this.config.conntrackSync) {
      const plugin = this.block(cfg);
      this.blocks.set(cfg.name, { plugin, signature: syncSignature(cfg, this.config) });
      await plugin.start(ctl);
    }
  }

  /**
   * A block whose settings (or followed members) are unchanged keeps its service; a changed one is stopped
   * (keeping the preemption hold of the members the new one follows too) and a new one started (the UDP port is the same, so the old one must go first);
   * a removed one releases its hold and stops; an added one starts. A failure is logged per block and the others
   * carry on: the VRRP side of the reload is already applied.
   */
  async reload(config: Config, change: ReloadChange): Promise<void> {
    const ctl = this.ctl;
    if (!ctl) return;
    const prev = this.config;
    this.config = config;
    const wanted = new Map(config.conntrackSync.map((c) => [c.name, c]));
    for (const [name, cur] of [...this.blocks]) {
      const cfg = wanted.get(name);
      if (cfg && sameValue(cur.signature, syncSignature(cfg, config))) {
        await this.guarded(cur.plugin, () => cur.plugin.reload(config, change));
        continue;
      }
      this.blocks.delete(name);
      ctl.logger.info(`(${cur.plugin.name}) ${cfg ? 'changed: restarting the sync service' : 'removed: stopping the sync service'}`);
      await this.guarded(cur.plugin, () => cur.plugin.retire(cfg ? followedMembers(cfg, config) : []));
    }
    for (const cfg of config.conntrackSync) {
      if (this.blocks.has(cfg.name)) continue;
      const plugin = this.block(cfg);
      const ok = await this.guarded(plugin, () => plugin.start(ctl));
      if (ok) {
        this.blocks.set(cfg.name, { plugin, signature: syncSignature(cfg, config) });
        continue;
      }
      // A predecessor may have left its members held: nobody would release them now.
      const before = prev.conntrackSync.find((c) => c.name === cfg.name);
      for (const m of before ? followedMembers(before, prev) : []) ctl.holdPreempt(m, false);
      await plugin.stop().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    for (const p of this.children()) await this.guarded(p, () => p.stop());
    this.blocks.clear();
  }

  onTransition(ev: TransitionEvent): void {
    for (const p of this.children()) {
      try {
        p.onTransition(ev);
      } catch (err) {
        this.ctl?.logger.error(`${p.name}: ${(err as Error).message}`);
      }
    }
  }

  /**
   * Present only while some block runs: without one the takeover path has nothing to await. The daemon looks it
   * up at each takeover, so a reload adding sync is seen at once. Every member of a followed group awaits the
   * same single commit of its block.
   */
  get beforeVipsAdded(): ((instance: string) => Promise<void>) | undefined {
    const blocks = this.children();
    if (blocks.length === 0) return undefined;
    return async (instance) => void (await Promise.all(blocks.map((p) => p.beforeVipsAdded(instance))));
  }

  /** The first running block's figures: the metrics and /status report one sync service, as before blocks. */
  private view(): SyncView | null {
    for (const p of this.children()) {
      const v = p.syncView();
      if (v) return v;
    }
    return null;
  }

  statusSection(nowMs: number): StatusSection | null {
    const v = this.view();
    return v ? syncStatusSection(v, nowMs) : null;
  }

  private block(cfg: ConntrackSyncConfig): ConnSyncPlugin {
    return new ConnSyncPlugin(cfg, { ...this.opts, onCommitted: (ms) => this.metrics?.commitObserved(ms) });
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
