// The tracking subsystem as a daemon plugin: vrrp_script checks, track_interface and track_file, turned into
// effective priorities and FAULT reasons for the core (keepalived.md §2.8). Every tracked object keeps its
// latest reading; after any change the affected instances are recomputed from scratch with the pure
// functions in priority.ts and only the differences are sent to the daemon.
//
// Reload (SIGHUP) without flaps: an unchanged tracker keeps its loop, hysteresis and reading (no re-init, no
// FAULT or priority blip); a changed one is re-created (reloadDiff.ts); a removed one stops and its effect is
// withdrawn; an added script starts in init the way keepalived starts scripts on reload (holding no FAULT
// until its first result). Instances the reload (re)started get the current readings before they run.
import type { Registry } from 'prom-client';
import type { Config, GlobalDefs, VrrpScriptConfig } from '../config/types.js';
import type { DaemonControl, DaemonPlugin, PluginFactory, ReloadChange } from '../plugin/api.js';
import { INIT_SUFFIX, planBindings, type TrackBinding } from './bindings.js';
import { scriptEnv, type ScriptSpawner } from '../script/exec.js';
import { scriptSpawner } from '../script/vforkSpawner.js';
import { FileWatch } from './fileWatch.js';
import { carryScriptState, type ScriptState, type ScriptStatus } from './hysteresis.js';
import { effectivePriority, fileEffect, interfaceEffect, scriptEffect, type TrackerEffect } from './priority.js';
import { fileReloadAction, scriptReloadAction } from './reloadDiff.js';
import { ScriptLoop } from './scriptLoop.js';
import { TrackScriptResults } from './metrics.js';
import {
  defaultScriptUser, prepareScript, readAccounts, resolveUser, selfIdentity, type Accounts, type PreparedScript, type ScriptIdentity,
} from '../script/security.js';

export interface TrackingOptions {
  readonly spawner?: ScriptSpawner;
  /** Script checks before first use (default: PATH search, executable bit, script security). */
  readonly prepare?: (argv: readonly string[], who: ScriptIdentity, enableScriptSecurity: boolean) => Promise<PreparedScript | { error: string }>;
  readonly accounts?: () => Promise<Accounts>;
  readonly self?: ScriptIdentity;
  readonly env?: NodeJS.ProcessEnv;
  /** track_file re-read fallback period (default 1000 ms). */
  readonly fileRereadMs?: number;
  /** SIGTERM → SIGKILL grace for a timed-out check (keepalived: 2 s). */
  readonly killGraceMs?: number;
}

interface InstanceTrack {
  readonly name: string;
  readonly base: number;
  readonly bindings: TrackBinding[];
  faults: Set<string>;
  priority: number;
}

/**
 * Tracking for the composition root's plugin list: always created (idle when the config tracks nothing), so a
 * reload can add the first vrrp_script or track_interface.
 */
export function trackingPlugin(opts: TrackingOptions = {}): PluginFactory {
  return { name: 'tracking', create: (config) => new TrackingPlugin(config, opts) };
}

/** Null when the config tracks nothing. */
export function createTrackingPlugin(config: Config, opts: TrackingOptions = {}): TrackingPlugin | null {
  return planBindings(config).bindings.length === 0 ? null : new TrackingPlugin(config, opts);
}

export class TrackingPlugin implements DaemonPlugin {
  readonly name = 'tracking';
  private ctl: DaemonControl | null = null;
  private config: Config;
  private instances = new Map<string, InstanceTrack>();
  private readonly scripts = new Map<string, ScriptLoop>();
  private readonly scriptStatus = new Map<string, ScriptStatus>();
  /** Scripts a reload brought in that have not reported yet (keepalived SCRIPT_INIT_STATE_INIT_RELOAD). */
  private readonly reloadInit = new Set<string>();
  private readonly files = new Map<string, FileWatch>();
  private readonly links = new Map<string, boolean>();
  /** Retired script loops still waiting for their last run to exit. */
  private readonly retiring = new Set<Promise<void>>();
  /** While a reload re-plans, readings are stored but not sent: the end of the reload sends them all. */
  private applying = false;
  private unlisten: (() => void) | null = null;
  /** Script results for /metrics (keepalived_script_status, vipd_track_script_*). */
  readonly results = new TrackScriptResults();

