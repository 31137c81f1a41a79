// One timer per scheduling unit: a lone VRRP instance, or a sync group whose members must move together
// (keepalived vrrp_sync.c). The driver feeds events to the pure core, routes each member's effects to that
// member's runner (which executes them in order) and re-arms the unit's single timer to the earliest deadline.
import type { VrrpInstance } from '../vrrp/instance.js';
import type { SyncGroupEffect, VrrpSyncGroup } from '../vrrp/syncGroup.js';
import type { ProcessStall, VrrpEffect, VrrpEvent, VrrpState } from '../vrrp/types.js';
import type { Logger } from '../log/logger.js';
import type { Clock, Timer } from '../clock/clock.js';
import type { DeadlineGroup, DeadlineSlot } from '../clock/deadlineGroup.js';

/** The pure core of a unit: one instance or a sync group, behind the sync group's interface. */
export interface CoreUnit {
  handle(member: string, ev: VrrpEvent, nowMs: number): SyncGroupEffect[];
  /** `stall` (Clock.lastStall) is passed on to a Master_Down decision. */
  handleTimeouts(nowMs: number, stall?: ProcessStall | null): SyncGroupEffect[];
  nextDeadline(): number | null;
  /** Whether a timeout now could be a Master_Down decision (a BACKUP is waiting on a master's adverts). */
  awaitsAdverts(): boolean;
  /**
   * A lone instance: its effects go to its own sink untagged (no wrapper per effect, no per-batch Map). A master's
   * periodic advert passes here 2,550 times a second at 255 × 100 ms, and each allocation on that path is heap
   * that V8 keeps resident (issue 12).
   */
  readonly solo?: { readonly name: string; handle(ev: VrrpEvent, nowMs: number): readonly VrrpEffect[] };
}

/** What a unit returns for an event without effects (a backup hearing its master): shared, only read. */
const NO_EFFECTS: SyncGroupEffect[] = [];
const NO_VRRP_EFFECTS: readonly VrrpEffect[] = [];

/** The timeout event, shared: the core only reads events. */
const TIMEOUT: VrrpEvent = { type: 'timeout' };

export function soloUnit(instance: VrrpInstance): CoreUnit {
  const tag = (fx: readonly VrrpEffect[]): SyncGroupEffect[] =>
    fx.length === 0 ? NO_EFFECTS : fx.map((effect) => ({ instance: instance.name, effect }));
  return {
    handle: (_member, ev, nowMs) => tag(instance.handle(ev, nowMs)),
    handleTimeouts: (nowMs, stall) => {
      const d = instance.nextDeadline();
      return d !== null && d <= nowMs ? tag(instance.handle(stall ? { type: 'timeout', stall } : TIMEOUT, nowMs)) : NO_EFFECTS;
    },
    nextDeadline: () => instance.nextDeadline(),
    awaitsAdverts: () => instance.state === 'BACKUP',
    solo: { name: instance.name, handle: (ev, nowMs) => instance.handle(ev, nowMs) },
  };
}

export function groupUnit(group: VrrpSyncGroup): CoreUnit {
  return {
    handle: (member, ev, nowMs) => group.handle(member, ev, nowMs),
    handleTimeouts: (nowMs, stall) => group.handleTimeouts(nowMs, stall),
    nextDeadline: () => group.nextDeadline(),
    // A group's timeouts may be any member's; reading the sockets first is never wrong, only an extra call.
    awaitsAdverts: () => true,
  };
}

/** What the driver needs from a member's runner. */
export interface EffectSink {
  readonly name: string;
  enqueue(effects: readonly VrrpEffect[], eventAtMs: number): void;
}

/** How long a unit whose core threw with a deadline due waits before the timeout is tried again. */
export const ERROR_RETRY_MS = 1000;

export class UnitDriver {
  private timer: Timer | null = null;
  /** The deadline the armed timer fires at (rearm keeps it while the core's deadline is not earlier). */
  private armedAt = Infinity;
  private readonly sinks = new Map<string, EffectSink>();
  private stopped = false;
  /** The timer's callback, made once (the timer is re-armed every few adverts). */
  private readonly onTimer = (): void => this.fire();
  private readonly slot: DeadlineSlot | null;
  /** When the core last threw (consumed by the next rearm): a deadline it left due is retried later, not at once. */
  private erredAt: number | null = null;

  constructor(
    private readonly core: CoreUnit,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly onGroupTransition?: (group: string, from: VrrpState, to: VrrpState) => void,
    /**
     * Reads every advert already queued on the receive sockets (PacketRouter.readQueued). Called before a
     * Master_Down timeout is handled, so that it is decided on the adverts the master did send, not on a backlog
     * that a busy loop or a coalesced receive (vrrpSocket.ts) has not read yet (issue 12: graceful overload).
     */
    private readonly readQueued?: () => void,
    /**
     * The daemon's one timer for every unit (deadlineGroup.ts): the unit's deadline is a slot moved in place
     * instead of a clock timer re-created every few adverts. Without it, a clock timer of its own.
     */
    deadlines?: DeadlineGroup,
  ) {
    this.slot = deadlines ? deadlines.slot(this.onTimer) : null;
  }

  attach(sink: EffectSink): void {
    this.sinks.set(sink.name, sink);
  }

