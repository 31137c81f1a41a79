// Which Linux capabilities this process holds, read from /proc/self/status (no process spawned), so that
// vipd can refuse to start with a message naming the one that is missing instead of failing mid-takeover.
import { readFileSync } from 'node:fs';

export const CAP_NET_ADMIN = 12;
export const CAP_NET_RAW = 13;

const NEEDED: readonly { cap: number; name: string; why: string }[] = [
  { cap: CAP_NET_RAW, name: 'CAP_NET_RAW', why: 'VRRP (IP protocol 112) and gratuitous-ARP sockets' },
  { cap: CAP_NET_ADMIN, name: 'CAP_NET_ADMIN', why: 'adding and removing virtual IPs, multicast membership' },
];

export function effectiveCapabilities(statusText?: string): bigint | null {
  let text = statusText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/status', 'utf8');
    } catch {
      return null;
    }
  }
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(text);
  return m ? BigInt('0x' + m[1]) : null;
}

/** One message per missing capability (empty when all are held or when /proc cannot tell). */
export function missingCapabilities(capEff: bigint | null = effectiveCapabilities()): string[] {
  if (capEff === null) return [];
  return NEEDED.filter((n) => (capEff & (1n << BigInt(n.cap))) === 0n).map(
    (n) => `missing capability ${n.name} (needed for ${n.why}); run as root or grant it, e.g. AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW`,
  );
}
