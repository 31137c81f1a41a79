// The pure LVS core (contract: ./types.ts; semantics: lvs.md §2-3). It keeps checker, real-server and
// virtual-server state, derives the desired table from it, and tracks what the kernel holds (read at start and
// after a failed apply, then advanced by its own ops), so every change is one diff: a matching kernel table at
// start gives no op (no flap on restart), drift is repaired on the next read, and foreign services are never
// touched (lvs.md §9.6). No I/O, no clock: `nowMs` is an argument and randomness (warmup jitter) is injected.
import type { CheckerConfig } from '../../config/lvsTypes.js';
import type { ProbeOutcome } from '../checkers/types.js';
import { serviceId, type LvsOp, type LvsTable } from '../model.js';
import { applyOps } from '../tableOps.js';
import { CheckerState } from './checkerState.js';
import { diffTables, keyOf } from './diff.js';
import { normalizeTable } from './normalizeTable.js';
import type { RealServerState } from './realServerState.js';
import { stopPlan } from './stopPlan.js';
import type { LvsCoreApi, LvsCoreConfig, LvsEffect, LvsEvent, LvsSnapshot } from './types.js';
import { VirtualServerState } from './virtualServerState.js';

export interface LvsCoreOptions {
  /** Uniform in [0, 1): the warmup jitter of each checker's first run. */
  readonly random: () => number;
}

interface Subscriber {
  readonly vs: VirtualServerState;
  readonly rs: RealServerState;
}

export class LvsCore implements LvsCoreApi {
  private config: LvsCoreConfig;
  private vss: VirtualServerState[] = [];
  private checkers = new Map<string, CheckerState>();
  private subscribers = new Map<string, Subscriber[]>();
  private phase: 'idle' | 'running' | 'stopped' = 'idle';
  /** What the data plane holds, as far as the core knows. */
  private kernel: LvsTable = { services: [] };
  /** Services of an earlier config still to delete (owned until they are gone from the kernel). */
  private leaving = new Set<string>();
  private readonly vipPresent = new Set<string>();
  private startNotifies: LvsEffect[] = [];

  constructor(
    config: LvsCoreConfig,
    private readonly options: LvsCoreOptions,
  ) {
    this.config = config;
    this.build(config, new Map(), new Map());
    this.initialise();
  }

  /** Initial RS and quorum states (lvs.md §2.2); their notifies go out with `start`. */
  private initialise(): void {
    this.startNotifies = [];
    for (const vs of this.vss) {
      vs.initRealServers((id) => this.checkers.get(id)?.up ?? true, () => true, this.config.global.rsInitNotifies, this.startNotifies);
      vs.evaluateQuorum(true, this.startNotifies);
    }
  }

  handle(ev: LvsEvent, nowMs: number): LvsEffect[] {
    if (this.phase === 'stopped') return [];
    if (ev.type === 'stop') return this.stop();
    if (ev.type === 'vipPresence') {
      // Recorded in any phase: the shell reports the VIPs it already holds before the first checks run.
      if (ev.present) this.vipPresent.add(ev.address);
      else this.vipPresent.delete(ev.address);
      return [];
    }
    if (this.phase === 'idle') return ev.type === 'start' ? this.start(ev.table, nowMs) : [];
    switch (ev.type) {
      case 'start':
        return [];
      case 'checkResult':
        return this.checkResult(ev.checkId, ev.outcome, nowMs);
      case 'timeout':
        return this.runDue(nowMs);
      case 'tableRead':
        this.kernel = normalizeTable(ev.table);
        for (const id of this.leaving) if (!this.kernel.services.some((s) => serviceId(s.spec) === id)) this.leaving.delete(id);
        return this.sync([], []);
    }
  }

  nextDeadline(): number | null {
    if (this.phase !== 'running') return null;
    let next: number | null = null;
    for (const c of this.checkers.values()) if (!c.inFlight && c.nextRunMs !== null && (next === null || c.nextRunMs < next)) next = c.nextRunMs;
    return next;
  }

