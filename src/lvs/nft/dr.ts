// lvs_method DR (direct routing, lvs.md §1.3) on nftables: the real servers hold the VIP on a non-ARPing
// interface and answer the client directly, so the director only hands each client packet to the chosen real
// server's MAC address, unchanged otherwise. Done at netdev ingress in vipd's own netdev table:
//
// table netdev vipd_dr
//   chain ingress (filter hook ingress, devices = every link of the director): one vmap lookup per family
//   maps svc4/svc6  daddr . l4proto . dport : goto s_<service>
//   chain s_<svc>   known flow → goto x_; counter (new flows); persistence lookups; scheduler (first packets);
//                   stateless flow hash (any other packet: after a failover or a restart)
//   chain r_<svc>_<rs>   counter (new flows) → persistence update → goto x…
//   chain x…        remember the flow (f… set, timeout) → counter (packets in) → fwd ip to <rs> device <dev>
//
// Why `fwd ip to <address> device <dev>` (nft_fwd_neigh, Linux ≥ 4.19) and not `ether daddr set <mac> fwd to`:
// it transmits through the kernel's neighbour table (neigh_xmit), which resolves the real server's MAC by ARP/ND,
// queues the packet meanwhile, and follows a MAC change; vipd keeps no MAC and a real server whose MAC is not
// known yet is just one whose first packets wait for ARP, as with IPVS. It decrements the TTL (IPVS DR does not).
//
// No conntrack at ingress, so flows are kept here: per real server a dynamic set of (client address, source
// port) refreshed by every packet, with IPVS's default timeouts (tcp 900 s, tcpfin 120 s, udp 300 s;
// ip_vs_proto_tcp.c / ip_vs_proto_udp.c). A director of DR sees only the client's half of a TCP connection, as
// IPVS's input-only state table does: after the client's FIN or RST the flow goes to a closing set and is no
// longer refreshed to 900 s by the ACKs that follow, so a closed connection is forgotten 120 s later (IPVS: TIME_WAIT). A TCP SYN (without ACK) is a new connection and meets the scheduler;
// UDP and SCTP have no first packet to tell, so any packet of an unknown flow is scheduled. An unknown TCP
// packet that is not a SYN belongs to a flow another director (or this one before a restart) started: it meets
// a stateless hash of the flow (schedulers.ts flowHashRule), the same on every director.
// Health semantics as IPVS (lvs.md §0.7): weight 0 = out of the scheduler and the hash, its flow set still
// consulted first (open connections go on); delete = its flow set goes with it (its connections break).
import type { DestSpec, ServiceSpec } from '../model.js';
import {
  closingSet,
  destChain,
  destComment,
  flowSet,
  forwardChain,
  persistSet,
  serviceChain,
  specCounter,
  trafficCounter,
} from './names.js';
import { isPersistent, persistLookupRule, persistSetDecl, persistUpdateRule } from './persistence.js';
import { flowHashRule, selectionRule, selectsByHash } from './schedulers.js';
import { transition, type TransitionTable } from './transition.js';

/** IPVS's default connection timeouts (ipvsadm --set): tcp established, tcpfin, udp. */
export const DR_TIMEOUT_S = { tcp: 900, tcpfin: 120, udp: 300 } as const;

/** Flows remembered per real server; a full set stops remembering (those flows meet the flow hash). */
export const FLOW_SET_SIZE = 1048576;

export interface DrOptions {
  /** The netdev table (default "vipd_dr"). */
  readonly drTable: string;
  /**
   * The device each real server address is reached through (a link with a connected network that holds it).
   * A real server without one stays out of scheduling and its packets are not forwarded.
   */
  readonly egress: ReadonlyMap<string, string>;
  /**
   * Real servers (by destChain) whose forward chain names another device than `egress` now says (the director's
   * addressing changed): rewritten even though their spec did not change.
   */
  readonly rewrite?: ReadonlySet<string>;
}

export interface DrServiceState {
  readonly spec: ServiceSpec;
  readonly dests: readonly DestSpec[];
}

export function drTableRef(o: { drTable: string }): string {
  return `netdev ${o.drTable}`;
}

function quote(s: string): string {
  return `"${s}"`;
}

const ip = (s: ServiceSpec): string => (s.family === 'inet6' ? 'ip6' : 'ip');

/** The client's flow: address . source port. */
function flowKey(s: ServiceSpec): string {
  return `${ip(s)} saddr . th sport`;
}

