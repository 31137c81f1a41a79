// The tracking subsystem as a daemon plugin: vrrp_script checks, track_interface and track_file, turned into
// effective priorities and FAULT reasons for the core (keepalived.md §2.8). Every tracked object keeps its
// latest reading; after any change the affected instances are recomputed from scratch with the pure
// functions in priority.ts and only the differences are sent to the daemon.
import type { Config, VrrpScriptConfig } from '../config/types.js';
import type { DaemonControl, DaemonPlugin } from '../daemon/plugin.js';
import { INIT_SUFFIX, planBindings, type TrackBinding } from './bindings.js';
import { nodeSpawner, scriptEnv, type ScriptSpawner } from './exec.js';
import { FileWatch } from './fileWatch.js';
import type { ScriptStatus } from './hysteresis.js';
import { effectivePriority, fileEffect, interfaceEffect, scriptEffect, type TrackerEffect } from './priority.js';
import { ScriptLoop } from './scriptLoop.js';
import {
  defaultScriptUser, prepareScript, readAccounts, resolveUser, selfIdentity, type Accounts, type PreparedScript, type ScriptIdentity,
} from './scriptSecurity.js';

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
  bindings: TrackBinding[];
  faults: Set<string>;
  priority: number;
}

/** Null when the config tracks nothing. */
export function createTrackingPlugin(config: Config, opts: TrackingOptions = {}): DaemonPlugin | null {
  const plan = planBindings(config);
  if (plan.bindings.length === 0) return null;
  return new TrackingPlugin(config, plan.bindings, plan.warnings, opts);
}

export class TrackingPlugin implements DaemonPlugin {
  readonly name = 'tracking';
  private ctl: DaemonControl | null = null;
  private readonly instances = new Map<string, InstanceTrack>();
  private readonly scripts = new Map<string, ScriptLoop>();
  private readonly scriptStatus = new Map<string, ScriptStatus>();
  private readonly files = new Map<string, FileWatch>();
  private readonly links = new Map<string, boolean>();
  private unlisten: (() => void) | null = null;

  constructor(
    private readonly config: Config,
    bindings: readonly TrackBinding[],
    private readonly warnings: readonly string[],
    private readonly opts: TrackingOptions,
  ) {
    for (const inst of config.instances) {
      const mine = bindings.filter((b) => b.instance === inst.name);
      if (mine.length) this.instances.set(inst.name, { name: inst.name, base: inst.priority, bindings: mine, faults: new Set(), priority: inst.priority });
    }
  }

  async start(ctl: DaemonControl): Promise<void> {
    this.ctl = ctl;
    for (const w of this.warnings) ctl.logger.warn(w);
    const used = (kind: TrackBinding['kind']) => new Set([...this.instances.values()].flatMap((i) => i.bindings.filter((b) => b.kind === kind).map((b) => b.name)));

    // Scripts: resolve the user and check the file once; a disabled script stops being tracked (keepalived).
    const wanted = this.config.scripts.filter((s) => used('script').has(s.name));
    if (wanted.length) {
      const accounts = await (this.opts.accounts ?? (() => readAccounts()))();
      const self = this.opts.self ?? selfIdentity();
      for (const cfg of wanted) {
        const loop = await this.makeLoop(cfg, accounts, self);
        if (loop) {
          this.scripts.set(cfg.name, loop);
          this.scriptStatus.set(cfg.name, loop.state.status);
        } else {
          this.dropBindings('script', cfg.name);
        }
      }
    }

    for (const ifname of used('interface')) {
      const up = ctl.linkUp(ifname);
      if (up === undefined) ctl.logger.warn(`track_interface ${ifname} does not exist - treating it as down`);
      this.links.set(ifname, up ?? false);
    }
    this.unlisten = ctl.onLink((ifname, up) => {
      if (!this.links.has(ifname) || this.links.get(ifname) === up) return;
      this.links.set(ifname, up);
      ctl.logger.info(`Tracked interface ${ifname} is ${up ? 'UP' : 'DOWN'}`);
      this.recompute((b) => b.kind === 'interface' && b.name === ifname);
    });

    for (const cfg of this.config.trackFiles.filter((f) => used('file').has(f.name))) {
      const fw = new FileWatch({
        cfg,
        logger: ctl.logger,
        rereadMs: this.opts.fileRereadMs ?? 1000,
        onValue: (v) => {
          ctl.logger.info(`track_file ${cfg.name} (${cfg.path}) now ${v}`);
          this.recompute((b) => b.kind === 'file' && b.name === cfg.name);
        },
      });
      await fw.start();
      this.files.set(cfg.name, fw);
    }

    // Initial state before the instances start: weight-0 scripts still in init hold their instance in FAULT.
    this.recompute(() => true);
    for (const loop of this.scripts.values()) loop.start();
  }

