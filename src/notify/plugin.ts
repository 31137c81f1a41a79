// Notifications as a daemon plugin (keepalived vrrp_notify.c, keepalived.md §2.10). Per instance or sync-group
// transition, in keepalived's order: notify_<state> script → generic `notify` script (TYPE NAME STATE PRIO) →
// FIFO line. Scripts run concurrently (their order is not guaranteed, as in keepalived: the FIFO is the
// ordered channel), each in its own process group with a timeout; a failing or missing script is logged,
// never fatal. notify_stop scripts get 1 s at shutdown, then their process group is killed.
//
// Ordering with sync groups: keepalived moves the members first and notifies the group last
// (vrrp_sync.c:140-244). Our daemon reports the group's change as soon as the core decides it, before the
// members' effects have run, so a group notification is held until every member's own transition has been
// notified (or 2 s have passed). An instance notification for the state its group has already notified is
// suppressed (send_instance_notifies, vrrp_notify.c:267-275).
//
// Reload (SIGHUP): every event is looked up in the current config, so new, changed and removed scripts take
// effect with the next transition; every script is checked again (a script refused before may pass now). A FIFO
// whose path is unchanged stays open (its reader sees no EOF); keepalived closes and reopens it on every
// reload (vrrp_daemon.c:881-882). A changed fifo script is restarted; a changed or removed path is closed.
import type { Config, NotifyFifo as NotifyFifoConfig, NotifyScripts, ScriptCommand } from '../config/types.js';
import type { DaemonControl, DaemonPlugin, GroupTransitionEvent, PluginFactory, ReloadChange, TransitionEvent } from '../plugin/api.js';
import { sameValue } from '../config/sameValue.js';
import type { VrrpState } from '../vrrp/types.js';
import { describeOutcome, runScript, scriptEnv, type RunningScript } from '../script/exec.js';
import { scriptSpawner } from '../script/vforkSpawner.js';
import {
  defaultScriptUser, prepareScript, readAccounts, selfIdentity, type PreparedScript, type ScriptIdentity, type ScriptRunOptions,
} from '../script/security.js';
import { isStartupScriptFault } from '../plugin/faultReasons.js';
import { SYNC_FAULT_REASON } from '../vrrp/instance.js';
import { NotifyFifo } from './fifo.js';
import { fifoLine, genericArgs, hasAnyScript, stateScript, type NotifyKind, type NotifyState } from './lines.js';
import type { Timer } from '../clock/clock.js';

export interface NotifyOptions extends ScriptRunOptions {
  /** notify_stop budget at shutdown (keepalived: 1 s, core/notify.c:403-415). */
  readonly stopScriptMs?: number;
  /** Longest a sync-group notification waits for its members' notifications (default 2 s). */
  readonly groupHoldMs?: number;
}

const NOTIFIED: ReadonlySet<VrrpState> = new Set<VrrpState>(['MASTER', 'BACKUP', 'FAULT', 'STOP']);

/**
 * Notify for the composition root's plugin list: always created (idle when the config asks for nothing: no
 * process, no FIFO), so a reload can add the first notify script or FIFO.
 */
export function notifyPlugin(opts: NotifyOptions = {}): PluginFactory {
  return { name: 'notify', create: (config) => new NotifyPlugin(config, opts) };
}

/** Null when the config asks for no notification at all. */
export function createNotifyPlugin(config: Config, opts: NotifyOptions = {}): NotifyPlugin | null {
  const any =
    config.global.notifyFifo !== null ||
    config.global.vrrpNotifyFifo !== null ||
    config.instances.some((i) => hasAnyScript(i.notify)) ||
    config.syncGroups.some((g) => hasAnyScript(g.notify));
  return any ? new NotifyPlugin(config, opts) : null;
}

interface HeldGroup {
  readonly states: VrrpState[];
  timer: Timer | null;
}

type FifoKind = 'notify_fifo' | 'vrrp_notify_fifo';

/** One configured FIFO: its config, the open FIFO (null: unusable) and its reader script. */
interface FifoSlot {
  readonly cfg: NotifyFifoConfig;
  fifo: NotifyFifo | null;
  script: RunningScript | null;
}

const FIFO_LABEL: Record<FifoKind, string> = { notify_fifo: 'notify fifo', vrrp_notify_fifo: 'vrrp notify fifo' };

