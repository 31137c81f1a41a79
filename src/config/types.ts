// The typed, readonly result of reading a keepalived.conf. Every value is already defaulted and checked the
// way keepalived's vrrp_complete_instance (keepalived/vrrp/vrrp.c:3235+) does, so consumers never re-derive
// defaults. Times are integer milliseconds (units in names); addresses are canonical strings.
import type { SourceRef } from './diagnostics.js';

export type { SourceRef } from './diagnostics.js';

export type AddressFamily = 'inet' | 'inet6';
export type VrrpVersion = 2 | 3;
export type InitialState = 'MASTER' | 'BACKUP';

/** A command line for a notify/track script: `command` as written, `argv` split the keepalived way. */
export interface ScriptCommand {
  readonly command: string;
  readonly argv: readonly string[];
  readonly source: SourceRef;
}

/** GARP / unsolicited-NA knobs (keepalived.md §2.7); global `vrrp_garp_*` are the per-instance defaults. */
export interface GarpSettings {
  readonly masterDelayMs: number; // second burst after becoming master; 0 = none (default 5000)
  readonly masterRepeat: number; // GARPs per VIP per burst (default 5)
  readonly masterRefreshMs: number; // periodic refresh while master; 0 = off (default)
  readonly masterRefreshRepeat: number; // GARPs per VIP per refresh (default 1)
  readonly lowerPrioDelayMs: number; // after hearing a lower-priority advert (default = masterDelayMs)
  readonly lowerPrioRepeat: number; // (default = masterRepeat; 0 in strict mode)
}

export interface NotifyFifo {
  readonly path: string;
  readonly script: ScriptCommand | null;
}

export interface GlobalDefs {
  readonly routerId: string | null;
  readonly vrrpVersion: VrrpVersion; // default 2 (keepalived global_data.c:121)
  readonly garp: GarpSettings;
  readonly lowerPrioNoAdvert: boolean;
  readonly higherPrioSendAdvert: boolean;
  readonly mcastGroup4: string; // default 224.0.0.18
  readonly mcastGroup6: string; // default ff02::12
  readonly downTimerAdverts: number; // vrrp_down_timer_adverts, default 3
  readonly strict: boolean; // vrrp_strict (only the config-level implications are applied)
  readonly enableScriptSecurity: boolean;
  readonly scriptUser: { readonly user: string; readonly group: string | null } | null;
  readonly notifyFifo: NotifyFifo | null; // notify_fifo
  readonly vrrpNotifyFifo: NotifyFifo | null; // vrrp_notify_fifo
  readonly skipCheckAdvAddr: boolean;
  readonly checkUnicastSrc: boolean;
  readonly defaultInterface: string | null;
  /** net_namespace: the agent runs inside /run/netns/NAME (src/cli/netnsEntry.ts); null = where it was started. */
  readonly netNamespace: string | null;
}

export interface VipConfig {
  readonly address: string; // canonical, no prefix
  readonly family: AddressFamily;
  readonly prefixLength: number; // /32 or /128 when not given (keepalived default)
  readonly broadcast: string | null; // `brd X` (`brd +`/`brd -` kept verbatim)
  readonly dev: string | null; // `dev IF`; null = the instance's interface
  readonly label: string | null;
  readonly scope: string | null;
  readonly noTrack: boolean;
  readonly source: SourceRef;
}

export interface VirtualRouteConfig {
  readonly destination: string; // `default`, `A.B.C.D/len`, `blackhole X`...: first token as written
  readonly via: string | null;
  readonly src: string | null;
  readonly dev: string | null;
  readonly table: string | null;
  readonly metric: number | null;
  readonly words: readonly string[]; // the whole entry, for features not modelled above
  readonly source: SourceRef;
}

export interface UnicastPeer {
  readonly address: string;
  readonly family: AddressFamily;
  readonly minTtl: number | null;
  readonly maxTtl: number | null;
  readonly source: SourceRef;
}

