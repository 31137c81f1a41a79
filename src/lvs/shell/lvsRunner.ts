// Runs the pure LVS core (src/lvs/core/types.ts LvsCoreApi) on the injected Clock: one timer armed for
// core.nextDeadline(), probes run when the core asks and answered with `checkResult`, the data plane moved by
// `apply` — one apply at a time, in the order the core emitted them — and the table read back after any refused
// operation (`tableRead`: the core repairs the drift). A kernel that keeps refusing is re-read on a back-off
// (1 s doubling to 60 s), never in a hot loop. Everything the runner awaits is caught: no unhandled rejection.
import type { Clock, Timer } from '../../clock/clock.js';
import type { Logger } from '../../log/logger.js';
import type { Probe, ProbeDeps, ProbeFactory, ProbeOutcome } from '../checkers/types.js';
import type { LvsCoreApi, LvsEffect, LvsEvent, LvsSnapshot } from '../core/types.js';
import type { ConnectionCounts, DataPlane, LvsOp, ReadTable } from '../model.js';
import { serviceId, destId, withConnectionCounts } from '../model.js';
import { errorReason, type LvsCounters } from './lvsCounters.js';
import type { LvsEvents } from './lvsEvents.js';

export interface LvsRunnerOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly core: LvsCoreApi;
  readonly plane: DataPlane;
  readonly probes: ProbeFactory;
  readonly probeDeps: ProbeDeps;
  readonly events: LvsEvents;
  readonly counters: LvsCounters;
  /** First re-read delay after a repair that failed again, doubled up to repairBackoffMaxMs (defaults 1 s, 60 s). */
  readonly repairBackoffMs?: number;
  readonly repairBackoffMaxMs?: number;
}

/** Describes an op for a log line: "addDest tcp:10.1.0.100:80 → 10.2.0.11:80". */
export function describeOp(op: LvsOp): string {
  switch (op.op) {
    case 'addService':
    case 'editService':
      return `${op.op} ${serviceId(op.service)}`;
    case 'delService':
      return `${op.op} ${serviceId(op.service)}`;
    default:
      return `${op.op} ${serviceId(op.service)} \u2192 ${destId(op.dest)}`;
  }
}

export class LvsRunner {
  private timer: Timer | null = null;
  private armedFor: number | null = null;
  private readonly probes = new Map<string, Probe>();
  /** The probe running for a checkId: a late answer of a replaced probe must not clear its successor's mark. */
  private readonly inFlight = new Map<string, Probe>();
  /** Every effect list runs after the previous one finished: applies stay serial and in order. */
  private queue: Promise<void> = Promise.resolve();
  private repairTimer: Timer | null = null;
  private repairStreak = 0;
  private stopping = false;
  private lastRead: { readonly table: ReadTable; readonly atMs: number } | null = null;
  /** The plane's last connection counts, when it counts them apart from read() (DataPlane.connections). */
  private lastCounts: ConnectionCounts | null = null;
  private refreshing: Promise<void> | null = null;
  private applying = 0;

  constructor(private readonly o: LvsRunnerOptions) {}

  /** Read what the kernel holds and hand it to the core (it adopts what matches and repairs the rest). */
  async start(): Promise<void> {
    const table = await this.o.plane.read();
    this.remember(table);
    this.feed({ type: 'start', table });
    await this.idle();
  }

  /** SIGHUP: the core diffs (unchanged services keep counters and connections); its effects run like any other. */
  reload(apply: (nowMs: number) => LvsEffect[]): Promise<void> {
    if (this.stopping) return Promise.resolve();
    const nowMs = this.o.clock.now();
    this.enqueue(apply(nowMs), nowMs);
    return this.idle();
  }

