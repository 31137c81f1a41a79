// The typed, complete shape of keepalived's LVS half (reference lvs.md §1): virtual servers, real servers,
// checkers, groups and the LVS global keywords. Every default is already applied (keepalived's inheritance
// VS → RS → checker included), so the LVS core never looks at a missing value. Times are milliseconds.
import type { SourceRef } from './diagnostics.js';

export type LvsProtocol = 'TCP' | 'UDP' | 'SCTP';
export type LvsFamily = 'inet' | 'inet6';

/** Forwarding method; TUN carries its tunnel (lvs.md §1.4). */
export type LvsMethod =
  | { readonly kind: 'NAT' }
  | { readonly kind: 'DR' }
  | {
      readonly kind: 'TUN';
      readonly tunnel: 'ipip' | 'gue' | 'gre';
      /** GUE destination port; 0 for ipip/gre. */
      readonly tunnelPort: number;
      readonly checksum: 'nocsum' | 'csum' | 'remcsum';
    };

/** A program run by the checker side (notify_up/down, quorum_up/down, misc_path). */
export interface LvsScript {
  readonly command: string; // as written; run like keepalived (no arguments appended)
  readonly user: string | null;
  readonly group: string | null;
}

/** Options every network checker shares (lvs.md §3.2); inherited values are already filled in. */
export interface CheckerCommon {
  readonly source: SourceRef;
  readonly connectIp: string; // default: the real server's address
  readonly connectPort: number; // default: the real server's port (0 when it has none)
  readonly bindTo: string | null;
  readonly bindPort: number | null;
  readonly bindIf: string | null;
  readonly connectTimeoutMs: number; // default 5000
  readonly fwmark: number | null; // SO_MARK on the probe socket
  readonly retry: number; // fall = retry + 1 (checker default: 1; DNS 3; MISC 0)
  readonly delayBeforeRetryMs: number; // HTTP/SSL 3000, DNS = delay_loop, else 1000
  readonly warmupMs: number; // default = delay_loop; 0 disables the random first delay
  readonly delayLoopMs: number; // default = VS delay_loop (60000)
  readonly alpha: boolean;
  readonly logAllFailures: boolean;
}

export interface HttpUrlConfig {
  readonly path: string;
  readonly digest: string | null; // lower-case hex MD5 of the body
  /** Accepted status ranges, inclusive; default [[200, 299]]. */
  readonly statusCodes: readonly (readonly [number, number])[];
  readonly virtualhost: string | null;
  readonly regex: string | null;
  readonly regexNoMatch: boolean;
}

export type CheckerConfig =
  | (CheckerCommon & { readonly type: 'TCP_CHECK' })
  | (CheckerCommon & {
      readonly type: 'HTTP_GET' | 'SSL_GET';
      readonly urls: readonly HttpUrlConfig[];
      readonly httpProtocol: '1.0' | '1.0C' | '1.1';
      readonly virtualhost: string | null; // url > checker > RS > VS, already resolved per level
      readonly fastRecovery: boolean;
      readonly enableSni: boolean; // SSL_GET
      /** vipd extension (keepalived never verifies, #804): verify the server certificate against `ca`. */
      readonly verifyCertificate: boolean;
    })
  | (CheckerCommon & { readonly type: 'SMTP_CHECK'; readonly heloName: string })
  | (CheckerCommon & {
      readonly type: 'DNS_CHECK';
      readonly queryType: 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA' | 'RRSIG' | 'DNSKEY';
      readonly name: string; // default "." (root)
    })
  | (CheckerCommon & {
      readonly type: 'UDP_CHECK';
      readonly payload: Buffer | null; // null: random bytes
      /** Expected reply as hex with 'X' nibble wildcards; null: any reply or none is success. */
      readonly requireReply: string | null;
      readonly requireReplyGiven: boolean; // `require_reply` present (a timeout then fails)
      readonly minReplyLength: number;
      readonly maxReplyLength: number;
    })
  | (CheckerCommon & { readonly type: 'PING_CHECK' })
  | (CheckerCommon & {
      readonly type: 'MISC_CHECK';
      readonly script: LvsScript;
      readonly timeoutMs: number; // misc_timeout, default = delay_loop
      readonly dynamic: boolean; // misc_dynamic: weight := exit − 2
    })
  | {
      readonly type: 'FILE_CHECK';
      readonly source: SourceRef;
      readonly trackFile: string; // name of a global track_file
      readonly weight: number;
      readonly reverse: boolean;
      readonly delayLoopMs: number;
    };

export type CheckerType = CheckerConfig['type'];

export interface RealServerConfig {
  readonly address: string; // canonical text
  readonly family: LvsFamily;
  /** The port the destination gets: NAT keeps its own (default the VS port); DR/TUN forced to the VS port; fwmark 0. */
  readonly port: number;
  readonly weight: number; // 0..2^31-1, default the VS `weight` (1)
  readonly method: LvsMethod;
  readonly upperThreshold: number; // 0 = none
  readonly lowerThreshold: number;
  readonly inhibitOnFailure: boolean;
  readonly alpha: boolean;
  readonly notifyUp: LvsScript | null;
  readonly notifyDown: LvsScript | null;
  readonly checkers: readonly CheckerConfig[];
  readonly source: SourceRef;
}

