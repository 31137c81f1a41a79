// The nft commands of the data plane, as text (lvs.md §7): the fixed skeleton of vipd's own table and, per
// service, the commands that move it from one state to another. Pure: the plane (plane.ts) joins them into one
// buffer, which libnftables commits as one transaction.
//
// table inet vipd
//   maps svc4/svc6 (daddr . l4proto . dport → goto service chain), fwm (nfproto . mark → goto service chain)
//   chains prerouting, output (nat, dstnat): one vmap lookup each per family, whatever the number of services
//   chain s_<service>: counter (new connections), persistence lookups, the scheduler's vmap → goto r_<server>
//   chain r_<service>_<server>: persistence update, counter (new connections), dnat
//   chain traffic (filter, forward): packets/bytes per real server and direction through counter maps keyed by
//     the connection's original destination (VIP:port) and reply source (real server), since the nat chains
//     see only the first packet of each connection
//   counters m…: a spec in their comment (see names.ts), replaced when the spec changes
//   [sourceNat] chain postrouting (nat, srcnat): masquerade connections DNATed to a real server
// A service whose real servers are lvs_method DR lives in the netdev table instead (dr.ts): DR forwards at
// ingress, before the inet hooks and conntrack.
import type { DestSpec, ServiceSpec } from '../model.js';
import {
  destChain,
  destComment,
  persistSet,
  serviceChain,
  specCounter,
  trafficCounter,
} from './names.js';
import { drServiceTransition, type DrOptions } from './dr.js';
import { isPersistent, persistLookupRule, persistSetDecl, persistUpdateRule } from './persistence.js';
import { selectionRule } from './schedulers.js';
import { transition, type TransitionTable } from './transition.js';

export interface RulesetOptions {
  /** The table's name in family inet (default "vipd"). */
  readonly table: string;
  /**
   * Masquerade connections to real servers (a vipd extension for real servers whose replies do not route back
   * through the director). Address services only: a fwmark service has no VIP to key on.
   */
  readonly sourceNat: boolean;
  /** The netdev table of DR services (default "<table>_dr"). */
  readonly drTable?: string;
  /** DR: the device each real server address is reached through (dr.ts); none = not forwarded. */
  readonly egress?: ReadonlyMap<string, string>;
  /** DR: forward chains (by destChain) to rewrite because their device changed (dr.ts). */
  readonly rewrite?: ReadonlySet<string>;
}

export function drOptions(o: RulesetOptions): DrOptions {
  return { drTable: o.drTable ?? `${o.table}_dr`, egress: o.egress ?? new Map(), ...(o.rewrite ? { rewrite: o.rewrite } : {}) };
}

/** Does the service forward by DR (its rules live in the netdev table)? One service forwards one way. */
export function isDrService(st: ServiceState | null): boolean {
  return st !== null && st.dests.some((d) => d.forward === 'route');
}

/** A service as the plane holds it: real servers sorted by destId. */
export interface ServiceState {
  readonly spec: ServiceSpec;
  readonly dests: readonly DestSpec[];
}

const PROTOCOLS = '{ tcp, udp, sctp }';

export function tableRef(o: RulesetOptions): string {
  return `inet ${o.table}`;
}

