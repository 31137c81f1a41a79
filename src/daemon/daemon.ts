// Composition root: config → VRRP instances + runners + shared sockets + link watching + metrics.
// One process, one event loop: every instance's timers and packets are handled here, no fork per subsystem.
import { hostname } from 'node:os';
import type { Config, VrrpInstanceConfig } from '../config/types.js';
import type { LinkInfo, AddressInfo } from '../net/rtnetlink.js';
import { primaryIpv4, linkLocalIpv6 } from '../net/rtnetlink.js';
import type { VrrpPacketMeta, VrrpTransport } from '../net/types.js';
import { VrrpInstance } from '../vrrp/instance.js';
import { DROP_REASONS } from '../vrrp/drops.js';
import type { Vip, VrrpState } from '../vrrp/types.js';
import { createVipdMetrics, type VipdMetrics } from '../metrics/registry.js';
import type { InstanceView } from '../status/types.js';
import type { Logger } from '../log/logger.js';
import type { DirectorOs } from './ports.js';
import { InstanceRunner, type RunnerHooks } from './instanceRunner.js';
import type { DaemonControl, PluginFactory } from '../plugin/api.js';
import { PluginSet } from './pluginSet.js';
import { UnitDriver, groupUnit, soloUnit } from './unitDriver.js';
import { VrrpSyncGroup } from '../vrrp/syncGroup.js';
import { advertRoute, instanceParams, maxAdvertisedVips, routeSpecs, sourceAddressFor, validationView } from './instanceParams.js';
import { VipdError } from './errors.js';
import { Announcer } from './announcer.js';
import { instanceView } from './instanceView.js';
import { planReload, type ReloadPlan } from './reloadPlan.js';
import { DaemonVmacs } from './vmac.js';
import type { Clock } from '../clock/clock.js';

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
}

interface Managed {
  /** Replaced in place by a reload that keeps the instance (the packet-routing lists hold this object). */
  cfg: VrrpInstanceConfig;
  readonly instance: VrrpInstance;
  readonly runner: InstanceRunner;
  readonly link: LinkInfo;
  /** Where the VIPs live: the VMAC with use_vmac, else the instance's interface. */
  readonly vipLink: LinkInfo;
  readonly driver: UnitDriver;
  readonly transportKey: string;
}

interface Planned {
  readonly cfg: VrrpInstanceConfig;
  readonly link: LinkInfo;
  readonly source: string;
  /** use_vmac: the VMAC carries the VIPs and GARPs, and the adverts unless vmac_xmit_base. */
  readonly vmac: LinkInfo | null;
}

const INTERFACE_DOWN = 'interface down';

export class Daemon {
  readonly metrics: VipdMetrics;
  private readonly managed = new Map<string, Managed>();
  private config: Config;
  private readonly transports = new Map<string, { transport: VrrpTransport; byVrid: Map<number, Managed[]> }>();
  private readonly announcer: Announcer;
  private readonly unwatch: (() => void)[] = [];
  private readonly clock: Clock;
  private readonly linkUp = new Map<number, boolean>();
  private readonly linkListeners = new Set<(ifname: string, up: boolean) => void>();
  private links: LinkInfo[] = [];
  private readonly vmacs: DaemonVmacs;
  /** Instances whose interface was deleted and has come back under another ifindex (see rebindInstances). */
  private readonly toRebind = new Set<string>();
  /** Reloads and rebinds, one at a time: both stop and build instances. */
  private exclusive: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private readonly plugins: PluginSet;

  constructor(private readonly o: DaemonOptions) {
    this.clock = o.clock;
    this.config = o.config;
    this.announcer = new Announcer(o.os, o.logger, this.clock);
    this.vmacs = new DaemonVmacs(o.os.vmac, o.logger);
    this.metrics = createVipdMetrics({
      instances: () => this.views(),
      buildInfo: { version: o.version, node: o.config.global.routerId ?? hostnameOrUnknown() },
      dropReasons: DROP_REASONS,
      sections: (nowMs) => this.plugins.sections(nowMs),
    });
    this.plugins = new PluginSet(o.plugins ?? [], o.config, o.logger, this.metrics.registry);
  }

