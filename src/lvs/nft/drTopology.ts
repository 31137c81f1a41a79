// What DR (dr.ts) needs to know of the director's links: the devices its ingress chain hooks (every link but
// loopback: VIP traffic may arrive on any of them, a VMAC included) and, per real server, the device it is
// reached through. LVS-DR needs the real servers on a network the director is directly attached to (the packet
// keeps the VIP as destination, only the MAC says where it goes; lvs.md §1.3), so the device is the link with
// the longest connected prefix holding the address; no such link = the server cannot be reached by DR.
// From rtnetlink dumps (links and addresses), no `ip` process; the choice itself is pure (egressDevices).
import type { Clock } from '../../clock/clock.js';
import { parseAddress } from '../../ip/address.js';
import type { AddressInfo, LinkInfo } from '../../net/rtnetlink.js';
import { Rtnetlink } from '../../net/rtnetlink.js';

/** IFF_LOOPBACK (linux/if.h). */
const IFF_LOOPBACK = 0x8;

export interface DrTopology {
  /** Names of the links the ingress chain hooks. */
  ingressDevices(): Promise<string[]>;
  /** address → device name, for the addresses a connected network of the director holds. */
  egress(addresses: readonly string[]): Promise<Map<string, string>>;
  /** Call `onChange` on any link or address change; returns unsubscribe. */
  watch(onChange: () => void): () => void;
  close(): void;
}

/** Every link but loopback, sorted by name. */
export function ingressLinks(links: readonly LinkInfo[]): string[] {
  return links
    .filter((l) => (l.flags & IFF_LOOPBACK) === 0)
    .map((l) => l.name)
    .sort();
}

function prefixHolds(net: Buffer, bits: number, addr: Buffer): boolean {
  if (net.length !== addr.length) return false;
  const whole = Math.floor(bits / 8);
  if (!net.subarray(0, whole).equals(addr.subarray(0, whole))) return false;
  const rest = bits % 8;
  if (!rest) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (net[whole]! & mask) === (addr[whole]! & mask);
}

/**
 * For each address, the link whose connected network (an address of its own with its prefix) holds it, the
 * longest prefix winning; host routes of our own addresses (/32, /128: VIPs) never count as a network.
 */
export function egressDevices(addresses: readonly string[], links: readonly LinkInfo[], own: readonly AddressInfo[]): Map<string, string> {
  const names = new Map(links.filter((l) => (l.flags & IFF_LOOPBACK) === 0).map((l) => [l.ifindex, l.name]));
  const nets = own
    .filter((a) => !a.tentative && names.has(a.ifindex) && a.prefixLen < (a.family === 4 ? 32 : 128))
    .map((a) => ({ net: parseAddress(a.address), bits: a.prefixLen, dev: names.get(a.ifindex)! }))
    .filter((n): n is { net: Buffer; bits: number; dev: string } => n.net !== null)
    .sort((a, b) => b.bits - a.bits);
  const out = new Map<string, string>();
  for (const address of addresses) {
    const bytes = parseAddress(address);
    const hit = bytes && nets.find((n) => prefixHolds(n.net, n.bits, bytes));
    if (hit) out.set(address, hit.dev);
  }
  return out;
}

/** The topology from rtnetlink dumps of this network namespace. */
export class RtnlDrTopology implements DrTopology {
  private rtnl: Rtnetlink | null = null;

  constructor(private readonly clock: Clock) {}

  private socket(): Rtnetlink {
    this.rtnl ??= new Rtnetlink({ clock: this.clock });
    return this.rtnl;
  }

  async ingressDevices(): Promise<string[]> {
    return ingressLinks(await this.socket().listLinks());
  }

  async egress(addresses: readonly string[]): Promise<Map<string, string>> {
    const rtnl = this.socket();
    return egressDevices(addresses, await rtnl.listLinks(), await rtnl.listAddresses());
  }

  watch(onChange: () => void): () => void {
    const rtnl = this.socket();
    const links = rtnl.watchLinks(() => onChange());
    const addresses = rtnl.watchAddresses(() => onChange());
    return () => {
      links();
      addresses();
    };
  }

  close(): void {
    this.rtnl?.close();
    this.rtnl = null;
  }
}
