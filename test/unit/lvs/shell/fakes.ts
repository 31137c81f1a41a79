// Fixtures for the LVS shell's tests: typed virtual servers built by hand (lvsTypes), a small rule-following core
// (SimpleCore: enough of lvs.md §2 to drive the shell — not the real core, which has its own tests), and a probe
// factory whose outcomes the test sets per target.
import type { CheckerConfig, LvsGlobalConfig, LvsScript, RealServerConfig, VirtualServerConfig } from '../../../../src/config/lvsTypes.js';
import type { Probe, ProbeFactory, ProbeOutcome } from '../../../../src/lvs/checkers/types.js';
import type { LvsCoreApi, LvsCoreConfig, LvsEffect, LvsEvent, LvsSnapshot } from '../../../../src/lvs/core/types.js';
import { destId, serviceId, type DestSpec, type LvsOp, type LvsTable, type ServiceSpec } from '../../../../src/lvs/model.js';
import { DEFAULT_LVS_GLOBAL } from '../../../../src/lvs/shell/lvsConfig.js';

const SRC = { file: '/etc/keepalived/keepalived.conf', line: 1 } as never;

export function tcpCheck(address: string, port: number, over: Partial<CheckerConfig> = {}): CheckerConfig {
  return {
    type: 'TCP_CHECK', source: SRC, connectIp: address, connectPort: port, bindTo: null, bindPort: null, bindIf: null,
    connectTimeoutMs: 5000, fwmark: null, retry: 1, delayBeforeRetryMs: 1000, warmupMs: 0, delayLoopMs: 1000, alpha: false,
    logAllFailures: false, ...over,
  } as CheckerConfig;
}

export function script(command: string): LvsScript {
  return { command, user: null, group: null };
}

export function rs(address: string, port: number, weight = 1, over: Partial<RealServerConfig> = {}): RealServerConfig {
  return {
    address, family: address.includes(':') ? 'inet6' : 'inet', port, weight, method: { kind: 'NAT' }, upperThreshold: 0, lowerThreshold: 0,
    inhibitOnFailure: false, alpha: false, notifyUp: null, notifyDown: null, checkers: [tcpCheck(address, port)], source: SRC, ...over,
  };
}

export function vs(address: string, port: number, realServers: RealServerConfig[], over: Partial<VirtualServerConfig> = {}): VirtualServerConfig {
  return {
    id: `TCP:${address}:${port}`, name: `${address} ${port}`,
    keys: [{ kind: 'address', family: address.includes(':') ? 'inet6' : 'inet', protocol: 'TCP', address, port }],
    group: null, protocol: 'TCP', scheduler: 'wrr', schedulerFlags: [], onePacket: false, method: { kind: 'NAT' }, persistence: null,
    delayLoopMs: 1000, quorum: 1, hysteresis: 0, quorumUp: null, quorumDown: null, sorryServer: null, inhibitOnFailure: false,
    alpha: false, omega: false, haSuspend: false, virtualhost: null, realServers, source: SRC, ...over,
  };
}

export function fwmarkVs(fwmark: number, realServers: RealServerConfig[]): VirtualServerConfig {
  return { ...vs('0.0.0.0', 0, realServers), id: `fwmark:inet:${fwmark}`, name: `fwmark ${fwmark}`, keys: [{ kind: 'fwmark', family: 'inet', fwmark }] };
}

export function coreConfig(virtualServers: VirtualServerConfig[], global: Partial<LvsGlobalConfig> = {}): LvsCoreConfig {
  return { virtualServers, global: { ...DEFAULT_LVS_GLOBAL, ...global } };
}

export function serviceSpec(v: VirtualServerConfig): ServiceSpec {
  const k = v.keys[0]!;
  const base = { scheduler: v.scheduler, flags: 0, timeoutS: 0, netmaskBits: k.family === 'inet6' ? 128 : 32 };
  return k.kind === 'fwmark' ? { family: k.family, fwmark: k.fwmark, ...base } : { family: k.family, protocol: 'tcp', address: k.address, port: k.port, ...base };
}

export function destSpec(r: RealServerConfig, weight = r.weight): DestSpec {
  return { address: r.address, port: r.port, forward: 'masq', weight, upperThreshold: 0, lowerThreshold: 0 };
}

/** One check per real server address:port, shared by every virtual server that has that real server. */
export const checkIdOf = (r: RealServerConfig): string => `tcp:${destId(r)}`;

interface CheckState {
  up: boolean;
  hasRun: boolean;
  failures: number;
  lastDurationMs: number | null;
  lastFailure: { reason: never; detail: string } | null;
}

/**
 * A core that follows the simplest rules: every RS starts up; one failed check takes it down (delDest), one
 * success brings it back (addDest); quorum = live weight ≥ quorum; checks run every delay_loop. It records every
 * event and lets a test prepend scripted effects.
 */
