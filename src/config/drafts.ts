// Mutable drafts the keyword handlers fill in. complete.ts turns them into the readonly Config after applying
// keepalived's defaults and rules. `undefined` means "not configured" so defaults can depend on other keywords
// (e.g. priority 255 when `state MASTER` has no priority line).
import type { SourceRef } from './diagnostics.js';
import type {
  AuthConfig,
  ConntrackFilterRule,
  InitialState,
  NotifyFifo,
  ScriptCommand,
  TrackRef,
  UnicastPeer,
  VipConfig,
  RouteConfig,
  RuleConfig,
} from './types.js';
import type { LvsDraft, LvsGlobalDraft } from './lvsDrafts.js';
import { emptyLvsDraft } from './lvsDrafts.js';

export interface GarpDraft {
  masterDelayMs?: number;
  masterRepeat?: number;
  masterRefreshMs?: number;
  masterRefreshRepeat?: number;
  lowerPrioDelayMs?: number;
  lowerPrioRepeat?: number;
}

export interface GlobalDraft {
  routerId?: string;
  vrrpVersion?: 2 | 3;
  garp: GarpDraft;
  lowerPrioNoAdvert?: boolean;
  higherPrioSendAdvert?: boolean;
  mcastGroup4?: string;
  mcastGroup6?: string;
  downTimerAdverts?: number;
  strict?: SourceRef;
  enableScriptSecurity?: boolean;
  scriptUser?: { user: string; group: string | null };
  notifyFifo?: NotifyFifo;
  vrrpNotifyFifo?: NotifyFifo;
  skipCheckAdvAddr?: boolean;
  checkUnicastSrc?: boolean;
  defaultInterface?: string;
  /** Top-level `net_namespace NAME` (keepalived keeps the first of several). */
  netNamespace?: string;
  /** The LVS keywords of global_defs and the root `SSL { }` block (keywords/lvsGlobal.ts). */
  lvs: LvsGlobalDraft;
}

export interface NotifyDraft {
  master?: ScriptCommand;
  backup?: ScriptCommand;
  fault?: ScriptCommand;
  stop?: ScriptCommand;
  generic?: ScriptCommand;
  masterRxLowerPri?: ScriptCommand;
}

export interface InstanceDraft {
  name: string;
  source: SourceRef;
  state?: { value: InitialState; source: SourceRef };
  interface?: string;
  vrid?: number;
  /** Set when a virtual_router_id line was present but invalid (already reported). */
  vridInvalid?: boolean;
  priority?: number;
  advertIntS?: { value: number; source: SourceRef };
  version?: { value: 2 | 3; source: SourceRef };
  vips: VipConfig[];
  excludedVips: VipConfig[];
  virtualRoutes: RouteConfig[];
  virtualRules: RuleConfig[];
  nopreempt?: SourceRef;
  preemptDelayMs?: { value: number; source: SourceRef };
  auth?: { value: AuthConfig; source: SourceRef };
  unicastSrcIp?: string;
  unicastPeers: UnicastPeer[];
  unicastTtl?: number;
  mcastSrcIp?: string;
  mcastDstIp?: string;
  garp: GarpDraft;
  lowerPrioNoAdvert?: boolean;
  higherPrioSendAdvert?: boolean;
  trackInterfaces: TrackRef[];
  trackScripts: TrackRef[];
  trackFiles: TrackRef[];
  dontTrackPrimary?: boolean;
  vmac?: { name: string | null };
  vmacXmitBase?: boolean;
  notify: NotifyDraft;
  smtpAlert?: boolean;
  debugLevel?: number;
  v3ChecksumAsV2?: boolean;
  nativeIpv6?: SourceRef;
  downTimerAdverts?: number;
  skipCheckAdvAddr?: boolean;
  checkUnicastSrc?: boolean;
  strict?: boolean;
  /** Deprecated `lvs_sync_daemon_interface IF` (vrrp_parser.c vrrp_lvs_syncd_handler): the global sync daemon for this instance. */
  lvsSyncDaemonInterface?: { name: string; source: SourceRef };
}

export interface SyncGroupDraft {
  name: string;
  source: SourceRef;
  members: Array<{ name: string; source: SourceRef }>;
  notify: NotifyDraft;
  trackInterfaces: TrackRef[];
  trackScripts: TrackRef[];
  trackFiles: TrackRef[];
  smtpAlert?: boolean;
  trackingWeight?: boolean;
}

export interface ScriptDraft {
  name: string;
  source: SourceRef;
  script?: ScriptCommand;
  intervalMs?: number;
  timeoutMs?: number;
  weight?: number;
  weightReverse?: boolean;
  rise?: number;
  fall?: number;
  user?: { user: string; group: string | null };
  initFail?: boolean;
}

export interface TrackFileDraft {
  name: string;
  source: SourceRef;
  path?: string;
  weight?: number;
  weightReverse?: boolean;
  initFile?: { value: number; overwrite: boolean };
}

export interface ConntrackDraft {
  name: string;
  source: SourceRef;
  interface?: string;
  mcastGroup?: string;
  port?: number;
  peers: string[];
  sourceAddress?: string;
  keyFile?: string;
  follow?: { kind: 'instance' | 'group'; name: string; source: SourceRef };
  filters: ConntrackFilterRule[];
  filterDefault?: 'accept' | 'ignore';
  resyncTimeoutMs?: number;
  ttl?: number;
}

export interface ConfigDraft {
  global: GlobalDraft;
  instances: InstanceDraft[];
  syncGroups: SyncGroupDraft[];
  scripts: ScriptDraft[];
  trackFiles: TrackFileDraft[];
  lvs: LvsDraft;
  conntrackSync: ConntrackDraft[];
  staticRoutes: RouteConfig[];
  staticRules: RuleConfig[];
}

export function emptyDraft(): ConfigDraft {
  return {
    global: { garp: {}, lvs: {} },
    instances: [],
    syncGroups: [],
    scripts: [],
    trackFiles: [],
    lvs: emptyLvsDraft(),
    conntrackSync: [],
    staticRoutes: [],
    staticRules: [],
  };
}