  /** Open every socket and start every instance. Throws VipdError naming each problem (no partial start). */
  async start(): Promise<void> {
    let env = await this.environment();
    if (await this.vmacs.ensure(this.config.instances, this.config.instances, env)) env = await this.environment();
    const planned = this.plan(this.config.instances, env);
    this.unwatch.push(
      this.o.os.watchLinks((ev) => {
        const up = ev.kind === 'new' && ev.link.up && ev.link.running;
        this.onLink(ev.link.ifindex, ev.link.name, up);
        if (ev.kind === 'new') this.onLinkAppeared(ev.link);
      }),
      this.o.os.watchAddresses((ev) => {
        if (ev.kind === 'del') this.onAddressDeleted(ev.address.address, ev.address.ifindex);
        // A re-created interface usually gets its addresses just after it appears: try the rebind again then.
        else if (this.toRebind.size) this.scheduleRebind();
      }),
    );
    const started = this.build(planned, this.config, env.links);
    const ctl = this.control();
    await this.plugins.start(ctl);
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

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(fn, fn);
    this.exclusive = run.catch(() => undefined);
    return run;
  }

  private async reloadNow(next: Config): Promise<ReloadPlan> {
    const plan = planReload(this.config, next);
    let env = await this.environment();
    const startNames = new Set([...plan.add, ...plan.restart]);
    if (await this.vmacs.ensure(next.instances, next.instances.filter((i) => startNames.has(i.name)), env)) env = await this.environment();
    const planned = this.plan(next.instances.filter((i) => startNames.has(i.name)), env);
    // Reconfigured instances keep their socket, so their source address must not move either.
    const inPlace: { m: Managed; cfg: VrrpInstanceConfig; source: string }[] = [];
    const restart = [...plan.restart];
    for (const name of plan.reconfigure) {
      const m = this.byName(name)!;
      const cfg = next.instances.find((i) => i.name === name)!;
      const link = env.links.find((l) => l.name === cfg.interface);
      const source = link ? sourceAddressFor(cfg, facts(link, env.addresses)) : null;
      if (typeof source === 'string' && source === m.instance.params.sourceAddress) {
        inPlace.push({ m, cfg, source });
      } else {
        planned.push(...this.plan([cfg], env));
        restart.push(name);
      }
    }

    await this.stopInstances([...plan.remove, ...restart]);
    for (const name of await this.vmacs.releaseExcept(next.instances)) this.closeFrameSender(name);

    for (const { m, cfg, source } of inPlace) {
      const params = instanceParams(cfg, source, cfg.syncGroup !== null, m.link.mtu);
      m.runner.reconfigure(params, validationView(cfg, m.link.mtu), advertRoute(cfg, source));
      m.cfg = cfg;
    }
    this.config = next;
    await this.startInstances(planned, env.links, plan.remove);
    this.o.logger.info(
      `reloaded: ${plan.add.length} added, ${plan.remove.length} removed, ${restart.length} restarted, ` +
        `${inPlace.length} changed in place, ${plan.unchanged.length} unchanged`,
    );
    return { ...plan, restart, reconfigure: inPlace.map((x) => x.cfg.name) };
  }

  /**
   * SIGTERM path: every MASTER sends priority 0 and removes its VIPs (after its successor took over, when
   * `handover`); then sockets close.
   */
  async stop(opts: { handover?: boolean } = {}): Promise<void> {
    this.stopping = true;
    // A reload or rebind in progress finishes first: it may be building instances that must be stopped too.
    await this.exclusive;
    await Promise.all([...this.managed.values()].map((m) => m.runner.shutdown(opts)));
    for (const m of [...this.managed.values()]) this.forget(m);
    await this.plugins.stop();
    for (const u of this.unwatch.splice(0)) u();
    // keepalived deletes its VMACs on exit (vrrp.c:2638-2644); the VIPs on them are already gone.
    await this.vmacs.releaseExcept([]);
    this.announcer.closeAll();
    this.o.os.close();
  }

  /** Links and addresses as they are now. One dump at a time: a second dump on one netlink socket is EBUSY. */
  private async environment(): Promise<{ links: LinkInfo[]; addresses: AddressInfo[] }> {
    const links = await this.o.os.listLinks();
    const addresses = await this.o.os.listAddresses();
    this.links = links;
    return { links, addresses };
  }

