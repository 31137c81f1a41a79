// The daemon's metrics: one prom-client Registry per createVipdMetrics() call (never the global one), event
// methods for the runners' hot paths (plain-number increments), and scrape-time collection of everything
// else. keepalived has no native metrics (keepalived #1731); the keepalived_* names keep the community
// keepalived-exporter's dashboards working.
import { Counter, Gauge, Histogram, Registry } from './promClient.js';
import { keepalivedCounterForAnomaly, keepalivedCounterForDrop, zeroCounters, type InstanceCounterSet } from './counters.js';
import { TAKEOVER_BUCKETS_SECONDS, TAKEOVER_PHASES, type TakeoverPhase } from './names.js';
import { registerProcessMetrics } from './processMetrics.js';
import { registerScrapeMetrics } from './scrape.js';
import type {
  BuildInfo,
  InstanceCountersView,
  InstanceView,
  StatusDocument,
  StatusSection,
  VrrpStateName,
} from '../status/types.js';
import type { KeepalivedErrorCounter, TakeoverTimes } from './types.js';

/** What identifies an instance's series: keepalived-exporter labels iname, intf, vrid. */
export interface InstanceKey {
  readonly name: string;
  readonly ifname: string;
  readonly vrid: number;
}

/** Event methods pre-bound to one instance; hold one per runner for the hot path. */
export interface InstanceMetrics {
  readonly key: InstanceKey;
  /** An advert went out; priority 0 (resignation, RFC 5798 §6.4.3) also counts keepalived's pri_zero_sent. */
  advertSent(priority?: number): void;
  /** An advert passed validation (keepalived counts it from vrrp.c:1288); priority 0 also counts pri_zero_rcvd. */
  advertReceived(priority?: number): void;
  /** A state change; to MASTER counts become_master, from MASTER counts release_master. */
  transition(from: VrrpStateName, to: VrrpStateName, reason: string): void;
  /** A received packet was dropped for `reason` (the core's DropReason). */
  drop(reason: string): void;
  /**
   * An advert was accepted with an anomaly (the core's Validation.notes: 'addr_list_err', v3
   * 'advert_interval_err'); addr_list_err also counts keepalived's addr_list_err as keepalived ≥ 2.3.3 does.
   */
  anomaly(reason: string): void;
  garpSent(count?: number): void;
  naSent(count?: number): void;
  /** Record one takeover; each phase present is observed as (phase time − timerFiredMs) in seconds. */
  takeoverLatency(times: TakeoverTimes): void;
  /** We are MASTER and saw an advert from another master for our VRID. */
  splitBrain(): void;
}

export interface VipdMetricsOptions {
  /** Read at scrape time and for /status; must be cheap and side-effect free. */
  instances: () => readonly InstanceView[];
  /**
   * The subsystems' /status sections by plugin name (read per request). Their metrics are not here: each plugin
   * registers its own collectors on `registry` (src/plugin/api.ts registerMetrics).
   */
  sections?: (nowMs: number) => Readonly<Record<string, StatusSection>>;
  buildInfo: BuildInfo;
  /** Drop reasons to pre-create at 0 for every instance, so rate() works before the first drop. */
  dropReasons?: readonly string[];
  /** Override the keyword mapping from drop reason to keepalived error counter (null: no keepalived counter). */
  dropReasonMap?: Readonly<Record<string, KeepalivedErrorCounter | null>>;
  /** Node.js process metrics (CPU, memory, event-loop lag) with prefix vipd_. Default true. */
  processMetrics?: boolean;
  /** Wall clock for status documents and reload timestamps (the daemon's clock.wallNow). */
  nowMs: () => number;
}

export interface VipdMetrics {
  readonly registry: Registry;
  /** Content-Type for the /metrics response. */
  readonly contentType: string;
  /** The Prometheus text exposition. */
  metricsText(): Promise<string>;
  forInstance(inst: InstanceKey): InstanceMetrics;
  /** Forget an instance removed by a reload (its counter series disappear). */
  removeInstance(name: string): void;

  advertSent(inst: InstanceKey, priority?: number): void;
  advertReceived(inst: InstanceKey, priority?: number): void;
  transition(inst: InstanceKey, from: VrrpStateName, to: VrrpStateName, reason: string): void;
  drop(inst: InstanceKey, reason: string): void;
  /** A drop before any instance matched (unknown VRID, short packet): counted with iname="" and vrid as known. */
  dropUnmatched(ifname: string, reason: string, vrid?: number): void;
  anomaly(inst: InstanceKey, reason: string): void;
  garpSent(inst: InstanceKey, count?: number): void;
  naSent(inst: InstanceKey, count?: number): void;
  takeoverLatency(inst: InstanceKey, times: TakeoverTimes): void;
  splitBrain(inst: InstanceKey): void;
  configReload(success: boolean): void;

