// The VRRP state machine of one virtual router (RFC 5798 §6, keepalived.md §2). Pure: events in,
// effects out, no I/O and no clock. The runner executes effects strictly in order and calls
// handle({ type: 'timeout' }, now) when now >= nextDeadline(). Every failover rule lives here, including the two
// waits around a change of master (takeoverWindows.ts): commit connections before adding the VIPs, and keep the
// VIPs on a SIGTERM until the successor has taken over. The core never emits an effect that would be stale.
import { compareAddresses } from '../ip/address.js';
import { internalError } from '../errors/vipdError.js';
import { PRIORITY_MAX_EFFECTIVE, PRIORITY_MIN_EFFECTIVE, PRIORITY_OWNER, PRIORITY_STOP } from './constants.js';
import { masterDownMs, skewMs } from './timers.js';
import { MasterDuties, type MasterContext } from './masterDuties.js';
import { advertOnly, sendAdvertEffect } from './sharedEffects.js';
import { HandoverWindow, transitionDone } from './takeoverWindows.js';
import type {
  InstanceParams, InstanceSnapshot, LogLevel, ProcessStall, TransitionReason, Vip, VrrpEffect, VrrpEvent, VrrpState, WantState,
} from './types.js';

/** What handle() returns when an event has no effect (frozen: callers only read it). */
const NO_EFFECTS: readonly VrrpEffect[] = Object.freeze([]);

/** Fault reason used by sync-group forced faults; cleared only by syncFaultCleared. */
export const SYNC_FAULT_REASON = 'sync group';

/** Parameters a reload may not change in place (they define which virtual router this is). */
export const IDENTITY_PARAMS = ['name', 'vrid', 'version', 'family', 'sourceAddress', 'inSyncGroup'] as const;

export class VrrpInstance implements MasterContext {
  private paramsValue: InstanceParams;
  private stateValue: VrrpState = 'INIT';
  private want: WantState;
  private effective: number;
  private masterAdverIntMs: number;
  private masterAddress: string | null = null;
  private masterPriority: number | null = null;
  private readonly faults = new Set<string>();
  private last: InstanceSnapshot['lastTransition'] = null;
  // Deadlines (ms on the caller's clock), null = not armed.
  private masterDownAt: number | null = null;
  private masterDownReason: TransitionReason = 'master-down';
  /** When the Master_Down timer was last (re)armed: the last advert heard, or the start of the wait. */
  private masterDownArmedAt = 0;
  /** This wait's Master_Down was already deferred once for a stall (stallGrace); cleared when the timer is re-armed. */
  private stallGraceUsed = false;
  /** Timers, commit and VIP care of the current term as MASTER (null when not MASTER). */
  private master: MasterDuties | null = null;
  /** preempt_delay: until when lower-priority adverts are still accepted (a timestamp, not a deadline). */
  private preemptUntil: number | null = null;
  /** Sync-aware preemption hold (see the 'preemptHold' event). */
  private preemptHeld = false;
  /** Something commits connections before our VIPs go up (the 'connectionCommitter' event). */
  private committer = false;
  private commitSeq = 0;
  /** STOP with handover, VIPs kept until the successor has taken over. */
  private handover: HandoverWindow | null = null;
  /** The list handle() fills; handed out (and replaced) only when something was pushed. */
  private scratch: VrrpEffect[] = [];
  /** compareAddresses(src, our source address) of the last advert's source (the master's, every interval). */
  private lastSrc: { readonly src: string; readonly ours: string; readonly cmp: number } | null = null;

  constructor(params: InstanceParams) {
    if (!Number.isInteger(params.priority) || params.priority < 1 || params.priority > 255) {
      throw internalError(`(${params.name}) priority ${params.priority} not in 1..255`);
    }
    this.paramsValue = params;
    this.effective = params.priority;
    this.masterAdverIntMs = params.advertIntMs;
    this.want = this.isOwner() && params.initialState === 'MASTER' ? 'MASTER' : 'BACKUP';
  }

