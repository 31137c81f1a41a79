// The status schema: what /status serves, what `vipd status` reads, what the metrics are computed from at
// scrape time and what keepalived.data/.stats/.json are written from. Its own folder because three layers read
// it (the daemon that fills it, src/metrics that exports it, src/control that prints it) and none of them owns
// it. Structural on purpose: the daemon adapts VrrpInstance.snapshot() to these, so neither src/metrics nor
// src/control imports the protocol core.

/** VRRP states as keepalived names them (vrrp.h:482-490); STOP is keepalived's VRRP_STATE_STOP (98). */
export type VrrpStateName = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

export const VRRP_STATE_NAMES: readonly VrrpStateName[] = ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'];

/**
 * keepalived's numeric state codes (vrrp.h:482-490), the value of keepalived_vrrp_state and of "state" in
 * keepalived.json: INIT 0, BACKUP 1, MASTER 2, FAULT 3, STOP 98.
 */
export const KEEPALIVED_STATE_CODE: Readonly<Record<VrrpStateName, number>> = {
  INIT: 0,
  BACKUP: 1,
  MASTER: 2,
  FAULT: 3,
  STOP: 98,
};

export interface TransitionView {
  readonly from: VrrpStateName;
  readonly to: VrrpStateName;
  /** Why, in a short machine-friendly word (e.g. "master_down_timer", "higher_priority_advert"). */
  readonly reason: string;
  /** Wall-clock time of the transition, Unix epoch milliseconds (the daemon converts from its monotonic clock). */
  readonly atMs: number;
}

/** A virtual IP with the device it lives on (keepalived's `dev` in virtual_ipaddress; default: the instance's). */
export interface VipView {
  /** As configured, with or without prefix: "10.1.0.100/24", "10.1.0.101", "fd00:1::100/64". */
  readonly address: string;
  readonly ifname?: string;
}

/** Read-only view of one VRRP instance, taken at scrape/status time. */
export interface InstanceView {
  readonly name: string;
  readonly ifname: string;
  readonly vrid: number;
  readonly state: VrrpStateName;
  readonly basePriority: number;
  readonly effectivePriority: number;
  /** Source address of the current master's adverts (ourselves when MASTER), null when unknown. */
  readonly masterAddress: string | null;
  readonly vips: readonly (string | VipView)[];
  readonly lastTransition: TransitionView | null;
  /** Optional extras exported when present. */
  readonly version?: 2 | 3;
  readonly family?: 'inet' | 'inet6';
  readonly masterPriority?: number | null;
  readonly advertIntMs?: number;
  readonly masterAdvertIntMs?: number;
  readonly syncGroup?: string | null;
}

export interface BuildInfo {
  readonly version: string;
  /** Node name (router_id or hostname). */
  readonly node: string;
}

/**
 * keepalived's per-instance stats (vrrp.h:216-257; names as in keepalived.json "stats", vrrp_json.c), the
 * counters behind keepalived.stats and the keepalived-exporter's counters.
 */
export interface KeepalivedStats {
  advert_rcvd: number;
  advert_sent: number;
  become_master: number;
  release_master: number;
  packet_len_err: number;
  advert_interval_err: number;
  ip_ttl_err: number;
  invalid_type_rcvd: number;
  addr_list_err: number;
  invalid_authtype: number;
  authtype_mismatch: number;
  auth_failure: number;
  pri_zero_rcvd: number;
  pri_zero_sent: number;
}

/** Per-instance counters beyond keepalived's, also read at scrape time. */
export interface InstanceCountersView extends KeepalivedStats {
  garp_sent: number;
  na_sent: number;
  split_brain: number;
}

/** The JSON document served on /status and consumed by `vipd status`. */
export interface StatusDocument {
  /** Bumped only on incompatible changes. */
  readonly statusVersion: 1;
  readonly node: string;
  readonly version: string;
  readonly generatedAtMs: number;
  readonly instances: readonly InstanceView[];
  readonly counters: Readonly<Record<string, InstanceCountersView>>;
  /**
   * One section per subsystem that has something to report, keyed by its plugin name ("sync", later "lvs"), in
   * the daemon's plugin order. Absent in documents from vipd releases before sections existed.
   */
  readonly sections?: Readonly<Record<string, StatusSection>>;
  /**
   * statusVersion 1 carried the connection-sync figures here; kept, equal to `sections.sync.data` (null without
   * connection sync), so readers written against it keep working.
   */
  readonly sync: unknown;
}

/** A subsystem's part of the status document, built by its plugin (src/plugin/api.ts statusSection). */
export interface StatusSection {
  /**
   * What `vipd status` prints for it, under the instance table: rendered by the subsystem at request time, so the
   * CLI prints sections of subsystems it knows nothing about.
   */
  readonly lines: readonly string[];
  /** The subsystem's figures, for machines; their shape is the subsystem's (documented in docs/metrics.md). */
  readonly data: unknown;
}
