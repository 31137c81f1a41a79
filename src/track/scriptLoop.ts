// One vrrp_script's schedule: run at start, then every `interval`; a run still going when the next one is due
// is skipped (keepalived vrrp_scheduler.c vrrp_script_thread); a run longer than `timeout` is killed
// (SIGTERM to its process group, SIGKILL 2 s later) and counts as a failure. Each result goes through the
// hysteresis and the caller hears about every result and every status change.
import type { VrrpScriptConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { describeOutcome, runScript, type RunningScript, type ScriptOutcome, type ScriptSpawner } from '../script/exec.js';
import { applyScriptResult, initialScriptState, type ScriptState } from './hysteresis.js';
import type { Clock, Timer } from '../clock/clock.js';

export interface ScriptLoopOptions {
  readonly cfg: VrrpScriptConfig;
  readonly argv: readonly string[];
  readonly uid?: number;
  readonly gid?: number;
  readonly env: NodeJS.ProcessEnv;
  readonly spawner: ScriptSpawner;
  readonly logger: Logger;
  /** The interval, the run's timeout and its SIGKILL grace. */
  readonly clock: Clock;
  readonly killGraceMs: number;
  /** Where the hysteresis starts (default: init, or down with init_fail); a reload carries the old state over. */
  readonly initial?: ScriptState;
  /** Every completed run: its outcome and the state after it. */
  onResult(outcome: ScriptOutcome, state: ScriptState, changed: boolean): void;
}

export class ScriptLoop {
  private stateValue: ScriptState;
  private running: RunningScript | null = null;
  private timer: Timer | null = null;
  private stopped = false;

  constructor(private readonly o: ScriptLoopOptions) {
    this.stateValue = o.initial ?? initialScriptState(o.cfg, o.cfg.initFail);
  }

  get state(): ScriptState {
    return this.stateValue;
  }

  get name(): string {
    return this.o.cfg.name;
  }

  get config(): VrrpScriptConfig {
    return this.o.cfg;
  }

  start(): void {
    this.tick();
    this.timer = this.o.clock.every(this.o.cfg.intervalMs, () => this.tick());
  }

  /** Stop scheduling; a running script gets SIGTERM, then SIGKILL after `graceMs`. Resolves when it exited. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    const r = this.running;
    if (r) {
      r.terminate(graceMs);
      await r.done;
    }
  }

  private tick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.o.logger.info(`Track script ${this.name} is already running, expect idle - skipping run`);
      return;
    }
    const run = runScript(this.o.spawner, this.o.argv, {
      env: this.o.env,
      ...(this.o.uid !== undefined ? { uid: this.o.uid } : {}),
      ...(this.o.gid !== undefined ? { gid: this.o.gid } : {}),
      clock: this.o.clock,
      timeoutMs: this.o.cfg.timeoutMs,
      killGraceMs: this.o.killGraceMs,
    });
    this.running = run;
    void run.done.then((outcome) => {
      this.running = null;
      if (this.stopped) return;
      if (outcome.timedOut) this.o.logger.warn(`Track script ${this.name} timed out after ${this.o.cfg.timeoutMs} ms`);
      if (outcome.error) this.o.logger.error(`Track script ${this.name}: ${describeOutcome(outcome)}`);
      const step = applyScriptResult(this.stateValue, outcome.ok, this.o.cfg);
      this.stateValue = step.state;
      if (step.changed) {
        // keepalived's wording, which log scrapers match (keepalived.md §4.4).
        if (step.state.status === 'up') this.o.logger.info(`VRRP_Script(${this.name}) succeeded`);
        else this.o.logger.info(`VRRP_Script(${this.name}) failed (${describeOutcome(outcome)})`);
      }
      this.o.onResult(outcome, step.state, step.changed);
    });
  }
}