  get params(): InstanceParams { return this.paramsValue; }
  get name(): string { return this.params.name; }
  get state(): VrrpState { return this.stateValue; }
  get wantState(): WantState { return this.want; }
  get faultReasons(): readonly string[] { return [...this.faults]; }
  /** Own fault reasons (not the sync group's). */
  get hasOwnFault(): boolean { return [...this.faults].some((r) => r !== SYNC_FAULT_REASON); }
  get effectivePriority(): number { return this.effective; }

  /**
   * The effects of `ev`, in order. Most events (a backup hearing its master) have none: then the one shared empty
   * list is returned, which callers only read.
   */
  handle(ev: VrrpEvent, nowMs: number): readonly VrrpEffect[] {
    const out = this.scratch;
    this.handleInto(out, ev, nowMs);
    if (out.length === 0) return NO_EFFECTS;
    const first = out[0]!;
    if (out.length === 1 && first.type === 'sendAdvert') {
      // A master's periodic advert: a shared list, and the scratch list is reused (sharedEffects.ts). pop(), not
      // `length = 0`: V8 drops an emptied array's backing store, and the next push would allocate it again.
      out.pop();
      return advertOnly(first.priority);
    }
    this.scratch = [];
    return out;
  }

  private handleInto(out: VrrpEffect[], ev: VrrpEvent, nowMs: number): void {
    if (this.stateValue === 'STOP') {
      // Terminal; only a handover still listens for its successor and runs its deadline.
      if (this.handover) this.onHandoverEvent(out, nowMs, ev);
      return;
    }
    switch (ev.type) {
      case 'startup': this.onStartup(out, nowMs); break;
      case 'advert': this.onAdvert(out, nowMs, ev.src, ev.fields.priority, ev.fields.advertIntMs); break;
      case 'timeout': this.onTimeout(out, nowMs, ev.stall ?? null); break;
      case 'fault': this.onFault(out, nowMs, ev.reason); break;
      case 'faultCleared': this.onFaultCleared(out, nowMs, ev.reason); break;
      case 'priority': this.onPriority(out, nowMs, ev.effective); break;
      case 'shutdown': this.onShutdown(out, nowMs, ev.handover === true); break;
      case 'reconfigure': this.onReconfigure(out, nowMs, ev.params); break;
      case 'preemptHold':
        if (this.preemptHeld !== ev.held) this.log(out, 'info', ev.held ? 'preemption held until the connection table is in sync' : 'preemption released');
        this.preemptHeld = ev.held;
        break;
      case 'connectionCommitter': this.committer = ev.present; break;
      case 'connectionsCommitted': this.master?.committed(out, nowMs, ev.id, ev.error); break;
      case 'vipRemoved': this.master?.repair(out, ev.address); break;
      case 'syncGoMaster': if (this.stateValue === 'BACKUP') this.becomeMaster(out, nowMs, 'sync-group'); break;
      case 'syncGoBackup': if (this.stateValue === 'MASTER') this.leaveMaster(out, nowMs, 'sync-group'); break;
      case 'syncFault': this.onFault(out, nowMs, SYNC_FAULT_REASON); break;
      case 'syncFaultCleared': this.onFaultCleared(out, nowMs, SYNC_FAULT_REASON); break;
    }
  }

  /** Earliest armed timer, or null (INIT, FAULT, STOP). Asked after every event: computed without allocating. */
  nextDeadline(): number | null {
    let min = this.masterDownAt;
    const duty = this.master === null ? null : this.master.nextDeadline();
    if (duty !== null && (min === null || duty < min)) min = duty;
    const handover = this.handover === null ? null : this.handover.deadline();
    if (handover !== null && (min === null || handover < min)) min = handover;
    return min;
  }

