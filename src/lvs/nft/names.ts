// Names of the objects the nftables data plane keeps in its own table, and the comments that carry each
// service's and real server's spec, so that read() can rebuild the LvsTable from the kernel alone (a restarted
// vipd adopts its table without changing a rule; lvs.md §9.6). Names are derived from the identity
// (serviceId/destId), never from an order or a counter, so every director and every restart names alike.
// nft identifiers allow letters, digits, '_' and '.'; ':' (IPv6) becomes 'x', which no address or port
// contains, and '_' separates the parts, which no part contains.
import type { DestSpec, ServiceSpec } from '../model.js';
import type { ForwardMethod } from '../ipvs/constants.js';
import { FORWARD_METHODS } from '../ipvs/constants.js';
import type { IpvsFamily, IpvsProtocol, ServiceKey } from '../ipvs/types.js';

function part(address: string): string {
  return address.replace(/:/g, 'x');
}

/** "tcp_10.1.0.100_80", "udp_fd00x1xx1_53", "fwm4_7" / "fwm6_7". */
export function serviceSlug(k: ServiceKey): string {
  if (k.fwmark !== undefined) return `fwm${k.family === 'inet6' ? 6 : 4}_${k.fwmark}`;
  return `${k.protocol}_${part(k.address)}_${k.port}`;
}

/** The service's chain, and its counter of new connections (chains and counters are separate namespaces). */
export function serviceChain(k: ServiceKey): string {
  return `s_${serviceSlug(k)}`;
}

/** The real server's chain (and its counter of new connections). */
export function destChain(k: ServiceKey, d: { address: string; port: number }): string {
  return `r_${serviceSlug(k)}_${part(d.address)}_${d.port}`;
}

/** The service chain a real server's chain belongs to (its name minus the server's suffix), or null. */
export function serviceChainOfDest(chain: string, d: { address: string; port: number }): string | null {
  const suffix = `_${part(d.address)}_${d.port}`;
  if (!chain.startsWith('r_') || !chain.endsWith(suffix) || chain.length <= suffix.length + 2) return null;
  return `s_${chain.slice(2, chain.length - suffix.length)}`;
}

/** The counter that only carries a spec in its comment (never referenced by a rule, so it can be replaced). */
export function specCounter(chain: string): string {
  return `m${chain}`;
}

/** Packets/bytes client→server ("in", IPVS InPkts) and server→client ("out") of one real server. */
export function trafficCounter(chain: string, dir: 'in' | 'out'): string {
  return `${dir === 'in' ? 'i' : 'o'}${chain}`;
}

/** The persistence set of one real server: clients (masked) that stick to it. */
export function persistSet(chain: string): string {
  return `p${chain}`;
}

/** DR: the flows (client address . source port) a real server carries, a dynamic set with timeouts (dr.ts). */
export function flowSet(chain: string): string {
  return `f${chain}`;
}

/** DR, TCP: the flows of a real server that sent a FIN or RST (no longer refreshed to the established timeout). */
export function closingSet(chain: string): string {
  return `c${chain}`;
}

/** DR: the chain that remembers a flow and forwards its packet to the real server (dr.ts). */
export function forwardChain(chain: string): string {
  return `x${chain}`;
}

// Spec comments: "vipd1 svc tcp inet 10.1.0.100 80 wrr 1 300 24 -" and "vipd1 rs 10.2.0.11 80 masq 3 0 0".
// Positional and short: nft limits a comment to 128 bytes. The "vipd1" tag versions the format.
const TAG = 'vipd1';

export function serviceComment(s: ServiceSpec): string {
  const key = s.fwmark !== undefined ? `fwm ${s.family} ${s.fwmark} 0` : `${s.protocol} ${s.family} ${s.address} ${s.port}`;
  return `${TAG} svc ${key} ${s.scheduler} ${s.flags} ${s.timeoutS} ${s.netmaskBits} ${s.peName ?? '-'}`;
}

export function destComment(d: DestSpec): string {
  return `${TAG} rs ${d.address} ${d.port} ${d.forward} ${d.weight} ${d.upperThreshold} ${d.lowerThreshold}`;
}

const PROTOCOLS: readonly string[] = ['tcp', 'udp', 'sctp'];
const FAMILIES: readonly string[] = ['inet', 'inet6'];
const uint = (t: string | undefined, max: number): number | null => {
  if (t === undefined || !/^\d{1,10}$/.test(t)) return null;
  const n = Number(t);
  return n <= max ? n : null;
};
const ADDRESS = /^[0-9a-fA-F.:]{2,45}$/;

/** The spec a service comment carries, or null when it is not one of ours or is damaged. */
export function parseServiceComment(text: string): ServiceSpec | null {
  const t = text.split(' ');
  if (t.length !== 11 || t[0] !== TAG || t[1] !== 'svc' || !FAMILIES.includes(t[3]!)) return null;
  const family = t[3] as IpvsFamily;
  const scheduler = t[6]!;
  const flags = uint(t[7], 0xffffffff);
  const timeoutS = uint(t[8], 0xffffffff);
  const netmaskBits = uint(t[9], 128);
  if (!/^[a-z0-9]{1,15}$/.test(scheduler) || flags === null || timeoutS === null || netmaskBits === null) return null;
  const common = { scheduler, flags, timeoutS, netmaskBits, ...(t[10] !== '-' ? { peName: t[10]! } : {}) };
  if (t[2] === 'fwm') {
    const fwmark = uint(t[4], 0xffffffff);
    return fwmark === null ? null : { family, fwmark, ...common };
  }
  const port = uint(t[5], 65535);
  if (!PROTOCOLS.includes(t[2]!) || !ADDRESS.test(t[4]!) || port === null) return null;
  return { family, protocol: t[2] as IpvsProtocol, address: t[4]!, port, ...common };
}

/** The spec a real-server comment carries, or null. */
export function parseDestComment(text: string): DestSpec | null {
  const t = text.split(' ');
  if (t.length !== 8 || t[0] !== TAG || t[1] !== 'rs' || !ADDRESS.test(t[2]!)) return null;
  const port = uint(t[3], 65535);
  const weight = uint(t[5], 0x7fffffff);
  const upperThreshold = uint(t[6], 0xffffffff);
  const lowerThreshold = uint(t[7], 0xffffffff);
  if (port === null || weight === null || upperThreshold === null || lowerThreshold === null) return null;
  if (!Object.hasOwn(FORWARD_METHODS, t[4]!)) return null;
  return { address: t[2]!, port, forward: t[4] as ForwardMethod, weight, upperThreshold, lowerThreshold };
}
