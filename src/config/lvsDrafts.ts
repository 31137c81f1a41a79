// Mutable drafts of keepalived's LVS half, filled in by keywords/{lvs,realServer,checkers,lvsGroup,lvsGlobal}.ts
// and turned into the readonly lvsTypes.ts shapes by lvsComplete.ts / lvsCheckers.ts. `undefined` = not written,
// so inheritance VS → RS → checker (keepalived check_data.c validate_check_config) can tell "unset" from a value.
import type { SourceRef } from './diagnostics.js';
import type { CheckerType, LvsFamily, LvsMethod, LvsProtocol, LvsScript } from './lvsTypes.js';

/** The options §3.2 of lvs.md lists for network checkers; MISC_CHECK takes only the timing half. */
export interface CheckerCommonDraft {
  connectIp?: string;
  connectPort?: number;
  bindTo?: string;
  bindPort?: number;
  bindIf?: string;
  connectTimeoutMs?: number;
  fwmark?: number;
  retry?: number;
  delayBeforeRetryMs?: number;
  warmupMs?: number;
  delayLoopMs?: number;
  alpha?: boolean;
  logAllFailures?: boolean;
}

export interface UrlDraft {
  source: SourceRef;
  path?: string;
  digest?: string;
  statusCodes: Array<[number, number]>;
  virtualhost?: string;
  regex?: string;
  regexNoMatch?: boolean;
}

export interface CheckerDraft {
  type: CheckerType;
  source: SourceRef;
  common: CheckerCommonDraft;
  // HTTP_GET / SSL_GET
  urls: UrlDraft[];
  httpProtocol?: '1.0' | '1.0C' | '1.1';
  virtualhost?: string;
  fastRecovery?: boolean;
  enableSni?: boolean;
  verifyCertificate?: boolean;
  // SMTP_CHECK (each deprecated `host { }` block becomes one more checker, check_smtp.c smtp_check_end_handler)
  heloName?: string;
  hosts: Array<{ common: CheckerCommonDraft; source: SourceRef }>;
  // DNS_CHECK
  queryType?: 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA' | 'RRSIG' | 'DNSKEY';
  queryName?: string;
  // UDP_CHECK
  payload?: Buffer;
  requireReply?: string | null; // null: `require_reply` alone
  minReplyLength?: number;
  maxReplyLength?: number;
  // MISC_CHECK
  script?: string;
  scriptUser?: { user: string; group: string | null };
  miscTimeoutMs?: number;
  miscDynamic?: boolean;
  // FILE_CHECK
  trackFile?: { name: string; source: SourceRef };
  fileWeight?: { weight: number; reverse: boolean };
}

export interface RealServerDraft {
  address: string;
  family: LvsFamily;
  port: number | null; // as written; null = none (or 0)
  source: SourceRef;
  weight?: number;
  method?: LvsMethod;
  upperThreshold?: number;
  lowerThreshold?: number;
  inhibitOnFailure?: boolean;
  alpha?: boolean;
  notifyUp?: LvsScript;
  notifyDown?: LvsScript;
  retry?: number;
  delayBeforeRetryMs?: number;
  warmupMs?: number;
  connectTimeoutMs?: number;
  delayLoopMs?: number;
  virtualhost?: string;
  checkers: CheckerDraft[];
}

export interface SorryServerDraft {
  address: string;
  family: LvsFamily;
  port: number | null;
  method?: LvsMethod;
  inhibit: boolean;
  source: SourceRef;
}

export type VirtualServerHead =
  | { readonly kind: 'address'; readonly address: string; readonly family: LvsFamily; readonly port: number | null }
  | { readonly kind: 'fwmark'; readonly fwmark: number }
  | { readonly kind: 'group'; readonly group: string };

export interface VirtualServerDraft {
  head: VirtualServerHead;
  name: string;
  source: SourceRef;
  ipFamily?: LvsFamily;
  protocol?: { value: LvsProtocol; source: SourceRef };
  scheduler?: string;
  schedulerFlags: string[];
  onePacket?: SourceRef;
  method?: LvsMethod;
  persistenceTimeoutS?: number;
  granularity?: { text: string; source: SourceRef };
  persistenceEngine?: 'sip';
  delayLoopMs?: number;
  connectTimeoutMs?: number;
  retry?: number;
  delayBeforeRetryMs?: number;
  warmupMs?: number;
  inhibitOnFailure?: boolean;
  alpha?: boolean;
  omega?: boolean;
  quorum?: number;
  hysteresis?: number;
  quorumUp?: LvsScript;
  quorumDown?: LvsScript;
  sorryServer?: SorryServerDraft;
  haSuspend?: SourceRef;
  virtualhost?: string;
  weight?: number;
  realServers: RealServerDraft[];
}

export interface LvsSyncDaemonDraft {
  interface: string;
  instance: string | null;
  syncId: number | null;
  maxLen: number | null;
  port: number | null;
  ttl: number | null;
  group: string | null;
  source: SourceRef;
}

export interface LvsSslDraft {
  password?: string;
  ca?: string;
  certificate?: string;
  key?: string;
}

export interface LvsGlobalDraft {
  flushAtStart?: boolean;
  flushOnStop?: 'no' | 'all' | 'vs';
  timeouts?: { tcpS: number; tcpFinS: number; udpS: number };
  syncDaemon?: LvsSyncDaemonDraft;
  notifyFifo?: string;
  notifyFifoScript?: { script: LvsScript; source: SourceRef };
  rsInitNotifies?: boolean;
  logAllFailures?: boolean;
  keepOnStop?: boolean;
  dataplane?: 'auto' | 'ipvs' | 'nftables';
  ssl?: LvsSslDraft;
}

/** A group member; a fwmark written without a family has `family: null` (it follows the virtual server's). */
export type GroupMemberDraft =
  | { readonly kind: 'address'; readonly family: LvsFamily; readonly address: string; readonly port: number | null }
  | { readonly kind: 'fwmark'; readonly family: LvsFamily | null; readonly fwmark: number };

export interface VirtualServerGroupDraft {
  name: string;
  members: GroupMemberDraft[];
  source: SourceRef;
}

/** The global half lives in GlobalDraft.lvs (global_defs keywords); the blocks live here. */
export interface LvsDraft {
  virtualServers: VirtualServerDraft[];
  groups: VirtualServerGroupDraft[];
}

export function emptyLvsDraft(): LvsDraft {
  return { virtualServers: [], groups: [] };
}