  snapshot(): InstanceSnapshot {
    return {
      name: this.params.name, vrid: this.params.vrid, state: this.stateValue, wantState: this.want,
      basePriority: this.params.priority, effectivePriority: this.effective,
      masterAddress: this.masterAddress, masterPriority: this.masterPriority,
      advertIntMs: this.params.advertIntMs, masterAdverIntMs: this.masterAdverIntMs, masterDownMs: this.masterDown(),
      faults: [...this.faults], lastTransition: this.last, nextDeadlineMs: this.nextDeadline(),
      waiting: this.master?.committing ? 'commit' : this.handover ? 'successor' : null,
    };
  }

  // ---- helpers -------------------------------------------------------------------------------------

  private isOwner(): boolean { return this.params.priority === PRIORITY_OWNER; }
  /**
   * compareAddresses(src, our source address): the same master's address comes with every advert, so the last
   * answer is kept instead of parsing both addresses per advert.
   */
  private compareWithOurs(src: string): number {
    const ours = this.params.sourceAddress;
    const last = this.lastSrc;
    if (last !== null && last.src === src && last.ours === ours) return last.cmp;
    const cmp = compareAddresses(src, ours);
    this.lastSrc = { src, ours, cmp };
    return cmp;
  }
  private allVips(): readonly Vip[] { return [...this.params.vips, ...this.params.excludedVips]; }
  /** Adds a keepalived-worded log effect, prefixed "(VI_1) " (public for MasterDuties). */
  log(out: VrrpEffect[], level: LogLevel, text: string): void {
    out.push({ type: 'log', level, message: `(${this.params.name}) ${text}` });
  }
  /** Skew uses the effective priority, or 255 for an owner (keepalived vrrp.h:508). */
  private skew(): number { return skewMs(this.params.version, this.effective, this.masterAdverIntMs); }
  private masterDown(): number {
    return masterDownMs(this.params.version, this.effective, this.masterAdverIntMs, this.params.downTimerAdverts);
  }
  private transition(out: VrrpEffect[], nowMs: number, to: VrrpState, reason: TransitionReason): void {
    const from = this.stateValue;
    if (from === to) throw internalError(`(${this.params.name}) impossible transition ${from} \u2192 ${to}`);
    this.stateValue = to;
    this.last = { from, to, reason, atMs: nowMs };
    out.push({ type: 'transition', from, to, reason });
  }
  /** Every timer off; leaving MASTER also ends its duties (a pending commit is logged and dropped). */
  private clearTimers(out: VrrpEffect[]): void {
    this.master?.end(out);
    this.master = null;
    this.masterDownAt = null;
    this.preemptUntil = null;
  }
  private armMasterDown(nowMs: number, delayMs: number, reason: TransitionReason): void {
    this.masterDownAt = nowMs + delayMs;
    this.masterDownReason = reason;
    this.masterDownArmedAt = nowMs;
    this.stallGraceUsed = false;
  }

  /**
   * A Master_Down decision after this process was not running (a stall at least one advert interval long, inside
   * this wait) is not evidence that the master went silent: when the whole machine was paused (a VM descheduled),
   * the master was paused too and sends its overdue advert as soon as it runs again. Such a decision waits one
   * more advert interval, once per wait; a master that is really gone is taken over at most one interval later.
   * The interval counts from the decision, not from the stall's end: after a pause the backup has every instance's
   * decision and the master's catch-up burst to get through, and the last decisions come well after the end. A stall of this process alone loses nothing to this: the
   * adverts the kernel queued meanwhile were read before the decision (unitDriver.ts).
   */
  private stallGrace(out: VrrpEffect[], nowMs: number, stall: ProcessStall | null): boolean {
    if (stall === null || this.stallGraceUsed) return false;
    if (stall.lengthMs < this.masterAdverIntMs || stall.endMs <= this.masterDownArmedAt) return false;
    const until = nowMs + this.masterAdverIntMs;
    this.stallGraceUsed = true;
    this.masterDownAt = until;
    this.log(out, 'info', `Master_Down deferred ${(until - nowMs).toFixed(0)} ms: this process did not run for ` +
      `${stall.lengthMs.toFixed(0)} ms, the master may have been paused with it`);
    return true;
  }

