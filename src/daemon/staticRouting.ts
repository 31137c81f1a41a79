// keepalived `static_routes` / `static_rules`: installed when the agent starts (before any instance), left in
// place while it runs, removed when it stops (vrrp_daemon.c start_vrrp / stop_vrrp). A reload removes the
// entries the new config dropped and adds the new ones, leaving unchanged ones alone (clear_diff_static_*).
import type { Config } from '../config/types.js';
import type { LinkInfo } from '../net/rtnetlink.js';
import { sameValue } from './reloadPlan.js';
import type { Logger } from './logger.js';
import { installRouting, removeRouting, routingSet, type RoutingOs, type RoutingSet } from './routing.js';

const WHO = 'static routing:';

export class StaticRouting {
  private installed: RoutingSet = { routes: [], rules: [] };

  constructor(
    private readonly os: RoutingOs,
    private readonly logger: Logger,
  ) {}

  async start(config: Config, links: readonly LinkInfo[]): Promise<void> {
    this.installed = this.resolve(config, links);
    const n = this.installed.routes.length + this.installed.rules.length;
    if (n === 0) return;
    const failed = await installRouting(this.os, this.installed, this.logger, WHO);
    this.logger.info(`${WHO} ${n - failed} of ${n} static routes and rules installed`);
  }

  async reload(config: Config, links: readonly LinkInfo[]): Promise<void> {
    const next = this.resolve(config, links);
    const keep = <T extends { spec: unknown }>(a: readonly T[], b: readonly T[]) => a.filter((x) => !b.some((y) => sameValue(x.spec, y.spec)));
    const gone: RoutingSet = { routes: keep(this.installed.routes, next.routes), rules: keep(this.installed.rules, next.rules) };
    const added: RoutingSet = { routes: keep(next.routes, this.installed.routes), rules: keep(next.rules, this.installed.rules) };
    await removeRouting(this.os, gone, this.logger, WHO);
    await installRouting(this.os, added, this.logger, WHO);
    this.installed = next;
  }

  async stop(): Promise<void> {
    const set = this.installed;
    this.installed = { routes: [], rules: [] };
    await removeRouting(this.os, set, this.logger, WHO);
  }

  private resolve(config: Config, links: readonly LinkInfo[]): RoutingSet {
    return routingSet(config.staticRoutes, config.staticRules, (name) => links.find((l) => l.name === name)?.ifindex);
  }
}
