// The daemon's side of the plugin seam (src/plugin/api.ts): the plugins built from the composition root's
// factories, called in the factories' order, each call guarded so a subsystem's failure is logged and never stops
// the VRRP machinery. Nothing here names a subsystem.
import type { Registry } from 'prom-client';
import type { Config } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import type { DaemonControl, DaemonPlugin, GroupTransitionEvent, PluginFactory, ReloadChange, TransitionEvent } from '../plugin/api.js';
import type { StatusSection } from '../status/types.js';

export class PluginSet {
  readonly plugins: readonly DaemonPlugin[];

  /** Creates every plugin for `config` and lets each register its metrics on the daemon's `registry`. */
  constructor(
    factories: readonly PluginFactory[],
    config: Config,
    private readonly logger: Logger,
    registry: Registry,
  ) {
    this.plugins = factories.map((f) => f.create(config));
    for (const p of this.plugins) p.registerMetrics?.(registry);
  }

  /** At daemon start, in order; a throw refuses the start. */
  async start(ctl: DaemonControl): Promise<void> {
    for (const p of this.plugins) await p.start?.(ctl);
  }

  async reload(config: Config, change: ReloadChange): Promise<void> {
    for (const p of this.plugins) await this.guardedAsync(p, () => p.reload?.(config, change));
  }

  async stop(): Promise<void> {
    for (const p of this.plugins) await this.guardedAsync(p, () => p.stop?.());
  }

  transition(ev: TransitionEvent): void {
    for (const p of this.plugins) this.guard(p, () => p.onTransition?.(ev));
  }

  groupTransition(ev: GroupTransitionEvent): void {
    for (const p of this.plugins) this.guard(p, () => p.onGroupTransition?.(ev));
  }

  masterRxLowerPri(ev: { readonly instance: string; readonly src: string; readonly priority: number }): void {
    for (const p of this.plugins) this.guard(p, () => p.onMasterRxLowerPri?.(ev));
  }

  /**
   * What a takeover awaits between the first advert and the VIPs (connection sync's commit), undefined when no
   * plugin has anything to commit. Looked up at each takeover: a reload may add or remove connection sync.
   */
  beforeVipsAdded(instance: string): (() => Promise<void>) | undefined {
    const committers = this.plugins.filter((p) => p.beforeVipsAdded);
    return committers.length ? async () => void (await Promise.all(committers.map((p) => p.beforeVipsAdded!(instance)))) : undefined;
  }

  /** The /status sections, keyed by plugin name, of the plugins that have something to report. */
  sections(nowMs: number): Record<string, StatusSection> {
    const out: Record<string, StatusSection> = {};
    for (const p of this.plugins) {
      try {
        const s = p.statusSection?.(nowMs);
        if (s) out[p.name] = s;
      } catch (err) {
        this.logger.error(`${p.name}: ${(err as Error).message}`);
      }
    }
    return out;
  }

  private guard(p: DaemonPlugin, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error(`${p.name}: ${(err as Error).message}`);
    }
  }

  private async guardedAsync(p: DaemonPlugin, fn: () => Promise<void> | void): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.logger.error(`${p.name}: ${(err as Error).message}`);
    }
  }
}
