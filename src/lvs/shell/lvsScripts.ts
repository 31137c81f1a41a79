// The LVS half's scripts: notify_up/notify_down of a real server, quorum_up/quorum_down of a virtual server
// (lvs.md §2.9). Run like keepalived's notify_exec: the command split into words as written (no arguments
// appended), as `user [group]` when the script names one, else as script_user / keepalived_script / ourselves,
// each checked once (prepareScript) and run in its own process group with a time bound. A failing or refused
// script is logged, never fatal. At stop (omega) keepalived gives them 1 s (ipwrapper.c do_rs_notifies
// system_call_script … TIMER_HZ); stop() does the same to whatever still runs.
import type { Clock } from '../../clock/clock.js';
import type { LvsScript } from '../../config/lvsTypes.js';
import { splitScript } from '../../config/values.js';
import type { Logger } from '../../log/logger.js';
import { describeOutcome, runScript, scriptEnv, type RunningScript } from '../../script/exec.js';
import { scriptSpawner } from '../../script/vforkSpawner.js';
import {
  defaultScriptUser, prepareScript, readAccounts, resolveUser, selfIdentity, type Accounts, type PreparedScript, type ScriptRunOptions, type UserSpec,
} from '../../script/security.js';

export type LvsScriptOptions = ScriptRunOptions;

export interface LvsScriptSettings {
  readonly scriptUser: UserSpec;
  readonly enableScriptSecurity: boolean;
}

export class LvsScripts {
  private readonly running = new Set<RunningScript>();
  /** Prepared per command and user, so a script is checked once, not at every transition. */
  private readonly prepared = new Map<string, Promise<PreparedScript | null>>();
  private accounts: Promise<Accounts> | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    private settings: LvsScriptSettings,
    private readonly opts: LvsScriptOptions = {},
  ) {}

  /** SIGHUP: scripts are checked again (one refused before may pass now). */
  reconfigure(settings: LvsScriptSettings): void {
    this.settings = settings;
    this.prepared.clear();
    this.accounts = null;
  }

  /** Start `script` (never throws; resolves once it has exited or was refused). `what` names it in logs. */
  run(script: LvsScript, what: string, timeoutMs = this.opts.scriptTimeoutMs ?? 60_000): Promise<void> {
    return this.start(script, what, timeoutMs).catch((err: unknown) => {
      this.logger.error(`${what} script ${script.command}: ${(err as Error).message}`);
    });
  }

  /** Every script still running gets SIGTERM and, `graceMs` later, SIGKILL; resolves once all have exited. */
  async stop(graceMs = 1000): Promise<void> {
    for (const r of this.running) r.terminate(graceMs);
    await Promise.all([...this.running].map((r) => r.done));
  }

  get runningCount(): number {
    return this.running.size;
  }

  private async start(script: LvsScript, what: string, timeoutMs: number): Promise<void> {
    const prepared = await this.prepare(script, what);
    if (!prepared) return;
    const self = this.opts.self ?? selfIdentity();
    const ids = prepared.uid !== self.uid || prepared.gid !== self.gid ? { uid: prepared.uid, gid: prepared.gid } : {};
    const run = runScript(this.opts.spawner ?? scriptSpawner(), prepared.argv, {
      env: scriptEnv(this.opts.env ?? process.env),
      ...ids,
      clock: this.clock,
      timeoutMs,
      killGraceMs: 2000,
    });
    this.running.add(run);
    const outcome = await run.done;
    this.running.delete(run);
    if (!outcome.ok) this.logger.warn(`${what} script ${script.command}: ${describeOutcome(outcome)}`);
  }

  /** MISC_CHECK's scripts go through the same user resolution and script security as notify scripts. */
  async prepareMisc(script: LvsScript): Promise<PreparedScript | { readonly error: string }> {
    const r = await this.prepare(script, 'MISC_CHECK');
    return r ?? { error: `MISC_CHECK script ${script.command} is disabled (see the log line above)` };
  }

  private prepare(script: LvsScript, what: string): Promise<PreparedScript | null> {
    const key = `${script.user ?? ''}\u0000${script.group ?? ''}\u0000${script.command}`;
    let p = this.prepared.get(key);
    if (!p) {
      p = this.check(script, what);
      this.prepared.set(key, p);
    }
    return p;
  }

  private async check(script: LvsScript, what: string): Promise<PreparedScript | null> {
    this.accounts ??= (this.opts.accounts ?? (() => readAccounts()))();
    const accounts = await this.accounts;
    const self = this.opts.self ?? selfIdentity();
    const who =
      script.user !== null ? resolveUser({ user: script.user, group: script.group }, accounts) : defaultScriptUser(this.settings.scriptUser, accounts, self);
    if ('error' in who) {
      this.logger.error(`${what} script ${script.command}: ${who.error} - disabling`);
      return null;
    }
    const prepare = this.opts.prepare ?? ((argv, id, sec) => prepareScript(argv, id, sec));
    const r = await prepare(splitScript(script.command), who, this.settings.enableScriptSecurity);
    if ('error' in r) {
      this.logger.error(`${what} script ${script.command}: ${r.error}`);
      return null;
    }
    for (const w of r.warnings) this.logger.warn(`${what} script ${script.command}: ${w}`);
    return r;
  }
}