function flowSetDecl(s: ServiceSpec): string {
  return `{ type ${s.family === 'inet6' ? 'ipv6_addr' : 'ipv4_addr'} . inet_service; flags dynamic,timeout; size ${FLOW_SET_SIZE}; }`;
}

/**
 * The table, its maps and the ingress chain on `devices` (sorted; nft names them, so they must exist). `add
 * chain` of an existing base chain adds the devices it lacks and keeps the others.
 */
export function drSkeletonCommands(o: { drTable: string }, devices: readonly string[]): string[] {
  const t = drTableRef(o);
  return [
    `add table ${t}`,
    `add map ${t} svc4 { type ipv4_addr . inet_proto . inet_service : verdict; }`,
    `add map ${t} svc6 { type ipv6_addr . inet_proto . inet_service : verdict; }`,
    `add chain ${t} ingress { type filter hook ingress devices = { ${devices.map(quote).join(', ')} } priority filter; policy accept; }`,
    `flush chain ${t} ingress`,
    `add rule ${t} ingress ip daddr . meta l4proto . th dport vmap @svc4`,
    `add rule ${t} ingress ip6 daddr . meta l4proto . th dport vmap @svc6`,
  ];
}

function dispatchElement(s: ServiceSpec, withVerdict: boolean): string {
  const verdict = withVerdict ? ` : goto ${serviceChain(s)}` : '';
  return `${s.family === 'inet6' ? 'svc6' : 'svc4'} { ${s.address} . ${s.protocol} . ${s.port}${verdict} }`;
}

/** The forward chain: remember the flow, count, hand the packet to the real server's neighbour entry. */
function forwardRules(o: DrOptions, s: ServiceSpec, d: DestSpec): string[] {
  const t = drTableRef(o);
  const chain = destChain(s, d);
  const x = forwardChain(chain);
  const set = `@${flowSet(chain)}`;
  const out: string[] = [];
  if (s.protocol === 'tcp') {
    // A FIN or RST shortens the flow's life to tcpfin and marks it closing; a SYN (a new connection, maybe on a
    // reused port) gets the established timeout; other packets refresh it unless it is closing. The rules are
    // separate from the fwd so that a full set stops remembering, never forwarding.
    const closing = `@${closingSet(chain)}`;
    const fin = DR_TIMEOUT_S.tcpfin;
    out.push(
      `add rule ${t} ${x} tcp flags & (fin | rst) != 0 update ${closing} { ${flowKey(s)} timeout ${fin}s } update ${set} { ${flowKey(s)} timeout ${fin}s }`,
      `add rule ${t} ${x} tcp flags & (syn | ack) == syn update ${set} { ${flowKey(s)} timeout ${DR_TIMEOUT_S.tcp}s }`,
      `add rule ${t} ${x} tcp flags & (fin | rst | syn) == 0 ${flowKey(s)} != ${closing} update ${set} { ${flowKey(s)} timeout ${DR_TIMEOUT_S.tcp}s }`,
    );
  } else {
    out.push(`add rule ${t} ${x} update ${set} { ${flowKey(s)} timeout ${DR_TIMEOUT_S.udp}s }`);
  }
  const dev = o.egress.get(d.address);
  // Without a device the packet is counted and falls back to the director's own stack (as IPVS does for a
  // service without a usable real server); the server is out of scheduling meanwhile.
  out.push(`add rule ${t} ${x} counter name ${quote(trafficCounter(chain, 'in'))}${dev ? ` fwd ${ip(s)} to ${d.address} device ${quote(dev)}` : ''}`);
  return out;
}

function destRules(o: DrOptions, s: ServiceSpec, d: DestSpec): string[] {
  const t = drTableRef(o);
  const chain = destChain(s, d);
  const out = [`add rule ${t} ${chain} counter name ${quote(chain)}`];
  if (isPersistent(s)) out.push(`add rule ${t} ${chain} ${persistUpdateRule(s, persistSet(chain))}`);
  out.push(`add rule ${t} ${chain} goto ${forwardChain(chain)}`);
  return [...forwardRules(o, s, d), ...out];
}