  async stop(): Promise<void> {
    this.unlisten?.();
    this.unlisten = null;
    for (const f of this.files.values()) f.stop();
    // keepalived SIGTERMs running scripts at shutdown and SIGKILLs them a second later (notify.c script_killall).
    await Promise.all([...this.scripts.values()].map((s) => s.stop(1000)));
  }

  /** Current view, for tests and status output. */
  describe(instance: string): { priority: number; faults: string[] } | undefined {
    const t = this.instances.get(instance);
    return t ? { priority: t.priority, faults: [...t.faults] } : undefined;
  }

  private async makeLoop(cfg: VrrpScriptConfig, accounts: Accounts, self: ScriptIdentity): Promise<ScriptLoop | null> {
    const ctl = this.ctl!;
    const who = cfg.user ? resolveUser(cfg.user, accounts) : defaultScriptUser(this.config.global.scriptUser, accounts, self);
    if ('error' in who) {
      ctl.logger.error(`VRRP_Script(${cfg.name}): ${who.error} - disabling`);
      return null;
    }
    const prepare = this.opts.prepare ?? ((argv, id, sec) => prepareScript(argv, id, sec));
    const prepared = await prepare(cfg.script.argv, who, this.config.global.enableScriptSecurity);
    if ('error' in prepared) {
      ctl.logger.error(`VRRP_Script(${cfg.name}) ${prepared.error}`);
      return null;
    }
    for (const w of prepared.warnings) ctl.logger.warn(`VRRP_Script(${cfg.name}) ${w}`);
    // Only switch identity when it differs from ours (a non-root daemon cannot setuid).
    const ids = prepared.uid !== self.uid || prepared.gid !== self.gid ? { uid: prepared.uid, gid: prepared.gid } : {};
    return new ScriptLoop({
      cfg,
      argv: prepared.argv,
      ...ids,
      env: scriptEnv(this.opts.env ?? process.env),
      spawner: this.opts.spawner ?? nodeSpawner,
      logger: ctl.logger,
      killGraceMs: this.opts.killGraceMs ?? 2000,
      onResult: (outcome, state, changed) => {
        ctl.metrics.trackScriptResult(cfg.name, outcome.ok, state.status === 'up');
        if (!changed) return;
        this.scriptStatus.set(cfg.name, state.status);
        this.recompute((b) => b.kind === 'script' && b.name === cfg.name);
      },
    });
  }

  private dropBindings(kind: TrackBinding['kind'], name: string): void {
    for (const t of this.instances.values()) t.bindings = t.bindings.filter((b) => !(b.kind === kind && b.name === name));
  }

  private effectOf(b: TrackBinding): TrackerEffect {
    switch (b.kind) {
      case 'script':
        return scriptEffect(b.weight, b.reverse, this.scriptStatus.get(b.name) ?? 'init');
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

  /** Recompute every instance with a binding matching `touches`; send only what changed. */
  private recompute(touches: (b: TrackBinding) => boolean): void {
    const ctl = this.ctl;
    if (!ctl) return;
    for (const t of this.instances.values()) {
      if (!t.bindings.some(touches)) continue;
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