  /**
   * keepalived's line plus what an operator needs to tell a dead master from a stalled backup: how long nothing
   * was heard, the interval the timer ran, and how late this decision comes (a backup that was itself not
   * running — a blocked loop, a paused VM — decides late; a master that stopped sending does not).
   */
  private timeoutLine(nowMs: number): string {
    const at = this.masterDownAt ?? nowMs;
    const late = nowMs - at;
    return `Receive advertisement timeout (nothing heard for ${(nowMs - this.masterDownArmedAt).toFixed(0)} ms, ` +
      `timer ${(at - this.masterDownArmedAt).toFixed(0)} ms${late >= 1 ? `, decided ${late.toFixed(0)} ms late` : ''})`;
  }

  // ---- transitions ---------------------------------------------------------------------------------

  /** RFC 5798 §6.4.1/6.4.2 "transition to Master"; keepalived vrrp.c:1885-1986: advert, (commit,) VIPs, GARPs. */
  private becomeMaster(out: VrrpEffect[], nowMs: number, reason: TransitionReason): void {
    this.transition(out, nowMs, 'MASTER', reason);
    this.clearTimers(out);
    this.want = 'MASTER';
    this.masterAdverIntMs = this.params.advertIntMs; // v3: revert to our own interval (vrrp.c:1901-1907)
    this.masterAddress = this.params.sourceAddress;
    this.masterPriority = this.effective;
    this.master = new MasterDuties(this, out, nowMs, this.last!, this.committer ? ++this.commitSeq : null);
  }

  /** MASTER → BACKUP on a better master or sync-group drag: remove VIPs, no priority-0 advert (§8 fact 22). */
  private leaveMaster(out: VrrpEffect[], nowMs: number, reason: TransitionReason): void {
    this.transition(out, nowMs, 'BACKUP', reason);
    this.clearTimers(out);
    this.want = 'BACKUP';
    this.log(out, 'info', 'Entering BACKUP STATE');
    out.push({ type: 'removeVips', vips: this.allVips() });
    this.armMasterDown(nowMs, this.masterDown(), 'master-down');
  }

  private enterBackup(out: VrrpEffect[], nowMs: number, reason: TransitionReason, downMs: number, suffix = ''): void {
    this.transition(out, nowMs, 'BACKUP', reason);
    this.clearTimers(out);
    this.masterAdverIntMs = this.params.advertIntMs; // own interval after INIT / FAULT (vrrp.c:2108)
    this.log(out, 'info', `Entering BACKUP STATE${suffix}`);
    this.armMasterDown(nowMs, downMs, 'master-down');
  }

  /** Leaving MASTER for FAULT or STOP: priority-0 advert so backups take over after skew (RFC 5798 §6.4.3). */
  private releaseMaster(out: VrrpEffect[]): void {
    out.push(sendAdvertEffect(PRIORITY_STOP));
    this.log(out, 'info', 'sent 0 priority');
    this.removeAllVips(out);
  }

  private removeAllVips(out: VrrpEffect[]): void {
    this.log(out, 'info', 'removing VIPs.');
    out.push({ type: 'removeVips', vips: this.allVips() });
  }

  // ---- event handlers ------------------------------------------------------------------------------

  private onStartup(out: VrrpEffect[], nowMs: number): void {
    if (this.stateValue !== 'INIT') {
      this.log(out, 'warn', `startup ignored in state ${this.stateValue}`);
      return;
    }
    if (this.faults.size > 0) {
      this.transition(out, nowMs, 'FAULT', 'startup');
      this.want = 'FAULT';
      this.log(out, 'info', 'Entering FAULT STATE');
      out.push({ type: 'removeVips', vips: this.allVips() }); // stale VIPs from a previous run
      return;
    }
    // RFC 5798 §6.4.1: owner (255) → master at once; everyone else waits Master_Down_Interval.
    if (this.want === 'MASTER' && !this.params.inSyncGroup) {
      this.becomeMaster(out, nowMs, 'owner-startup');
      return;
    }
    out.push({ type: 'removeVips', vips: this.allVips() }); // keepalived sched.c:270-273
    // An owner inside a sync group goes BACKUP wanting MASTER; the group decides at once.
    this.enterBackup(out, nowMs, 'startup', this.masterDown(), ' (init)');
  }