  /** Resolve interfaces and source addresses; every problem is collected, nothing is started on error. */
  private plan(cfgs: readonly VrrpInstanceConfig[], env: { links: LinkInfo[]; addresses: AddressInfo[] }): Planned[] {
    const problems: string[] = [];
    const planned: Planned[] = [];
    for (const cfg of cfgs) {
      const link = env.links.find((l) => l.name === cfg.interface);
      if (!link) {
        problems.push(`(${cfg.name}) interface ${cfg.interface} does not exist`);
        continue;
      }
      for (const vip of [...cfg.vips, ...cfg.excludedVips]) {
        if (vip.dev && !env.links.some((l) => l.name === vip.dev)) problems.push(`(${cfg.name}) VIP ${vip.address}: interface ${vip.dev} does not exist`);
      }
      const source = sourceAddressFor(cfg, facts(link, env.addresses));
      if (typeof source !== 'string') {
        problems.push(source.error);
        continue;
      }
      const vmacName = this.vmacs.nameOf(cfg);
      const vmac = vmacName ? (env.links.find((l) => l.name === vmacName) ?? null) : null;
      if (vmacName && !vmac) {
        problems.push(`(${cfg.name}) VMAC interface ${vmacName} does not exist`);
        continue;
      }
      planned.push({ cfg, link, source, vmac });
    }
    if (problems.length) throw new VipdError('VIPD_ERR_STARTUP', problems.join('\n'));
    return planned;
  }

  /** Create cores, units, sockets and runners for planned instances (not started yet). */
  private build(planned: readonly Planned[], config: Config, links: readonly LinkInfo[]): Managed[] {
    // Every core first: a sync group needs all its members before its unit can be scheduled.
    const instances = new Map<string, VrrpInstance>();
    for (const { cfg, source, link } of planned) {
      const max = maxAdvertisedVips(cfg, link.mtu);
      if (cfg.vips.length > max) {
        this.o.logger.warn(`(${cfg.name}) ${cfg.vips.length} VIPs do not fit in one advert (at most ${max} on ${link.name}); the last ${cfg.vips.length - max} are handled as virtual_ipaddress_excluded`);
      }
      instances.set(cfg.name, new VrrpInstance(instanceParams(cfg, source, cfg.syncGroup !== null, link.mtu)));
    }
    const drivers = new Map<string, UnitDriver>();
    for (const g of config.syncGroups) {
      const members = g.members.map((n) => instances.get(n)).filter((m): m is VrrpInstance => m !== undefined);
      if (members.length === 0) continue;
      const driver = new UnitDriver(groupUnit(new VrrpSyncGroup(g.name, members)), this.clock, this.o.logger, (group, from, to) => {
        this.plugins.groupTransition({ group, from, to });
      });
      for (const m of members) drivers.set(m.name, driver);
    }

    const built: Managed[] = [];
    for (const { cfg, link, source, vmac } of planned) {
      const instance = instances.get(cfg.name)!;
      const driver = drivers.get(cfg.name) ?? new UnitDriver(soloUnit(instance), this.clock, this.o.logger);
      const route = advertRoute(cfg, source);
      // With use_vmac keepalived sends AND receives on the VMAC (vrrp_scheduler.c:513-517): a peer's advert
      // from the shared MAC is handed by the macvlan driver to our private macvlan only, never to its parent.
      const sockIf = vmac && !cfg.vmac?.xmitBase ? vmac.name : cfg.interface;
      const vipLink = vmac ?? link;
      const routes = routeSpecs(cfg, (name) => links.find((l) => l.name === name)?.ifindex);
      const key = `${route.family}|${sockIf}|${route.unicast ? `u:${source}` : `m:${cfg.mcastGroup}`}`;
      let shared = this.transports.get(key);
      if (!shared) {
        const transport = this.o.os.openVrrp({
          family: route.family,
          ifname: sockIf,
          unicast: route.unicast,
          group: cfg.mcastGroup,
          src: route.family === 6 || route.unicast ? source : undefined,
          unicastTtl: cfg.unicastTtl,
        });
        const byVrid = new Map<number, Managed[]>();
        shared = { transport, byVrid };
        this.transports.set(key, shared);
        transport.onPacket((packet, meta) => this.dispatchPacket(sockIf, route.family, byVrid, packet, meta));
      }
      const transport = shared.transport;
      const runner = new InstanceRunner({
        instance,
        ifname: cfg.interface,
        route,
        validation: validationView(cfg, link.mtu),
        logger: this.o.logger,
        clock: this.clock,
        driver,
        metrics: this.metrics.forInstance({ name: cfg.name, ifname: cfg.interface, vrid: cfg.vrid }),
        hooks: this.hooksFor(cfg.name, instance),
        io: {
          sendPacket: (packet, dst) => transport.send(packet, dst),
          addVip: (vip) => this.o.os.addAddress(this.addressSpec(vip, vipLink, links)).then(() => undefined),
          removeVip: (vip) => this.o.os.removeAddress(this.addressSpec(vip, vipLink, links)).then(() => undefined),
          announce: (vips, count) => this.announcer.announce(vips, count, vipLink, links),
          ...(routes.length
            ? {
                addRoutes: async () => void (await Promise.all(routes.map((r) => this.o.os.addRoute(r)))),
                removeRoutes: async () => void (await Promise.all(routes.map((r) => this.o.os.removeRoute(r)))),
              }
            : {}),
        },
      });
      // Open the GARP/NA socket now: a missing capability shows at start-up, and the first takeover pays nothing.
      if (vipLink.mac) this.announcer.open(vipLink.name);
      const m: Managed = { cfg, instance, runner, link, vipLink, driver, transportKey: key };
      this.managed.set(cfg.name, m);
      const list = shared.byVrid.get(cfg.vrid) ?? [];
      list.push(m);
      shared.byVrid.set(cfg.vrid, list);
      built.push(m);
    }
    return built;
  }

