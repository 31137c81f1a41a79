// The IPVS table as vipd sees it: virtual services, their destinations (real servers), sync daemons, with the
// kernel's fields named. Addresses are canonical text (src/ip/address.ts) so entries can key maps.
import type { DaemonState, ForwardMethod, TunnelType } from './constants.js';

export type IpvsFamily = 'inet' | 'inet6';
export type IpvsProtocol = 'tcp' | 'udp' | 'sctp';

/** What identifies a service: protocol + address + port, or a firewall mark (both with a family). */
export type ServiceKey =
  | { family: IpvsFamily; protocol: IpvsProtocol; address: string; port: number; fwmark?: undefined }
  | { family: IpvsFamily; fwmark: number; protocol?: undefined; address?: undefined; port?: undefined };

/** Everything NEW_SERVICE / SET_SERVICE needs ("full SERVICE", ip_vs_genl_parse_service). */
export type ServiceSpec = ServiceKey & {
  /** Scheduler name (rr, wrr, sh …; "none" for none). */
  scheduler: string;
  /** IP_VS_SVC_F_* bits (persistent, one-packet, scheduler flags); see serviceFlags(). */
  flags: number;
  /** Persistence timeout in seconds (meaningful with IP_VS_SVC_F_PERSISTENT). */
  timeoutS: number;
  /** Persistence granularity as a prefix length (IPv4 32 = 255.255.255.255, IPv6 128). */
  netmaskBits: number;
  /** Persistence engine ("sip"), absent for none. */
  peName?: string;
};

/** The kernel's counters; rates (cps…outBps) are estimator values, not counters. */
export interface IpvsStats {
  conns: bigint;
  inPkts: bigint;
  outPkts: bigint;
  inBytes: bigint;
  outBytes: bigint;
  cps: bigint;
  inPps: bigint;
  outPps: bigint;
  inBps: bigint;
  outBps: bigint;
}

/** A service as dumped: its spec plus read-only state. */
export type IpvsService = ServiceSpec & {
  /** From STATS64 when the kernel sent it, else STATS (32-bit counters, 64-bit bytes). */
  stats: IpvsStats;
  /** Which stats attribute the numbers came from (older kernels lack STATS64). */
  statsSource: 'stats64' | 'stats' | 'none';
};

export interface DestKey {
  address: string;
  port: number;
}

export interface TunnelSpec {
  type: TunnelType;
  /** GUE destination port (must be ≠ 0 for GUE). */
  port: number;
  /** IP_VS_TUNNEL_ENCAP_FLAG_* (nocsum 0, csum 1, remcsum 2). */
  flags: number;
}

/** Everything NEW_DEST / SET_DEST needs ("full DEST", ip_vs_genl_parse_dest). */
export interface DestSpec extends DestKey {
  forward: ForwardMethod;
  weight: number;
  upperThreshold: number;
  lowerThreshold: number;
  /** The destination's family when it differs from the service's (tunnel only). Default: the service's. */
  family?: IpvsFamily;
  tunnel?: TunnelSpec;
}

export interface IpvsDest extends DestSpec {
  family: IpvsFamily;
  activeConns: number;
  inactiveConns: number;
  persistentConns: number;
  stats: IpvsStats;
  statsSource: 'stats64' | 'stats' | 'none';
}

export interface DaemonSpec {
  state: DaemonState;
  ifname: string;
  syncId: number;
  /** Optional tuning (Linux ≥ 4.3), sent only when set (keepalived ipvswrapper.c:247-291 sends only non-zero). */
  maxLen?: number;
  /** Multicast group, IPv4 or IPv6 (default 224.0.0.81). */
  group?: string;
  port?: number;
  ttl?: number;
}

export interface IpvsInfo {
  /** IP_VS_VERSION_CODE, e.g. 0x010201 for 1.2.1. */
  versionCode: number;
  version: string;
  connTabSize: number;
}

/** Connection timeouts in seconds (GET_CONFIG/SET_CONFIG); 0 in SET_CONFIG leaves a value unchanged. */
export interface IpvsTimeouts {
  tcpS: number;
  tcpFinS: number;
  udpS: number;
}

/** One table operation, for IpvsClient.applyBatch (the same shape as the data-plane port's LvsOp). */
export type IpvsOp =
  | { readonly op: 'addService'; readonly service: ServiceSpec }
  | { readonly op: 'editService'; readonly service: ServiceSpec }
  | { readonly op: 'delService'; readonly service: ServiceKey }
  | { readonly op: 'addDest'; readonly service: ServiceKey; readonly dest: DestSpec }
  | { readonly op: 'editDest'; readonly service: ServiceKey; readonly dest: DestSpec }
  | { readonly op: 'delDest'; readonly service: ServiceKey; readonly dest: DestKey & { readonly family?: IpvsFamily } };
