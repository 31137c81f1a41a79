// LVS as one daemon plugin ("lvs"): opens the data plane, runs the pure core through LvsRunner, opens the
// lvs_notify_fifo, drives the lvs_sync_daemon with the VRRP instance it names, and brings its own metrics and
// status section. The core, the probe factory, the data-plane opener and the sync-daemon driver are injected
// (src/cli/plugins.ts wires the real ones), so this file knows only their contracts.
// Lifecycle (lvs.md §2.7-2.8): start = open plane → read → core start; SIGHUP = core.reload (unchanged services
// keep counters and connections); stop = core stop → apply → close, unless vipd_lvs_keep_on_stop leaves the
// table for the next vipd (restart without a flap). A config without virtual servers leaves the plugin idle.
import type { Registry } from 'prom-client';
import type { Clock } from '../../clock/clock.js';
import type { LvsGlobalConfig, LvsSyncDaemonConfig } from '../../config/lvsTypes.js';
import type { Config } from '../../config/types.js';
import { sameValue } from '../../config/sameValue.js';
import { internalError, VipdError } from '../../errors/vipdError.js';
import type { Logger } from '../../log/logger.js';
import { NotifyFifo } from '../../notify/fifo.js';
import type { DaemonControl, DaemonPlugin, PluginFactory, ReloadChange, TransitionEvent } from '../../plugin/api.js';
import type { StatusSection } from '../../status/types.js';
import type { ProbeDeps, ProbeFactory } from '../checkers/types.js';
import type { LvsCoreApi, LvsCoreConfig } from '../core/types.js';
import type { DataPlane } from '../model.js';
import { readTlsMaterial, trackFileReader } from './probeInputs.js';
import { nftConfigRefusals } from '../nft/configSupport.js';
import { LvsCounters } from './lvsCounters.js';
import { lvsCoreConfig } from './lvsConfig.js';
import { LvsEvents, type FifoSink } from './lvsEvents.js';
import { LvsRunner } from './lvsRunner.js';
import { LvsScripts, type LvsScriptOptions } from './lvsScripts.js';
import { registerLvsMetrics, type LvsMetrics } from './metrics.js';
import { lvsStatusData, lvsStatusSection } from './status.js';
import type { SyncDaemonDriver, SyncDaemonFactory } from './syncDaemonPort.js';

/** A FIFO the shell writes lines to and closes at stop. */
export interface ClosableFifo extends FifoSink {
  close(): void;
}

export interface LvsPluginDeps {
  /**
   * Awaited before the first virtual server starts, before createCore, probes, openPlane or syncDaemon is used:
   * the composition root loads the LVS engine here (src/cli/lvsDeps.ts), so a director whose configuration has
   * no virtual_server never loads it (resident set, issue 12). Absent: the dependencies are ready as given.
   */
  readonly load?: () => Promise<void>;
  /** The pure core for a config (src/lvs/core/lvsCore.ts). */
  readonly createCore: (config: LvsCoreConfig) => LvsCoreApi;
  /** One probe per checker (src/lvs/checkers/factory.ts). */
  readonly probes: ProbeFactory;
  /**
   * The data plane `global.dataplane` asks for (src/lvs/ipvs/plane.ts). Throws VipdError when there is none
   * (no IPVS: VIPD_ERR_IPVS_UNAVAILABLE naming the module), which refuses the daemon's start.
   */
  readonly openPlane: (global: LvsGlobalConfig, deps: { readonly clock: Clock; readonly logger: Logger }) => Promise<DataPlane>;
  /** The lvs_sync_daemon driver (src/lvs/syncDaemon.ts); absent: a configured lvs_sync_daemon is refused at start. */
  readonly syncDaemon?: SyncDaemonFactory;
  /** What probes may use beyond the clock (track files, TLS material). */
  readonly probeDeps?: Omit<ProbeDeps, 'clock'>;
  readonly scripts?: LvsScriptOptions;
  /** Opens a notify FIFO (default src/notify/fifo.ts NotifyFifo); null when unusable (logged). */
  readonly openFifo?: (path: string, logger: Logger) => Promise<ClosableFifo | null>;
  /** Longest a scrape serves kernel counters read back before asking for a fresher table (default 5 s). */
  readonly statsMaxAgeMs?: number;
  readonly repairBackoffMs?: number;
}

