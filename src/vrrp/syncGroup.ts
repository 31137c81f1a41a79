// Pure sync-group coordinator (keepalived vrrp_sync.c, keepalived.md §2.9). Members are VrrpInstances
// built with `inSyncGroup: true`: on Master_Down expiry they only set wantState MASTER and let the group
// decide. Rules, re-applied after every member event until stable:
//   - any member with an own fault  → every other member is forced to FAULT (vrrp_sync_fault);
//   - all members want MASTER       → every BACKUP member goes MASTER (vrrp_sync_can_goto_master:
//                                      "prefer backup to avoid thrashing");
//   - any member wants BACKUP       → every MASTER member goes BACKUP (vrrp_sync_backup).
import type { VrrpInstance } from './instance.js';
import { internalError } from '../errors/vipdError.js';
import { SYNC_FAULT_REASON } from './instance.js';
import type { ProcessStall, VrrpEffect, VrrpEvent, VrrpState } from './types.js';

export type GroupState = VrrpState;

export type SyncGroupEffect =
  /** An effect of one member, to run as that member's effect. */
  | { readonly instance: string; readonly effect: VrrpEffect }
  /** The group's own state changed (GROUP notifies / FIFO lines). */
  | { readonly group: string; readonly effect: { readonly type: 'transition'; readonly from: GroupState; readonly to: GroupState } };

export class VrrpSyncGroup {
  readonly name: string;
  private readonly members: readonly VrrpInstance[];
  private stateValue: GroupState = 'INIT';

  constructor(name: string, members: readonly VrrpInstance[]) {
    if (members.length === 0) throw internalError(`sync group ${name} has no members`);
    for (const m of members) {
      if (!m.params.inSyncGroup) throw internalError(`instance ${m.name} in sync group ${name} lacks inSyncGroup: true`);
    }
    if (new Set(members.map((m) => m.name)).size !== members.length) throw internalError(`sync group ${name}: duplicate member`);
    this.name = name;
    this.members = members;
  }

  get state(): GroupState { return this.stateValue; }
  memberNames(): string[] { return this.members.map((m) => m.name); }

  /** Route every event for a member through here (not to the member directly). Unknown member: throws. */
  handle(member: string, ev: VrrpEvent, nowMs: number): SyncGroupEffect[] {
    const m = this.members.find((x) => x.name === member);
    if (!m) throw internalError(`sync group ${this.name} has no member ${member}`);
    const out = this.tag(m, m.handle(ev, nowMs));
    this.reconcile(out, nowMs);
    return out;
  }

  /** Deliver `timeout` to every member whose deadline is due, then reconcile. */
  /** `stall`: the caller's latest process stall (VrrpEvent 'timeout'), for the members' Master_Down decisions. */
  handleTimeouts(nowMs: number, stall: ProcessStall | null = null): SyncGroupEffect[] {
    const out: SyncGroupEffect[] = [];
    const timeout: VrrpEvent = { type: 'timeout', stall };
    for (const m of this.members) {
      const d = m.nextDeadline();
      if (d !== null && d <= nowMs) out.push(...this.tag(m, m.handle(timeout, nowMs)));
    }
    this.reconcile(out, nowMs);
    return out;
  }

  nextDeadline(): number | null {
    let min: number | null = null;
    for (const m of this.members) {
      const d = m.nextDeadline();
      if (d !== null && (min === null || d < min)) min = d;
    }
    return min;
  }

  snapshot(): { readonly name: string; readonly state: GroupState; readonly members: ReadonlyArray<{ name: string; state: VrrpState; wantState: string }> } {
    return { name: this.name, state: this.stateValue, members: this.members.map((m) => ({ name: m.name, state: m.state, wantState: m.wantState })) };
  }

  private tag(m: VrrpInstance, fx: readonly VrrpEffect[]): SyncGroupEffect[] {
    return fx.map((effect) => ({ instance: m.name, effect }));
  }

  private reconcile(out: SyncGroupEffect[], nowMs: number): void {
    // Each pass can only move members "down" (fault) or in one direction; a few passes reach a fixed point.
    for (let pass = 0; pass < 4; pass++) {
      const live = this.members.filter((m) => m.state !== 'STOP');
      if (live.length === 0 || live.some((m) => m.state === 'INIT')) break;
      const before = out.length;
      const push = (m: VrrpInstance, ev: VrrpEvent): void => { out.push(...this.tag(m, m.handle(ev, nowMs))); };
      if (live.some((m) => m.hasOwnFault)) {
        for (const m of live) if (!m.faultReasons.includes(SYNC_FAULT_REASON) && !m.hasOwnFault) push(m, { type: 'syncFault' });
      } else {
        for (const m of live) if (m.faultReasons.includes(SYNC_FAULT_REASON)) push(m, { type: 'syncFaultCleared' });
        if (live.every((m) => m.state !== 'FAULT' && m.wantState === 'MASTER')) {
          for (const m of live) if (m.state === 'BACKUP') push(m, { type: 'syncGoMaster' });
        } else if (live.some((m) => m.wantState === 'BACKUP')) {
          for (const m of live) if (m.state === 'MASTER') push(m, { type: 'syncGoBackup' });
        }
      }
      if (out.length === before) break;
    }
    const next = this.groupState();
    if (next !== this.stateValue) {
      out.push({ group: this.name, effect: { type: 'transition', from: this.stateValue, to: next } });
      this.stateValue = next;
    }
  }

  private groupState(): GroupState {
    const s = this.members.map((m) => m.state);
    if (s.every((x) => x === 'STOP')) return 'STOP';
    if (s.some((x) => x === 'INIT')) return 'INIT';
    if (s.some((x) => x === 'FAULT')) return 'FAULT';
    if (s.every((x) => x === 'MASTER' || x === 'STOP')) return 'MASTER';
    return 'BACKUP';
  }
}