  constructor(
    config: Config,
    private readonly opts: TrackingOptions = {},
  ) {
    this.config = config;
  }

  registerMetrics(registry: Registry): void {
    this.results.register(registry);
  }

  async start(ctl: DaemonControl): Promise<void> {
    this.ctl = ctl;
    this.unlisten = ctl.onLink((ifname, up) => {
      if (!this.links.has(ifname) || this.links.get(ifname) === up) return;
      this.links.set(ifname, up);
      ctl.logger.info(`Tracked interface ${ifname} is ${up ? 'UP' : 'DOWN'}`);
      this.recompute((b) => b.kind === 'interface' && b.name === ifname);
    });
    // Initial state before the instances start: weight-0 scripts still in init hold their instance in FAULT.
    await this.apply(this.config, null, { started: this.config.instances.map((i) => i.name), removed: [] });
  }

  /** SIGHUP: see the header. Called before the instances the reload (re)started run. */
  async reload(config: Config, change: ReloadChange): Promise<void> {
    const prev = this.config;
    this.config = config;
    await this.apply(config, prev, change);
  }

  async stop(): Promise<void> {
    this.unlisten?.();
    this.unlisten = null;
    for (const f of this.files.values()) f.stop();
    // keepalived SIGTERMs running scripts at shutdown and SIGKILLs them a second later (notify.c script_killall).
    await Promise.all([...[...this.scripts.values()].map((s) => s.stop(1000)), ...this.retiring]);
  }

  /** Current view, for tests and status output. */
  describe(instance: string): { priority: number; faults: string[] } | undefined {
    const t = this.instances.get(instance);
    return t ? { priority: t.priority, faults: [...t.faults] } : undefined;
  }

  /**
   * Bring trackers and per-instance state in line with `config` (`prev` null: daemon start). Trackers first,
   * then every instance is recomputed against what its core holds now, then new script loops start.
   */
  private async apply(config: Config, prev: Config | null, change: ReloadChange): Promise<void> {
    const ctl = this.ctl!;
    const plan = planBindings(config);
    for (const w of plan.warnings) ctl.logger.warn(w);
    const used = (kind: TrackBinding['kind']) => new Set(plan.bindings.filter((b) => b.kind === kind).map((b) => b.name));
    this.applying = true;
    let fresh: ScriptLoop[] = [];
    let disabled = new Set<string>();
    try {
      ({ fresh, disabled } = await this.applyScripts(config, prev, used('script')));
      this.applyInterfaces(used('interface'));
      await this.applyFiles(config, prev !== null, used('file'));
    } finally {
      this.applying = false;
    }
    this.applyInstances(config, plan.bindings.filter((b) => !(b.kind === 'script' && disabled.has(b.name))), change);
    this.recompute(() => true, true);
    for (const [name, t] of this.instances) if (t.bindings.length === 0) this.instances.delete(name);
    for (const loop of fresh) loop.start();
  }

  /** Keep, carry over or create each used script; retire the rest. Resolves to the loops to start. */
  private async applyScripts(config: Config, prev: Config | null, used: ReadonlySet<string>): Promise<{ fresh: ScriptLoop[]; disabled: Set<string> }> {
    const ctl = this.ctl!;
    const fresh: ScriptLoop[] = [];
    const disabled = new Set<string>();
    for (const [name, loop] of this.scripts) {
      if (used.has(name)) continue;
      this.retire(name, loop);
      ctl.logger.info(`VRRP_Script(${name}) no longer tracked - stopped`);
    }
    let accounts: Accounts | null = null;
    const self = this.opts.self ?? selfIdentity();
    for (const cfg of config.scripts.filter((s) => used.has(s.name))) {
      const old = this.scripts.get(cfg.name);
      const action = old && prev ? scriptReloadAction(old.config, cfg, prev.global, config.global) : 'fresh';
      if (action === 'keep') continue;
      let initial: ScriptState | undefined;
      const wasReloadInit = this.reloadInit.has(cfg.name);
      if (old) {
        // Stopped first, so its reading cannot move while the new loop is prepared.
        this.retire(cfg.name, old);
        if (action === 'carry') {
          initial = carryScriptState(old.state, old.config, cfg);
          if (initial.status !== 'init') ctl.logger.info(`VRRP_Script(${cfg.name}) considered ${initial.status === 'up' ? 'successful' : 'unsuccessful'} on reload`);
        }
      }
      accounts ??= await (this.opts.accounts ?? (() => readAccounts()))();
      const loop = await this.makeLoop(cfg, config.global, accounts, self, initial);
      if (!loop) {
        // A disabled script stops being tracked (keepalived), so it cannot hold an instance in FAULT.
        disabled.add(cfg.name);
        continue;
      }
      this.scripts.set(cfg.name, loop);
      // A new command for a script name: its effect stays the old reading until the new check reports, so
      // changing a check never flaps FAULT or priority on its own. (keepalived treats it as a new script in
      // init, which drops the old effect at once.)
      const replaced = old && action === 'fresh' && old.state.status !== 'init' && loop.state.status === 'init';
      this.scriptStatus.set(cfg.name, replaced ? old.state.status : loop.state.status);
      // keepalived starts every script of a reload in SCRIPT_INIT_STATE_INIT_RELOAD unless clear_diff_script
      // matched it to a running one (vrrp_track.c:279, vrrp.c:5584-5592); init_fail is "failed" either way.
      const reloadInit = loop.state.status === 'init' && (old ? wasReloadInit : prev !== null);
      if (reloadInit) this.reloadInit.add(cfg.name);
      else this.reloadInit.delete(cfg.name);
      fresh.push(loop);
    }
    return { fresh, disabled };
  }

