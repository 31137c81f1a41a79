// IPVS's per-destination ActiveConn/InActConn (node_ipvs_backend_connections_active/_inactive) on nftables, which
// keeps no per-destination connection state: counted from what the kernel does keep. Pure: the plane feeds it
// conntrack entries (NAT) or the JSON listing of the DR flow sets.
//
// What IPVS counts (Linux, net/netfilter/ipvs/):
// - ip_vs_ctl.c __ip_vs_update_dest: `conn_flags |= IP_VS_CONN_F_INACTIVE;` — every new connection starts
//   inactive; ip_vs_conn.c ip_vs_bind_dest: `if (!(flags & IP_VS_CONN_F_TEMPLATE)) { if (!(flags &
//   IP_VS_CONN_F_INACTIVE)) atomic_inc(&dest->activeconns); else atomic_inc(&dest->inactconns); } else
//   atomic_inc(&dest->persistconns);` — templates (persistence) are counted apart, never as connections.
// - ip_vs_proto_tcp.c set_tcp_state moves a connection between the two on every state change:
//   `if (!(cp->flags & IP_VS_CONN_F_INACTIVE) && !tcp_state_active(new_state)) { activeconns--; inactconns++; }`
//   and back, with `tcp_state_active_table`: ESTABLISHED, SYN_SENT, SYN_RECV and SYNACK true, every other state
//   (FIN_WAIT, TIME_WAIT, CLOSE, CLOSE_WAIT, LAST_ACK, LISTEN, NONE) false. (Before Linux 4.10, "ipvs: count
//   pre-established TCP states as active", only ESTABLISHED was active.)
// - ip_vs_proto_sctp.c set_sctp_state: active only in IP_VS_SCTP_S_ESTABLISHED.
// - UDP (and any protocol without a state table) never changes state: always inactive.
import * as C from '../../conntrack/constants.js';
import type { ConntrackEntry } from '../../conntrack/types.js';
import { IPPROTO_SCTP, IPPROTO_TCP } from '../ipvs/constants.js';
import type { DestSpec, ServiceKey } from '../model.js';
import { destId, serviceId } from '../model.js';
import { entryOfDest } from './entryOfDest.js';
import { closingSet, destChain, flowSet } from './names.js';

/** enum tcp_conntrack (include/uapi/linux/netfilter/nf_conntrack_tcp.h). */
const TCP_SYN_SENT = 1;
const TCP_SYN_RECV = 2;
const TCP_SYN_SENT2 = 9; // simultaneous open

/**
 * Would IPVS count this connection as active? conntrack's TCP states mapped onto tcp_state_active_table: its
 * SYN_SENT (client SYN seen), SYN_RECV (server SYN-ACK seen), SYN_SENT2 (simultaneous open) and ESTABLISHED are
 * the pre-established and established states IPVS counts active; FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT and
 * CLOSE are not. SCTP: vipd's codec does not decode conntrack's SCTP state, so IPS_ASSURED stands for it
 * (nf_conntrack_proto_sctp.c sets it when the association reaches ESTABLISHED, and never clears it: an
 * association shutting down still counts active until its entry goes). UDP, ICMP and the rest: inactive.
 */
export function ipvsActive(e: ConntrackEntry): boolean {
  switch (e.orig.proto) {
    case IPPROTO_TCP: {
      const s = e.tcp?.state;
      return s === C.TCP_CONNTRACK_ESTABLISHED || s === TCP_SYN_SENT || s === TCP_SYN_RECV || s === TCP_SYN_SENT2;
    }
    case IPPROTO_SCTP:
      return (e.status & C.IPS_ASSURED) !== 0;
    default:
      return false;
  }
}

interface Slot {
  readonly svc: ServiceKey;
  readonly dest: { address: string; port: number };
  active: number;
  inactive: number;
}

/**
 * Conntrack entries → counts per (service, real server), fed one entry at a time as a dump streams in (no entry
 * kept). An entry counts for the real server it was DNATed to (entryOfDest: reply source = the server), once:
 * services with an address first, a fwmark service (matched on the server alone) only for what no address
 * service claims. Entries of no service of ours are skipped.
 */
export class NatConnTally {
  /** reply source "address port" (port "*" for a server of port 0) → its slots. */
  private readonly byServer = new Map<string, Slot[]>();
  private readonly slots: { id: string; dest: string; slot: Slot }[] = [];
  /** Entries counted, and entries seen (for the cost figures). */
  counted = 0;
  seen = 0;

  constructor(services: readonly { readonly spec: ServiceKey; readonly dests: readonly DestSpec[] }[]) {
    // Address services before fwmark ones, so that the first slot that matches wins.
    const ordered = [...services].sort((a, b) => Number(a.spec.fwmark !== undefined) - Number(b.spec.fwmark !== undefined));
    for (const s of ordered) {
      for (const d of s.dests) {
        const slot: Slot = { svc: s.spec, dest: d, active: 0, inactive: 0 };
        const key = `${d.address} ${d.port === 0 ? '*' : d.port}`;
        const list = this.byServer.get(key);
        if (list) list.push(slot);
        else this.byServer.set(key, [slot]);
        this.slots.push({ id: serviceId(s.spec), dest: destId(d), slot });
      }
    }
  }

