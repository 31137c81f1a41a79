// Public types of the VRRP state machine (instance.ts, syncGroup.ts). All times are ms on the caller's
// clock; the core never reads a clock.
import type { AddressFamily, AdvertFields, VrrpVersion } from './codec.js';

/** keepalived's states (vrrp.h:482-490) minus DELETED. */
export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';
/** What the instance would be in, ignoring its sync group (keepalived `wantstate`). */
export type WantState = 'BACKUP' | 'MASTER' | 'FAULT';

export interface Vip {
  readonly address: string;
  readonly prefixLen: number;
  readonly family: AddressFamily;
  readonly dev?: string;
  readonly label?: string;
  /** IPv4 broadcast address to configure with the VIP (keepalived `brd`), already resolved. */
  readonly broadcast?: string;
  /** RT_SCOPE_* of the address (keepalived `scope`): 0 global, 200 site, 253 link, 254 host, 255 nowhere. */
  readonly scope?: number;
}

/** keepalived.md §2.7; defaults in constants.ts (DEFAULT_GARP_*). */
export interface GarpParams {
  /** Second burst after becoming master; 0 = none. */
  readonly masterDelayMs: number;
  /** GARPs / NAs per VIP in each burst on becoming master. */
  readonly masterRepeat: number;
  /** Periodic refresh while master; 0 = off. */
  readonly masterRefreshMs: number;
  readonly masterRefreshRepeat: number;
  /** Second burst after hearing a lower-priority advert; 0 = none. */
  readonly lowerPrioDelayMs: number;
  /** Burst after hearing a lower-priority advert; 0 = none (strict mode). */
  readonly lowerPrioRepeat: number;
}

export interface InstanceParams {
  /** Instance name as in keepalived.conf; used in every log line: "(VI_1) …". */
  readonly name: string;
  readonly vrid: number;
  readonly version: VrrpVersion;
  readonly family: AddressFamily;
  /**
   * Base priority 1..255. The config layer applies keepalived's defaults (vrrp.c:3302-3312): no `priority`
   * → 255 if `state MASTER`, else 100.
   */
  readonly priority: number;
  readonly advertIntMs: number;
  /** Advertised VIPs (what goes in the advert; must match the peers' lists, keepalived.md §8 fact 20). */
  readonly vips: readonly Vip[];
  /** `virtual_ipaddress_excluded`: added/removed/GARPed with the VIPs, never advertised. */
  readonly excludedVips: readonly Vip[];
  /** false = `nopreempt`. The config layer clears nopreempt for `state MASTER` and priority 255. */
  readonly preempt: boolean;
  /** `preempt_delay` (0 = none): lower-priority adverts are accepted for this long before preempting. */
  readonly preemptDelayMs: number;
  /**
   * `state`. Only effect here: MASTER + priority 255 becomes master at startup without waiting
   * (keepalived sched.c:219-253). The config layer defaults it to MASTER iff priority is 255 when absent.
   */
  readonly initialState: 'BACKUP' | 'MASTER';
  /** Our source address (unicast_src_ip / mcast_src_ip / interface primary): the tie-break key. */
  readonly sourceAddress: string;
  readonly unicastPeers: readonly string[];
  readonly garp: GarpParams;
  /** Do not answer a lower-priority advert with our own (strict mode default). */
  readonly lowerPrioNoAdvert: boolean;
  /** Send one advert before yielding to a higher-priority master. */
  readonly higherPrioSendAdvert: boolean;
  /** Multiplier in Master_Down_Interval (RFC: 3); must match on all nodes. */
  readonly downTimerAdverts: number;
  /** Member of a sync group: master-down only sets wantState MASTER; the group decides (syncGroup.ts). */
  readonly inSyncGroup?: boolean;
}

/** A stretch the caller's process did not run (the shell's Clock.lastStall): it ran `lengthMs` late, until `endMs`. */
export interface ProcessStall {
  readonly endMs: number;
  readonly lengthMs: number;
}