/** LVS for the composition root's plugin list: idle (no plane, no process) while the config has no virtual server. */
export function lvsPlugin(deps: LvsPluginDeps): PluginFactory {
  return { name: 'lvs', create: (config) => new LvsPlugin(config, deps) };
}

/** The parts that exist while virtual servers run. */
interface Running {
  readonly core: LvsCoreApi;
  readonly plane: DataPlane;
  readonly runner: LvsRunner;
  readonly scripts: LvsScripts;
  readonly events: LvsEvents;
  fifos: Map<string, ClosableFifo>;
  sync: { readonly cfg: LvsSyncDaemonConfig; readonly driver: SyncDaemonDriver } | null;
  coreConfig: LvsCoreConfig;
}

async function defaultOpenFifo(path: string, logger: Logger): Promise<ClosableFifo | null> {
  const f = new NotifyFifo(path, logger, 'lvs notify fifo');
  return (await f.open()) ? f : null;
}

export class LvsPlugin implements DaemonPlugin {
  readonly name = 'lvs';
  private ctl: DaemonControl | null = null;
  private config: Config;
  private run: Running | null = null;
  private counters = new LvsCounters();
  private metrics: LvsMetrics | null = null;

  constructor(
    config: Config,
    private readonly deps: LvsPluginDeps,
  ) {
    this.config = config;
  }

  registerMetrics(registry: Registry): void {
    this.metrics = registerLvsMetrics(registry, {
      snapshot: () => this.run?.runner.snapshot() ?? null,
      table: () => this.run?.runner.lastTable()?.table ?? null,
      counters: () => (this.run ? this.counters : null),
      plane: () => {
        const stats = this.run?.plane.stats?.();
        return this.run && stats ? { name: this.run.plane.name, stats } : null;
      },
      syncDaemon: () => this.run?.sync?.driver.status?.() ?? null,
      refresh: () => {
        const maxAgeMs = this.deps.statsMaxAgeMs ?? 5000;
        void this.run?.runner.refreshCounters(maxAgeMs);
        this.run?.sync?.driver.refresh?.(maxAgeMs);
      },
    });
    this.counters.onCheckDuration = (type, ms) => this.metrics?.checkObserved(type, ms);
  }

  /** Opens everything; a missing data plane (or anything else failing) refuses the daemon's start. */
  async start(ctl: DaemonControl): Promise<void> {
    this.ctl = ctl;
    await this.startLvs(lvsCoreConfig(this.config));
  }

  onTransition(ev: TransitionEvent): void {
    const run = this.run;
    if (!run) return;
    // ha_suspend (lvs.md §1.2): checkers of a virtual server pause while its address is not on this host. vipd
    // knows its own VIPs: they are here exactly while an instance carrying them is MASTER.
    const inst = this.config.instances.find((i) => i.name === ev.instance);
    if (inst && (ev.from === 'MASTER') !== (ev.to === 'MASTER')) {
      for (const address of suspendedAddresses(run.coreConfig, inst.vips.map((v) => v.address))) {
        run.runner.vipPresence(address, this.vipHeld(address, ev));
      }
    }
    const sync = run.sync;
    if (sync && sync.cfg.instance === ev.instance) sync.driver.onInstanceState(ev.instance, ev.to);
  }

  /** Is an instance carrying this VIP MASTER now? `ev`: the transition being reported (its state is the new one). */
  private vipHeld(address: string, ev?: TransitionEvent): boolean {
    const stateOf = (name: string) => (ev?.instance === name ? ev.to : this.ctl?.snapshot(name)?.state);
    return this.config.instances.some((i) => i.vips.some((v) => v.address === address) && stateOf(i.name) === 'MASTER');
  }