  private onAdvert(out: VrrpEffect[], nowMs: number, src: string, priority: number, intervalMs: number): void {
    if (this.stateValue === 'BACKUP') this.backupRx(out, nowMs, src, priority, intervalMs);
    else if (this.stateValue === 'MASTER') this.masterRx(out, nowMs, src, priority, intervalMs);
    // INIT / FAULT: ignored silently (keepalived sched.c:1115-1119, RFC 5798 §6.4.1)
  }

  /** RFC 5798 §6.4.2 / keepalived vrrp_state_backup (vrrp.c:2167-2291). */
  private backupRx(out: VrrpEffect[], nowMs: number, src: string, priority: number, intervalMs: number): void {
    if (this.compareWithOurs(src) === 0) return; // our own echo
    if (priority === PRIORITY_STOP) {
      this.log(out, 'info', 'Backup received priority 0 advertisement');
      this.armMasterDown(nowMs, this.skew(), 'master-released');
      return;
    }
    const lower = priority < this.effective;
    let accept = !this.params.preempt || !lower || this.preemptHeld;
    if (!accept && this.params.preemptDelayMs > 0) {
      // keepalived vrrp.c:2249-2264: the first lower advert starts preempt_delay; accept until it expires.
      if (this.preemptUntil === null) this.preemptUntil = nowMs + this.params.preemptDelayMs;
      accept = nowMs < this.preemptUntil;
    }
    if (!accept) {
      this.log(out, 'info', `received lower priority (${priority}) advert from ${src} - discarding`);
      return;
    }
    if (!lower) this.preemptUntil = null;
    if (this.params.version === 3 && intervalMs !== this.masterAdverIntMs && intervalMs > 0) {
      this.log(out, 'info', `advertisement interval changed: mine=${this.masterAdverIntMs} milli-sec, rcved=${intervalMs} milli-sec`);
      this.masterAdverIntMs = intervalMs; // RFC 5798 \u00a76.4.2: Master_Adver_Interval := advert's interval
    }
    if (this.masterAddress !== src) this.log(out, 'debug', `new master ${src} priority ${priority}`);
    this.masterAddress = src;
    this.masterPriority = priority;
    this.want = 'BACKUP';
    this.armMasterDown(nowMs, this.masterDown(), 'master-down');
  }

  /** RFC 5798 §6.4.3 / keepalived vrrp_state_master_rx (vrrp.c:2365-2553). */
  private masterRx(out: VrrpEffect[], nowMs: number, src: string, priority: number, intervalMs: number): void {
    const addrCmp = this.compareWithOurs(src);
    if (priority === PRIORITY_STOP) {
      this.master!.advertNow(out, nowMs);
      return;
    }
    if (priority === this.effective && addrCmp === 0) {
      this.log(out, 'warn', `received advert with our own address ${src} and priority ${priority}`);
      return;
    }
    if (priority > this.effective || (priority === this.effective && addrCmp > 0)) {
      if (this.params.higherPrioSendAdvert) out.push(sendAdvertEffect(this.effective));
      if (priority === PRIORITY_OWNER && this.isOwner()) {
        this.log(out, 'error', `Received advert from ${src} also claiming to be the address owner; yielding (higher address)`);
      }
      this.log(out, 'info', `Master received advert from ${src} with higher priority ${priority}, ours ${this.effective}`);
      this.leaveMaster(out, nowMs, 'higher-priority');
      if (this.params.version === 3 && intervalMs > 0) this.masterAdverIntMs = intervalMs;
      this.masterAddress = src;
      this.masterPriority = priority;
      this.armMasterDown(nowMs, this.masterDown(), 'master-down');
      return;
    }
    // Lower priority (or equal from a lower address): keepalived's split-brain healer (vrrp.c:2450-2513).
    this.log(out, 'info', `Received advert from ${src} with lower priority ${priority}, ours ${this.effective}, forcing new election`);
    out.push({ type: 'masterRxLowerPri', src, priority: this.effective });
    this.master!.answerLowerPriority(out, nowMs);
  }

