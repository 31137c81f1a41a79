// Schedulers on nftables (lvs.md §1.5, §7.2-7.3): which IPVS schedulers nftables can express, and the one rule
// of a service chain that picks a real server for a new connection. Only the first packet of a connection
// traverses a nat chain, so each rule below runs once per connection, as an IPVS scheduler does.
// Candidates are the real servers with weight > 0, in the plane's order (sorted by destId); a weight-0 server is
// absent, which is IPVS's "no new jobs" (ipvsadm(8) -w) while conntrack keeps its existing flows going.
import { IP_VS_SVC_F } from '../ipvs/constants.js';
import type { ServiceSpec } from '../model.js';
import { maglevTable, MAGLEV_TABLE_SIZE } from './maglev.js';

/** What the nftables plane schedules with. "random" (weighted random) is a vipd extension, not an IPVS name. */
export const NFT_SCHEDULERS = ['rr', 'wrr', 'sh', 'mh', 'random'] as const;

/** The forwarding methods the nftables plane implements: NAT (masq) and DR (route, dr.ts). */
export const NFT_FORWARD_METHODS = ['masq', 'route'] as const;

/**
 * jhash seed: fixed, so that every director (and every restart) maps a client to the same slot. Without a seed
 * the kernel draws a random one per rule (nft_jhash_init).
 */
export const JHASH_SEED = 0x76697064; // "vipd"

const WHAT_WORKS = `the nftables data plane does ${NFT_SCHEDULERS.join(', ')} (with sh-port/mh-port and persistence) and lvs_method NAT and DR`;

const NEEDS_COUNTS: Readonly<Record<string, string>> = {
  lc: 'least-connection',
  wlc: 'weighted least-connection',
  sed: 'shortest expected delay',
  nq: 'never queue',
  lblc: 'locality-based least-connection',
  lblcr: 'locality-based least-connection with replication',
  ovf: 'weighted overflow',
  twos: 'weighted random twos',
};

/**
 * null when the nftables plane can run a service with this scheduler and these IPVS service flags
 * (IP_VS_SVC_F_*), else the reason, naming what works. For check-config and for apply().
 */
export function nftSupports(scheduler: string, flags: number): string | null {
  if (NEEDS_COUNTS[scheduler]) {
    return `scheduler "${scheduler}" (${NEEDS_COUNTS[scheduler]}) needs live connection counts per real server, which nftables does not keep; ${WHAT_WORKS}`;
  }
  if (scheduler === 'dh') return `scheduler "dh" (destination hashing) is not implemented on nftables; ${WHAT_WORKS}`;
  if (scheduler === 'fo') return `scheduler "fo" (weighted failover) is not implemented on nftables; ${WHAT_WORKS}`;
  if (!(NFT_SCHEDULERS as readonly string[]).includes(scheduler)) return `unknown scheduler "${scheduler}"; ${WHAT_WORKS}`;
  if (flags & IP_VS_SVC_F.ONEPACKET) return `one-packet scheduling (ops) is not implemented on nftables; ${WHAT_WORKS}`;
  return null;
}

/** null when the nftables plane can forward this way, else the reason. */
export function nftSupportsForward(forward: string): string | null {
  if ((NFT_FORWARD_METHODS as readonly string[]).includes(forward)) return null;
  const name = forward === 'tunnel' ? 'TUN' : forward;
  return `lvs_method ${name} is not implemented on nftables (TUN needs an encapsulation nftables does not do): ${WHAT_WORKS}`;
}

/**
 * null when a DR real server fits its service, else the reason: DR forwards at netdev ingress, before the
 * firewall could set a mark (so no fwmark service), and one service forwards one way (its rules live either in
 * the inet table, NAT, or in the netdev table, DR).
 */
export function nftDrFits(service: { fwmark?: number }, forward: string, otherForwards: readonly string[]): string | null {
  const dr = forward === 'route';
  if (dr && service.fwmark !== undefined) {
    return 'lvs_method DR on nftables forwards at netdev ingress, before any rule could set a fwmark: use an address virtual_server';
  }
  if (otherForwards.some((f) => (f === 'route') !== dr)) return 'a virtual_server mixing lvs_method DR and NAT real servers is not implemented on nftables: give each its own virtual_server';
  return null;
}