  private retire(name: string, loop: ScriptLoop): void {
    this.scripts.delete(name);
    this.scriptStatus.delete(name);
    this.reloadInit.delete(name);
    const done = loop.stop(1000);
    this.retiring.add(done);
    void done.finally(() => this.retiring.delete(done));
  }

  private applyInterfaces(used: ReadonlySet<string>): void {
    for (const ifname of [...this.links.keys()]) if (!used.has(ifname)) this.links.delete(ifname);
    for (const ifname of used) {
      if (this.links.has(ifname)) continue; // unchanged: keeps the state the link events gave it
      const up = this.ctl!.linkUp(ifname);
      if (up === undefined) this.ctl!.logger.warn(`track_interface ${ifname} does not exist - treating it as down`);
      this.links.set(ifname, up ?? false);
    }
  }

  private async applyFiles(config: Config, reload: boolean, used: ReadonlySet<string>): Promise<void> {
    const ctl = this.ctl!;
    for (const [name, fw] of [...this.files]) {
      const cfg = config.trackFiles.find((f) => f.name === name);
      if (used.has(name) && cfg && fileReloadAction(fw.config, cfg) === 'keep') continue;
      fw.stop();
      this.files.delete(name);
    }
    for (const cfg of config.trackFiles.filter((f) => used.has(f.name) && !this.files.has(f.name))) {
      const fw = new FileWatch({
        cfg,
        logger: ctl.logger,
        clock: ctl.clock,
        rereadMs: this.opts.fileRereadMs ?? 1000,
        reload,
        onValue: (v) => {
          ctl.logger.info(`track_file ${cfg.name} (${cfg.path}) now ${v}`);
          this.recompute((b) => b.kind === 'file' && b.name === cfg.name);
        },
      });
      this.files.set(cfg.name, fw);
      await fw.start();
    }
  }

  /**
   * New per-instance state. A kept instance keeps the faults we gave it, and its priority is what its core holds
   * now (a reload in place keeps the tracker adjustment across a base-priority change). A (re)started or newly
   * tracked instance has a fresh core: base priority, no faults from us. An instance that lost every binding
   * stays with none until recompute has withdrawn its effect.
   */
  private applyInstances(config: Config, bindings: readonly TrackBinding[], change: ReloadChange): void {
    const started = new Set(change.started);
    const next = new Map<string, InstanceTrack>();
    for (const inst of config.instances) {
      const mine = bindings.filter((b) => b.instance === inst.name);
      const old = started.has(inst.name) ? undefined : this.instances.get(inst.name);
      if (!old && mine.length === 0) continue;
      const core = old ? this.ctl!.snapshot(inst.name) : undefined;
      next.set(inst.name, {
        name: inst.name,
        base: inst.priority,
        bindings: mine,
        faults: old ? old.faults : new Set(),
        priority: core?.effectivePriority ?? (old ? old.priority : inst.priority),
      });
    }
    this.instances = next;
  }

