// The two waits a VRRP instance may be in around a change of master, as plain deadline bookkeeping (no clock, no
// I/O): the instance asks for work with an effect and each window says when it is over.
//   - CommitWindow: a new MASTER has asked for its connections to be committed (design.md: commit → VIPs →
//     GARP) and holds its VIPs back until `connectionsCommitted` or COMMIT_BOUND_MS.
//   - HandoverWindow: a stopping MASTER has sent priority 0 and keeps its VIPs until the successor has
//     advertised plus a grace (make-before-break), bounded by about one Master_Down_Interval.
import { COMMIT_BOUND_MS, HANDOVER_GRACE_MS, HANDOVER_SLACK_MS } from './constants.js';
import type { InstanceParams, TransitionReason, VrrpEffect, VrrpState } from './types.js';

/** The transition whose effects are not complete until the window closes (its `transitionDone`). */
export interface OpenTransition {
  readonly from: VrrpState;
  readonly to: VrrpState;
  readonly reason: TransitionReason;
}

/** The effect that closes a transition held open by one of these windows. */
export function transitionDone(t: OpenTransition): VrrpEffect {
  return { type: 'transitionDone', from: t.from, to: t.to, reason: t.reason };
}

export class CommitWindow {
  readonly untilMs: number;

  constructor(
    /** Matches the `commitConnections` effect with its `connectionsCommitted` event (a late answer is ignored). */
    readonly id: number,
    nowMs: number,
    readonly transition: OpenTransition,
  ) {
    this.untilMs = nowMs + COMMIT_BOUND_MS;
  }

  get boundMs(): number {
    return COMMIT_BOUND_MS;
  }

  expired(nowMs: number): boolean {
    return nowMs >= this.untilMs;
  }
}

export type HandoverOutcome = { readonly kind: 'successor'; readonly src: string } | { readonly kind: 'timeout'; readonly waitedMs: number };

export class HandoverWindow {
  /** A backup takes over within skew (< one interval) of our priority 0; Master_Down bounds it anyway. */
  readonly maxMs: number;
  readonly untilMs: number;
  private readonly graceMs: number;
  private successor: { readonly src: string; readonly releaseAtMs: number } | null = null;

  constructor(p: InstanceParams, nowMs: number, readonly transition: OpenTransition) {
    this.maxMs = (p.downTimerAdverts + 1) * p.advertIntMs + HANDOVER_SLACK_MS;
    this.untilMs = nowMs + this.maxMs;
    this.graceMs = Math.max(HANDOVER_GRACE_MS, p.advertIntMs);
  }

  /** The first valid advert with a non-zero priority from another router is the new master. */
  advertHeard(src: string, priority: number, ours: boolean, nowMs: number): void {
    if (this.successor || priority === 0 || ours) return;
    this.successor = { src, releaseAtMs: nowMs + this.graceMs };
  }

  deadline(): number {
    return this.successor?.releaseAtMs ?? this.untilMs;
  }

  /** Over? Then why: the successor's grace ran out, or nobody took over in time. */
  outcome(nowMs: number): HandoverOutcome | null {
    if (nowMs < this.deadline()) return null;
    return this.successor ? { kind: 'successor', src: this.successor.src } : { kind: 'timeout', waitedMs: this.maxMs };
  }
}