function addDest(o: DrOptions, s: ServiceSpec, d: DestSpec): string[] {
  const t = drTableRef(o);
  const chain = destChain(s, d);
  const out = [
    `add counter ${t} ${chain}`,
    `add counter ${t} ${specCounter(chain)} { comment ${quote(destComment(d))}; }`,
    `add counter ${t} ${trafficCounter(chain, 'in')}`,
    `add set ${t} ${flowSet(chain)} ${flowSetDecl(s)}`,
  ];
  if (s.protocol === 'tcp') out.push(`add set ${t} ${closingSet(chain)} ${flowSetDecl(s)}`);
  if (isPersistent(s)) out.push(`add set ${t} ${persistSet(chain)} ${persistSetDecl(s)}`);
  out.push(`add chain ${t} ${forwardChain(chain)}`, `add chain ${t} ${chain}`);
  return [...out, ...destRules(o, s, d)];
}

/** Remove a real server and its flows; its service chain must have been flushed first (it jumps here). */
function removeDest(o: DrOptions, s: ServiceSpec, d: DestSpec): string[] {
  const t = drTableRef(o);
  const chain = destChain(s, d);
  const out = [`flush chain ${t} ${chain}`, `flush chain ${t} ${forwardChain(chain)}`, `delete chain ${t} ${chain}`, `delete chain ${t} ${forwardChain(chain)}`];
  out.push(`delete set ${t} ${flowSet(chain)}`);
  if (s.protocol === 'tcp') out.push(`delete set ${t} ${closingSet(chain)}`);
  if (isPersistent(s)) out.push(`delete set ${t} ${persistSet(chain)}`);
  out.push(`delete counter ${t} ${chain}`, `delete counter ${t} ${specCounter(chain)}`, `delete counter ${t} ${trafficCounter(chain, 'in')}`);
  return out;
}

function serviceRules(o: DrOptions, st: DrServiceState): string[] {
  const t = drTableRef(o);
  const s = st.spec;
  const chain = serviceChain(s);
  const rule = (text: string): string => `add rule ${t} ${chain} ${text}`;
  // Known flows first, of every server (weight 0 included: its open connections go on).
  const out = st.dests.map((d) => rule(`${flowKey(s)} @${flowSet(destChain(s, d))} goto ${forwardChain(destChain(s, d))}`));
  out.push(rule(`counter name ${quote(chain)}`));
  if (isPersistent(s)) for (const d of st.dests) out.push(rule(persistLookupRule(s, persistSet(destChain(s, d)), destChain(s, d))));
  const live = st.dests
    .filter((d) => d.weight > 0 && o.egress.has(d.address))
    .map((d) => ({ chain: destChain(s, d), id: destKeyText(d), weight: d.weight }));
  const select = selectionRule(s, live);
  if (!select) return out;
  if (s.protocol !== 'tcp' || selectsByHash(s)) {
    out.push(rule(select));
  } else {
    out.push(rule(`tcp flags & (syn | ack) == syn ${select}`), rule(flowHashRule(s, live)!));
  }
  return out;
}

/** "10.2.0.11:80" / "[fd00::11]:80": the identity that seeds Maglev (as ruleset.ts). */
function destKeyText(d: { address: string; port: number }): string {
  return d.address.includes(':') ? `[${d.address}]:${d.port}` : `${d.address}:${d.port}`;
}

/** The netdev table's side of the shared transition (transition.ts). */
function drTable(o: DrOptions): TransitionTable {
  const t = drTableRef(o);
  return {
    ref: t,
    dispatchElement,
    addDest: (s, d) => addDest(o, s, d),
    removeDest: (s, d) => removeDest(o, s, d),
    flushDest: (s, d) => [`flush chain ${t} ${destChain(s, d)}`, `flush chain ${t} ${forwardChain(destChain(s, d))}`],
    destRules: (s, d) => destRules(o, s, d),
    serviceRules: (st) => serviceRules(o, st),
    // The director's device towards a real server changed: only its forward chain names the device.
    rewrite: {
      needed: (s, d) => o.rewrite?.has(destChain(s, d)) === true,
      commands: (s, d) => [`flush chain ${t} ${forwardChain(destChain(s, d))}`, ...forwardRules(o, s, d)],
    },
  };
}

/**
 * The commands that move one DR service from `before` to `after` (null = absent), touching only what changed,
 * as ruleset.ts does for NAT (both through transition.ts). [] when nothing changes.
 */
export function drServiceTransition(o: DrOptions, before: DrServiceState | null, after: DrServiceState | null): string[] {
  return transition(drTable(o), before, after);
}
