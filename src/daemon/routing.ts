// keepalived routes and rules (virtual_* and static_*) from the checked config to rtnetlink specs, and the ordered
// install/remove of a set of them. keepalived adds VIPs → routes → rules and removes rules → routes → VIPs
// (vrrp.c vrrp_state_become_master / vrrp_restore_interface); static ones go routes → rules at start and
// rules → routes at stop (vrrp_daemon.c). Each entry is tried on its own, in file order (a route may need the
// one before it, e.g. its gateway's subnet), and every failure is logged with the line it came from.
import type { RouteConfig, RuleConfig } from '../config/types.js';
import type { NextHopSpec, RouteSpec, RuleSpec } from '../net/rtnetlink.js';
import type { Logger } from '../log/logger.js';

/** The OS operations routing needs (a subset of DirectorOs). */
export interface RoutingOs {
  addRoute(spec: RouteSpec): Promise<unknown>;
  removeRoute(spec: RouteSpec): Promise<unknown>;
  addRule(spec: RuleSpec): Promise<unknown>;
  removeRule(spec: RuleSpec): Promise<unknown>;
}

type IfindexOf = (name: string) => number | undefined;

/** A configured route as an rtnetlink spec; an unknown `dev` is left out (routingSet notes it as missing). */
export function routeSpec(r: RouteConfig, ifindexOf: IfindexOf): RouteSpec {
  const ifindex = r.dev ? ifindexOf(r.dev) : undefined;
  const nexthops: NextHopSpec[] = r.nexthops.map((n) => {
    const nhIf = n.dev ? ifindexOf(n.dev) : undefined;
    return {
      ...(n.via ? { gateway: n.via } : {}),
      ...(nhIf !== undefined ? { ifindex: nhIf } : {}),
      ...(n.weight !== null ? { weight: n.weight } : {}),
      ...(n.onlink ? { onlink: true } : {}),
      ...(n.realms !== null ? { realms: n.realms } : {}),
    };
  });
  return {
    destination: r.destination.address,
    prefixLen: r.destination.prefixLength,
    type: r.type,
    table: r.table,
    protocol: r.protocol,
    mode: r.mode,
    ...(r.via ? { gateway: r.via } : {}),
    ...(ifindex !== undefined ? { ifindex } : {}),
    ...(r.src ? { source: r.src } : {}),
    ...(r.from ? { from: { address: r.from.address, prefixLen: r.from.prefixLength } } : {}),
    ...(r.metric !== null ? { metric: r.metric } : {}),
    ...(r.scope !== null ? { scope: r.scope } : {}),
    ...(r.tos !== null ? { tos: r.tos } : {}),
    ...(r.onlink ? { onlink: true } : {}),
    ...(r.realms !== null ? { realms: r.realms } : {}),
    ...(r.expires !== null ? { expires: r.expires } : {}),
    ...(r.pref !== null ? { pref: r.pref } : {}),
    ...(r.ttlPropagate !== null ? { ttlPropagate: r.ttlPropagate } : {}),
    ...(Object.keys(r.metrics).length ? { metrics: r.metrics } : {}),
    ...(r.congctl !== null ? { congctl: r.congctl } : {}),
    ...(r.locked.length ? { locked: r.locked } : {}),
    ...(nexthops.length ? { nexthops } : {}),
  };
}