  private startRunners(started: readonly Managed[]): void {
    for (const m of started) {
      const up = this.linkUp.get(m.link.ifindex) ?? (m.link.up && m.link.running);
      this.linkUp.set(m.link.ifindex, up);
      // A fault known before start-up sends the instance straight to FAULT (no BACKUP first, no extra notify).
      if (!up && !m.cfg.dontTrackPrimary) m.runner.fault(INTERFACE_DOWN);
      m.runner.start();
    }
  }

  /** Shut the named instances down and detach them (a reload or a rebind replaces them). */
  private async stopInstances(names: readonly string[]): Promise<Managed[]> {
    const stopping = names.map((n) => this.byName(n)).filter((m): m is Managed => m !== undefined);
    await Promise.all(stopping.map((m) => m.runner.shutdown()));
    for (const m of stopping) this.forget(m);
    return stopping;
  }

  /**
   * Build and start planned instances under the current config. Plugins hear of them before the runners start:
   * tracking hands its current priorities and faults to the fresh cores (still INIT), exactly as at start-up; a
   * restarted instance would otherwise run at base priority.
   */
  private async startInstances(planned: Planned[], links: LinkInfo[], removed: readonly string[]): Promise<Managed[]> {
    const started = this.build(planned, this.config, links);
    const change = { started: started.map((m) => m.cfg.name), removed: [...removed] };
    await this.plugins.reload(this.config, change);
    this.startRunners(started);
    return started;
  }

  /** Detach a stopped instance: its unit stops, and its socket closes when no instance uses it any more. */
  private forget(m: Managed): void {
    this.managed.delete(m.cfg.name);
    if (![...this.managed.values()].some((o) => o.driver === m.driver)) m.driver.stop();
    const shared = this.transports.get(m.transportKey);
    if (!shared) return;
    const list = (shared.byVrid.get(m.cfg.vrid) ?? []).filter((o) => o !== m);
    if (list.length) shared.byVrid.set(m.cfg.vrid, list);
    else shared.byVrid.delete(m.cfg.vrid);
    if (shared.byVrid.size === 0) {
      shared.transport.close();
      this.transports.delete(m.transportKey);
    }
    this.metrics.removeInstance(m.cfg.name);
  }

  private byName(name: string): Managed | undefined {
    return this.managed.get(name);
  }

  /** Read-only views for metrics, /status and `vipd status`. */
  views(): InstanceView[] {
    const nowMono = this.clock.now();
    const nowWall = this.clock.wallNow();
    return [...this.managed.values()].map(({ cfg, instance }) => instanceView(cfg, instance, nowMono, nowWall));
  }

  states(): Record<string, VrrpState> {
    return Object.fromEntries([...this.managed.values()].map((m) => [m.cfg.name, m.instance.state]));
  }

