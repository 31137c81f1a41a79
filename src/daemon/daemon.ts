// The daemon: one process, one event loop, every instance's timers and packets handled here, no fork per
// subsystem. This file only puts the parts together; each part has one job:
//   builder.ts      config → cores, unit drivers, sockets, runners (plan first: every problem, nothing half-built)
//   packetRouter.ts shared VRRP sockets; each packet decoded once and routed by VRID to its runner
//   linkWatch.ts    carrier → FAULT, VIP repair, re-created interfaces noticed
//   lifecycle.ts    start, reload (by diff), rebind, stop — one at a time
//   pluginSet.ts    the subsystems the composition root handed over (src/plugin/api.ts), each call guarded
import { hostname } from 'node:os';
import type { Clock } from '../clock/clock.js';
import type { Config } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { createVipdMetrics, type VipdMetrics } from '../metrics/registry.js';
import type { DaemonControl, PluginFactory } from '../plugin/api.js';
import type { InstanceView } from '../status/types.js';
import { DROP_REASONS } from '../vrrp/drops.js';
import type { VrrpState } from '../vrrp/types.js';
import { Announcer } from './announcer.js';
import { InstanceBuilder } from './builder.js';
import type { InstanceTable } from './instances.js';
import { instanceView } from './instanceView.js';
import { Lifecycle } from './lifecycle.js';
import { LinkWatch } from './linkWatch.js';
import { PacketRouter } from './packetRouter.js';
import { PluginSet } from './pluginSet.js';
import { StaticRouting } from './staticRouting.js';
import type { DirectorOs } from './ports.js';
import type { ReloadPlan } from './reloadPlan.js';
import { DaemonVmacs } from './vmac.js';

export interface DaemonOptions {
  readonly config: Config;
  readonly os: DirectorOs;
  readonly logger: Logger;
  readonly version: string;
  /** Every timer and clock read of the daemon, its runners and its plugins (RealClock from the composition root). */
  readonly clock: Clock;
  /**
   * Optional subsystems, as the composition root lists them (src/cli/plugins.ts: tracking, notify, connection
   * sync); the daemon creates one plugin per factory and knows none of them (src/plugin/api.ts).
   */
  readonly plugins?: readonly PluginFactory[];
  /**
   * Node.js process metrics (vipd_process_*, vipd_nodejs_*; default true). Their event-loop histogram samples the
   * loop every 10 ms, 100 wake-ups a second of an otherwise idle director: off when nothing serves /metrics on TCP.
   */
  readonly processMetrics?: boolean;
}

export class Daemon {
  readonly metrics: VipdMetrics;
  private readonly instances: InstanceTable = new Map();
  private readonly plugins: PluginSet;
  private readonly links: LinkWatch;
  private readonly lifecycle: Lifecycle;

  constructor(private readonly o: DaemonOptions) {
    const { os, logger, clock } = o;
    this.metrics = createVipdMetrics({
      instances: () => this.views(),
      buildInfo: { version: o.version, node: o.config.global.routerId ?? hostname() },
      dropReasons: DROP_REASONS,
      sections: (nowMs) => this.plugins.sections(nowMs),
      nowMs: () => clock.wallNow(),
      processMetrics: o.processMetrics ?? true,
    });
    this.plugins = new PluginSet(o.plugins ?? [], o.config, logger, this.metrics.registry);
    const announcer = new Announcer(os, logger, clock);
    const vmacs = new DaemonVmacs(os.vmac, logger);
    const router = new PacketRouter(os, this.metrics);
    this.links = new LinkWatch({
      os,
      logger,
      clock,
      instances: this.instances,
      rebind: (names) => this.lifecycle.rebind(names),
      addressAdded: () => this.lifecycle.addressAdded(),
    });
    const builder = new InstanceBuilder({
      os, logger, clock, metrics: this.metrics, announcer, vmacs, router, plugins: this.plugins, instances: this.instances,
      currentLinks: () => this.links.links,
    });
    this.lifecycle = new Lifecycle(
      { os, logger, metrics: this.metrics, instances: this.instances, builder, router, links: this.links, plugins: this.plugins, vmacs, announcer, staticRouting: new StaticRouting(os, logger) },
      o.config,
    );
  }

  /** Open every socket and start every instance. Throws VipdError naming each problem (no partial start). */
  start(): Promise<void> {
    return this.lifecycle.start(this.control());
  }

  /** SIGHUP: apply a new, already validated config by diff (lifecycle.ts). Throws VipdError and changes nothing when it cannot run here. */
  reload(next: Config): Promise<ReloadPlan> {
    return this.lifecycle.reload(next);
  }

  /** SIGTERM: priority 0 from every MASTER, VIPs removed (after the successor took over, with `handover`). */
  stop(opts: { handover?: boolean } = {}): Promise<void> {
    return this.lifecycle.stop(opts);
  }

  /** Read-only views for metrics, /status and `vipd status`. */
  views(): InstanceView[] {
    const nowMono = this.o.clock.now();
    const nowWall = this.o.clock.wallNow();
    return [...this.instances.values()].map(({ cfg, instance }) => instanceView(cfg, instance, nowMono, nowWall));
  }

  states(): Record<string, VrrpState> {
    return Object.fromEntries([...this.instances.values()].map((m) => [m.cfg.name, m.instance.state]));
  }

  /** What plugins see of the daemon (src/plugin/api.ts); `config` follows reloads. */
  private control(): DaemonControl {
    const lifecycle = this.lifecycle;
    const byName = (n: string) => this.instances.get(n);
    return {
      get config() {
        return lifecycle.config;
      },
      logger: this.o.logger,
      clock: this.o.clock,
      setPriority: (n, effective) => byName(n)?.runner.setPriority(effective),
      fault: (n, reason) => byName(n)?.runner.fault(reason),
      faultCleared: (n, reason) => byName(n)?.runner.faultCleared(reason),
      holdPreempt: (n, held) => byName(n)?.runner.holdPreempt(held),
      linkUp: (ifname) => this.links.linkUp(ifname),
      onLink: (cb) => this.links.onLink(cb),
      snapshot: (n) => byName(n)?.instance.snapshot(),
      views: () => this.views(),
    };
  }
}