  add(e: ConntrackEntry): void {
    this.seen++;
    const slot = this.match(this.byServer.get(`${e.reply.src} ${e.reply.srcPort}`), e) ?? this.match(this.byServer.get(`${e.reply.src} *`), e);
    if (!slot) return;
    this.counted++;
    if (ipvsActive(e)) slot.active++;
    else slot.inactive++;
  }

  private match(list: Slot[] | undefined, e: ConntrackEntry): Slot | undefined {
    if (!list) return undefined;
    for (const s of list) if (entryOfDest(s.svc, s.dest, e)) return s;
    return undefined;
  }

  /** Every (service, real server) given at construction, 0 included. */
  result(into: Map<string, Map<string, { active: number; inactive: number }>> = new Map()): Map<string, Map<string, { active: number; inactive: number }>> {
    for (const { id, dest, slot } of this.slots) {
      let m = into.get(id);
      if (!m) into.set(id, (m = new Map()));
      m.set(dest, { active: slot.active, inactive: slot.inactive });
    }
    return into;
  }
}

const SET_OPEN = '{"set": {';
const ELEM_OPEN = '{"elem": {';
const NAME_KEY = '"name": "';

/**
 * Elements per set name in the JSON of `list sets table netdev vipd_dr` (libnftables JSON schema 1). Not
 * JSON.parse: 100,000 flows make 8.7 MB of JSON that takes 140-250 ms to parse on the event loop, and a scan
 * of it 5-7 ms (bench/RESULTS.md). Relies on what libnftables prints: each set as `{"set": {…, "name": "N", …,
 * "elem": [{"elem": {"val": …, "timeout": …, "expires": …}}, …]}}` (an element of a set with timeouts is
 * always an object); no value of ours contains those keys. Text that is not such a listing gives an empty map.
 */
export function countSetElements(json: string): Map<string, number> {
  const out = new Map<string, number>();
  let at = json.indexOf(SET_OPEN);
  while (at >= 0) {
    const next = json.indexOf(SET_OPEN, at + SET_OPEN.length);
    const end = next < 0 ? json.length : next;
    const n = json.indexOf(NAME_KEY, at);
    if (n >= 0 && n < end) {
      const name = json.slice(n + NAME_KEY.length, json.indexOf('"', n + NAME_KEY.length));
      let count = 0;
      for (let i = json.indexOf(ELEM_OPEN, n); i >= 0 && i < end; i = json.indexOf(ELEM_OPEN, i + ELEM_OPEN.length)) count++;
      out.set(name, count);
    }
    at = next;
  }
  return out;
}

/**
 * DR: the director has no conntrack entry for these flows (netdev ingress, before conntrack); the plane's flow
 * sets are what it knows (dr.ts). TCP: a flow in f… and not in c… (the client sent no FIN/RST yet) is active,
 * one in c… (closing, gone 120 s later) inactive; c… is a subset of f… (a FIN or RST updates both), so active
 * = |f| − |c|. UDP and SCTP flows: inactive (IPVS: UDP never active; an SCTP flow's state is unknown here).
 * What differs from IPVS, which also sees only the client's packets on DR (IP_VS_CONN_F_NOOUTPUT: its
 * TCP_DIR_INPUT_ONLY state table): a flow is active from its SYN as IPVS's SYN_RECV is, and inactive from the
 * client's FIN or RST as IPVS's FIN_WAIT/CLOSE are; but a flow learnt mid-connection (after a failover, through
 * the flow hash) counts active at once, a flow idle for 900 s without FIN is forgotten (IPVS: the same
 * ESTABLISHED timeout), and a full set (1,048,576 flows) stops remembering new ones.
 */
export function drConnectionCounts(
  services: readonly { readonly spec: ServiceKey; readonly dests: readonly DestSpec[] }[],
  elements: ReadonlyMap<string, number>,
  into: Map<string, Map<string, { active: number; inactive: number }>> = new Map(),
): Map<string, Map<string, { active: number; inactive: number }>> {
  for (const s of services) {
    const perDest = new Map<string, { active: number; inactive: number }>();
    for (const d of s.dests) {
      const chain = destChain(s.spec, d);
      const flows = elements.get(flowSet(chain)) ?? 0;
      if (s.spec.fwmark === undefined && s.spec.protocol === 'tcp') {
        const closing = Math.min(flows, elements.get(closingSet(chain)) ?? 0);
        perDest.set(destId(d), { active: flows - closing, inactive: closing });
      } else {
        perDest.set(destId(d), { active: 0, inactive: flows });
      }
    }
    into.set(serviceId(s.spec), perDest);
  }
  return into;
}