export interface Candidate {
  /** The real server's chain (the verdict target). */
  readonly chain: string;
  /** Its identity (destId), which seeds its Maglev permutation. */
  readonly id: string;
  readonly weight: number;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** `0-2 : goto a, 3 : goto b` — each candidate gets a range as wide as its weight (reduced by the gcd). */
function weightRanges(live: readonly Candidate[]): { total: number; elements: string } {
  const g = live.reduce((acc, c) => gcd(acc, c.weight), 0);
  let at = 0;
  const parts: string[] = [];
  for (const c of live) {
    const w = c.weight / g;
    parts.push(`${w === 1 ? at : `${at}-${at + w - 1}`} : goto ${c.chain}`);
    at += w;
  }
  return { total: at, elements: parts.join(', ') };
}

/** Runs of equal slots folded into ranges (`0-3 : goto a`), so a Maglev map holds fewer elements. */
function slotRuns(table: Int32Array, live: readonly Candidate[]): string {
  const parts: string[] = [];
  let start = 0;
  for (let i = 1; i <= table.length; i++) {
    if (i < table.length && table[i] === table[start]) continue;
    const target = live[table[start]!]!.chain;
    parts.push(`${i - 1 === start ? start : `${start}-${i - 1}`} : goto ${target}`);
    start = i;
  }
  return parts.join(', ');
}

function hashKey(s: ServiceSpec, withPort: boolean): string {
  const saddr = s.family === 'inet6' ? 'ip6 saddr' : 'ip saddr';
  return withPort ? `${saddr} . th sport` : saddr;
}

/**
 * The selection rule of a service chain (the text after `add rule <table> <chain> `), or null when no real
 * server may take new connections. The scheduler must have passed nftSupports().
 */
export function selectionRule(s: ServiceSpec, live: readonly Candidate[]): string | null {
  if (!live.length) return null;
  const seed = `seed 0x${JHASH_SEED.toString(16)}`;
  switch (s.scheduler) {
    case 'rr':
      // IPVS rr ignores weights (other than 0): one slot each, in turn.
      return `numgen inc mod ${live.length} vmap { ${live.map((c, i) => `${i} : goto ${c.chain}`).join(', ')} }`;
    case 'wrr': {
      // Deterministic and exact per cycle (3/1/1 → 30/10/10 of 50); bursty within a cycle where IPVS interleaves.
      const r = weightRanges(live);
      return `numgen inc mod ${r.total} vmap { ${r.elements} }`;
    }
    case 'random': {
      const r = weightRanges(live);
      return `numgen random mod ${r.total} vmap { ${r.elements} }`;
    }
    case 'sh': {
      // sh-port (SCHED2) hashes the source port too; sh-fallback (SCHED1) needs nothing: unavailable servers
      // are never in the map. Removing one remaps under `mod` (lvs.md §7.3): mh is the stable choice.
      const r = weightRanges(live);
      return `jhash ${hashKey(s, (s.flags & IP_VS_SVC_F.SCHED2) !== 0)} mod ${r.total} ${seed} vmap { ${r.elements} }`;
    }
    case 'mh': {
      const table = maglevTable(live.map((c) => ({ id: c.id, weight: c.weight })));
      return `jhash ${hashKey(s, (s.flags & IP_VS_SVC_F.SCHED2) !== 0)} mod ${MAGLEV_TABLE_SIZE} ${seed} vmap { ${slotRuns(table, live)} }`;
    }
    default:
      return null;
  }
}

/** Is the selection a hash of the packet (the same answer for every packet of a flow, on every director)? */
export function selectsByHash(s: ServiceSpec): boolean {
  return s.scheduler === 'sh' || s.scheduler === 'mh';
}

/**
 * DR's rule for a packet of a flow this director does not know and that is not a flow's first (after a failover
 * or a restart): a stateless hash of the flow, so every director with the same real servers in the same order
 * picks alike. sh and mh already hash: their own rule. rr, wrr and random picked the flow's server by a counter
 * no other director shares: a weighted jhash of the client address and port, which keeps the flow only where it
 * lands on the server the counter had picked (docs/lvs.md: use mh for DR pairs).
 */
export function flowHashRule(s: ServiceSpec, live: readonly Candidate[]): string | null {
  if (!live.length) return null;
  if (selectsByHash(s)) return selectionRule(s, live);
  const r = weightRanges(live);
  return `jhash ${hashKey(s, true)} mod ${r.total} seed 0x${JHASH_SEED.toString(16)} vmap { ${r.elements} }`;
}