export class NotifyPlugin implements DaemonPlugin {
  readonly name = 'notify';
  private ctl: DaemonControl | null = null;
  private config: Config;
  private readonly fifos = new Map<FifoKind, FifoSlot>();
  /** Reader scripts of FIFOs a reload closed or changed, still exiting. */
  private readonly oldFifoScripts = new Set<RunningScript>();
  private prepared = new Map<string, PreparedScript | null>();
  private readonly running = new Set<RunningScript>();
  private readonly stopRuns = new Set<RunningScript>();
  /** Last state each instance reported (notified or suppressed). */
  private readonly seen = new Map<string, VrrpState>();
  private readonly notifiedOnce = new Set<string>();
  /** Last state each group notified. */
  private readonly groupNotified = new Map<string, VrrpState>();
  private readonly held = new Map<string, HeldGroup>();
  private self: ScriptIdentity = selfIdentity();
  private runAs: ScriptIdentity | null = null;

  constructor(
    config: Config,
    private readonly opts: NotifyOptions,
  ) {
    this.config = config;
  }

  async start(ctl: DaemonControl): Promise<void> {
    this.ctl = ctl;
    this.self = this.opts.self ?? selfIdentity();
    await this.configure();
  }

  /** SIGHUP: see the header. Per-instance memory of removed or restarted instances is dropped. */
  async reload(config: Config, change: ReloadChange): Promise<void> {
    this.config = config;
    const names = new Set(config.instances.map((i) => i.name));
    for (const n of [...this.seen.keys()]) if (!names.has(n) || change.started.includes(n)) this.seen.delete(n);
    for (const n of [...this.notifiedOnce]) if (!names.has(n) || change.started.includes(n)) this.notifiedOnce.delete(n);
    const groups = new Set(config.syncGroups.map((g) => g.name));
    for (const g of [...this.groupNotified.keys()]) if (!groups.has(g)) this.groupNotified.delete(g);
    await this.configure();
  }

  /** Resolve the user, check every script, open the FIFOs (start, and again on each reload). */
  private async configure(): Promise<void> {
    const ctl = this.ctl!;
    const g = this.config.global;
    const all: ScriptCommand[] = [];
    const collect = (n: NotifyScripts) => all.push(...[n.master, n.backup, n.fault, n.stop, n.generic, n.masterRxLowerPri].filter((s): s is ScriptCommand => s !== null));
    for (const i of this.config.instances) collect(i.notify);
    for (const grp of this.config.syncGroups) collect(grp.notify);
    if (g.notifyFifo?.script) all.push(g.notifyFifo.script);
    if (g.vrrpNotifyFifo?.script) all.push(g.vrrpNotifyFifo.script);

    // A config without any script needs no user (and must not log about one).
    let runAs: ScriptIdentity | null = null;
    if (all.length) {
      const accounts = await (this.opts.accounts ?? (() => readAccounts()))();
      const who = defaultScriptUser(g.scriptUser, accounts, this.self);
      if ('error' in who) ctl.logger.error(`script_user: ${who.error} - notify scripts disabled`);
      else runAs = who;
    }
    // Checked again on every reload: a script may have been fixed, removed or made unsafe meanwhile. The new set
    // replaces the old one at once, so a transition during the checks still runs the old scripts.
    const prepared = new Map<string, PreparedScript | null>();
    if (runAs) for (const s of all) await this.prepareInto(prepared, runAs, s);
    this.runAs = runAs;
    this.prepared = prepared;

    for (const [kind, cfg] of [
      ['notify_fifo', g.notifyFifo],
      ['vrrp_notify_fifo', g.vrrpNotifyFifo],
    ] as const) {
      await this.applyFifo(kind, cfg);
    }
  }

  /** Keep, restart the reader of, or replace one FIFO. */
  private async applyFifo(kind: FifoKind, cfg: NotifyFifoConfig | null): Promise<void> {
    const ctl = this.ctl!;
    const slot = this.fifos.get(kind);
    if (slot && cfg && slot.cfg.path === cfg.path) {
      if (!sameValue(slot.cfg.script?.argv ?? null, cfg.script?.argv ?? null)) {
        this.endFifoScript(slot);
        slot.script = this.startFifoScript(cfg);
      }
      this.fifos.set(kind, { ...slot, cfg });
      return;
    }
    if (slot) {
      this.endFifoScript(slot);
      slot.fifo?.close();
      this.fifos.delete(kind);
    }
    if (!cfg) return;
    // keepalived starts the reader script first, with the FIFO name as its last argument.
    const script = this.startFifoScript(cfg);
    const f = new NotifyFifo(cfg.path, ctl.logger, FIFO_LABEL[kind]);
    this.fifos.set(kind, { cfg, script, fifo: (await f.open()) ? f : null });
  }