  desired(): LvsTable {
    return { services: this.vss.flatMap((vs) => vs.desiredServices()) };
  }

  /** The checker behind a checkId, for the shell that builds the probe. */
  checkerConfig(checkId: string): CheckerConfig | undefined {
    return this.checkers.get(checkId)?.config;
  }

  /** Start (lvs.md §2.2): optional lvs_flush, initial RS and quorum states, first checks armed, one diff. */
  private start(table: LvsTable, nowMs: number): LvsEffect[] {
    this.phase = 'running';
    this.kernel = normalizeTable(table);
    const flush: LvsOp[] = [];
    if (this.config.global.flushAtStart) {
      // lvs_flush is IPVS_CMD_FLUSH before any service is added: every service, foreign ones included.
      for (const s of this.kernel.services) flush.push({ op: 'delService', service: keyOf(s.spec) });
      this.kernel = { services: [] };
    }
    for (const c of this.checkers.values()) c.schedule(nowMs, this.options.random);
    const notifies = this.startNotifies;
    this.startNotifies = [];
    return this.sync(flush, notifies);
  }

  private checkResult(checkId: string, outcome: ProbeOutcome, nowMs: number): LvsEffect[] {
    const checker = this.checkers.get(checkId);
    if (!checker || !checker.inFlight) return []; // a result of a dropped or unrequested probe
    const step = checker.onResult(outcome, nowMs);
    const head: LvsEffect[] = [];
    const reason = outcome.ok ? 'success' : outcome.reason;
    const detail = outcome.ok ? `${checker.type} on service [${checker.target}] success.` : `${checker.type} on service [${checker.target}] failed: ${outcome.detail}`;
    if (step.transition) head.push({ type: 'checkerTransition', checkId, up: step.transition === 'up', reason, detail });
    const notifies: LvsEffect[] = [];
    const touched = new Set<VirtualServerState>();
    const subscribers = this.subscribers.get(checkId) ?? [];
    const before = tableInputs(subscribers);
    for (const { vs, rs } of subscribers) {
      touched.add(vs);
      // MISC_CHECK misc_dynamic (check_misc.c:371-396): exit 2..255 sets the weight to exit − 2 (the probe's
      // `weight`); exit 0 carries none and, like a failure, puts the configured weight back. FILE_CHECK
      // (check_file.c): the probe's `weight` is value × weight, an offset added to the configured weight.
      if (carriesWeight(checker.config)) {
        const offset = checker.config.type === 'FILE_CHECK';
        const w = outcome.ok && outcome.weight !== undefined ? (offset ? rs.config.weight + outcome.weight : outcome.weight) : rs.config.weight;
        vs.setWeight(rs, w, notifies);
      } else if (outcome.ok && outcome.weight !== undefined) vs.setWeight(rs, outcome.weight, notifies);
      if (step.transition) vs.checkerTransition(rs, step.transition === 'up', detail, notifies);
      if (step.firstRunNotify) vs.notifyRs(rs, detail, notifies);
    }
    // Most results change nothing (a healthy server stays healthy): the desired table is a function of exactly
    // the inputs compared here, so an unchanged fingerprint means no diff is needed (1,000 real servers checked
    // every second must not cost 1,000 table diffs a second).
    if (tableInputs(subscribers) === before) return [...head, ...notifies];
    return this.syncScoped([...touched], notifies, head);
  }

  /**
   * A check result changes only the virtual servers that use the checker: diff just their services (a full diff
   * per result would cost O(table) each, too much for 1,000 services × 10 real servers).
   */
  private syncScoped(vss: readonly VirtualServerState[], notifies: readonly LvsEffect[], head: readonly LvsEffect[]): LvsEffect[] {
    const desired = { services: vss.flatMap((vs) => vs.desiredServices()) };
    const ids = new Set(desired.services.map((s) => serviceId(s.spec)));
    const actual = { services: this.kernel.services.filter((s) => ids.has(serviceId(s.spec))) };
    const ops = diffTables(desired, actual, ids);
    if (ops.length) {
      const after = new Map(applyOps(actual, ops).services.map((s) => [serviceId(s.spec), s]));
      this.kernel = { services: this.kernel.services.map((s) => after.get(serviceId(s.spec)) ?? s) };
    }
    return [...head, ...(ops.length ? [{ type: 'apply', ops } as const] : []), ...notifies];
  }

