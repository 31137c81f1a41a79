// What a VRRP instance does while it is MASTER, apart from the election itself (instance.ts): its advert and GARP
// timers (RFC 5798 §6.4.3, keepalived vrrp.c:1885-1954 and the garp_* keywords), the connection commit its VIPs
// wait for (design.md: commit → VIPs → GARP), and putting back a VIP deleted behind its back. One object per term
// as MASTER: leaving MASTER drops it with every timer it armed, so nothing it would emit can be stale.
import type { InstanceParams, LogLevel, Vip, VrrpEffect } from './types.js';
import { CommitWindow, transitionDone, type OpenTransition } from './takeoverWindows.js';
import { sendAdvertEffect } from './sharedEffects.js';

/** What the duties read from their instance (reloads change params; tracking changes the priority). */
export interface MasterContext {
  readonly params: InstanceParams;
  readonly effectivePriority: number;
  log(out: VrrpEffect[], level: LogLevel, text: string): void;
}

export class MasterDuties {
  private advertAt: number;
  private garpAt: number | null = null;
  private garpRefreshAt: number | null = null;
  private lowerPrioGarpAt: number | null = null;
  private commit: CommitWindow | null = null;

  /**
   * Becoming MASTER: the first advert at once, then either the commit (`commitId` given: a committer exists) or
   * the VIPs and the first GARP burst.
   */
  constructor(private readonly ctx: MasterContext, out: VrrpEffect[], nowMs: number, transition: OpenTransition, commitId: number | null) {
    out.push(sendAdvertEffect(ctx.effectivePriority));
    ctx.log(out, 'info', 'Entering MASTER STATE');
    this.advertAt = nowMs + ctx.params.advertIntMs;
    if (commitId !== null) {
      this.commit = new CommitWindow(commitId, nowMs, transition);
      out.push({ type: 'commitConnections', id: commitId });
      return;
    }
    this.installVips(out, nowMs);
  }

  /** Still waiting for the connection commit (the VIPs are not up). */
  get committing(): boolean {
    return this.commit !== null;
  }

  /** Asked after every event of a master: computed without an array (issue 12: no allocation per advert). */
  nextDeadline(): number | null {
    let min = earlier(null, this.advertAt);
    min = earlier(min, this.garpAt);
    min = earlier(min, this.garpRefreshAt);
    min = earlier(min, this.lowerPrioGarpAt);
    return earlier(min, this.commit === null ? null : this.commit.untilMs);
  }

  onTimeout(out: VrrpEffect[], nowMs: number): void {
    // No closure per call: every advert of a master passes here (issue 12).
    const g = this.ctx.params.garp;
    if (this.commit?.expired(nowMs)) {
      this.ctx.log(out, 'error', `connection commit still running after ${this.commit.boundMs} ms; adding the VIPs anyway`);
      this.endCommit(out, nowMs);
    }
    // No catch-up burst if the runner was late: one advert, re-armed from now (keepalived: no jitter).
    if (isDue(this.advertAt, nowMs)) this.advertNow(out, nowMs);
    if (isDue(this.garpAt, nowMs)) {
      out.push({ type: 'sendGarp', vips: this.vips(), count: g.masterRepeat });
      this.garpAt = null;
    }
    if (isDue(this.lowerPrioGarpAt, nowMs)) {
      out.push({ type: 'sendGarp', vips: this.vips(), count: g.lowerPrioRepeat });
      this.lowerPrioGarpAt = null;
    }
    if (isDue(this.garpRefreshAt, nowMs)) {
      out.push({ type: 'sendGarp', vips: this.vips(), count: g.masterRefreshRepeat });
      this.garpRefreshAt = nowMs + g.masterRefreshMs;
    }
  }

  /** One advert now, the next one interval later. */
  advertNow(out: VrrpEffect[], nowMs: number): void {
    out.push(sendAdvertEffect(this.ctx.effectivePriority));
    this.advertAt = nowMs + this.ctx.params.advertIntMs;
  }