  private startFifoScript(cfg: NotifyFifoConfig): RunningScript | null {
    return cfg.script ? this.spawn(cfg.script, [...cfg.script.argv, cfg.path], Infinity, 'fifo script') : null;
  }

  private endFifoScript(slot: FifoSlot): void {
    const run = slot.script;
    if (!run) return;
    slot.script = null;
    this.oldFifoScripts.add(run);
    run.terminate(this.opts.stopScriptMs ?? 1000);
    void run.done.then(() => this.oldFifoScripts.delete(run));
  }

  onTransition(ev: TransitionEvent): void {
    if (!NOTIFIED.has(ev.to)) return;
    this.seen.set(ev.instance, ev.to);
    const cfg = this.config.instances.find((i) => i.name === ev.instance);
    if (!cfg) return;
    const group = cfg.syncGroup;
    if (ev.from === 'INIT' && ev.to === 'FAULT' && this.startupFaultOnly(ev.instance)) {
      // keepalived does not notify a start-up FAULT caused only by checks that have not run yet.
      if (group !== null) this.releaseGroup(group, false);
      return;
    }
    const suppressed = group !== null && this.notifiedOnce.has(ev.instance) && this.groupNotified.get(group) === ev.to;
    if (!suppressed) {
      this.notifiedOnce.add(ev.instance);
      this.notify('INSTANCE', ev.instance, ev.to as NotifyState, ev.priority, cfg.notify);
    }
    if (group !== null) this.releaseGroup(group, false);
  }

  /** keepalived send_event_notify(VRRP_EVENT_MASTER_RX_LOWER_PRI): the specific script and the FIFO line only. */
  onMasterRxLowerPri(ev: { instance: string; src: string; priority: number }): void {
    const cfg = this.config.instances.find((i) => i.name === ev.instance);
    if (!cfg) return;
    const script = cfg.notify.masterRxLowerPri;
    if (script) this.spawn(script, script.argv, this.opts.scriptTimeoutMs ?? 60_000, 'notify_master_rx_lower_pri');
    this.writeFifos(fifoLine('INSTANCE', ev.instance, 'MASTER_RX_LOWER_PRI', ev.priority));
  }

  onGroupTransition(ev: GroupTransitionEvent): void {
    if (!NOTIFIED.has(ev.to)) return;
    // A group held in FAULT at start-up only by its members' checks in init is not notified either. This is
    // decided now, when the core decides, not when the members have caught up: by then the checks may have run.
    const members = this.config.syncGroups.find((g) => g.name === ev.group)?.members ?? [];
    if (ev.from === 'INIT' && ev.to === 'FAULT' && members.every((m) => this.startupFaultOnly(m))) return;
    let h = this.held.get(ev.group);
    if (!h) {
      h = { states: [], timer: null };
      this.held.set(ev.group, h);
    }
    h.states.push(ev.to);
    if (!h.timer) {
      const hold = h;
      hold.timer = this.ctl!.clock.after(this.opts.groupHoldMs ?? 2000, () => {
        hold.timer = null;
        this.releaseGroup(ev.group, true);
      });
    }
    this.releaseGroup(ev.group, false);
  }

  async stop(): Promise<void> {
    for (const group of [...this.held.keys()]) this.releaseGroup(group, true);
    const budgetMs = this.opts.stopScriptMs ?? 1000;
    // Everything but the STOP scripts is told to go now (keepalived script_killall at shutdown) and killed
    // when the STOP budget is over.
    for (const r of this.running) if (!this.stopRuns.has(r)) r.terminate(budgetMs);
    await Promise.all([...this.running].map((r) => r.done));
    const readers = [...this.oldFifoScripts];
    for (const slot of this.fifos.values()) {
      slot.fifo?.close();
      if (slot.script) readers.push(slot.script);
    }
    this.fifos.clear();
    for (const r of readers) r.terminate(budgetMs);
    await Promise.all(readers.map((r) => r.done));
  }