export class SimpleCore implements LvsCoreApi {
  readonly events: { ev: LvsEvent; nowMs: number }[] = [];
  readonly reloads: LvsCoreConfig[] = [];
  private readonly checks = new Map<string, CheckState>();
  private readonly quorum = new Map<string, boolean>();
  private deadline: number | null = null;
  /** Effects returned (first) by the next handle() calls, one list per call. */
  readonly scripted: LvsEffect[][] = [];

  constructor(private config: LvsCoreConfig) {
    this.initChecks();
  }

  private initChecks(): void {
    for (const v of this.config.virtualServers) {
      for (const r of v.realServers) {
        if (!this.checks.has(checkIdOf(r))) this.checks.set(checkIdOf(r), { up: true, hasRun: false, failures: 0, lastDurationMs: null, lastFailure: null });
      }
      if (!this.quorum.has(v.id)) this.quorum.set(v.id, true);
    }
  }

  /** The first checker of the real server behind a check id (this core runs one check per real server). */
  checkerConfig(checkId: string): CheckerConfig | undefined {
    for (const v of this.config.virtualServers) for (const r of v.realServers) if (checkIdOf(r) === checkId) return r.checkers[0];
    return undefined;
  }

  handle(ev: LvsEvent, nowMs: number): LvsEffect[] {
    this.events.push({ ev, nowMs });
    const out: LvsEffect[] = [...(this.scripted.shift() ?? [])];
    switch (ev.type) {
      case 'start':
      case 'tableRead': {
        const ops = diff(this.desired(), ev.table);
        if (ops.length) out.push({ type: 'apply', ops });
        if (ev.type === 'start') {
          for (const id of this.checks.keys()) out.push({ type: 'runCheck', checkId: id });
          this.deadline = nowMs + this.delay();
        }
        break;
      }
      case 'timeout':
        for (const id of this.checks.keys()) out.push({ type: 'runCheck', checkId: id });
        this.deadline = nowMs + this.delay();
        break;
      case 'checkResult':
        out.push(...this.result(ev.checkId, ev.outcome));
        break;
      case 'stop':
        this.deadline = null;
        if (!this.config.global.keepOnStop) {
          const ops: LvsOp[] = [];
          for (const s of this.desired().services) {
            for (const d of s.dests) ops.push({ op: 'delDest', service: s.spec, dest: d });
            ops.push({ op: 'delService', service: s.spec });
          }
          if (ops.length) out.push({ type: 'apply', ops });
        }
        out.push({ type: 'stopped' });
        break;
      case 'vipPresence':
        break;
    }
    return out;
  }

  private delay(): number {
    return this.config.virtualServers[0]?.delayLoopMs ?? 1000;
  }

  private result(checkId: string, o: ProbeOutcome): LvsEffect[] {
    const c = this.checks.get(checkId);
    if (!c) return [];
    c.hasRun = true;
    c.lastDurationMs = o.durationMs;
    c.failures = o.ok ? 0 : c.failures + 1;
    if (!o.ok) c.lastFailure = { reason: o.reason as never, detail: o.detail };
    if (c.up === o.ok) return [];
    c.up = o.ok;
    const out: LvsEffect[] = [
      { type: 'checkerTransition', checkId, up: o.ok, reason: o.ok ? 'success' : o.reason, detail: o.ok ? '' : o.detail },
    ];
    for (const v of this.config.virtualServers) {
      for (const r of v.realServers) {
        if (checkIdOf(r) !== checkId) continue;
        const svc = serviceSpec(v);
        out.push({ type: 'apply', ops: [o.ok ? { op: 'addDest', service: svc, dest: destSpec(r) } : { op: 'delDest', service: svc, dest: destSpec(r) }] });
        out.push({ type: 'realServerTransition', vs: v.id, rs: destId(r), up: o.ok, script: o.ok ? r.notifyUp : r.notifyDown, reason: o.ok ? 'check_up' : `check_${o.reason}` });
      }
      const live = this.liveWeight(v);
      const up = live >= v.quorum && live > 0;
      if (up !== this.quorum.get(v.id)) {
        this.quorum.set(v.id, up);
        out.push({ type: 'quorumTransition', vs: v.id, up, liveWeight: live, script: up ? v.quorumUp : v.quorumDown, sorryServerActive: !up && v.sorryServer !== null });
      }
    }
    return out;
  }

  private liveWeight(v: VirtualServerConfig): number {
    return v.realServers.filter((r) => this.checks.get(checkIdOf(r))?.up).reduce((n, r) => n + r.weight, 0);
  }

  nextDeadline(): number | null {
    return this.deadline;
  }