  /**
   * ha_suspend at start and reload: tell the core which of its addresses this host holds now (a virtual server
   * added by a reload while its instance is already MASTER would otherwise wait for the next transition).
   */
  private reportVipPresence(run: Running): void {
    const all = this.config.instances.flatMap((i) => i.vips.map((v) => v.address));
    for (const address of suspendedAddresses(run.coreConfig, all)) run.runner.vipPresence(address, this.vipHeld(address));
  }

  /** SIGHUP: the core diffs; LVS starts when the first virtual server appears and stops when the last goes. */
  async reload(config: Config, _change: ReloadChange): Promise<void> {
    this.config = config;
    const next = lvsCoreConfig(config);
    const run = this.run;
    if (!run) return this.startLvs(next);
    if (next.virtualServers.length === 0) {
      this.ctl?.logger.info('LVS: no virtual_server left in the configuration: removing the virtual servers');
      return this.stopLvs(false);
    }
    run.coreConfig = next;
    run.scripts.reconfigure(this.scriptSettings());
    run.events.setVirtualServers(next.virtualServers);
    await this.applyFifos(run, next.global);
    this.reportVipPresence(run);
    await run.runner.reload((nowMs) => run.core.reload(next, nowMs));
    await this.applySync(run, next.global.syncDaemon);
  }

  async stop(): Promise<void> {
    await this.stopLvs(this.run?.coreConfig.global.keepOnStop ?? false);
  }

  statusSection(nowMs: number): StatusSection | null {
    const run = this.run;
    if (!run || !this.ctl) return null;
    const read = run.runner.lastTable();
    const readAt = read ? nowMs - (this.ctl.clock.now() - read.atMs) : null;
    return lvsStatusSection(lvsStatusData(run.runner.snapshot(), run.coreConfig.virtualServers, run.plane.name, readAt), run.coreConfig.virtualServers);
  }

  /** The running core's config and snapshot (the SIGUSR1 dump); null while LVS is idle. */
  checkDataSource(): { readonly config: LvsCoreConfig; readonly snapshot: ReturnType<LvsCoreApi['snapshot']> } | null {
    return this.run ? { config: this.run.coreConfig, snapshot: this.run.runner.snapshot() } : null;
  }

  // --- internals -----------------------------------------------------------------------------------------------

  private scriptSettings(): { scriptUser: Config['global']['scriptUser']; enableScriptSecurity: boolean } {
    return { scriptUser: this.config.global.scriptUser, enableScriptSecurity: this.config.global.enableScriptSecurity };
  }

  private async startLvs(cfg: LvsCoreConfig): Promise<void> {
    const ctl = this.ctl;
    if (!ctl) return;
    if (cfg.virtualServers.length === 0) return;
    if (cfg.global.syncDaemon && !this.deps.syncDaemon) {
      throw internalError('lvs_sync_daemon is configured but this build has no sync-daemon driver');
    }
    await this.deps.load?.();
    const { clock, logger } = ctl;
    const tls = await readTlsMaterial(cfg.global.ssl);
    const plane = await this.deps.openPlane(cfg.global, { clock, logger });
    const refusals = plane.name === 'nftables' ? nftConfigRefusals(cfg.virtualServers, cfg.global.syncDaemon) : [];
    if (refusals.length) {
      await plane.close().catch(() => undefined);
      throw new VipdError('VIPD_ERR_NFT_UNSUPPORTED', `the nftables data plane cannot run these virtual servers: ${refusals.join('; ')}`);
    }
    let run: Running | null = null;
    try {
      const core = this.deps.createCore(cfg);
      const scripts = new LvsScripts(clock, logger, this.scriptSettings(), this.deps.scripts);
      const events = new LvsEvents(logger, scripts, [], cfg.virtualServers);
      this.counters = new LvsCounters();
      this.counters.onCheckDuration = (type, ms) => this.metrics?.checkObserved(type, ms);
      const r: Running = {
        core, plane, scripts, events, coreConfig: cfg, fifos: new Map(), sync: null,
        runner: new LvsRunner({
          clock, logger, core, plane,
          probes: this.deps.probes,
          probeDeps: {
            clock,
            trackFileValue: trackFileReader(this.config.trackFiles),
            ...(tls ? { tls } : {}),
            ...this.deps.probeDeps,
            scripts: { prepare: (s) => scripts.prepareMisc(s), ...this.deps.probeDeps?.scripts },
          },
          events, counters: this.counters,
          ...(this.deps.repairBackoffMs !== undefined ? { repairBackoffMs: this.deps.repairBackoffMs } : {}),
        }),
      };
      run = r;
      await this.applyFifos(r, cfg.global);
      this.run = r;
      this.reportVipPresence(r);
      await r.runner.start();
      logger.info(`LVS: ${cfg.virtualServers.length} virtual server(s) on the ${plane.name} data plane`);
      await this.applySync(r, cfg.global.syncDaemon);
    } catch (err) {
      this.run = null;
      if (run) for (const f of run.fifos.values()) f.close();
      await (run ? run.runner.stop({ keepTable: true }) : plane.close()).catch(() => undefined);
      throw err;
    }
  }