  private runDue(nowMs: number): LvsEffect[] {
    const out: LvsEffect[] = [];
    for (const c of this.checkers.values()) {
      if (!c.isDue(nowMs)) continue;
      if (this.suspended(c.id)) c.skipRun(nowMs);
      else {
        c.startRun(nowMs);
        out.push({ type: 'runCheck', checkId: c.id });
      }
    }
    return out;
  }

  /** ha_suspend: a checker rests while every VS using it has ha_suspend and none of its VIPs is here. */
  private suspended(checkId: string): boolean {
    const subs = this.subscribers.get(checkId) ?? [];
    return subs.length > 0 && subs.every(({ vs }) => vs.config.haSuspend && !vs.config.keys.some((k) => k.kind === 'address' && this.vipPresent.has(k.address)));
  }

  private stop(): LvsEffect[] {
    const wasRunning = this.phase === 'running';
    this.phase = 'stopped';
    if (!wasRunning || this.config.global.keepOnStop) return [{ type: 'stopped' }];
    const { ops, notifies } = stopPlan(this.vss, this.kernel, this.config.global);
    this.kernel = applyOps(this.kernel, ops);
    return [...(ops.length ? [{ type: 'apply', ops } as const] : []), ...notifies, { type: 'stopped' }];
  }

  /**
   * SIGHUP (lvs.md §2.7): virtual servers by id, real servers by destId, checkers by checkId. Kept ones keep their
   * state; removed RS and VS leave the table (forced, even with inhibit) after their down notifies; new RS are
   * initialised as at start (alpha ones down); a kept RS that had failed stays down; checks no longer used are
   * dropped.
   */
  reload(config: LvsCoreConfig, nowMs: number): LvsEffect[] {
    if (this.phase === 'stopped') return [];
    const before = new Set(this.desired().services.map((s) => serviceId(s.spec)));
    const oldVss = new Map(this.vss.map((vs) => [vs.id, vs]));
    const oldCheckers = this.checkers;
    this.config = config;
    const notifies: LvsEffect[] = [];
    if (this.phase === 'idle') {
      this.build(config, new Map(), new Map());
      this.initialise();
      return [];
    }
    const kept = this.build(config, oldVss, oldCheckers);
    for (const old of oldVss.values()) {
      const next = this.vss.find((vs) => vs.id === old.id);
      for (const rs of old.realServers.values()) {
        if (next?.realServers.has(rs.id) || !rs.alive) continue;
        rs.alive = false;
        old.notifyRs(rs, 'removed from the configuration', notifies);
      }
      if (!next && old.quorumUp) {
        // update_vs_notifies after clear_service_rs_list: the VS leaves with its quorum lost.
        old.quorumUp = false;
        old.notifyQuorum(0, notifies);
      }
    }
    const head: LvsEffect[] = [];
    for (const id of oldCheckers.keys()) if (!this.checkers.has(id)) head.push({ type: 'dropCheck', checkId: id });
    for (const c of this.checkers.values()) if (!oldCheckers.has(c.id)) c.schedule(nowMs, this.options.random);
    for (const vs of this.vss) {
      vs.initRealServers((id) => this.checkers.get(id)?.up ?? true, (rs) => !kept.has(rs), this.config.global.rsInitNotifies, notifies);
      vs.evaluateQuorum(true, notifies);
    }
    const now = new Set(this.desired().services.map((s) => serviceId(s.spec)));
    for (const id of before) if (!now.has(id)) this.leaving.add(id);
    for (const id of now) this.leaving.delete(id);
    return this.sync([], notifies, head);
  }