export interface AuthConfig {
  readonly type: 'PASS' | 'AH';
  readonly password: string; // at most 8 characters (keepalived vrrp_parser.c:1495-1509)
}

export interface TrackRef {
  readonly name: string;
  readonly weight: number | null; // null = the tracked object's own weight
  readonly reverse: boolean;
  readonly source: SourceRef;
}

export interface NotifyScripts {
  readonly master: ScriptCommand | null;
  readonly backup: ScriptCommand | null;
  readonly fault: ScriptCommand | null;
  readonly stop: ScriptCommand | null;
  readonly generic: ScriptCommand | null; // `notify`: called with TYPE NAME STATE PRIORITY
  readonly masterRxLowerPri: ScriptCommand | null; // instances only
}

export interface VmacConfig {
  readonly name: string | null; // interface name; null = keepalived's default `vrrp.<VRID>`
  readonly xmitBase: boolean; // vmac_xmit_base
}

export interface VrrpInstanceConfig {
  readonly name: string;
  readonly source: SourceRef;
  readonly initialState: InitialState; // `state` (default BACKUP, or MASTER when priority is 255)
  readonly interface: string;
  readonly vrid: number; // 1..255
  readonly priority: number; // 1..255; default 100, or 255 with `state MASTER` and no priority
  readonly version: VrrpVersion; // forced to 3 for IPv6
  readonly family: AddressFamily; // of the VIPs (and of the adverts)
  readonly advertIntMs: number; // v2: whole seconds; v3: centiseconds, 10..40950
  readonly vips: readonly VipConfig[];
  readonly excludedVips: readonly VipConfig[];
  readonly virtualRoutes: readonly VirtualRouteConfig[];
  readonly nopreempt: boolean;
  readonly preemptDelayMs: number; // 0 = none
  readonly auth: AuthConfig | null; // always null for v3 (ignored with a warning)
  readonly unicastSrcIp: string | null;
  readonly unicastPeers: readonly UnicastPeer[]; // empty = multicast
  readonly unicastTtl: number; // default 255
  readonly mcastSrcIp: string | null;
  readonly mcastGroup: string; // mcast_dst_ip, else the global group for the family
  readonly garp: GarpSettings;
  readonly lowerPrioNoAdvert: boolean;
  readonly higherPrioSendAdvert: boolean;
  readonly trackInterfaces: readonly TrackRef[];
  readonly trackScripts: readonly TrackRef[];
  readonly trackFiles: readonly TrackRef[];
  readonly dontTrackPrimary: boolean;
  readonly vmac: VmacConfig | null; // use_vmac
  readonly notify: NotifyScripts;
  readonly smtpAlert: boolean;
  readonly debugLevel: number;
  readonly v3ChecksumAsV2: boolean;
  readonly nativeIpv6: boolean;
  readonly downTimerAdverts: number; // 1..100, default 3 (global vrrp_down_timer_adverts)
  readonly skipCheckAdvAddr: boolean;
  readonly checkUnicastSrc: boolean;
  readonly strict: boolean;
  readonly syncGroup: string | null; // filled from vrrp_sync_group membership
}

export interface SyncGroupConfig {
  readonly name: string;
  readonly source: SourceRef;
  readonly members: readonly string[]; // instance names, all known
  readonly notify: NotifyScripts; // masterRxLowerPri always null
  readonly trackInterfaces: readonly TrackRef[];
  readonly trackScripts: readonly TrackRef[];
  readonly trackFiles: readonly TrackRef[];
  readonly smtpAlert: boolean;
  /** `sync_group_tracking_weight`: members keep their tracker weights (keepalived otherwise forces them to 0). */
  readonly trackingWeight: boolean;
}