  private writeFifos(line: string): void {
    for (const slot of this.fifos.values()) slot.fifo?.write(line);
  }

  private releaseGroup(group: string, force: boolean): void {
    const h = this.held.get(group);
    if (!h || h.states.length === 0) return;
    if (!force && !this.membersCaughtUp(group)) return;
    h.timer?.cancel();
    this.held.delete(group);
    const cfg = this.config.syncGroups.find((g) => g.name === group);
    for (const s of h.states) {
      this.groupNotified.set(group, s);
      if (cfg) this.notify('GROUP', group, s as NotifyState, 0, cfg.notify);
    }
  }

  /**
   * The instance's FAULT is (or was) only the start-up kind: checks that have not reported yet, or its sync group
   * forced by those. Looked up when the transition is notified, after its effects ran: a check that succeeded
   * meanwhile has already cleared its fault, which then was a start-up one too.
   */
  private startupFaultOnly(instance: string): boolean {
    const faults = this.ctl?.snapshot(instance)?.faults ?? [];
    return faults.every((f) => f === SYNC_FAULT_REASON || isStartupScriptFault(f));
  }

  /** Every member's latest core state has already been notified (or is one that is never notified). */
  private membersCaughtUp(group: string): boolean {
    const cfg = this.config.syncGroups.find((g) => g.name === group);
    if (!cfg || !this.ctl) return true;
    return cfg.members.every((m) => {
      const state = this.ctl!.snapshot(m)?.state;
      return state === undefined || !NOTIFIED.has(state) || this.seen.get(m) === state;
    });
  }

  private notify(kind: NotifyKind, name: string, state: NotifyState, priority: number, scripts: NotifyScripts): void {
    const specific = stateScript(scripts, state);
    const timeoutMs = state === 'STOP' ? (this.opts.stopScriptMs ?? 1000) : (this.opts.scriptTimeoutMs ?? 60_000);
    if (specific) this.spawn(specific, specific.argv, timeoutMs, `notify_${state.toLowerCase()}`, state === 'STOP');
    if (scripts.generic) this.spawn(scripts.generic, genericArgs(scripts.generic, kind, name, state, priority), timeoutMs, 'notify', state === 'STOP');
    this.writeFifos(fifoLine(kind, name, state, priority));
  }

  private spawn(script: ScriptCommand, argv: readonly string[], timeoutMs: number, what: string, isStop = false): RunningScript | null {
    const ctl = this.ctl!;
    const prepared = this.prepared.get(script.command);
    if (!prepared || !this.runAs) return null;
    const ids = prepared.uid !== this.self.uid || prepared.gid !== this.self.gid ? { uid: prepared.uid, gid: prepared.gid } : {};
    const run = runScript(this.opts.spawner ?? scriptSpawner(), [prepared.argv[0]!, ...argv.slice(1)], {
      env: scriptEnv(this.opts.env ?? process.env),
      ...ids,
      clock: ctl.clock,
      timeoutMs,
      // notify_stop: the group is SIGKILLed when its second is up (child_killed_thread, notify.c:410-415).
      killGraceMs: isStop ? 0 : 2000,
    });
    this.running.add(run);
    if (isStop) this.stopRuns.add(run);
    void run.done.then((outcome) => {
      this.running.delete(run);
      this.stopRuns.delete(run);
      if (!outcome.ok && !(what === 'fifo script' && outcome.signal === 'SIGTERM')) {
        ctl.logger.warn(`${what} script ${script.command}: ${describeOutcome(outcome)}`);
      }
    });
    return run;
  }

  private async prepareInto(prepared: Map<string, PreparedScript | null>, runAs: ScriptIdentity, script: ScriptCommand): Promise<void> {
    if (prepared.has(script.command)) return;
    const prepare = this.opts.prepare ?? ((argv, who, sec) => prepareScript(argv, who, sec));
    const r = await prepare(script.argv, runAs, this.config.global.enableScriptSecurity);
    if ('error' in r) {
      this.ctl!.logger.error(`notify script ${script.command}: ${r.error}`);
      prepared.set(script.command, null);
      return;
    }
    for (const w of r.warnings) this.ctl!.logger.warn(`notify script ${script.command}: ${w}`);
    prepared.set(script.command, r);
  }
}
