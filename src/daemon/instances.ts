// The shapes the daemon's parts share: a running instance with everything built for it, an instance planned for
// building, and where a VIP goes. One file so that the router, the link watch, the builder and the lifecycle
// import one another's data, not one another.
import type { VrrpInstanceConfig } from '../config/types.js';
import type { AddressInfo, AddressSpec, LinkInfo } from '../net/rtnetlink.js';
import { linkLocalIpv6, primaryIpv4 } from '../net/rtnetlink.js';
import type { VrrpInstance } from '../vrrp/instance.js';
import type { Vip } from '../vrrp/types.js';
import type { AhReceive } from './ahReceive.js';
import type { InstanceRunner } from './instanceRunner.js';
import type { UnitDriver } from './unitDriver.js';

export interface Managed {
  /** Replaced in place by a reload that keeps the instance (the packet router's lists hold this object). */
  cfg: VrrpInstanceConfig;
  readonly instance: VrrpInstance;
  readonly runner: InstanceRunner;
  readonly link: LinkInfo;
  /** Where the VIPs live: the VMAC with use_vmac, else the instance's interface. */
  readonly vipLink: LinkInfo;
  readonly driver: UnitDriver;
  /** The shared VRRP socket it sends and receives on (packetRouter.ts). */
  readonly transportKey: string;
  /** `auth_type AH`: the sequence check in front of the runner (ahReceive.ts). */
  readonly ah?: AhReceive;
}

/** The running instances by name. */
export type InstanceTable = Map<string, Managed>;

/** An instance whose interface and source address are resolved, ready to build. */
export interface Planned {
  readonly cfg: VrrpInstanceConfig;
  readonly link: LinkInfo;
  readonly source: string;
  /** use_vmac: the VMAC carries the VIPs and GARPs, and the adverts unless vmac_xmit_base. */
  readonly vmac: LinkInfo | null;
}

/** Links and addresses as one dump saw them. */
export interface Environment {
  readonly links: LinkInfo[];
  readonly addresses: AddressInfo[];
}

/** The fault reason of an instance whose interface has no carrier (keepalived's wording in the log). */
export const INTERFACE_DOWN = 'interface down';

/** What instanceParams.sourceAddressFor needs to know about an interface. */
export function interfaceFacts(link: LinkInfo, addresses: readonly AddressInfo[]) {
  return { ifname: link.name, primaryIpv4: primaryIpv4(addresses, link.ifindex), linkLocalIpv6: linkLocalIpv6(addresses, link.ifindex) };
}

/** The rtnetlink address of a VIP: on its own `dev` when it has one, else on the instance's VIP link. */
export function vipAddressSpec(vip: Vip, link: LinkInfo, links: readonly LinkInfo[]): AddressSpec {
  const ifindex = vip.dev ? (links.find((l) => l.name === vip.dev)?.ifindex ?? link.ifindex) : link.ifindex;
  return {
    ifindex,
    address: vip.address,
    prefixLen: vip.prefixLen,
    ...(vip.label ? { label: vip.label } : {}),
    ...(vip.broadcast ? { broadcast: vip.broadcast } : {}),
    ...(vip.scope !== undefined ? { scope: vip.scope } : {}),
  };
}