  private async makeLoop(
    cfg: VrrpScriptConfig, global: GlobalDefs, accounts: Accounts, self: ScriptIdentity, initial: ScriptState | undefined,
  ): Promise<ScriptLoop | null> {
    const ctl = this.ctl!;
    const who = cfg.user ? resolveUser(cfg.user, accounts) : defaultScriptUser(global.scriptUser, accounts, self);
    if ('error' in who) {
      ctl.logger.error(`VRRP_Script(${cfg.name}): ${who.error} - disabling`);
      return null;
    }
    const prepare = this.opts.prepare ?? ((argv, id, sec) => prepareScript(argv, id, sec));
    const prepared = await prepare(cfg.script.argv, who, global.enableScriptSecurity);
    if ('error' in prepared) {
      ctl.logger.error(`VRRP_Script(${cfg.name}) ${prepared.error}`);
      return null;
    }
    for (const w of prepared.warnings) ctl.logger.warn(`VRRP_Script(${cfg.name}) ${w}`);
    // Only switch identity when it differs from ours (a non-root daemon cannot setuid).
    const ids = prepared.uid !== self.uid || prepared.gid !== self.gid ? { uid: prepared.uid, gid: prepared.gid } : {};
    const loop: ScriptLoop = new ScriptLoop({
      cfg,
      argv: prepared.argv,
      ...ids,
      env: scriptEnv(this.opts.env ?? process.env),
      spawner: this.opts.spawner ?? scriptSpawner(),
      logger: ctl.logger,
      clock: ctl.clock,
      killGraceMs: this.opts.killGraceMs ?? 2000,
      ...(initial ? { initial } : {}),
      onResult: (outcome, state, changed) => {
        this.results.record(cfg.name, outcome.ok, state.status === 'up');
        if (this.scripts.get(cfg.name) !== loop) return; // retired by a reload meanwhile
        if (state.status !== 'init') this.reloadInit.delete(cfg.name);
        if (!changed) return;
        this.scriptStatus.set(cfg.name, state.status);
        this.recompute((b) => b.kind === 'script' && b.name === cfg.name);
      },
    });
    return loop;
  }

  private effectOf(b: TrackBinding): TrackerEffect {
    switch (b.kind) {
      case 'script':
        return scriptEffect(b.weight, b.reverse, this.scriptStatus.get(b.name) ?? 'init', !this.reloadInit.has(b.name));
      case 'interface':
        return interfaceEffect(b.weight, b.reverse, this.links.get(b.name) ?? false);
      case 'file':
        return fileEffect(b.weight, b.reverse, this.files.get(b.name)?.value ?? 0);
    }
  }

  /**
   * A script that has not reported yet holds its instance in FAULT under a reason of its own, so the start-up
   * FAULT it causes can be told from a real failure: keepalived does not notify it (vrrp_init_state only
   * notifies FAULT when a fault flag is set, and scripts in init set none).
   */
  private faultReason(b: TrackBinding): string {
    return b.kind === 'script' && this.scriptStatus.get(b.name) === 'init' ? `${b.reason}${INIT_SUFFIX}` : b.reason;
  }

  /** Recompute every instance with a binding matching `touches` (or every instance); send only what changed. */
  private recompute(touches: (b: TrackBinding) => boolean, all = false): void {
    const ctl = this.ctl;
    if (!ctl || this.applying) return;
    for (const t of this.instances.values()) {
      if (!all && !t.bindings.some(touches)) continue;
      const faults = new Set<string>();
      const deltas: number[] = [];
      for (const b of t.bindings) {
        const e = this.effectOf(b);
        if (e.fault) faults.add(this.faultReason(b));
        else deltas.push(e.delta);
      }
      const priority = effectivePriority(t.base, deltas);
      // While in FAULT the priority is irrelevant; it is brought up to date before the fault clears, so the
      // instance comes back with the right skew (and no "Changing effective priority" noise on the way down).
      if (faults.size === 0 && priority !== t.priority) {
        t.priority = priority;
        ctl.setPriority(t.name, priority);
      }
      for (const r of faults) if (!t.faults.has(r)) ctl.fault(t.name, r);
      for (const r of t.faults) if (!faults.has(r)) ctl.faultCleared(t.name, r);
      t.faults = faults;
    }
  }
}
