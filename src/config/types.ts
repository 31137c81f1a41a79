// The typed, readonly result of reading a keepalived.conf. Every value is already defaulted and checked the
// way keepalived's vrrp_complete_instance (keepalived/vrrp/vrrp.c:3235+) does, so consumers never re-derive
// defaults. Times are integer milliseconds (units in names); addresses are canonical strings.
import type { SourceRef } from './diagnostics.js';

import type { LvsGlobalConfig, VirtualServerConfig, VirtualServerGroupConfig } from './lvsTypes.js';

export type { SourceRef } from './diagnostics.js';
// The LVS half (virtual servers, real servers, checkers, groups, LVS globals) has its own file.
export type * from './lvsTypes.js';

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

/** `ADDR/LEN` as written in a route or rule; the address is canonical. */
export interface PrefixConfig {
  readonly address: string;
  readonly prefixLength: number;
}

/** Route types keepalived accepts (lib/rttables.c rtntypes), by iproute2 name. */
export type RouteType = 'unicast' | 'local' | 'broadcast' | 'anycast' | 'multicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw';

/** The RTAX_* route metrics keepalived sets (vrrp_iproute.c netlink_route), in their kernel units. */
export type RouteMetricName =
  | 'mtu' | 'window' | 'rtt' | 'rttvar' | 'ssthresh' | 'cwnd' | 'advmss' | 'reordering' | 'hoplimit' | 'initcwnd'
  | 'features' | 'rto_min' | 'initrwnd' | 'quickack' | 'fastopen_no_cookie';

/** One `nexthop` of a multipath route (or one side of keepalived's deprecated `or`). */
export interface RouteNextHopConfig {
  readonly via: string | null;
  readonly dev: string | null;
  /** 1..256 as written (the kernel stores weight-1 in rtnh_hops); null = 1. */
  readonly weight: number | null;
  readonly onlink: boolean;
  readonly realms: number | null;
}

/**
 * One `virtual_routes` / `static_routes` line (keepalived vrrp_iproute.c alloc_route), names already resolved
 * to numbers through /etc/iproute2 (tables, protocols, scopes, DS fields, realms).
 */
export interface RouteConfig {
  readonly family: AddressFamily;
  readonly type: RouteType;
  readonly destination: PrefixConfig; // `default` = 0.0.0.0/0 or ::/0
  readonly from: PrefixConfig | null; // IPv6 source-specific routes (`from`)
  readonly src: string | null; // preferred source (RTA_PREFSRC)
  readonly via: string | null;
  readonly dev: string | null;
  readonly table: number; // default main (254)
  readonly metric: number | null; // metric / priority / preference (RTA_PRIORITY)
  readonly scope: number | null; // null = iproute2's default for the type
  readonly protocol: number; // RTPROT_KEEPALIVED (18) unless no_track with an explicit protocol
  readonly tos: number | null;
  readonly onlink: boolean;
  readonly realms: number | null;
  readonly expires: number | null; // IPv6 only, seconds
  readonly pref: number | null; // IPv6 router preference (RTA_PREF)
  readonly ttlPropagate: boolean | null;
  readonly metrics: Readonly<Partial<Record<RouteMetricName, number>>>;
  readonly congctl: string | null;
  /** Metric names given with `lock` (RTAX_LOCK). */
  readonly locked: readonly (RouteMetricName | 'congctl')[];
  readonly nexthops: readonly RouteNextHopConfig[];
  /** prepend (keepalived default, the kernel's), add (NLM_F_EXCL) or append (NLM_F_APPEND). */
  readonly mode: 'prepend' | 'add' | 'append';
  readonly noTrack: boolean;
  readonly words: readonly string[]; // the whole entry, for messages
  readonly source: SourceRef;
}

/** @deprecated name kept for callers written before static routes: the same shape. */
export type VirtualRouteConfig = RouteConfig;

/** What a rule does with a match (FR_ACT_*). */
export type RuleAction = 'table' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';

/** One `virtual_rules` / `static_rules` line (keepalived vrrp_iprule.c alloc_rule). */
export interface RuleConfig {
  readonly family: AddressFamily;
  readonly from: PrefixConfig | null; // `from all` / `default` = 0-length prefix
  readonly to: PrefixConfig | null;
  readonly not: boolean;
  readonly action: RuleAction;
  readonly table: number | null; // action table (null with l3mdev)
  readonly l3mdev: boolean;
  readonly goto: number | null;
  /** Always set: keepalived assigns 16384, 16383… in file order when none is given. */
  readonly preference: number;
  readonly tos: number | null;
  readonly fwmark: number | null;
  readonly fwmask: number | null;
  readonly realms: number | null;
  readonly suppressPrefixLength: number | null;
  readonly suppressIfgroup: number | null;
  readonly iif: string | null;
  readonly oif: string | null;
  readonly tunnelId: string | null; // u64 as decimal text (JSON-safe)
  readonly uidRange: { readonly start: number; readonly end: number } | null;
  readonly protocol: number; // RTPROT_KEEPALIVED (18) unless no_track with an explicit protocol
  readonly ipProto: number | null;
  readonly sport: { readonly start: number; readonly end: number } | null;
  readonly dport: { readonly start: number; readonly end: number } | null;
  readonly noTrack: boolean;
  readonly words: readonly string[];
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
  readonly virtualRoutes: readonly RouteConfig[];
  readonly virtualRules: readonly RuleConfig[];
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
  /** The LVS global keywords (global_defs, root SSL block) and vipd's LVS extensions. */
  readonly lvs: LvsGlobalConfig;
  readonly conntrackSync: readonly ConntrackSyncConfig[];
  /** `static_routes` / `static_rules`: installed at start, kept, removed at stop. */
  readonly staticRoutes: readonly RouteConfig[];
  readonly staticRules: readonly RuleConfig[];
}