  private onTimeout(out: VrrpEffect[], nowMs: number, stall: ProcessStall | null): void {
    if (this.stateValue === 'BACKUP' && this.masterDownAt !== null && this.masterDownAt <= nowMs) {
      if (this.stallGrace(out, nowMs, stall)) return;
      // RFC 5798 §6.4.2: Master_Down_Timer fired.
      if (this.params.inSyncGroup) {
        if (this.want !== 'MASTER') this.log(out, 'info', this.timeoutLine(nowMs));
        this.want = 'MASTER';
        this.armMasterDown(nowMs, this.masterDown(), this.masterDownReason); // keep a future deadline
        return;
      }
      this.log(out, 'info', this.timeoutLine(nowMs));
      this.becomeMaster(out, nowMs, this.masterDownReason);
      return;
    }
    if (this.stateValue === 'MASTER') this.master!.onTimeout(out, nowMs);
  }

  private onFault(out: VrrpEffect[], nowMs: number, reason: string): void {
    const had = this.faults.size > 0;
    this.faults.add(reason);
    if (had || this.stateValue === 'INIT' || this.stateValue === 'FAULT') return;
    const wasMaster = this.stateValue === 'MASTER';
    this.transition(out, nowMs, 'FAULT', 'fault');
    this.clearTimers(out);
    this.want = 'FAULT';
    this.log(out, 'info', `Entering FAULT STATE (${reason})`);
    if (wasMaster) this.releaseMaster(out); // keepalived vrrp_track.c:560-580
    this.masterAddress = null;
    this.masterPriority = null;
  }

  private onFaultCleared(out: VrrpEffect[], nowMs: number, reason: string | undefined): void {
    if (reason === undefined) {
      for (const r of [...this.faults]) if (r !== SYNC_FAULT_REASON) this.faults.delete(r);
    } else {
      this.faults.delete(reason);
    }
    if (this.faults.size > 0 || this.stateValue !== 'FAULT') return;
    this.want = 'BACKUP';
    this.masterAdverIntMs = this.params.advertIntMs;
    // keepalived sched.c:737-752: an owner waits one interval + skew, others the full down timer.
    const owner = this.isOwner() && this.params.initialState === 'MASTER';
    this.enterBackup(out, nowMs, 'fault-cleared', owner ? this.params.advertIntMs + this.skew() : this.masterDown());
  }

  private onPriority(out: VrrpEffect[], nowMs: number, requested: number): void {
    if (this.isOwner()) return; // base 255 is never adjusted (keepalived vrrp_track.c:583-638)
    const next = Math.min(Math.max(Math.round(requested), PRIORITY_MIN_EFFECTIVE), PRIORITY_MAX_EFFECTIVE);
    if (!Number.isFinite(next) || next === this.effective) return;
    this.log(out, 'info', `Changing effective priority from ${this.effective} to ${next}`);
    this.effective = next;
    if (this.stateValue === 'MASTER') this.masterPriority = next;
    // keepalived vrrp_set_effective_priority: a running Master_Down_Timer is re-timed with the new skew.
    if (this.stateValue === 'BACKUP' && this.masterDownAt !== null) this.armMasterDown(nowMs, this.masterDown(), this.masterDownReason);
  }