  private hooksFor(name: string, instance: VrrpInstance): RunnerHooks {
    const plugins = this.plugins;
    return {
      // Looked up at each takeover: a reload may add or remove connection sync for a running instance.
      get beforeVipsAdded() {
        return plugins.beforeVipsAdded(name);
      },
      masterRxLowerPri: (src, priority) => plugins.masterRxLowerPri({ instance: name, src, priority }),
      afterTransition: (from, to, reason) =>
        plugins.transition({ instance: name, from, to, reason, priority: instance.snapshot().effectivePriority }),
    };
  }

  private control(): DaemonControl {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the getter below must see reloads
    const self = this;
    const byName = (n: string) => this.managed.get(n);
    return {
      get config() {
        return self.config;
      },
      logger: this.o.logger,
      clock: this.clock,
      setPriority: (n, effective) => byName(n)?.runner.setPriority(effective),
      fault: (n, reason) => byName(n)?.runner.fault(reason),
      faultCleared: (n, reason) => byName(n)?.runner.faultCleared(reason),
      holdPreempt: (n, held) => byName(n)?.runner.holdPreempt(held),
      linkUp: (ifname) => {
        const link = this.links.find((l) => l.name === ifname);
        return link ? (this.linkUp.get(link.ifindex) ?? (link.up && link.running)) : undefined;
      },
      onLink: (cb) => {
        this.linkListeners.add(cb);
        return () => this.linkListeners.delete(cb);
      },
      snapshot: (n) => byName(n)?.instance.snapshot(),
      views: () => this.views(),
    };
  }

  /**
   * A VIP removed behind our back while we are MASTER (an operator, a network script): put it back and announce
   * it. keepalived leaves MASTER instead (keepalived_netlink.c:1230-1233), which makes the peer take over and
   * then be preempted again; re-adding keeps the service up. `no_track` VIPs are left alone, as in keepalived.
   */
  private onAddressDeleted(address: string, ifindex: number): void {
    for (const m of this.managed.values()) {
      if (m.instance.state !== 'MASTER') continue;
      const cfgVip = [...m.cfg.vips, ...m.cfg.excludedVips].find((v) => v.address === address);
      if (!cfgVip || cfgVip.noTrack) continue;
      const vip = [...m.instance.params.vips, ...m.instance.params.excludedVips].find((v) => v.address === address);
      // The same address elsewhere (another interface) is not ours to put back.
      if (!vip || this.addressSpec(vip, m.vipLink, this.links).ifindex !== ifindex) continue;
      this.o.logger.warn(`(${m.cfg.name}) VIP ${address} was removed by someone else while MASTER; adding it back`);
      m.runner.enqueue([{ type: 'addVips', vips: [vip] }, { type: 'sendGarp', vips: [vip], count: 1 }], this.clock.now());
    }
  }

  /**
   * An interface of ours was deleted and created again (a VLAN or bond rebuilt, a veth re-plugged): same name,
   * new ifindex. Its instances' sockets are bound to the old index and hear nothing any more, so they restart on
   * the new one, as a reload would restart them (keepalived re-opens its sockets on the new index too). Until the
   * interface has what an instance needs (an address), it stays in FAULT and the next link or address event tries
   * again.
   */
  private onLinkAppeared(link: LinkInfo): void {
    for (const m of this.managed.values()) {
      if (m.link.name === link.name && m.link.ifindex !== link.ifindex) this.toRebind.add(m.cfg.name);
    }
    if (this.toRebind.size) this.scheduleRebind();
  }

  private scheduleRebind(): void {
    this.serially(() => this.rebindInstances()).catch((err: unknown) => this.o.logger.error(`rebind: ${(err as Error).message}`));
  }