export type VrrpEvent =
  | { readonly type: 'startup' }
  /** An advert that already passed validateAdvert (the instance does not re-validate). */
  | { readonly type: 'advert'; readonly src: string; readonly fields: AdvertFields }
  /**
   * Call when nowMs >= nextDeadline(); processes every due timer. Harmless when nothing is due. `stall`: the
   * latest stretch the caller's process did not run (Clock.lastStall), for a Master_Down decision.
   */
  | { readonly type: 'timeout'; readonly stall?: ProcessStall | null }
  /** A fault source went bad (interface down, weight-0 tracker …). Reasons are kept as a set. */
  | { readonly type: 'fault'; readonly reason: string }
  /** One fault source recovered; without reason, all (non-sync) fault sources are cleared. */
  | { readonly type: 'faultCleared'; readonly reason?: string }
  /** New effective priority from tracking (clamped to 1..254; ignored when the base priority is 255). */
  | { readonly type: 'priority'; readonly effective: number }
  /**
   * Stop (terminal STOP). A MASTER sends priority 0 (RFC 5798 §6.4.3). With `handover` it then keeps its VIPs
   * (`awaitSuccessor`) until the successor's first advert plus a grace, or about one Master_Down_Interval, and
   * only then removes them (make-before-break); without, it removes them at once like keepalived. While handing
   * over, keep feeding validated adverts and timeouts: the core watches for the successor.
   */
  | { readonly type: 'shutdown'; readonly handover?: boolean }
  /**
   * Reload (SIGHUP) with new parameters of the same virtual router. Identity (name, vrid, version, family,
   * sourceAddress, unicastPeers, inSyncGroup) must not change — the daemon restarts the instance for that.
   * No transition: a MASTER adds/removes only the VIPs that changed and advertises the new list at once.
   */
  | { readonly type: 'reconfigure'; readonly params: InstanceParams }
  /**
   * Sync-aware preemption: while held, a BACKUP accepts lower-priority adverts as with `nopreempt`, so a
   * returning higher-priority director does not take the VIPs before its connection table has caught up.
   * It never delays a takeover when no master is heard.
   */
  | { readonly type: 'preemptHold'; readonly held: boolean }
  /**
   * Whether something (connection sync) commits connections before this instance's VIPs go up. While present,
   * becoming MASTER emits `commitConnections` and holds the VIPs until `connectionsCommitted` or COMMIT_BOUND_MS.
   */
  | { readonly type: 'connectionCommitter'; readonly present: boolean }
  /** The commit asked for by `commitConnections` with this id is over (`error`: it failed; the VIPs go up anyway). */
  | { readonly type: 'connectionsCommitted'; readonly id: number; readonly error?: string }
  /** One of our VIPs was deleted by someone else (an operator, a script): a MASTER puts it back and announces it. */
  | { readonly type: 'vipRemoved'; readonly address: string }
  // Issued by VrrpSyncGroup only:
  | { readonly type: 'syncGoMaster' }
  | { readonly type: 'syncGoBackup' }
  | { readonly type: 'syncFault' }
  | { readonly type: 'syncFaultCleared' };

export type TransitionReason =
  | 'startup' // INIT → BACKUP/FAULT
  | 'owner-startup' // INIT → MASTER (priority 255, state MASTER)
  | 'master-down' // BACKUP → MASTER: Master_Down_Timer expired
  | 'master-released' // BACKUP → MASTER after a priority-0 advert (skew only)
  | 'higher-priority' // MASTER → BACKUP: heard a better master
  | 'fault' // → FAULT
  | 'fault-cleared' // FAULT → BACKUP
  | 'sync-group' // forced by the sync group
  | 'shutdown'; // → STOP

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Effects, to be executed strictly in order: the core already left out what would be stale and put every advert
 * where it must go. Every batch that changes state starts with its `transition`. A transition's effects are
 * complete at the end of its batch, unless the batch holds `commitConnections` or `awaitSuccessor`: then they are
 * complete at the `transitionDone` the core emits when that wait is over (notify scripts and plugins run then).
 */
export type VrrpEffect =
  /** Send one advert with our VIP list to the group / every unicast peer, carrying this priority. */
  | { readonly type: 'sendAdvert'; readonly priority: number }
  | { readonly type: 'addVips'; readonly vips: readonly Vip[] }
  | { readonly type: 'removeVips'; readonly vips: readonly Vip[] }
  /** `count` gratuitous ARPs (IPv4) / unsolicited NAs (IPv6) per VIP. */
  | { readonly type: 'sendGarp'; readonly vips: readonly Vip[]; readonly count: number }
  | { readonly type: 'transition'; readonly from: VrrpState; readonly to: VrrpState; readonly reason: TransitionReason }
  | { readonly type: 'log'; readonly level: LogLevel; readonly message: string }
  /**
   * As MASTER we heard a lower-priority advert from `src` (split brain healing): keepalived's
   * notify_master_rx_lower_pri / FIFO MASTER_RX_LOWER_PRI event, so external state (cloud routes, secondary IPs)
   * can be re-asserted (keepalived #1884). `priority` is ours.
   */
  | { readonly type: 'masterRxLowerPri'; readonly src: string; readonly priority: number }
  /**
   * Commit the synced connections into the kernel now (the new master's VIPs wait for it), then report
   * `connectionsCommitted` with this id. Must not hold up later effects: adverts go on meanwhile.
   */
  | { readonly type: 'commitConnections'; readonly id: number }
  /** Stopping with handover: the VIPs stay until the core removes them, at the latest at `untilMs`. */
  | { readonly type: 'awaitSuccessor'; readonly untilMs: number }
  /** The effects of this transition (held open by a commit or a handover) are complete. */
  | { readonly type: 'transitionDone'; readonly from: VrrpState; readonly to: VrrpState; readonly reason: TransitionReason };

export interface InstanceSnapshot {
  readonly name: string;
  readonly vrid: number;
  readonly state: VrrpState;
  readonly wantState: WantState;
  readonly basePriority: number;
  readonly effectivePriority: number;
  /** Current master as far as we know (ourselves when MASTER), null if unknown. */
  readonly masterAddress: string | null;
  readonly masterPriority: number | null;
  readonly advertIntMs: number;
  /** Own interval, or (v3 BACKUP) the interval learned from the master's advert. */
  readonly masterAdverIntMs: number;
  readonly masterDownMs: number;
  readonly faults: readonly string[];
  readonly lastTransition: { readonly from: VrrpState; readonly to: VrrpState; readonly reason: TransitionReason; readonly atMs: number } | null;
  readonly nextDeadlineMs: number | null;
  /** What the instance is waiting for besides its VRRP timers: a connection commit (MASTER) or a successor (STOP). */
  readonly waiting: 'commit' | 'successor' | null;
}