  /** keepalived's split-brain healer (vrrp.c:2450-2513): advert and GARP at once, GARP again later. */
  answerLowerPriority(out: VrrpEffect[], nowMs: number): void {
    if (!this.ctx.params.lowerPrioNoAdvert) this.advertNow(out, nowMs);
    const g = this.ctx.params.garp;
    if (g.lowerPrioRepeat === 0 || this.commit) return; // no GARP for VIPs that are not up yet
    out.push({ type: 'sendGarp', vips: this.vips(), count: g.lowerPrioRepeat });
    if (g.lowerPrioDelayMs > 0) this.lowerPrioGarpAt = nowMs + g.lowerPrioDelayMs;
  }

  /** The commit asked for with `id` is over; an answer for another (older) commit is ignored. */
  committed(out: VrrpEffect[], nowMs: number, id: number, error: string | undefined): void {
    if (this.commit?.id !== id) return;
    if (error !== undefined) this.ctx.log(out, 'error', `connection commit failed, adding the VIPs anyway: ${error}`);
    this.endCommit(out, nowMs);
  }

  /**
   * Reload in place: add/remove only the VIPs that changed (while committing, none is up yet: the commit's end
   * adds the new list), and tell the peers the new list and priority at once (keepalived ≤ 2.3.2 rejects a
   * mismatched list).
   */
  reconfigure(out: VrrpEffect[], nowMs: number, removed: readonly Vip[], added: readonly Vip[]): void {
    const g = this.ctx.params.garp;
    if (!this.commit) {
      if (removed.length) out.push({ type: 'removeVips', vips: removed });
      if (added.length) {
        out.push({ type: 'addVips', vips: added });
        if (g.masterRepeat > 0) out.push({ type: 'sendGarp', vips: added, count: g.masterRepeat });
      }
    }
    this.advertNow(out, nowMs);
  }

  /**
   * A VIP removed behind our back: put it back and announce it. keepalived leaves MASTER instead
   * (keepalived_netlink.c:1230-1233), which makes the peer take over and then be preempted again; re-adding keeps
   * the service up. Not while committing: that VIP is not up yet anyway.
   */
  repair(out: VrrpEffect[], address: string): void {
    const vip = this.vips().find((v) => v.address === address);
    if (!vip || this.commit) return;
    this.ctx.log(out, 'warn', `VIP ${vip.address} was removed by someone else while MASTER; adding it back`);
    out.push({ type: 'addVips', vips: [vip] }, { type: 'sendGarp', vips: [vip], count: 1 });
  }

  /** Leaving MASTER: a takeover still committing never adds its VIPs. */
  end(out: VrrpEffect[]): void {
    if (!this.commit) return;
    this.commit = null;
    this.ctx.log(out, 'info', 'lost MASTER while committing connections, not adding VIPs');
  }

  private vips(): readonly Vip[] {
    return [...this.ctx.params.vips, ...this.ctx.params.excludedVips];
  }

  /** VIPs up, first GARP burst, GARP timers armed from now (keepalived vrrp.c:1910-1954). */
  private installVips(out: VrrpEffect[], nowMs: number): void {
    const vips = this.vips();
    out.push({ type: 'addVips', vips });
    const g = this.ctx.params.garp;
    if (g.masterRepeat > 0) out.push({ type: 'sendGarp', vips, count: g.masterRepeat });
    if (g.masterDelayMs > 0 && g.masterRepeat > 0) this.garpAt = nowMs + g.masterDelayMs;
    if (g.masterRefreshMs > 0) this.garpRefreshAt = nowMs + g.masterRefreshMs;
  }

  /** The commit is over (done, failed or out of time): the VIPs go up and the takeover is complete. */
  private endCommit(out: VrrpEffect[], nowMs: number): void {
    const t = this.commit!.transition;
    this.commit = null;
    this.installVips(out, nowMs);
    out.push(transitionDone(t));
  }
}

function earlier(a: number | null, b: number | null): number | null {
  return b !== null && (a === null || b < a) ? b : a;
}

function isDue(t: number | null, nowMs: number): boolean {
  return t !== null && t <= nowMs;
}
