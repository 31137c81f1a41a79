// Which conntrack entries belong to a real server of a NAT service: the plane deletes them with a deleted server
// (IPVS drops its connections) and counts them for the active/inactive gauges (connCount.ts).
import type { ConntrackEntry } from '../../conntrack/types.js';
import { IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP } from '../ipvs/constants.js';
import type { ServiceKey } from '../model.js';

const PROTO_NUMBER = { tcp: IPPROTO_TCP, udp: IPPROTO_UDP, sctp: IPPROTO_SCTP } as const;

/** Does a conntrack entry belong to real server `d` of service `s` (reply source = the server after DNAT)? */
export function entryOfDest(s: ServiceKey, d: { address: string; port: number }, e: ConntrackEntry): boolean {
  if (e.reply.src !== d.address || (d.port !== 0 && e.reply.srcPort !== d.port)) return false;
  if (s.fwmark !== undefined) return e.orig.dst !== e.reply.src; // DNATed towards it, whichever VIP
  return e.orig.dst === s.address && e.orig.dstPort === s.port && e.orig.proto === PROTO_NUMBER[s.protocol];
}
