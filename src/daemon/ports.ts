// The OS operations the daemon needs, behind one narrow interface so that tests can pass an in-memory twin
// (memberlist's Transport/MockNetwork habit). The real one is osAdapter.ts.
import type { AddressInfo, AddressSpec, LinkInfo, LinkEvent, AddressEvent, RouteSpec } from '../net/rtnetlink.js';
import type { FrameSender, VrrpTransport } from '../net/types.js';
import type { VmacSpec } from '../net/vmac.js';

/** VMAC interfaces (use_vmac): create/adopt, configure and bring up; delete and restore sysctls. */
export interface VmacPort {
  ensure(spec: VmacSpec): Promise<LinkInfo>;
  remove(name: string): Promise<void>;
  /** Where the adapter's notices (sysctl changes, replaced interfaces) are logged. */
  setLog?(log: (msg: string) => void): void;
}

export interface VrrpSocketSpec {
  readonly family: 4 | 6;
  readonly ifname: string;
  readonly unicast: boolean;
  readonly group: string;
  /** Unicast: bind address (and IPv6 source). IPv6 multicast: the link-local source. */
  readonly src?: string;
  readonly unicastTtl?: number;
  /** IPv4 receive protocol: 112 (default), or 51 for keepalived's `auth_type AH`. */
  readonly protocol?: number;
}

export interface DirectorOs {
  listLinks(): Promise<LinkInfo[]>;
  listAddresses(): Promise<AddressInfo[]>;
  addAddress(spec: AddressSpec): Promise<unknown>;
  removeAddress(spec: AddressSpec): Promise<unknown>;
  addRoute(spec: RouteSpec): Promise<unknown>;
  removeRoute(spec: RouteSpec): Promise<unknown>;
  watchLinks(cb: (ev: LinkEvent) => void): () => void;
  watchAddresses(cb: (ev: AddressEvent) => void): () => void;
  openVrrp(spec: VrrpSocketSpec): VrrpTransport;
  openFrameSender(ifname: string): FrameSender;
  /** IPv6 forwarding on the interface: the R flag of unsolicited NAs follows it (keepalived vrrp_ndisc.c). */
  ipv6Forwarding(ifname: string): boolean;
  /** Absent in adapters (in-memory twins) that cannot create interfaces: use_vmac is then refused. */
  readonly vmac?: VmacPort;
  close(): void;
}