  private async rebindInstances(): Promise<void> {
    if (this.stopping) return;
    let env = await this.environment();
    // Only instances still bound to an index that is gone or changed (a reload queued before may have restarted
    // them on the new one already).
    const stale = (n: string): boolean => {
      const m = this.managed.get(n);
      return m !== undefined && env.links.find((l) => l.name === m.link.name)?.ifindex !== m.link.ifindex;
    };
    for (const n of [...this.toRebind]) if (!stale(n)) this.toRebind.delete(n);
    if (this.toRebind.size === 0) return;
    // A sync group is scheduled as one unit: like a reload, restart every member of a group one of them is in.
    const names = new Set(this.toRebind);
    for (const g of this.config.syncGroups) {
      if (g.members.some((m) => names.has(m))) for (const m of g.members) if (this.managed.has(m)) names.add(m);
    }
    const cfgs = this.config.instances.filter((i) => names.has(i.name));
    if (await this.vmacs.ensure(this.config.instances, cfgs, env)) env = await this.environment();
    if (this.stopping) return;
    let planned: Planned[];
    try {
      planned = this.plan(cfgs, env);
    } catch (err) {
      this.o.logger.info(`interface re-created, not usable yet: ${(err as Error).message}`);
      return; // still pending: a later link or address event retries
    }
    for (const n of names) this.toRebind.delete(n);
    const old = await this.stopInstances([...names]);
    for (const m of old) {
      // The GARP/NA sockets were bound to the old index too; build() opens them again on the new one.
      this.closeFrameSender(m.link.name);
      this.closeFrameSender(m.vipLink.name);
    }
    const started = await this.startInstances(planned, env.links, []);
    for (const m of started) {
      const was = old.find((o) => o.cfg.name === m.cfg.name);
      if (was && was.link.ifindex !== m.link.ifindex) {
        this.o.logger.info(`(${m.cfg.name}) interface ${m.link.name} re-created (ifindex ${was.link.ifindex} → ${m.link.ifindex}): instance restarted on it`);
      } else {
        this.o.logger.info(`(${m.cfg.name}) restarted with its sync group (a member's interface was re-created)`);
      }
    }
  }

  /** `name` from the event itself: a re-created interface's new index is not in the last link dump yet. */
  private onLink(ifindex: number, name: string, up: boolean): void {
    if (this.linkUp.get(ifindex) === up) return;
    this.linkUp.set(ifindex, up);
    for (const cb of this.linkListeners) cb(name, up);
    for (const m of this.managed.values()) {
      if (m.link.ifindex !== ifindex || m.cfg.dontTrackPrimary) continue;
      this.o.logger.info(`(${m.cfg.name}) interface ${m.cfg.interface} ${up ? 'up' : 'down'}`);
      if (up) m.runner.faultCleared(INTERFACE_DOWN);
      else m.runner.fault(INTERFACE_DOWN);
    }
  }

  private dispatchPacket(ifname: string, family: 4 | 6, byVrid: Map<number, Managed[]>, packet: Buffer, meta: VrrpPacketMeta): void {
    const vrid = peekVrid(packet, family);
    if (vrid === null) {
      this.metrics.dropUnmatched(ifname, 'truncated');
      return;
    }
    const candidates = byVrid.get(vrid);
    if (!candidates) {
      // keepalived ignores unknown VRIDs without counting (sched.c:1055-1063); we count them.
      this.metrics.dropUnmatched(ifname, 'unknown_vrid', vrid);
      return;
    }
    // Same VRID twice on one socket only in unicast with disjoint peers: pick by source (sched.c:1072-1113).
    const target =
      candidates.length === 1 ? candidates[0] : candidates.find((m) => m.cfg.unicastPeers.some((p) => p.address === meta.src));
    target?.runner.receive(packet, meta);
  }

  /** A deleted VMAC takes its AF_PACKET socket's interface with it. */
  private closeFrameSender(ifname: string): void {
    this.announcer.close(ifname);
  }

  private addressSpec(vip: Vip, link: LinkInfo, links: readonly LinkInfo[]) {
    const ifindex = vip.dev ? (links.find((l) => l.name === vip.dev)?.ifindex ?? link.ifindex) : link.ifindex;
    return {
      ifindex,
      address: vip.address,
      prefixLen: vip.prefixLen,
      ...(vip.label ? { label: vip.label } : {}),
      ...(vip.broadcast ? { broadcast: vip.broadcast } : {}),
      ...(vip.scope !== undefined ? { scope: vip.scope } : {}),
    };
  }


}

function facts(link: LinkInfo, addresses: readonly AddressInfo[]) {
  return { ifname: link.name, primaryIpv4: primaryIpv4(addresses, link.ifindex), linkLocalIpv6: linkLocalIpv6(addresses, link.ifindex) };
}

/** VRID without a full decode, to route the packet to its instance (IPv4 packets carry their IP header). */
function peekVrid(packet: Buffer, family: 4 | 6): number | null {
  if (family === 6) return packet.length >= 2 ? packet[1]! : null;
  if (packet.length < 1) return null;
  const ihl = (packet[0]! & 0x0f) * 4;
  return packet.length > ihl + 1 ? packet[ihl + 1]! : null;
}

function hostnameOrUnknown(): string {
  return hostname();
}
