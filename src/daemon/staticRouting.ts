// keepalived `static_routes` / `static_rules`: installed when the agent starts (before any instance), left in
// place while it runs, removed when it stops (vrrp_daemon.c start_vrrp / stop_vrrp). A reload removes the
// entries the new config dropped and adds the new ones, leaving unchanged ones alone (clear_diff_static_*).
// One deleted behind our back (RTM_DELROUTE / RTM_DELRULE) is put back unless it is `no_track`, as keepalived's
// netlink_route_filter / netlink_rule_filter do (reinstate_static_route / reinstate_static_rule).
import type { Config } from '../config/types.js';
import { routeKey, type RouteKey } from '../net/routeCodec.js';
import { ruleKey, type RuleKey } from '../net/ruleCodec.js';
import type { LinkInfo, RoutingDeletion } from '../net/rtnetlink.js';
import { sameValue } from '../config/sameValue.js';
import type { Logger } from '../log/logger.js';
import { installRouting, removeRouting, routingSet, type RoutingOs, type RoutingSet } from './routing.js';

const WHO = 'static routing:';

export interface StaticRoutingOs extends RoutingOs {
  watchRoutingDeletions?(cb: (ev: RoutingDeletion) => void): () => void;
}

export class StaticRouting {
  private installed: RoutingSet = { routes: [], rules: [] };
  private unwatch: (() => void) | null = null;

  constructor(
    private readonly os: StaticRoutingOs,
    private readonly logger: Logger,
  ) {}

  async start(config: Config, links: readonly LinkInfo[]): Promise<void> {
    this.installed = this.resolve(config, links);
    const n = this.installed.routes.length + this.installed.rules.length;
    if (n === 0) return;
    const failed = await installRouting(this.os, this.installed, this.logger, WHO);
    this.logger.info(`${WHO} ${n - failed} of ${n} static routes and rules installed`);
    this.watch();
  }

  async reload(config: Config, links: readonly LinkInfo[]): Promise<void> {
    const next = this.resolve(config, links);
    const keep = <T extends { spec: unknown }>(a: readonly T[], b: readonly T[]) => a.filter((x) => !b.some((y) => sameValue(x.spec, y.spec)));
    const gone: RoutingSet = { routes: keep(this.installed.routes, next.routes), rules: keep(this.installed.rules, next.rules) };
    const added: RoutingSet = { routes: keep(next.routes, this.installed.routes), rules: keep(next.rules, this.installed.rules) };
    // The new set first: our own removals below must not look like deletions to put back.
    this.installed = next;
    await removeRouting(this.os, gone, this.logger, WHO);
    await installRouting(this.os, added, this.logger, WHO);
    this.watch();
  }

  async stop(): Promise<void> {
    this.unwatch?.();
    this.unwatch = null;
    const set = this.installed;
    this.installed = { routes: [], rules: [] };
    await removeRouting(this.os, set, this.logger, WHO);
  }

  private resolve(config: Config, links: readonly LinkInfo[]): RoutingSet {
    return routingSet(config.staticRoutes, config.staticRules, (name) => links.find((l) => l.name === name)?.ifindex);
  }

  /** Watch deletions while some tracked (not no_track) entry is installed; stop watching otherwise. */
  private watch(): void {
    const tracked = this.installed.routes.some((r) => !r.cfg.noTrack) || this.installed.rules.some((r) => !r.cfg.noTrack);
    if (!tracked) {
      this.unwatch?.();
      this.unwatch = null;
    } else if (!this.unwatch && this.os.watchRoutingDeletions) {
      this.unwatch = this.os.watchRoutingDeletions((ev) => void this.onDeleted(ev));
    }
  }

  private async onDeleted(ev: RoutingDeletion): Promise<void> {
    if (ev.kind === 'route') {
      const r = this.installed.routes.find((x) => !x.cfg.noTrack && !x.missing && sameRouteKey(routeKey(x.spec), ev.key));
      if (!r) return;
      this.logger.warn(`${WHO} restoring deleted static route '${r.cfg.words.join(' ')}' (${r.cfg.source.file}:${r.cfg.source.line})`);
      await installRouting(this.os, { routes: [r], rules: [] }, this.logger, WHO);
    } else {
      const r = this.installed.rules.find((x) => !x.cfg.noTrack && sameRuleKey(ruleKey(x.spec), ev.key));
      if (!r) return;
      this.logger.warn(`${WHO} restoring deleted static rule '${r.cfg.words.join(' ')}' (${r.cfg.source.file}:${r.cfg.source.line})`);
      await installRouting(this.os, { routes: [], rules: [r] }, this.logger, WHO);
    }
  }
}

function sameRouteKey(a: RouteKey, b: RouteKey): boolean {
  return a.family === b.family && a.destination === b.destination && a.prefixLen === b.prefixLen && a.table === b.table &&
    a.type === b.type && a.tos === b.tos && a.metric === b.metric && a.protocol === b.protocol;
}

function sameRuleKey(a: RuleKey, b: RuleKey): boolean {
  return a.family === b.family && a.priority === b.priority && a.action === b.action && a.table === b.table && a.protocol === b.protocol;
}