  /** Per-instance counters (keepalived stats + ours), e.g. for the keepalived.stats writer. */
  counters(): Record<string, InstanceCountersView>;
  /** The document served on /status. */
  status(): StatusDocument;
  /** The instance views (as the daemon supplies them). */
  instances(): readonly InstanceView[];
}

const TRANSITION_SEP = '\u0000';

export function createVipdMetrics(opts: VipdMetricsOptions): VipdMetrics {
  const registry = new Registry();
  const nowMs = opts.nowMs;
  const sets = new Map<string, InstanceCounterSet>();
  const unmatched = new Map<string, InstanceCounterSet>();
  const dropMapCache = new Map<string, KeepalivedErrorCounter | null>();

  // One daemon call per scrape: all collect() callbacks run in the same synchronous turn, so the views are
  // memoised until the next microtask.
  let viewCache: readonly InstanceView[] | null = null;
  const views = (): readonly InstanceView[] => {
    if (viewCache === null) {
      viewCache = opts.instances();
      queueMicrotask(() => {
        viewCache = null;
      });
    }
    return viewCache;
  };

  const kaCounterFor = (reason: string): KeepalivedErrorCounter | null => {
    let c = dropMapCache.get(reason);
    if (c === undefined) {
      const override = opts.dropReasonMap?.[reason];
      c = override !== undefined ? override : keepalivedCounterForDrop(reason);
      dropMapCache.set(reason, c);
    }
    return c;
  };

  const newSet = (key: InstanceKey): InstanceCounterSet => {
    const set: InstanceCounterSet = {
      name: key.name,
      ifname: key.ifname,
      vrid: key.vrid,
      c: zeroCounters(),
      drops: new Map(),
      anomalies: new Map(),
      transitions: new Map(),
    };
    for (const r of opts.dropReasons ?? []) set.drops.set(r, 0);
    return set;
  };

  const setFor = (key: InstanceKey): InstanceCounterSet => {
    let s = sets.get(key.name);
    if (s === undefined || s.ifname !== key.ifname || s.vrid !== key.vrid) {
      s = newSet(key);
      sets.set(key.name, s);
    }
    return s;
  };

  registerScrapeMetrics(registry, {
    views,
    counterSets: () => {
      for (const v of views()) setFor(v);
      return sets.values();
    },
    unmatchedDrops: () => unmatched.values(),
  });

  const takeover = new Histogram<'iname' | 'phase'>({
    name: 'vipd_takeover_latency_seconds',
    help: 'Takeover latency from master-down timer (or preemption) to each phase: sync_committed, vips_installed, first_garp',
    labelNames: ['iname', 'phase'],
    buckets: TAKEOVER_BUCKETS_SECONDS,
    registers: [registry],
  });
  const reloads = new Counter<'result'>({
    name: 'vipd_config_reloads_total',
    help: 'Configuration reloads by result',
    labelNames: ['result'],
    registers: [registry],
  });
  reloads.inc({ result: 'success' }, 0);
  reloads.inc({ result: 'failure' }, 0);
  const lastReloadOk = new Gauge({
    name: 'vipd_config_last_reload_successful',
    help: 'Whether the last configuration reload succeeded (1) or failed (0)',
    registers: [registry],
  });
  lastReloadOk.set(1);
  const lastReloadTs = new Gauge({
    name: 'vipd_config_last_reload_success_timestamp_seconds',
    help: 'Unix time of the last successful configuration load or reload',
    registers: [registry],
  });
  lastReloadTs.set(nowMs() / 1000);
  const build = new Gauge<'version' | 'node' | 'nodejs'>({
    name: 'vipd_build_info',
    help: 'vipd build and node identity, value 1',
    labelNames: ['version', 'node', 'nodejs'],
    registers: [registry],
  });
  build.set({ version: opts.buildInfo.version, node: opts.buildInfo.node, nodejs: process.version }, 1);

  if (opts.processMetrics !== false) registerProcessMetrics(registry);

  const handles = new Map<string, InstanceMetrics>();

  const makeHandle = (key: InstanceKey): InstanceMetrics => {
    const s = setFor(key);
    const c = s.c;
    return {
      key,
      advertSent(priority) {
        c.advert_sent++;
        if (priority === 0) c.pri_zero_sent++;
      },
      advertReceived(priority) {
        c.advert_rcvd++;
        if (priority === 0) c.pri_zero_rcvd++;
      },
      transition(from, to, reason) {
        if (to === 'MASTER' && from !== 'MASTER') c.become_master++; // vrrp_state_become_master
        if (from === 'MASTER' && to !== 'MASTER') c.release_master++; // vrrp_state_leave_master
        const k = from + TRANSITION_SEP + to + TRANSITION_SEP + reason;
        s.transitions.set(k, (s.transitions.get(k) ?? 0) + 1);
      },
      drop(reason) {
        s.drops.set(reason, (s.drops.get(reason) ?? 0) + 1);
        const ka = kaCounterFor(reason);
        if (ka !== null) c[ka]++;
      },
      anomaly(reason) {
        s.anomalies.set(reason, (s.anomalies.get(reason) ?? 0) + 1);
        const ka = keepalivedCounterForAnomaly(reason);
        if (ka !== null) c[ka]++;
      },
      garpSent(count = 1) {
        c.garp_sent += count;
      },
      naSent(count = 1) {
        c.na_sent += count;
      },
      takeoverLatency(times) {
        const phases: [TakeoverPhase, number | undefined][] = [
          ['sync_committed', times.syncCommittedMs],
          ['vips_installed', times.vipsInstalledMs],
          ['first_garp', times.firstGarpMs],
        ];
        for (const [phase, atMs] of phases) {
          if (atMs === undefined) continue;
          takeover.observe({ iname: key.name, phase }, Math.max(0, atMs - times.timerFiredMs) / 1000);
        }
      },
      splitBrain() {
        c.split_brain++;
      },
    };
  };

  const forInstance = (inst: InstanceKey): InstanceMetrics => {
    let h = handles.get(inst.name);
    if (h === undefined || h.key.ifname !== inst.ifname || h.key.vrid !== inst.vrid) {
      h = makeHandle({ name: inst.name, ifname: inst.ifname, vrid: inst.vrid });
      handles.set(inst.name, h);
    }
    return h;
  };

  const counters = (): Record<string, InstanceCountersView> => {
    const out: Record<string, InstanceCountersView> = {};
    for (const v of views()) setFor(v);
    for (const [name, s] of sets) out[name] = { ...s.c };
    return out;
  };

  return {
    registry,
    contentType: registry.contentType,
    metricsText: () => registry.metrics(),
    forInstance,
    removeInstance(name) {
      sets.delete(name);
      handles.delete(name);
      for (const phase of TAKEOVER_PHASES) takeover.remove({ iname: name, phase });
    },
    advertSent: (inst, priority) => forInstance(inst).advertSent(priority),
    advertReceived: (inst, priority) => forInstance(inst).advertReceived(priority),
    transition: (inst, from, to, reason) => forInstance(inst).transition(from, to, reason),
    drop: (inst, reason) => forInstance(inst).drop(reason),
    dropUnmatched(ifname, reason, vrid) {
      const key = `${ifname}\u0000${vrid ?? ''}`;
      let s = unmatched.get(key);
      if (s === undefined) {
        s = { name: '', ifname, vrid: vrid ?? Number.NaN, c: zeroCounters(), drops: new Map(), anomalies: new Map(), transitions: new Map() };
        unmatched.set(key, s);
      }
      s.drops.set(reason, (s.drops.get(reason) ?? 0) + 1);
    },
    anomaly: (inst, reason) => forInstance(inst).anomaly(reason),
    garpSent: (inst, count) => forInstance(inst).garpSent(count),
    naSent: (inst, count) => forInstance(inst).naSent(count),
    takeoverLatency: (inst, times) => forInstance(inst).takeoverLatency(times),
    splitBrain: (inst) => forInstance(inst).splitBrain(),
    configReload(success) {
      reloads.inc({ result: success ? 'success' : 'failure' });
      lastReloadOk.set(success ? 1 : 0);
      if (success) lastReloadTs.set(nowMs() / 1000);
    },
    counters,
    status() {
      const instances = views();
      const generatedAtMs = nowMs();
      const sections = opts.sections?.(generatedAtMs) ?? {};
      return {
        statusVersion: 1,
        node: opts.buildInfo.node,
        version: opts.buildInfo.version,
        generatedAtMs,
        instances,
        counters: counters(),
        sections,
        // statusVersion 1 readers find connection sync here (types.ts StatusDocument.sync).
        sync: sections['sync']?.data ?? null,
      };
    },
    instances: views,
  };
}
