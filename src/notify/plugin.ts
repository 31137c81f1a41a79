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
import type { Config, NotifyScripts, ScriptCommand } from '../config/types.js';
import type { DaemonControl, DaemonPlugin, GroupTransitionEvent, TransitionEvent } from '../daemon/plugin.js';
import type { VrrpState } from '../vrrp/types.js';
import { describeOutcome, nodeSpawner, runScript, scriptEnv, type RunningScript, type ScriptSpawner } from '../track/exec.js';
import {
  defaultScriptUser, prepareScript, readAccounts, selfIdentity, type Accounts, type PreparedScript, type ScriptIdentity,
} from '../track/scriptSecurity.js';
import { INIT_SUFFIX } from '../track/bindings.js';
import { NotifyFifo } from './fifo.js';
import { fifoLine, genericArgs, hasAnyScript, stateScript, type NotifyKind, type NotifyState } from './lines.js';

export interface NotifyOptions {
  readonly spawner?: ScriptSpawner;
  readonly prepare?: (argv: readonly string[], who: ScriptIdentity, enableScriptSecurity: boolean) => Promise<PreparedScript | { error: string }>;
  readonly accounts?: () => Promise<Accounts>;
  readonly self?: ScriptIdentity;
  readonly env?: NodeJS.ProcessEnv;
  /** Kill a notify script still running after this long (keepalived has none; default 60 s). */
  readonly scriptTimeoutMs?: number;
  /** notify_stop budget at shutdown (keepalived: 1 s, core/notify.c:403-415). */
  readonly stopScriptMs?: number;
  /** Longest a sync-group notification waits for its members' notifications (default 2 s). */
  readonly groupHoldMs?: number;
}

const NOTIFIED: ReadonlySet<VrrpState> = new Set<VrrpState>(['MASTER', 'BACKUP', 'FAULT', 'STOP']);

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
  timer: NodeJS.Timeout | null;
}

export class NotifyPlugin implements DaemonPlugin {
  readonly name = 'notify';
  private ctl: DaemonControl | null = null;
  private readonly fifos: NotifyFifo[] = [];
  private readonly fifoScripts: RunningScript[] = [];
  private readonly prepared = new Map<string, PreparedScript | null>();
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
    private readonly config: Config,
    private readonly opts: NotifyOptions,
  ) {}

  async start(ctl: DaemonControl): Promise<void> {
    this.ctl = ctl;
    const g = this.config.global;
    this.self = this.opts.self ?? selfIdentity();
    const accounts = await (this.opts.accounts ?? (() => readAccounts()))();
    const who = defaultScriptUser(g.scriptUser, accounts, this.self);
    if ('error' in who) ctl.logger.error(`script_user: ${who.error} - notify scripts disabled`);
    else this.runAs = who;

    const all: ScriptCommand[] = [];
    const collect = (n: NotifyScripts) => all.push(...[n.master, n.backup, n.fault, n.stop, n.generic, n.masterRxLowerPri].filter((s): s is ScriptCommand => s !== null));
    for (const i of this.config.instances) collect(i.notify);
    for (const grp of this.config.syncGroups) collect(grp.notify);
    if (g.notifyFifo?.script) all.push(g.notifyFifo.script);
    if (g.vrrpNotifyFifo?.script) all.push(g.vrrpNotifyFifo.script);
    for (const s of all) await this.prepareOnce(s);

    for (const [fifo, label] of [
      [g.notifyFifo, 'notify fifo'],
      [g.vrrpNotifyFifo, 'vrrp notify fifo'],
    ] as const) {
      if (!fifo) continue;
      // keepalived starts the reader script first, with the FIFO name as its last argument.
      if (fifo.script) {
        const run = this.spawn(fifo.script, [...fifo.script.argv, fifo.path], Infinity, 'fifo script');
        if (run) this.fifoScripts.push(run);
      }
      const f = new NotifyFifo(fifo.path, ctl.logger, label);
      if (await f.open()) this.fifos.push(f);
    }
  }

  onTransition(ev: TransitionEvent): void {
    if (!NOTIFIED.has(ev.to)) return;
    this.seen.set(ev.instance, ev.to);
    const cfg = this.config.instances.find((i) => i.name === ev.instance);
    if (!cfg) return;
    const group = cfg.syncGroup;
    if (ev.from === 'INIT' && ev.to === 'FAULT' && this.onlyScriptsInInit(ev.instance)) {
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
    const line = fifoLine('INSTANCE', ev.instance, 'MASTER_RX_LOWER_PRI', ev.priority);
    for (const f of this.fifos) f.write(line);
  }

  onGroupTransition(ev: GroupTransitionEvent): void {
    if (!NOTIFIED.has(ev.to)) return;
    let h = this.held.get(ev.group);
    if (!h) {
      h = { states: [], timer: null };
      this.held.set(ev.group, h);
    }
    h.states.push(ev.to);
    if (!h.timer) {
      const hold = h;
      hold.timer = setTimeout(() => {
        hold.timer = null;
        this.releaseGroup(ev.group, true);
      }, this.opts.groupHoldMs ?? 2000);
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
    for (const f of this.fifos.splice(0)) f.close();
    for (const r of this.fifoScripts) r.terminate(budgetMs);
    await Promise.all(this.fifoScripts.splice(0).map((r) => r.done));
  }

  private releaseGroup(group: string, force: boolean): void {
    const h = this.held.get(group);
    if (!h || h.states.length === 0) return;
    if (!force && !this.membersCaughtUp(group)) return;
    if (h.timer) clearTimeout(h.timer);
    this.held.delete(group);
    const cfg = this.config.syncGroups.find((g) => g.name === group);
    for (const s of h.states) {
      this.groupNotified.set(group, s);
      if (cfg) this.notify('GROUP', group, s as NotifyState, 0, cfg.notify);
    }
  }

  private onlyScriptsInInit(instance: string): boolean {
    const faults = this.ctl?.snapshot(instance)?.faults ?? [];
    return faults.length > 0 && faults.every((f) => f.startsWith('track_script ') && f.endsWith(INIT_SUFFIX));
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
    const line = fifoLine(kind, name, state, priority);
    for (const f of this.fifos) f.write(line);
  }

  private spawn(script: ScriptCommand, argv: readonly string[], timeoutMs: number, what: string, isStop = false): RunningScript | null {
    const ctl = this.ctl!;
    const prepared = this.prepared.get(script.command);
    if (!prepared || !this.runAs) return null;
    const ids = prepared.uid !== this.self.uid || prepared.gid !== this.self.gid ? { uid: prepared.uid, gid: prepared.gid } : {};
    const run = runScript(this.opts.spawner ?? nodeSpawner, [prepared.argv[0]!, ...argv.slice(1)], {
      env: scriptEnv(this.opts.env ?? process.env),
      ...ids,
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

  private async prepareOnce(script: ScriptCommand): Promise<void> {
    if (this.prepared.has(script.command) || !this.runAs) return;
    const prepare = this.opts.prepare ?? ((argv, who, sec) => prepareScript(argv, who, sec));
    const r = await prepare(script.argv, this.runAs, this.config.global.enableScriptSecurity);
    if ('error' in r) {
      this.ctl!.logger.error(`notify script ${script.command}: ${r.error}`);
      this.prepared.set(script.command, null);
      return;
    }
    for (const w of r.warnings) this.ctl!.logger.warn(`notify script ${script.command}: ${w}`);
    this.prepared.set(script.command, r);
  }
}