export interface SorryServerConfig {
  readonly address: string;
  readonly family: LvsFamily;
  readonly port: number;
  readonly method: LvsMethod;
  readonly inhibit: boolean; // sorry_server_inhibit
}

export interface PersistenceConfig {
  readonly timeoutS: number; // 1..31 days; bare keyword = 360
  /** Granularity as a prefix length (IPv4 dotted mask converted; /32 or /128 by default). */
  readonly netmaskBits: number;
  readonly engine: 'sip' | null;
}

/** What the kernel service is keyed by: one entry per expanded address for groups. */
export type VirtualServerKey =
  | { readonly kind: 'address'; readonly family: LvsFamily; readonly protocol: LvsProtocol; readonly address: string; readonly port: number }
  | { readonly kind: 'fwmark'; readonly family: LvsFamily; readonly fwmark: number };

export interface VirtualServerConfig {
  /** Reload identity (lvs.md §1.1): "group:NAME#ordinal", "fwmark:inet:1", "TCP:10.1.0.100:80". */
  readonly id: string;
  /** The written head: `10.1.0.100 80`, `fwmark 1`, `group web`. */
  readonly name: string;
  /** The kernel services this block programs: one for address/fwmark, one per group member otherwise. */
  readonly keys: readonly VirtualServerKey[];
  readonly group: string | null;
  readonly protocol: LvsProtocol;
  readonly scheduler: string; // default wlc
  readonly schedulerFlags: readonly string[]; // sh-port, sh-fallback, mh-port, mh-fallback, flag-1..3
  readonly onePacket: boolean; // ops
  readonly method: LvsMethod; // default NAT
  readonly persistence: PersistenceConfig | null;
  readonly delayLoopMs: number; // default 60000
  readonly quorum: number; // weight sum, default 1, capped at the total configured weight
  readonly hysteresis: number; // ≤ quorum − 1
  readonly quorumUp: LvsScript | null;
  readonly quorumDown: LvsScript | null;
  readonly sorryServer: SorryServerConfig | null;
  readonly inhibitOnFailure: boolean;
  readonly alpha: boolean;
  readonly omega: boolean;
  readonly haSuspend: boolean;
  readonly virtualhost: string | null;
  readonly realServers: readonly RealServerConfig[];
  readonly source: SourceRef;
}

export interface VirtualServerGroupEntry {
  readonly keys: readonly VirtualServerKey[] | null; // null for address entries until the VS protocol is known
  readonly text: string; // as written
  readonly source: SourceRef;
}

export interface VirtualServerGroupConfig {
  readonly name: string;
  /** Expanded member addresses (ranges and CIDR stepped as keepalived does) and fwmarks. */
  readonly members: readonly (
    | { readonly kind: 'address'; readonly family: LvsFamily; readonly address: string; readonly port: number | null }
    | { readonly kind: 'fwmark'; readonly family: LvsFamily; readonly fwmark: number }
  )[];
  readonly source: SourceRef;
}

/** `lvs_sync_daemon IFACE [inst VI] [id N] [maxlen N] [port N] [ttl N] [group ADDR]` (lvs.md §4.8). */
export interface LvsSyncDaemonConfig {
  readonly interface: string;
  readonly instance: string | null; // null: both daemons for the whole run
  readonly syncId: number; // default the instance's VRID, or 0
  readonly maxLen: number | null;
  readonly port: number | null; // kernel default 8848
  readonly ttl: number | null;
  readonly group: string | null; // kernel default 224.0.0.81
  readonly source: SourceRef;
}

/** The root `SSL { password ca certificate key }` block: the client context of every SSL_GET (paths absolute). */
export interface LvsSslConfig {
  readonly password: string | null;
  readonly ca: string | null;
  readonly certificate: string | null;
  readonly key: string | null;
}

/** The LVS global keywords (lvs.md §1.6) plus vipd's own. */
export interface LvsGlobalConfig {
  readonly flushAtStart: boolean; // lvs_flush
  readonly flushOnStop: 'no' | 'all' | 'vs'; // lvs_flush_on_stop [VS]
  readonly timeouts: { readonly tcpS: number; readonly tcpFinS: number; readonly udpS: number } | null; // 0 = unchanged
  readonly syncDaemon: LvsSyncDaemonConfig | null;
  readonly notifyFifo: string | null; // lvs_notify_fifo
  /** lvs_notify_fifo_script: run with the FIFO path appended (keepalived validate_check_config). */
  readonly notifyFifoScript: LvsScript | null;
  readonly rsInitNotifies: boolean;
  readonly logAllFailures: boolean; // checker_log_all_failures
  readonly ssl: LvsSslConfig | null; // root `SSL { … }` block
  /** vipd extension `vipd_lvs_keep_on_stop`: leave the services in the kernel at stop (restart without a flap). */
  readonly keepOnStop: boolean;
  /** vipd extension `vipd_lvs_dataplane ipvs|nftables|auto` (default auto; issue 11). */
  readonly dataplane: 'auto' | 'ipvs' | 'nftables';
}