  /**
   * Builds VS, RS and checker states for `config`, carrying over what `oldVss`/`oldCheckers` hold under the same
   * identity. Returns the RS states that were carried over.
   */
  private build(config: LvsCoreConfig, oldVss: ReadonlyMap<string, VirtualServerState>, oldCheckers: ReadonlyMap<string, CheckerState>): Set<RealServerState> {
    const kept = new Set<RealServerState>();
    this.vss = config.virtualServers.map((cfg) => new VirtualServerState(cfg));
    this.checkers = new Map();
    this.subscribers = new Map();
    for (const vs of this.vss) {
      const old = oldVss.get(vs.id);
      if (old) {
        vs.quorumUp = old.quorumUp;
        vs.sorryAlive = vs.config.sorryServer !== null && old.sorryAlive;
      }
      for (const rs of vs.realServers.values()) {
        const prev = old?.realServers.get(rs.id);
        if (prev) {
          kept.add(rs);
          rs.alive = prev.alive;
          // A changed configured weight replaces the effective one (init_service_rs → update_svr_wgt).
          rs.effectiveWeight = prev.config.weight === rs.config.weight ? prev.effectiveWeight : rs.config.weight;
        }
        for (const [i, id] of rs.checkIds.entries()) {
          if (!this.checkers.has(id)) this.checkers.set(id, oldCheckers.get(id) ?? new CheckerState(id, rs.checkerConfigs[i]!));
          const subs = this.subscribers.get(id) ?? [];
          subs.push({ vs, rs });
          this.subscribers.set(id, subs);
        }
      }
    }
    return kept;
  }

  /** One diff of the desired table against the kernel; effects in keepalived's order: table first, then notifies. */
  private sync(before: readonly LvsOp[], notifies: readonly LvsEffect[], head: readonly LvsEffect[] = []): LvsEffect[] {
    const owned = new Set([...this.desired().services.map((s) => serviceId(s.spec)), ...this.leaving]);
    const ops = [...before, ...diffTables(this.desired(), this.kernel, owned)];
    this.kernel = applyOps(this.kernel, ops.slice(before.length));
    return [...head, ...(ops.length ? [{ type: 'apply', ops } as const] : []), ...notifies];
  }

  snapshot(nowMs: number): LvsSnapshot {
    void nowMs;
    return {
      virtualServers: this.vss.map((vs) => ({
        id: vs.id,
        name: vs.config.name,
        quorumUp: vs.quorumUp,
        liveWeight: vs.liveWeight(),
        sorryServerActive: vs.sorryAlive,
        realServers: [...vs.realServers.values()].map((rs) => ({
          id: rs.id,
          up: rs.alive,
          inTable: vs.inTable(rs),
          configuredWeight: rs.config.weight,
          effectiveWeight: rs.effectiveWeight,
          checks: rs.checkIds,
        })),
      })),
      checks: [...this.checkers.values()].map((c) => ({
        id: c.id,
        type: c.type,
        target: c.target,
        up: c.up,
        hasRun: c.hasRun,
        failures: c.failures,
        lastDurationMs: c.lastDurationMs,
        lastFailure: c.lastFailure,
        nextRunMs: c.nextRunMs,
      })),
    };
  }
}

/** Checkers whose success carries a weight: a failure puts the configured weight back. */
function carriesWeight(c: CheckerConfig): boolean {
  return (c.type === 'MISC_CHECK' && c.dynamic) || (c.type === 'FILE_CHECK' && c.weight !== 0);
}

/**
 * What the desired table of these subscribers' virtual servers depends on (desiredServices): each real server's
 * `alive` and effective weight, each virtual server's quorum and sorry-server state.
 */
function tableInputs(subs: readonly { readonly vs: VirtualServerState; readonly rs: RealServerState }[]): string {
  let out = '';
  for (const { vs, rs } of subs) out += `${rs.alive ? 1 : 0}:${rs.effectiveWeight}:${vs.quorumUp ? 1 : 0}:${vs.sorryAlive ? 1 : 0};`;
  return out;
}