  private async stopLvs(keepTable: boolean): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.run = null;
    await run.runner.stop({ keepTable });
    await run.scripts.stop(1000);
    for (const f of run.fifos.values()) f.close();
    if (run.sync) await Promise.resolve(run.sync.driver.stop()).catch((err: unknown) => this.ctl?.logger.error(`lvs_sync_daemon: ${(err as Error).message}`));
  }

  /** lvs_notify_fifo, and the global notify_fifo that keepalived writes the same lines to (ipwrapper.c notify_fifo_rs). */
  private async applyFifos(run: Running, global: LvsGlobalConfig): Promise<void> {
    const wanted = new Set([global.notifyFifo, this.config.global.notifyFifo?.path ?? null].filter((p): p is string => p !== null));
    for (const [path, f] of [...run.fifos]) {
      if (wanted.has(path)) continue;
      f.close();
      run.fifos.delete(path);
    }
    const open = this.deps.openFifo ?? defaultOpenFifo;
    for (const path of wanted) {
      if (run.fifos.has(path)) continue;
      const f = await open(path, this.ctl!.logger);
      if (f) run.fifos.set(path, f);
    }
    run.events.setFifos([...run.fifos.values()]);
  }

  /** Start, keep, restart (parameters changed: keepalived ipvs_syncd_changed) or stop the sync-daemon driver. */
  private async applySync(run: Running, cfg: LvsSyncDaemonConfig | null): Promise<void> {
    const ctl = this.ctl!;
    if (run.sync && cfg && sameValue(run.sync.cfg, cfg)) return;
    if (run.sync) {
      await Promise.resolve(run.sync.driver.stop());
      run.sync = null;
    }
    if (!cfg || !this.deps.syncDaemon) return;
    const driver = this.deps.syncDaemon(cfg, { clock: ctl.clock, logger: ctl.logger });
    await driver.start();
    run.sync = { cfg, driver };
    // The followed instance may already be MASTER (a reload adding the daemon): tell the driver where it stands.
    const state = cfg.instance ? ctl.snapshot(cfg.instance)?.state : undefined;
    if (cfg.instance && state) driver.onInstanceState(cfg.instance, state);
  }
}

/** The addresses of ha_suspend virtual servers among `vips`. */
function suspendedAddresses(cfg: LvsCoreConfig, vips: readonly string[]): string[] {
  const wanted = new Set(vips);
  const out = new Set<string>();
  for (const vs of cfg.virtualServers) {
    if (!vs.haSuspend) continue;
    for (const k of vs.keys) if (k.kind === 'address' && wanted.has(k.address)) out.add(k.address);
  }
  return [...out];
}