  /** SIGHUP with changed parameters: keep the state, apply what changed (keepalived reload without the flap). */
  private onReconfigure(out: VrrpEffect[], nowMs: number, next: InstanceParams): void {
    const prev = this.params;
    for (const k of IDENTITY_PARAMS) {
      if (prev[k] !== next[k]) throw internalError(`(${prev.name}) reconfigure cannot change ${k}; restart the instance`);
    }
    if (!Number.isInteger(next.priority) || next.priority < 1 || next.priority > 255) {
      throw internalError(`(${next.name}) priority ${next.priority} not in 1..255`);
    }
    const key = (v: Vip): string => `${v.address}/${v.prefixLen}/${v.dev ?? ''}/${v.label ?? ''}`;
    const before = new Map(this.allVips().map((v) => [key(v), v]));
    this.paramsValue = next;
    const after = new Map(this.allVips().map((v) => [key(v), v]));
    // Keep tracker adjustments across a base-priority change; owners are never adjusted.
    const adjustment = prev.priority === PRIORITY_OWNER ? 0 : this.effective - prev.priority;
    this.effective =
      next.priority === PRIORITY_OWNER
        ? PRIORITY_OWNER
        : Math.min(Math.max(next.priority + adjustment, PRIORITY_MIN_EFFECTIVE), PRIORITY_MAX_EFFECTIVE);
    const removed = [...before].filter(([k]) => !after.has(k)).map(([, v]) => v);
    const added = [...after].filter(([k]) => !before.has(k)).map(([, v]) => v);
    this.log(out, 'info', `reloaded: ${added.length} VIP(s) added, ${removed.length} removed, priority ${this.effective}`);
    if (this.stateValue === 'MASTER') {
      this.masterPriority = this.effective;
      this.masterAdverIntMs = next.advertIntMs;
      this.master!.reconfigure(out, nowMs, removed, added);
    } else if (this.stateValue === 'BACKUP') {
      // v2 always uses its own interval; v3 keeps the one learned from the master until the next advert.
      if (next.version === 2) this.masterAdverIntMs = next.advertIntMs;
      if (this.masterDownAt !== null) this.armMasterDown(nowMs, this.masterDown(), this.masterDownReason);
    }
  }

  private onShutdown(out: VrrpEffect[], nowMs: number, handover: boolean): void {
    const wasMaster = this.stateValue === 'MASTER';
    const vipsUp = wasMaster && !this.master!.committing;
    this.transition(out, nowMs, 'STOP', 'shutdown');
    this.clearTimers(out);
    if (!wasMaster) return;
    if (!handover || !vipsUp) {
      this.releaseMaster(out); // RFC 5798 §6.4.3 Shutdown: priority 0 advert
      return;
    }
    // Make-before-break (vipd, not keepalived): the priority 0 goes out now, the VIPs stay until the successor
    // has announced itself. RFC 5798 §6.4.3 only asks for the priority-0 advert and leaving MASTER.
    out.push(sendAdvertEffect(PRIORITY_STOP));
    this.log(out, 'info', 'sent 0 priority');
    this.handover = new HandoverWindow(this.params, nowMs, this.last!);
    out.push({ type: 'awaitSuccessor', untilMs: this.handover.untilMs });
  }

  /** STOP while handing over: the first advert of another router starts the grace; the deadline releases. */
  private onHandoverEvent(out: VrrpEffect[], nowMs: number, ev: VrrpEvent): void {
    const w = this.handover!;
    if (ev.type === 'advert') {
      w.advertHeard(ev.src, ev.fields.priority, compareAddresses(ev.src, this.params.sourceAddress) === 0, nowMs);
      return;
    }
    if (ev.type !== 'timeout') return;
    const outcome = w.outcome(nowMs);
    if (!outcome) return;
    this.handover = null;
    this.log(out, 'info', outcome.kind === 'successor' ? `${outcome.src} took over, releasing VIPs` : `no new master within ${outcome.waitedMs} ms, releasing VIPs`);
    this.removeAllVips(out);
    out.push(transitionDone(w.transition));
  }
}