export function ruleSpec(r: RuleConfig): RuleSpec {
  const prefix = (p: RuleConfig['from']) => (p ? { address: p.address, prefixLen: p.prefixLength } : undefined);
  const from = prefix(r.from);
  const to = prefix(r.to);
  return {
    family: r.family === 'inet' ? 4 : 6,
    action: r.action,
    priority: r.preference,
    protocol: r.protocol,
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(r.not ? { not: true } : {}),
    ...(r.table !== null ? { table: r.table } : {}),
    ...(r.l3mdev ? { l3mdev: true } : {}),
    ...(r.goto !== null ? { goto: r.goto } : {}),
    ...(r.tos !== null ? { tos: r.tos } : {}),
    ...(r.fwmark !== null ? { fwmark: r.fwmark } : {}),
    ...(r.fwmask !== null ? { fwmask: r.fwmask } : {}),
    ...(r.realms !== null ? { realms: r.realms } : {}),
    ...(r.suppressPrefixLength !== null ? { suppressPrefixLength: r.suppressPrefixLength } : {}),
    ...(r.suppressIfgroup !== null ? { suppressIfgroup: r.suppressIfgroup } : {}),
    ...(r.iif !== null ? { iif: r.iif } : {}),
    ...(r.oif !== null ? { oif: r.oif } : {}),
    ...(r.tunnelId !== null ? { tunnelId: r.tunnelId } : {}),
    ...(r.uidRange ? { uidRange: r.uidRange } : {}),
    ...(r.ipProto !== null ? { ipProto: r.ipProto } : {}),
    ...(r.sport ? { sport: r.sport } : {}),
    ...(r.dport ? { dport: r.dport } : {}),
  };
}

/** A resolved set of routes and rules with the config lines they came from (for messages). */
export interface RoutingSet {
  /** `missing`: interfaces the line names that did not exist when it was resolved; such a route is not sent. */
  readonly routes: readonly { readonly spec: RouteSpec; readonly cfg: RouteConfig; readonly missing?: readonly string[] }[];
  readonly rules: readonly { readonly spec: RuleSpec; readonly cfg: RuleConfig }[];
}

export function routingSet(routes: readonly RouteConfig[], rules: readonly RuleConfig[], ifindexOf: IfindexOf): RoutingSet {
  return {
    routes: routes.map((cfg) => {
      const missing = [cfg.dev, ...cfg.nexthops.map((n) => n.dev)].filter((d): d is string => d !== null && ifindexOf(d) === undefined);
      return { cfg, spec: routeSpec(cfg, ifindexOf), ...(missing.length ? { missing } : {}) };
    }),
    rules: rules.map((cfg) => ({ cfg, spec: ruleSpec(cfg) })),
  };
}

function line(cfg: RouteConfig | RuleConfig): string {
  return `'${cfg.words.join(' ')}' (${cfg.source.file}:${cfg.source.line})`;
}

/** Routes then rules, one at a time; returns how many failed (each logged). */
export async function installRouting(os: RoutingOs, set: RoutingSet, logger: Logger, who: string): Promise<number> {
  let failed = 0;
  for (const r of set.routes) {
    if (r.missing) {
      failed++;
      logger.error(`${who} cannot add route ${line(r.cfg)}: interface ${r.missing.join(', ')} does not exist`);
      continue;
    }
    await os.addRoute(r.spec).catch((err: unknown) => {
      failed++;
      logger.error(`${who} cannot add route ${line(r.cfg)}: ${(err as Error).message}`);
    });
  }
  for (const r of set.rules) {
    await os.addRule(r.spec).catch((err: unknown) => {
      failed++;
      logger.error(`${who} cannot add rule ${line(r.cfg)}: ${(err as Error).message}`);
    });
  }
  return failed;
}

/** Rules then routes (reverse order of install); returns how many failed (each logged). */
export async function removeRouting(os: RoutingOs, set: RoutingSet, logger: Logger, who: string): Promise<number> {
  let failed = 0;
  for (const r of [...set.rules].reverse()) {
    await os.removeRule(r.spec).catch((err: unknown) => {
      failed++;
      logger.error(`${who} cannot remove rule ${line(r.cfg)}: ${(err as Error).message}`);
    });
  }
  for (const r of [...set.routes].reverse()) {
    if (r.missing) continue; // never sent
    await os.removeRoute(r.spec).catch((err: unknown) => {
      failed++;
      logger.error(`${who} cannot remove route ${line(r.cfg)}: ${(err as Error).message}`);
    });
  }
  return failed;
}