/** The table, its maps and base chains. Idempotent (`add` of what exists is a no-op; base chains are re-filled). */
export function skeletonCommands(o: RulesetOptions): string[] {
  const t = tableRef(o);
  const cmds = [
    `add table ${t}`,
    `add map ${t} svc4 { type ipv4_addr . inet_proto . inet_service : verdict; }`,
    `add map ${t} svc6 { type ipv6_addr . inet_proto . inet_service : verdict; }`,
    `add map ${t} fwm { type nf_proto . mark : verdict; }`,
    `add map ${t} in4 { type inet_proto . ipv4_addr . inet_service . ipv4_addr . inet_service : counter; }`,
    `add map ${t} out4 { type inet_proto . ipv4_addr . inet_service . ipv4_addr . inet_service : counter; }`,
    `add map ${t} in6 { type inet_proto . ipv6_addr . inet_service . ipv6_addr . inet_service : counter; }`,
    `add map ${t} out6 { type inet_proto . ipv6_addr . inet_service . ipv6_addr . inet_service : counter; }`,
    `add chain ${t} prerouting { type nat hook prerouting priority dstnat; policy accept; }`,
    `add chain ${t} output { type nat hook output priority -100; policy accept; }`,
    `add chain ${t} traffic { type filter hook forward priority filter; policy accept; }`,
  ];
  for (const chain of ['prerouting', 'output']) {
    cmds.push(
      `flush chain ${t} ${chain}`,
      `add rule ${t} ${chain} ip daddr . meta l4proto . th dport vmap @svc4`,
      `add rule ${t} ${chain} ip6 daddr . meta l4proto . th dport vmap @svc6`,
      `add rule ${t} ${chain} meta mark != 0 meta nfproto . meta mark vmap @fwm`,
    );
  }
  cmds.push(`flush chain ${t} traffic`);
  for (const [fam, ip] of [
    ['4', 'ip'],
    ['6', 'ip6'],
  ] as const) {
    for (const [dir, map] of [
      ['original', 'in'],
      ['reply', 'out'],
    ] as const) {
      // `meta l4proto {…}` gives the ct proto-dst/proto-src keys their type (inet_service).
      cmds.push(
        `add rule ${t} traffic meta l4proto ${PROTOCOLS} meta nfproto ipv${fam} ct status dnat ct direction ${dir} ` +
          `counter name ct original protocol . ct original ${ip} daddr . ct original proto-dst . ct reply ${ip} saddr . ct reply proto-src map @${map}${fam}`,
      );
    }
  }
  if (o.sourceNat) {
    cmds.push(
      `add set ${t} snat4 { type ipv4_addr . ipv4_addr; }`,
      `add set ${t} snat6 { type ipv6_addr . ipv6_addr; }`,
      `add chain ${t} postrouting { type nat hook postrouting priority srcnat; policy accept; }`,
      `flush chain ${t} postrouting`,
      `add rule ${t} postrouting ct status dnat ct original ip daddr . ip daddr @snat4 masquerade`,
      `add rule ${t} postrouting ct status dnat ct original ip6 daddr . ip6 daddr @snat6 masquerade`,
    );
  }
  return cmds;
}

function quote(s: string): string {
  return `"${s}"`;
}

function dispatchElement(s: ServiceSpec, withVerdict: boolean): string {
  const verdict = withVerdict ? ` : goto ${serviceChain(s)}` : '';
  if (s.fwmark !== undefined) return `fwm { ${s.family === 'inet6' ? 'ipv6' : 'ipv4'} . ${s.fwmark}${verdict} }`;
  return `${s.family === 'inet6' ? 'svc6' : 'svc4'} { ${s.address} . ${s.protocol} . ${s.port}${verdict} }`;
}

/** Keys of the traffic counter maps (address services only). */
function trafficElement(s: ServiceSpec, d: DestSpec, dir: 'in' | 'out', withCounter: boolean): string | null {
  if (s.fwmark !== undefined) return null;
  const fam = s.family === 'inet6' ? '6' : '4';
  const value = withCounter ? ` : ${quote(trafficCounter(destChain(s, d), dir))}` : '';
  return `${dir}${fam} { ${s.protocol} . ${s.address} . ${s.port} . ${d.address} . ${d.port}${value} }`;
}

function snatElement(s: ServiceSpec, d: DestSpec): string | null {
  if (s.fwmark !== undefined) return null;
  return `${s.family === 'inet6' ? 'snat6' : 'snat4'} { ${s.address} . ${d.address} }`;
}

function dnatRule(s: ServiceSpec, d: DestSpec): string {
  const ip = s.family === 'inet6' ? 'ip6' : 'ip';
  if (d.port === 0) return `dnat ${ip} to ${d.address}`;
  const to = s.family === 'inet6' ? `[${d.address}]:${d.port}` : `${d.address}:${d.port}`;
  // A port mapping needs a transport protocol in context; a fwmark service may carry any of them.
  return `meta l4proto ${s.fwmark !== undefined ? PROTOCOLS : s.protocol} dnat ${ip} to ${to}`;
}

function destRules(o: RulesetOptions, s: ServiceSpec, d: DestSpec): string[] {
  const t = tableRef(o);
  const chain = destChain(s, d);
  const out: string[] = [];
  if (isPersistent(s)) out.push(`add rule ${t} ${chain} ${persistUpdateRule(s, persistSet(chain))}`);
  out.push(`add rule ${t} ${chain} counter name ${quote(chain)}`, `add rule ${t} ${chain} ${dnatRule(s, d)}`);
  return out;
}