export interface VrrpScriptConfig {
  readonly name: string;
  readonly source: SourceRef;
  readonly script: ScriptCommand;
  readonly intervalMs: number; // default 1000
  readonly timeoutMs: number; // default = interval
  readonly weight: number; // -253..253, default 0 (0 ⇒ failure means FAULT)
  readonly weightReverse: boolean;
  readonly rise: number; // default 1
  readonly fall: number; // default 1
  readonly user: { readonly user: string; readonly group: string | null } | null;
  readonly initFail: boolean;
}

export interface TrackFileConfig {
  readonly name: string;
  readonly source: SourceRef;
  readonly path: string; // absolute (relative paths resolve against the config file's folder)
  readonly weight: number; // default 1
  readonly weightReverse: boolean;
  readonly initFile: { readonly value: number; readonly overwrite: boolean } | null;
}

/** Parsed for completeness only: vipd has no IPVS here, so virtual servers are accepted but not run. */
export interface RealServerConfig {
  readonly address: string;
  readonly port: number | null;
  readonly weight: number;
  readonly checkers: readonly string[]; // checker block names, e.g. TCP_CHECK
  readonly source: SourceRef;
}

export interface VirtualServerConfig {
  readonly kind: 'address' | 'fwmark' | 'group';
  readonly address: string | null;
  readonly port: number | null;
  readonly fwmark: number | null;
  readonly group: string | null;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP' | null;
  readonly scheduler: string | null; // lb_algo / lvs_sched
  readonly method: string | null; // lb_kind / lvs_method
  readonly delayLoopMs: number; // default 60000
  readonly persistenceTimeoutS: number | null;
  readonly realServers: readonly RealServerConfig[];
  readonly source: SourceRef;
}

export interface VirtualServerGroupConfig {
  readonly name: string;
  readonly entries: readonly string[]; // each entry line as written
  readonly source: SourceRef;
}

export type ConntrackProtocol = 'tcp' | 'udp' | 'sctp' | 'icmp' | 'icmpv6' | 'dccp' | 'gre';

/** One rule of a vipd_conntrack_sync filter: `accept` = replicate, `ignore` = don't; every set field must match. */
export interface ConntrackFilterRule {
  readonly action: 'accept' | 'ignore';
  readonly address: { readonly network: string; readonly prefixLength: number; readonly family: AddressFamily } | null;
  readonly portMin: number | null;
  readonly portMax: number | null;
  readonly protocol: ConntrackProtocol | null;
  readonly source: SourceRef;
}

/** vipd extension block `vipd_conntrack_sync [NAME] { … }` (docs/configuration.md). */
export interface ConntrackSyncConfig {
  readonly name: string; // default "default"
  readonly source: SourceRef;
  readonly interface: string;
  readonly mcastGroup: string | null; // null when unicast peers are given
  readonly port: number; // default 3781
  readonly peers: readonly string[]; // unicast peers; empty = multicast
  readonly sourceAddress: string | null; // `source_address`
  readonly keyFile: string; // absolute
  readonly follow: { readonly kind: 'instance' | 'group'; readonly name: string };
  readonly filters: readonly ConntrackFilterRule[]; // evaluated in order, first match wins
  readonly filterDefault: 'accept' | 'ignore'; // when no rule matches (default accept)
  readonly resyncTimeoutMs: number; // default 5000: bound on sync-aware preemption
  readonly ttl: number; // multicast TTL, default 1
}

export interface Config {
  readonly sourceFile: string; // absolute path of the main file
  readonly configId: string | null;
  readonly global: GlobalDefs;
  readonly instances: readonly VrrpInstanceConfig[];
  readonly syncGroups: readonly SyncGroupConfig[];
  readonly scripts: readonly VrrpScriptConfig[];
  readonly trackFiles: readonly TrackFileConfig[];
  readonly virtualServers: readonly VirtualServerConfig[];
  readonly virtualServerGroups: readonly VirtualServerGroupConfig[];
  readonly conntrackSync: readonly ConntrackSyncConfig[];
}
