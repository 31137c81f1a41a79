// One timer per scheduling unit: a lone VRRP instance, or a sync group whose members must move together
// (keepalived vrrp_sync.c). The driver feeds events to the pure core, routes each member's effects to that
// member's runner (which executes them in order) and re-arms the unit's single timer to the earliest deadline.
import type { VrrpInstance } from '../vrrp/instance.js';
import type { SyncGroupEffect, VrrpSyncGroup } from '../vrrp/syncGroup.js';
import type { VrrpEffect, VrrpEvent, VrrpState } from '../vrrp/types.js';
import type { Logger } from '../log/logger.js';
import type { Clock, Timer } from '../clock/clock.js';

/** The pure core of a unit: one instance or a sync group, behind the sync group's interface. */
export interface CoreUnit {
  handle(member: string, ev: VrrpEvent, nowMs: number): SyncGroupEffect[];
  handleTimeouts(nowMs: number): SyncGroupEffect[];
  nextDeadline(): number | null;
}

export function soloUnit(instance: VrrpInstance): CoreUnit {
  const tag = (fx: VrrpEffect[]): SyncGroupEffect[] => fx.map((effect) => ({ instance: instance.name, effect }));
  return {
    handle: (_member, ev, nowMs) => tag(instance.handle(ev, nowMs)),
    handleTimeouts: (nowMs) => {
      const d = instance.nextDeadline();
      return d !== null && d <= nowMs ? tag(instance.handle({ type: 'timeout' }, nowMs)) : [];
    },
    nextDeadline: () => instance.nextDeadline(),
  };
}

export function groupUnit(group: VrrpSyncGroup): CoreUnit {
  return {
    handle: (member, ev, nowMs) => group.handle(member, ev, nowMs),
    handleTimeouts: (nowMs) => group.handleTimeouts(nowMs),
    nextDeadline: () => group.nextDeadline(),
  };
}

/** What the driver needs from a member's runner. */
export interface EffectSink {
  readonly name: string;
  enqueue(effects: readonly VrrpEffect[], eventAtMs: number): void;
}

export class UnitDriver {
  private timer: Timer | null = null;
  private readonly sinks = new Map<string, EffectSink>();
  private stopped = false;

  constructor(
    private readonly core: CoreUnit,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly onGroupTransition?: (group: string, from: VrrpState, to: VrrpState) => void,
  ) {}

  attach(sink: EffectSink): void {
    this.sinks.set(sink.name, sink);
  }

  dispatch(member: string, ev: VrrpEvent): void {
    if (this.stopped) return;
    const now = this.clock.now();
    this.run(() => this.core.handle(member, ev, now), now, `${member}: ${ev.type}`);
  }

  /** No more events or timers (after every member has shut down). */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private run(step: () => SyncGroupEffect[], now: number, what: string): void {
    let fx: SyncGroupEffect[] = [];
    try {
      fx = step();
    } catch (err) {
      // A bug in the core must not take the other instances down; it is logged with its stack.
      this.logger.error(`internal error handling ${what}: ${(err as Error).stack ?? String(err)}`);
    }
    this.route(fx, now);
    this.rearm();
  }

  private route(fx: readonly SyncGroupEffect[], now: number): void {
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

  private rearm(): void {
    this.clearTimer();
    if (this.stopped) return;
    const deadline = this.core.nextDeadline();
    if (deadline === null) return;
    this.timer = this.clock.at(deadline, () => {
      this.timer = null;
      if (this.stopped) return;
      const now = this.clock.now();
      this.run(() => this.core.handleTimeouts(now), now, 'timeout');
    });
  }

  private clearTimer(): void {
    this.timer?.cancel();
    this.timer = null;
  }
}