function addDest(o: RulesetOptions, s: ServiceSpec, d: DestSpec): string[] {
  const t = tableRef(o);
  const chain = destChain(s, d);
  const out = [
    `add counter ${t} ${chain}`,
    `add counter ${t} ${specCounter(chain)} { comment ${quote(destComment(d))}; }`,
    `add chain ${t} ${chain}`,
  ];
  if (isPersistent(s)) out.push(`add set ${t} ${persistSet(chain)} ${persistSetDecl(s)}`);
  for (const dir of ['in', 'out'] as const) {
    const el = trafficElement(s, d, dir, true);
    if (el) out.push(`add counter ${t} ${trafficCounter(chain, dir)}`, `add element ${t} ${el}`);
  }
  const snat = o.sourceNat ? snatElement(s, d) : null;
  if (snat) out.push(`add element ${t} ${snat}`);
  return [...out, ...destRules(o, s, d)];
}

/** Remove a real server's objects; its service chain must have been flushed first (it jumps to this chain). */
function removeDest(o: RulesetOptions, s: ServiceSpec, d: DestSpec): string[] {
  const t = tableRef(o);
  const chain = destChain(s, d);
  const out = [`flush chain ${t} ${chain}`];
  for (const dir of ['in', 'out'] as const) {
    const el = trafficElement(s, d, dir, false);
    if (el) out.push(`delete element ${t} ${el}`, `delete counter ${t} ${trafficCounter(chain, dir)}`);
  }
  const snat = o.sourceNat ? snatElement(s, d) : null;
  if (snat) out.push(`delete element ${t} ${snat}`);
  if (isPersistent(s)) out.push(`delete set ${t} ${persistSet(chain)}`);
  out.push(`delete chain ${t} ${chain}`, `delete counter ${t} ${chain}`, `delete counter ${t} ${specCounter(chain)}`);
  return out;
}

function serviceRules(o: RulesetOptions, st: ServiceState): string[] {
  const t = tableRef(o);
  const s = st.spec;
  const chain = serviceChain(s);
  const out = [`add rule ${t} ${chain} counter name ${quote(chain)}`];
  if (isPersistent(s)) {
    for (const d of st.dests) out.push(`add rule ${t} ${chain} ${persistLookupRule(s, persistSet(destChain(s, d)), destChain(s, d))}`);
  }
  const live = st.dests.filter((d) => d.weight > 0).map((d) => ({ chain: destChain(s, d), id: destKeyText(d), weight: d.weight }));
  const select = selectionRule(s, live);
  if (select) out.push(`add rule ${t} ${chain} ${select}`);
  return out;
}

/** "10.2.0.11:80" / "[fd00::11]:80": the identity that seeds Maglev (model.ts destId, repeated to stay pure). */
function destKeyText(d: { address: string; port: number }): string {
  return d.address.includes(':') ? `[${d.address}]:${d.port}` : `${d.address}:${d.port}`;
}

/**
 * The commands that move one service from `before` to `after` (null = absent), in the inet table (NAT) or the
 * netdev table (DR, dr.ts); a service whose forwarding changes leaves one table for the other.
 */
export function serviceTransition(o: RulesetOptions, before: ServiceState | null, after: ServiceState | null): string[] {
  const drBefore = isDrService(before);
  const drAfter = isDrService(after);
  if (!drBefore && !drAfter) return natTransition(o, before, after);
  const dro = drOptions(o);
  if (drBefore && drAfter) return drServiceTransition(dro, before, after);
  const out = drBefore ? drServiceTransition(dro, before, null) : natTransition(o, before, null);
  return [...out, ...(drAfter ? drServiceTransition(dro, null, after) : natTransition(o, null, after))];
}

/** The inet table's side of the shared transition (transition.ts). */
function natTable(o: RulesetOptions): TransitionTable {
  const t = tableRef(o);
  return {
    ref: t,
    dispatchElement,
    addDest: (s, d) => addDest(o, s, d),
    removeDest: (s, d) => removeDest(o, s, d),
    flushDest: (s, d) => [`flush chain ${t} ${destChain(s, d)}`],
    destRules: (s, d) => destRules(o, s, d),
    serviceRules: (st) => serviceRules(o, st),
  };
}

/** NAT: the commands that move one service from `before` to `after` (null = absent). [] when nothing changes. */
function natTransition(o: RulesetOptions, before: ServiceState | null, after: ServiceState | null): string[] {
  return transition(natTable(o), before, after);
}

/** The whole table for `services` from nothing (the bench's `nft -f` input and the plane's first load). */
export function fullRuleset(o: RulesetOptions, services: readonly ServiceState[]): string[] {
  return [...skeletonCommands(o), ...services.flatMap((s) => serviceTransition(o, null, s))];
}