  dispatch(member: string, ev: VrrpEvent): void {
    if (this.stopped) return;
    const now = this.clock.now();
    // No closure per event: a backup dispatches every advert it hears.
    const solo = this.core.solo;
    if (solo !== undefined && member === solo.name) {
      this.runSolo(solo, ev, now, ev.type);
      return;
    }
    let fx: SyncGroupEffect[] = NO_EFFECTS;
    try {
      fx = this.core.handle(member, ev, now);
    } catch (err) {
      this.internalError(`${member}: ${ev.type}`, err, now);
    }
    this.route(fx, now);
    this.rearm();
  }

  /** A lone instance's event: its effects, as the core returned them, to its sink. */
  private runSolo(solo: NonNullable<CoreUnit['solo']>, ev: VrrpEvent, now: number, what: string): void {
    let fx: readonly VrrpEffect[] = NO_VRRP_EFFECTS;
    try {
      fx = solo.handle(ev, now);
    } catch (err) {
      this.internalError(`${solo.name}: ${what}`, err, now);
    }
    if (fx.length > 0) this.sinks.get(solo.name)?.enqueue(fx, now);
    this.rearm();
  }

  /** No more events or timers (after every member has shut down). */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private run(step: () => SyncGroupEffect[], now: number, what: string, member?: string): void {
    let fx: SyncGroupEffect[] = [];
    try {
      fx = step();
    } catch (err) {
      this.internalError(member === undefined ? what : `${member}: ${what}`, err, now);
    }
    this.route(fx, now);
    this.rearm();
  }

  /** A bug in the core must not take the other instances down; it is logged with its stack. */
  private internalError(on: string, err: unknown, now: number): void {
    this.erredAt = now;
    this.logger.error(`internal error handling ${on}: ${(err as Error).stack ?? String(err)}`);
  }

  private route(fx: readonly SyncGroupEffect[], now: number): void {
    // A backup's advert usually changes nothing but its deadline: no effects, nothing to sort.
    if (fx.length === 0) return;
    const perInstance = new Map<string, VrrpEffect[]>();
    for (const e of fx) {
      if ('instance' in e) {
        const list = perInstance.get(e.instance) ?? [];
        list.push(e.effect);
        perInstance.set(e.instance, list);
      } else {
        this.logger.info(`(${e.group}) Sync group entering ${e.effect.to} STATE`);
        this.onGroupTransition?.(e.group, e.effect.from, e.effect.to);
      }
    }
    for (const [name, effects] of perInstance) this.sinks.get(name)?.enqueue(effects, now);
  }

  /**
   * Arm the unit's timer at the core's next deadline. A backup's Master_Down deadline moves later with every
   * advert; re-arming a real timer per advert was most of a backup's per-packet cost, so an armed timer that fires
   * no later than the deadline is kept, and when it fires early it only re-arms (the core is not called: nothing
   * is due). Timeouts are therefore handled at exactly the same moments as before.
   */
  private rearm(): void {
    if (this.stopped) return this.clearTimer();
    let deadline = this.core.nextDeadline();
    if (deadline === null) return this.clearTimer();
    if (this.erredAt !== null) {
      // A core that threw and left its deadline due would be called again at once, and throw again: a loop that
      // only logs. The retry waits ERROR_RETRY_MS (the other units keep running meanwhile).
      if (deadline <= this.erredAt) deadline = this.erredAt + ERROR_RETRY_MS;
      this.erredAt = null;
    }
    if (this.slot !== null) {
      // A slot moves in place (a heap step, no clock timer), so it follows the deadline exactly: the group's one
      // timer then wakes only for the earliest deadline of all units, not once per unit every few adverts.
      if (deadline !== this.armedAt) {
        this.armedAt = deadline;
        this.slot.set(deadline);
      }
      return;
    }
    if (this.armedAt <= deadline) return;
    this.armedAt = deadline;
    this.timer?.cancel();
    this.timer = this.clock.at(deadline, this.onTimer);
  }

  private fire(): void {
    this.timer = null;
    this.armedAt = Infinity;
    if (this.stopped) return;
    let now = this.clock.now();
    let due = this.core.nextDeadline();
    let stall: ProcessStall | null = null;
    if (due !== null && due <= now && this.core.awaitsAdverts()) {
      // A Master_Down decision: did this process run while it waited? (instance.ts stallGrace)
      stall = this.clock.lastStall?.() ?? null;
    }
    if (due !== null && due <= now && this.readQueued && this.core.awaitsAdverts()) {
      // Adverts may be waiting in the socket: the loop was busy, or the receive socket is between two coalesced
      // reads (vrrpSocket.ts, up to RECEIVE_COALESCE_MS). They are older than this decision (they may re-arm us).
      // One read per Master_Down decision, not per timer: an early firing or a master's advert timer reads nothing.
      this.readQueued();
      if (this.stopped) return;
      now = this.clock.now();
      due = this.core.nextDeadline();
    }
    if (due === null || due > now) return this.rearm();
    const solo = this.core.solo;
    if (solo !== undefined) return this.runSolo(solo, stall ? { type: 'timeout', stall } : TIMEOUT, now, 'timeout');
    this.run(() => this.core.handleTimeouts(now, stall), now, 'timeout');
  }

  private clearTimer(): void {
    this.timer?.cancel();
    this.timer = null;
    this.slot?.clear();
    this.armedAt = Infinity;
  }
}