  reload(config: LvsCoreConfig, _nowMs: number): LvsEffect[] {
    this.reloads.push(config);
    const before = this.desired();
    const oldChecks = new Set(this.checks.keys());
    this.config = config;
    const wanted = new Set(config.virtualServers.flatMap((v) => v.realServers.map(checkIdOf)));
    const out: LvsEffect[] = [];
    for (const id of oldChecks) {
      if (wanted.has(id)) continue;
      this.checks.delete(id);
      out.push({ type: 'dropCheck', checkId: id });
    }
    this.initChecks();
    for (const id of wanted) if (!oldChecks.has(id)) out.push({ type: 'runCheck', checkId: id });
    const ops = diff(this.desired(), { services: before.services });
    if (ops.length) out.push({ type: 'apply', ops });
    return out;
  }

  desired(): LvsTable {
    return {
      services: this.config.virtualServers.map((v) => ({
        spec: serviceSpec(v),
        dests: v.realServers.filter((r) => this.checks.get(checkIdOf(r))?.up).map((r) => destSpec(r)),
      })),
    };
  }

  snapshot(): LvsSnapshot {
    const inTable = new Set(this.desired().services.flatMap((s) => s.dests.map((d) => `${serviceId(s.spec)}|${destId(d)}`)));
    return {
      virtualServers: this.config.virtualServers.map((v) => ({
        id: v.id, name: v.name, quorumUp: this.quorum.get(v.id) ?? true, liveWeight: this.liveWeight(v), sorryServerActive: false,
        realServers: v.realServers.map((r) => {
          const up = this.checks.get(checkIdOf(r))?.up ?? false;
          return {
            id: destId(r), up, inTable: inTable.has(`${serviceId(serviceSpec(v))}|${destId(r)}`), configuredWeight: r.weight,
            effectiveWeight: up ? r.weight : 0, checks: [checkIdOf(r)],
          };
        }),
      })),
      checks: [...this.checks].map(([id, c]) => ({
        id, type: 'TCP_CHECK', target: id.slice(4), up: c.up, hasRun: c.hasRun, failures: c.failures, lastDurationMs: c.lastDurationMs,
        lastFailure: c.lastFailure, nextRunMs: this.deadline,
      })),
    };
  }
}

/** Ops that move `have` to `want` (services first, then dests; deletions of what `want` lacks). */
export function diff(want: LvsTable, have: LvsTable): LvsOp[] {
  const ops: LvsOp[] = [];
  const haveById = new Map(have.services.map((s) => [serviceId(s.spec), s]));
  const wantIds = new Set(want.services.map((s) => serviceId(s.spec)));
  for (const s of want.services) {
    const h = haveById.get(serviceId(s.spec));
    if (!h) ops.push({ op: 'addService', service: s.spec });
    const hd = new Map((h?.dests ?? []).map((d) => [destId(d), d]));
    const wd = new Set(s.dests.map(destId));
    for (const d of s.dests) {
      const cur = hd.get(destId(d));
      if (!cur) ops.push({ op: 'addDest', service: s.spec, dest: d });
      else if (cur.weight !== d.weight) ops.push({ op: 'editDest', service: s.spec, dest: d });
    }
    for (const d of h?.dests ?? []) if (!wd.has(destId(d))) ops.push({ op: 'delDest', service: s.spec, dest: d });
  }
  for (const h of have.services) if (!wantIds.has(serviceId(h.spec))) ops.push({ op: 'delService', service: h.spec });
  return ops;
}

/** Probes answer with the outcome the test set for their target ("10.2.0.11:80"), success by default. */
export class FakeProbes {
  readonly outcomes = new Map<string, ProbeOutcome>();
  created = 0;
  closed = 0;
  runs: string[] = [];
  /** Targets whose probe never answers until released (a hung check). */
  readonly hung = new Map<string, () => void>();
  hang = new Set<string>();
  /** Targets whose probe's run() throws synchronously (a probe breaking the port's promise-only contract). */
  readonly throwing = new Set<string>();

  readonly factory: ProbeFactory = (checker) => {
    this.created++;
    const target = checker.type === 'FILE_CHECK' ? checker.trackFile : `${checker.connectIp}:${checker.connectPort}`;
    let closedHere = false;
    const probe: Probe = {
      run: () => {
        this.runs.push(target);
        if (this.throwing.has(target)) throw new Error(`socket setup for ${target} threw`);
        if (this.hang.has(target)) return new Promise<ProbeOutcome>((resolve) => this.hung.set(target, () => resolve(this.outcome(target))));
        return Promise.resolve(this.outcome(target));
      },
      close: () => {
        if (!closedHere) this.closed++;
        closedHere = true;
      },
    };
    return probe;
  };

  private outcome(target: string): ProbeOutcome {
    return this.outcomes.get(target) ?? { ok: true, durationMs: 1.5 };
  }

  fail(target: string, reason: 'refused' | 'timeout' = 'refused'): void {
    this.outcomes.set(target, { ok: false, durationMs: 2, reason, detail: reason === 'refused' ? 'connect ECONNREFUSED' : 'no answer in 5000 ms' });
  }

  heal(target: string): void {
    this.outcomes.delete(target);
  }
}