  /**
   * Stop the timers and probes, let the core say what stop means (keepalived's order, or nothing with
   * vipd_lvs_keep_on_stop), apply it, then close the plane. `keepTable`: drop every apply of the stop (belt and
   * braces for keep-on-stop: the services must survive a restart even if the core asked otherwise).
   */
  async stop(opts: { keepTable?: boolean } = {}): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.timer?.cancel();
    this.timer = null;
    this.repairTimer?.cancel();
    this.repairTimer = null;
    for (const p of this.probes.values()) p.close();
    this.probes.clear();
    await this.idle();
    let effects = this.o.core.handle({ type: 'stop' }, this.o.clock.now());
    if (opts.keepTable) {
      const kept = effects.filter((e) => e.type === 'apply').reduce((n, e) => n + (e.type === 'apply' ? e.ops.length : 0), 0);
      if (kept) this.o.logger.info(`vipd_lvs_keep_on_stop: leaving the virtual servers in the ${this.o.plane.name} table (${kept} operation(s) not applied)`);
      effects = effects.filter((e) => e.type !== 'apply');
    }
    this.queue = this.queue.then(() => this.execute(effects, true));
    await this.idle();
    await this.o.plane.close().catch((err: unknown) => this.o.logger.error(`closing the ${this.o.plane.name} data plane: ${(err as Error).message}`));
  }

  /** Resolves once every queued effect list has run (tests, reload, stop). */
  async idle(): Promise<void> {
    let q: Promise<void>;
    do {
      q = this.queue;
      await q;
    } while (q !== this.queue);
  }

  snapshot(): LvsSnapshot {
    return this.o.core.snapshot(this.o.clock.now());
  }

  /** The last table read back (with counters), and when (monotonic ms); null before start. */
  lastTable(): { readonly table: ReadTable; readonly atMs: number } | null {
    return this.lastRead;
  }

  /**
   * Re-read the table for counters if the cached one is older than `maxAgeMs` (scrape path: never awaited there).
   * A plane that counts connections apart (nftables) counts them after the read, outside the effect queue and
   * its own: an apply queued meanwhile runs at once.
   */
  refreshCounters(maxAgeMs: number): Promise<void> {
    const now = this.o.clock.now();
    if (this.stopping || this.refreshing || (this.lastRead && now - this.lastRead.atMs < maxAgeMs)) return this.refreshing ?? Promise.resolve();
    const job = this.queue.then(async () => {
      if (this.stopping) return;
      let table: ReadTable;
      try {
        table = await this.o.plane.read();
      } catch (err) {
        this.o.counters.dataplaneError('read_failed');
        this.o.logger.warn(`reading the ${this.o.plane.name} table: ${(err as Error).message}`);
        return;
      }
      if (this.o.plane.connections) {
        try {
          this.lastCounts = await this.o.plane.connections();
        } catch (err) {
          this.o.counters.dataplaneError('count_failed');
          this.o.logger.warn(`counting the ${this.o.plane.name} connections: ${(err as Error).message}`);
        }
      }
      this.remember(table);
    });
    this.refreshing = job.finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  get pendingApplies(): number {
    return this.applying;
  }

  /** ha_suspend: a VIP came or went on this host (the plugin follows the VRRP instances that own it). */
  vipPresence(address: string, present: boolean): void {
    this.feed({ type: 'vipPresence', address, present });
  }

  // --- the core's loop -------------------------------------------------------------------------------------

  private feed(ev: LvsEvent): void {
    if (this.stopping) return;
    let effects: LvsEffect[];
    const nowMs = this.o.clock.now();
    try {
      effects = this.o.core.handle(ev, nowMs);
    } catch (err) {
      this.o.logger.error(`LVS core refused ${ev.type}: ${(err as Error).message}`);
      effects = [];
    }
    this.enqueue(effects, nowMs);
  }

  /** `nowMs`: the time the effects were computed for (saves a clock read per check result when re-arming). */
  private enqueue(effects: readonly LvsEffect[], nowMs?: number): void {
    this.rearm(nowMs);
    if (effects.length === 0) return;
    this.queue = this.queue.then(() => this.execute(effects, false));
  }

  private rearm(nowMs?: number): void {
    if (this.stopping) return;
    const deadline = this.o.core.nextDeadline();
    if (deadline === this.armedFor && this.timer) return;
    this.timer?.cancel();
    this.timer = null;
    this.armedFor = deadline;
    if (deadline === null) return;
    // A clock read is a system call in some environments (user-mode Linux traps the vDSO): the caller's is reused.
    const fire = (): void => {
      this.timer = null;
      this.armedFor = null;
      this.feed({ type: 'timeout' });
    };
    this.timer = nowMs === undefined ? this.o.clock.at(deadline, fire) : this.o.clock.after(deadline - nowMs, fire);
  }

  /** One effect list, in order; never rejects. */
  private async execute(effects: readonly LvsEffect[], stopping: boolean): Promise<void> {
    for (const e of effects) {
      try {
        await this.effect(e, stopping);
      } catch (err) {
        this.o.logger.error(`LVS effect ${e.type} failed: ${(err as Error).message}`);
      }
    }
  }

  private async effect(e: LvsEffect, stopping: boolean): Promise<void> {
    switch (e.type) {
      case 'runCheck':
        return this.runCheck(e.checkId);
      case 'dropCheck': {
        const probe = this.probes.get(e.checkId);
        this.probes.delete(e.checkId);
        this.inFlight.delete(e.checkId);
        probe?.close();
        return;
      }
      case 'apply':
        return this.apply(e.ops, stopping);
      case 'checkerTransition':
      case 'realServerTransition':
      case 'quorumTransition':
        if (e.type === 'realServerTransition') this.o.counters.realServerTransition(e.reason);
        this.o.events.handle(e, () => this.snapshot(), stopping);
        return;
      case 'stopped':
        return;
    }
  }

  private runCheck(checkId: string): void {
    if (this.stopping || this.inFlight.has(checkId)) return; // the core asked again before the answer: one run at a time
    let probe = this.probes.get(checkId);
    if (!probe) {
      const checker = this.o.core.checkerConfig(checkId);
      if (!checker) {
        this.answer(checkId, { ok: false, durationMs: 0, reason: 'local', detail: `no checker configuration for ${checkId}` });
        return;
      }
      try {
        probe = this.o.probes(checker, this.o.probeDeps);
      } catch (err) {
        this.answer(checkId, { ok: false, durationMs: 0, reason: 'local', detail: (err as Error).message });
        return;
      }
      this.probes.set(checkId, probe);
    }
    this.inFlight.set(checkId, probe);
    const running = probe;
    let run: Promise<ProbeOutcome>;
    try {
      run = running.run();
    } catch (err) {
      // The port promises a promise; a probe that throws while setting up still answers (a local error), or its
      // check would stay in flight for ever.
      run = Promise.reject(err);
    }
    run.then(
      (outcome) => this.answer(checkId, outcome, running),
      (err: unknown) => this.answer(checkId, { ok: false, durationMs: 0, reason: 'local', detail: (err as Error)?.message ?? String(err) }, running),
    );
  }

  /**
   * A probe's outcome back into the core, on a later turn (a probe answering synchronously cannot re-enter the
   * core). The answer of a probe dropped or replaced meanwhile (reload, stop) is not the core's any more.
   */
  private answer(checkId: string, outcome: ProbeOutcome, probe?: Probe): void {
    void Promise.resolve().then(() => {
      if (probe && this.inFlight.get(checkId) === probe) this.inFlight.delete(checkId);
      if (this.stopping || (probe && this.probes.get(checkId) !== probe)) return;
      this.o.counters.checkFinished(this.o.core.checkerConfig(checkId)?.type ?? 'unknown', outcome.durationMs, outcome.ok ? null : outcome.reason);
      this.feed({ type: 'checkResult', checkId, outcome });
    });
  }

  private async apply(ops: readonly LvsOp[], stopping: boolean): Promise<void> {
    if (ops.length === 0) return;
    this.applying++;
    let failed: number;
    try {
      const r = await this.o.plane.apply(ops);
      for (const f of r.failed) {
        this.o.counters.dataplaneError(errorReason(f.error.code));
        this.o.logger.warn(`${this.o.plane.name}: ${describeOp(f.op)} refused: ${f.error.message}`, { code: f.error.code });
      }
      failed = r.failed.length;
    } catch (err) {
      this.o.counters.dataplaneError('apply_failed');
      this.o.logger.error(`${this.o.plane.name}: applying ${ops.length} operation(s) failed: ${(err as Error).message}`);
      failed = ops.length;
    } finally {
      this.applying--;
    }
    if (failed === 0) {
      this.repairStreak = 0;
      return;
    }
    if (!stopping) this.scheduleRepair();
  }

  /** Re-read and repair now after a first failure, then on a doubling back-off while repairs keep failing. */
  private scheduleRepair(): void {
    if (this.stopping || this.repairTimer) return;
    const base = this.o.repairBackoffMs ?? 1000;
    const delay = this.repairStreak === 0 ? 0 : Math.min(base * 2 ** (this.repairStreak - 1), this.o.repairBackoffMaxMs ?? 60_000);
    this.repairStreak++;
    if (delay === 0) {
      this.queue = this.queue.then(() => this.repair());
      return;
    }
    this.o.logger.info(`${this.o.plane.name} keeps refusing: re-reading the table in ${delay} ms`);
    this.repairTimer = this.o.clock.after(delay, () => {
      this.repairTimer = null;
      this.queue = this.queue.then(() => this.repair());
    });
  }

  private async repair(): Promise<void> {
    if (this.stopping) return;
    let table: ReadTable;
    try {
      table = await this.o.plane.read();
    } catch (err) {
      this.o.counters.dataplaneError('read_failed');
      this.o.logger.error(`reading the ${this.o.plane.name} table to repair it: ${(err as Error).message}`);
      this.scheduleRepair();
      return;
    }
    this.remember(table);
    this.o.counters.driftRepairs++;
    let effects: LvsEffect[];
    try {
      effects = this.o.core.handle({ type: 'tableRead', table }, this.o.clock.now());
    } catch (err) {
      this.o.logger.error(`LVS core refused tableRead: ${(err as Error).message}`);
      return;
    }
    this.rearm();
    await this.execute(effects, false); // inside the current queue slot: the repair's apply comes before anything queued later
  }

  /** Every table remembered carries the last connection counts (planes that count apart: nftables). */
  private remember(table: ReadTable): void {
    this.lastRead = { table: withConnectionCounts(table, this.lastCounts), atMs: this.o.clock.now() };
  }
}
