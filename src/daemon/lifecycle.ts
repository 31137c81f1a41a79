// Start, reload, rebind and stop of the instances, one at a time. A reload (SIGHUP) diffs the configs
// (reloadPlan.ts) and leaves unchanged instances alone, changes same-router ones in place and stops or builds the
// rest; a rebind rebuilds the instances of an interface deleted and created again under a new ifindex. Both stop
// and build instances, so they run strictly one after the other, and a stop waits for the one in progress.
import type { Config, VrrpInstanceConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import type { VipdMetrics } from '../metrics/registry.js';
import type { DaemonControl } from '../plugin/api.js';
import type { Announcer } from './announcer.js';
import type { InstanceBuilder } from './builder.js';
import { advertRoute, instanceParams, sourceAddressFor, validationView } from './instanceParams.js';
import { INTERFACE_DOWN, interfaceFacts, type Environment, type InstanceTable, type Managed, type Planned } from './instances.js';
import type { LinkWatch } from './linkWatch.js';
import type { PacketRouter } from './packetRouter.js';
import type { PluginSet } from './pluginSet.js';
import type { DirectorOs } from './ports.js';
import { planReload, type ReloadPlan } from './reloadPlan.js';
import type { DaemonVmacs } from './vmac.js';
import type { StaticRouting } from './staticRouting.js';

export interface LifecycleParts {
  readonly os: DirectorOs;
  readonly logger: Logger;
  readonly metrics: VipdMetrics;
  readonly instances: InstanceTable;
  readonly builder: InstanceBuilder;
  readonly router: PacketRouter;
  readonly links: LinkWatch;
  readonly plugins: PluginSet;
  readonly vmacs: DaemonVmacs;
  readonly announcer: Announcer;
  /** static_routes / static_rules: installed before any instance runs, kept across reloads, removed at stop. */
  readonly staticRouting: StaticRouting;
}

export class Lifecycle {
  private current: Config;
  private unwatch: (() => void) | null = null;
  /** Instances whose interface was deleted and has come back under another ifindex (see rebindNow). */
  private readonly toRebind = new Set<string>();
  /** Reloads and rebinds, one at a time: both stop and build instances. */
  private exclusive: Promise<unknown> = Promise.resolve();
  private stopping = false;

  constructor(
    private readonly p: LifecycleParts,
    config: Config,
  ) {
    this.current = config;
  }

  /** The config running now (the new one as soon as a reload has applied it). */
  get config(): Config {
    return this.current;
  }

  /** Open every socket and start every instance. Throws VipdError naming each problem (no partial start). */
  async start(ctl: DaemonControl): Promise<void> {
    const config = this.current;
    let env = await this.environment();
    if (await this.p.vmacs.ensure(config.instances, config.instances, env)) env = await this.environment();
    const planned = this.p.builder.plan(config.instances, env);
    await this.p.staticRouting.start(config, env.links);
    this.unwatch = this.p.links.watch();
    const started = this.p.builder.build(planned, config, env.links);
    await this.p.plugins.start(ctl);
    this.startRunners(started);
  }

  /**
   * SIGHUP: apply a new, already validated config. Unchanged instances are not touched (no transition, no VIP
   * flap, no gap in adverts); instances of the same virtual router are changed in place; the rest stop or
   * start. Throws VipdError (and changes nothing) when the new config cannot run here.
   */
  reload(next: Config): Promise<ReloadPlan> {
    return this.serially(() => this.reloadNow(next));
  }

  /**
   * SIGTERM path: every MASTER sends priority 0 and removes its VIPs (after its successor took over, when
   * `handover`); then sockets close.
   */
  async stop(opts: { handover?: boolean } = {}): Promise<void> {
    this.stopping = true;
    // A reload or rebind in progress finishes first: it may be building instances that must be stopped too.
    await this.exclusive;
    await Promise.all([...this.p.instances.values()].map((m) => m.runner.shutdown(opts)));
    for (const m of [...this.p.instances.values()]) this.forget(m);
    await this.p.plugins.stop();
    await this.p.staticRouting.stop();
    this.unwatch?.();
    this.unwatch = null;
    // keepalived deletes its VMACs on exit (vrrp.c:2638-2644); the VIPs on them are already gone.
    await this.p.vmacs.releaseExcept([]);
    this.p.announcer.closeAll();
    this.p.os.close();
  }

  /**
   * These instances' interface was re-created (linkWatch.ts): rebuild them on the new index. Until the interface
   * has what an instance needs (an address), it stays in FAULT and the next link or address event tries again.
   */
  rebind(names: readonly string[]): void {
    for (const n of names) this.toRebind.add(n);
    if (this.toRebind.size) this.scheduleRebind();
  }

  /** An address appeared: the re-created interface a rebind waits for may have its address now. */
  addressAdded(): void {
    if (this.toRebind.size) this.scheduleRebind();
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(fn, fn);
    this.exclusive = run.catch(() => undefined);
    return run;
  }

  private async reloadNow(next: Config): Promise<ReloadPlan> {
    const { builder, vmacs, instances, logger } = this.p;
    const plan = planReload(this.current, next);
    let env = await this.environment();
    const startNames = new Set([...plan.add, ...plan.restart]);
    if (await vmacs.ensure(next.instances, next.instances.filter((i) => startNames.has(i.name)), env)) env = await this.environment();
    const planned = builder.plan(next.instances.filter((i) => startNames.has(i.name)), env);
    // Changed in place is checked like a start (a VIP's `dev` must exist): otherwise its VIP would go on the
    // instance's own interface (vipAddressSpec's fallback) instead of refusing the reload.
    builder.plan(next.instances.filter((i) => plan.reconfigure.includes(i.name)), env);
    // Reconfigured instances keep their socket, so their source address must not move either.
    const inPlace: { m: Managed; cfg: VrrpInstanceConfig; source: string }[] = [];
    const restart = [...plan.restart];
    for (const name of plan.reconfigure) {
      const m = instances.get(name)!;
      const cfg = next.instances.find((i) => i.name === name)!;
      const link = env.links.find((l) => l.name === cfg.interface);
      const source = link ? sourceAddressFor(cfg, interfaceFacts(link, env.addresses)) : null;
      if (typeof source === 'string' && source === m.instance.params.sourceAddress) {
        inPlace.push({ m, cfg, source });
      } else {
        planned.push(...builder.plan([cfg], env));
        restart.push(name);
      }
    }

    await this.stopInstances([...plan.remove, ...restart]);
    // A deleted VMAC takes its AF_PACKET socket's interface with it.
    for (const name of await vmacs.releaseExcept(next.instances)) this.p.announcer.close(name);

    for (const { m, cfg, source } of inPlace) {
      const params = instanceParams(cfg, source, cfg.syncGroup !== null, m.link.mtu);
      const view = validationView(cfg, m.link.mtu);
      m.ah?.session.setView(view);
      m.runner.reconfigure(params, view, advertRoute(cfg, source));
      m.cfg = cfg;
    }
    if (inPlace.length > 0) this.p.router.retune(); // their advert intervals set the sockets' read coalescing
    this.current = next;
    await this.p.staticRouting.reload(next, env.links);
    await this.startInstances(planned, env, plan.remove);
    logger.info(
      `reloaded: ${plan.add.length} added, ${plan.remove.length} removed, ${restart.length} restarted, ` +
        `${inPlace.length} changed in place, ${plan.unchanged.length} unchanged`,
    );
    return { ...plan, restart, reconfigure: inPlace.map((x) => x.cfg.name) };
  }

  private scheduleRebind(): void {
    this.serially(() => this.rebindNow()).catch((err: unknown) => this.p.logger.error(`rebind: ${(err as Error).message}`));
  }

  private async rebindNow(): Promise<void> {
    if (this.stopping) return;
    const { instances, logger } = this.p;
    const config = this.current;
    let env = await this.environment();
    // Only instances still bound to an index that is gone or changed (a reload queued before may have restarted
    // them on the new one already).
    const stale = (n: string): boolean => {
      const m = instances.get(n);
      return m !== undefined && env.links.find((l) => l.name === m.link.name)?.ifindex !== m.link.ifindex;
    };
    for (const n of [...this.toRebind]) if (!stale(n)) this.toRebind.delete(n);
    if (this.toRebind.size === 0) return;
    // A sync group is scheduled as one unit: like a reload, restart every member of a group one of them is in.
    const names = new Set(this.toRebind);
    for (const g of config.syncGroups) {
      if (g.members.some((m) => names.has(m))) for (const m of g.members) if (instances.has(m)) names.add(m);
    }
    const cfgs = config.instances.filter((i) => names.has(i.name));
    if (await this.p.vmacs.ensure(config.instances, cfgs, env)) env = await this.environment();
    if (this.stopping) return;
    let planned: Planned[];
    try {
      planned = this.p.builder.plan(cfgs, env);
    } catch (err) {
      logger.info(`interface re-created, not usable yet: ${(err as Error).message}`);
      return; // still pending: a later link or address event retries
    }
    for (const n of names) this.toRebind.delete(n);
    const old = await this.stopInstances([...names]);
    for (const m of old) {
      // The GARP/NA sockets were bound to the old index too; build() opens them again on the new one.
      this.p.announcer.close(m.link.name);
      this.p.announcer.close(m.vipLink.name);
    }
    const started = await this.startInstances(planned, env, []);
    for (const m of started) {
      const was = old.find((o) => o.cfg.name === m.cfg.name);
      if (was && was.link.ifindex !== m.link.ifindex) {
        logger.info(`(${m.cfg.name}) interface ${m.link.name} re-created (ifindex ${was.link.ifindex} \u2192 ${m.link.ifindex}): instance restarted on it`);
      } else {
        logger.info(`(${m.cfg.name}) restarted with its sync group (a member's interface was re-created)`);
      }
    }
  }

  /** Links and addresses as they are now. One dump at a time: a second dump on one netlink socket is EBUSY. */
  private async environment(): Promise<Environment> {
    const links = await this.p.os.listLinks();
    const addresses = await this.p.os.listAddresses();
    this.p.links.links = links;
    return { links, addresses };
  }

  private startRunners(started: readonly Managed[]): void {
    for (const m of started) {
      // A fault known before start-up sends the instance straight to FAULT (no BACKUP first, no extra notify).
      if (!this.p.links.carrier(m.link) && !m.cfg.dontTrackPrimary) m.runner.fault(INTERFACE_DOWN);
      m.runner.start();
    }
  }

  /** Shut the named instances down and detach them (a reload or a rebind replaces them). */
  private async stopInstances(names: readonly string[]): Promise<Managed[]> {
    const stopping = names.map((n) => this.p.instances.get(n)).filter((m): m is Managed => m !== undefined);
    await Promise.all(stopping.map((m) => m.runner.shutdown()));
    for (const m of stopping) this.forget(m);
    return stopping;
  }

  /**
   * Build and start planned instances under the current config. Plugins hear of them before the runners start:
   * tracking hands its current priorities and faults to the fresh cores (still INIT), exactly as at start-up; a
   * restarted instance would otherwise run at base priority.
   */
  private async startInstances(planned: Planned[], env: Environment, removed: readonly string[]): Promise<Managed[]> {
    const started = this.p.builder.build(planned, this.current, env.links);
    const change = { started: started.map((m) => m.cfg.name), removed: [...removed] };
    await this.p.plugins.reload(this.current, change);
    for (const m of this.p.instances.values()) m.runner.refreshCommitter(); // the reload may have added or removed sync
    this.startRunners(started);
    return started;
  }

  /** Detach a stopped instance: its unit stops, and its socket closes when no instance uses it any more. */
  private forget(m: Managed): void {
    const { instances } = this.p;
    instances.delete(m.cfg.name);
    if (![...instances.values()].some((o) => o.driver === m.driver)) m.driver.stop();
    this.p.router.detach(m);
    this.p.metrics.removeInstance(m.cfg.name);
  }
}
