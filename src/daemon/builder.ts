// Config → running parts, for the instances a start, reload or rebind brings in: planning (is every interface,
// source address and VMAC there? every problem collected, nothing built on error) and building (cores, their
// unit drivers — one per lone instance or sync group — sockets through the packet router, runners with their
// OS operations and plugin hooks). Nothing here starts anything: lifecycle.ts does, after the plugins heard.
import { DeadlineGroup } from '../clock/deadlineGroup.js';
import type { Clock } from '../clock/clock.js';
import type { Config, VrrpInstanceConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import type { VipdMetrics } from '../metrics/registry.js';
import type { LinkInfo } from '../net/rtnetlink.js';
import { VrrpInstance } from '../vrrp/instance.js';
import { VrrpSyncGroup } from '../vrrp/syncGroup.js';
import { AH_IP_PROTOCOL } from '../vrrp/constants.js';
import { ahReceiveFor } from './ahReceive.js';
import type { Announcer } from './announcer.js';
import { VipdError } from '../errors/vipdError.js';
import { advertRoute, instanceParams, maxAdvertisedVips, sourceAddressFor, validationView, virtualRouting } from './instanceParams.js';
import { installRouting, removeRouting } from './routing.js';
import { InstanceRunner, type RunnerHooks } from './instanceRunner.js';
import { interfaceFacts, vipAddressSpec, type Environment, type InstanceTable, type Managed, type Planned } from './instances.js';
import type { PacketRouter } from './packetRouter.js';
import type { PluginSet } from './pluginSet.js';
import type { DirectorOs } from './ports.js';
import { UnitDriver, groupUnit, soloUnit } from './unitDriver.js';
import type { DaemonVmacs } from './vmac.js';

export interface BuilderParts {
  readonly os: DirectorOs;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: VipdMetrics;
  readonly announcer: Announcer;
  readonly vmacs: DaemonVmacs;
  readonly router: PacketRouter;
  readonly plugins: PluginSet;
  readonly instances: InstanceTable;
  /** The links as now (linkWatch.ts), read when a VIP goes up or down: its `dev` may have a new index by then. */
  readonly currentLinks: () => readonly LinkInfo[];
}

export class InstanceBuilder {
  /** Every unit's deadline on one clock timer (issue 12), for all the instances this daemon builds. */
  private readonly deadlines: DeadlineGroup;

  constructor(private readonly p: BuilderParts) {
    this.deadlines = new DeadlineGroup(p.clock);
  }

  /** Resolve interfaces and source addresses; every problem is collected, nothing is built on error. */
  plan(cfgs: readonly VrrpInstanceConfig[], env: Environment): Planned[] {
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
      const source = sourceAddressFor(cfg, interfaceFacts(link, env.addresses));
      if (typeof source !== 'string') {
        problems.push(source.error);
        continue;
      }
      const vmacName = this.p.vmacs.nameOf(cfg);
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

  /** Create cores, units, sockets and runners for planned instances (not started yet) and add them to the table. */
  build(planned: readonly Planned[], config: Config, links: readonly LinkInfo[]): Managed[] {
    const { os, logger, clock, plugins } = this.p;
    // Every core first: a sync group needs all its members before its unit can be scheduled.
    const cores = new Map<string, VrrpInstance>();
    for (const { cfg, source, link } of planned) {
      const max = maxAdvertisedVips(cfg, link.mtu);
      if (cfg.vips.length > max) {
        logger.warn(`(${cfg.name}) ${cfg.vips.length} VIPs do not fit in one advert (at most ${max} on ${link.name}); the last ${cfg.vips.length - max} are handled as virtual_ipaddress_excluded`);
      }
      cores.set(cfg.name, new VrrpInstance(instanceParams(cfg, source, cfg.syncGroup !== null, link.mtu)));
    }
    const drivers = new Map<string, UnitDriver>();
    const readQueued = (): void => this.p.router.readQueued();
    for (const g of config.syncGroups) {
      const members = g.members.map((n) => cores.get(n)).filter((m): m is VrrpInstance => m !== undefined);
      if (members.length === 0) continue;
      const driver = new UnitDriver(
        groupUnit(new VrrpSyncGroup(g.name, members)),
        clock,
        logger,
        (group, from, to) => plugins.groupTransition({ group, from, to }),
        readQueued,
        this.deadlines,
      );
      for (const m of members) drivers.set(m.name, driver);
    }

    const built: Managed[] = [];
    for (const { cfg, link, source, vmac } of planned) {
      const instance = cores.get(cfg.name)!;
      const driver = drivers.get(cfg.name) ?? new UnitDriver(soloUnit(instance), clock, logger, undefined, readQueued, this.deadlines);
      const route = advertRoute(cfg, source);
      // With use_vmac keepalived sends AND receives on the VMAC (vrrp_scheduler.c:513-517): a peer's advert
      // from the shared MAC is handed by the macvlan driver to our private macvlan only, never to its parent.
      const sockIf = vmac && !cfg.vmac?.xmitBase ? vmac.name : cfg.interface;
      const vipLink = vmac ?? link;
      const routing = virtualRouting(cfg, (name) => links.find((l) => l.name === name)?.ifindex);
      const view = validationView(cfg, link.mtu);
      const metrics = this.p.metrics.forInstance({ name: cfg.name, ifname: cfg.interface, vrid: cfg.vrid });
      const ah = ahReceiveFor(view, instance, metrics, logger, () => clock.now());
      // AH adverts arrive on their own raw socket (IP protocol 51), as keepalived opens one per protocol.
      const key = `${route.family}|${sockIf}|${route.unicast ? `u:${source}` : `m:${cfg.mcastGroup}`}${ah ? '|ah' : ''}`;
      const transport = this.p.router.open(key, {
        family: route.family,
        ifname: sockIf,
        unicast: route.unicast,
        group: cfg.mcastGroup,
        src: route.family === 6 || route.unicast ? source : undefined,
        unicastTtl: cfg.unicastTtl,
        ...(ah ? { protocol: AH_IP_PROTOCOL } : {}),
      });
      const runner = new InstanceRunner({
        instance,
        ifname: cfg.interface,
        route,
        validation: view,
        logger,
        clock,
        driver,
        metrics,
        ...(ah ? { ah: ah.session } : {}),
        hooks: this.hooksFor(cfg.name, instance),
        io: {
          sendPacket: (packet, dst) => transport.send(packet, dst),
          addVip: (vip) => os.addAddress(vipAddressSpec(vip, vipLink, this.p.currentLinks())).then(() => undefined),
          removeVip: (vip) => os.removeAddress(vipAddressSpec(vip, vipLink, this.p.currentLinks())).then(() => undefined),
          announce: (vips, count) => this.p.announcer.announce(vips, count, vipLink, this.p.currentLinks()),
          ...(routing.routes.length || routing.rules.length
            ? {
                addRoutes: async () => void (await installRouting(os, routing, logger, `(${cfg.name})`)),
                removeRoutes: async () => void (await removeRouting(os, routing, logger, `(${cfg.name})`)),
              }
            : {}),
        },
      });
      // Open the GARP/NA socket now: a missing capability shows at start-up, and the first takeover pays nothing.
      if (vipLink.mac) this.p.announcer.open(vipLink.name);
      const m: Managed = { cfg, instance, runner, link, vipLink, driver, transportKey: key, ...(ah ? { ah } : {}) };
      this.p.instances.set(cfg.name, m);
      this.p.router.attach(m);
      built.push(m);
    }
    return built;
  }

  private hooksFor(name: string, instance: VrrpInstance): RunnerHooks {
    const plugins = this.p.plugins;
    return {
      // Looked up again after each reload (refreshCommitter): a reload may add or remove connection sync.
      get commitConnections() {
        return plugins.beforeVipsAdded(name);
      },
      masterRxLowerPri: (src, priority) => plugins.masterRxLowerPri({ instance: name, src, priority }),
      afterTransition: (from, to, reason) =>
        plugins.transition({ instance: name, from, to, reason, priority: instance.snapshot().effectivePriority }),
    };
  }
}
