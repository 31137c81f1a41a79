// Shared fixtures for tracking/notify unit tests: configs parsed by the real loader from memory, a recording
// DaemonControl, a logger that keeps its lines, and a scripted fake spawner.
import { loadConfig } from '../../../src/config/index.js';
import type { Config } from '../../../src/config/types.js';
import type { DaemonControl } from '../../../src/plugin/api.js';
import type { Logger, LogLevel } from '../../../src/log/logger.js';
import { VirtualClock } from '../../../src/clock/virtualClock.js';
import type { ScriptExit, ScriptSpawner, SpawnOptions } from '../../../src/script/exec.js';

export function parse(text: string): Config {
  const r = loadConfig('/etc/keepalived/keepalived.conf', { configId: 'lb1', readFile: () => text, glob: () => [] });
  if (!r.config) throw new Error(r.diagnostics.map((d) => `${d.line} ${d.message}`).join('\n'));
  return r.config;
}

export interface RecordingLogger extends Logger {
  readonly lines: string[];
}

export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const log = (level: LogLevel, m: string) => void lines.push(`${level} ${m}`);
  return { lines, log, debug: (m) => log('debug', m), info: (m) => log('info', m), warn: (m) => log('warn', m), error: (m) => log('error', m) };
}

export interface FakeControl extends DaemonControl {
  /** The plugin's timers run on it: tests advance it. */
  readonly clock: VirtualClock;
  /** `setPriority VI_1 90`, `fault VI_1 track_script chk`, `faultCleared VI_1 ...` in call order. */
  readonly calls: string[];
  setLink(ifname: string, up: boolean): void;
}

export function fakeControl(config: Config, links: Record<string, boolean> = {}, clock = new VirtualClock()): FakeControl {
  const calls: string[] = [];
  const listeners = new Set<(ifname: string, up: boolean) => void>();
  const state = { ...links };
  const logger = recordingLogger();
  return {
    config,
    logger,
    clock,
    calls,
    setPriority: (n, p) => void calls.push(`setPriority ${n} ${p}`),
    fault: (n, r) => void calls.push(`fault ${n} ${r}`),
    faultCleared: (n, r) => void calls.push(`faultCleared ${n} ${r}`),
    holdPreempt: (n, held) => void calls.push(`holdPreempt ${n} ${held}`),
    linkUp: (ifname) => state[ifname],
    onLink: (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    snapshot: () => undefined,
    views: () => [],
    setLink(ifname, up) {
      state[ifname] = up;
      for (const cb of listeners) cb(ifname, up);
    },
  };
}

export interface FakeRun {
  readonly argv: readonly string[];
  readonly opts: SpawnOptions;
  readonly signals: NodeJS.Signals[];
  exit(e: ScriptExit): void;
}

/** Each spawn is recorded; the test ends it with run.exit({ code }) (or it stays "hung"). */
export function fakeSpawner(): ScriptSpawner & { runs: FakeRun[] } {
  const runs: FakeRun[] = [];
  return {
    runs,
    spawn(argv, opts) {
      let resolve!: (e: ScriptExit) => void;
      let done = false;
      const exited = new Promise<ScriptExit>((r) => (resolve = r));
      const run: FakeRun = {
        argv,
        opts,
        signals: [],
        exit: (e) => {
          if (done) return;
          done = true;
          resolve(e);
        },
      };
      runs.push(run);
      return {
        pid: 1000 + runs.length,
        exited,
        killGroup: (sig) => {
          if (done) return;
          run.signals.push(sig);
          if (sig === 'SIGKILL') run.exit({ code: null, signal: 'SIGKILL' });
        },
      };
    },
  };
}

/** Let promise callbacks run (a synchronous VirtualClock.advance does not drive microtasks by itself). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/**
 * Stop a plugin whose stop() waits for scripts to exit after SIGTERM/SIGKILL deadlines on `clock`: those
 * deadlines fire as virtual time runs out, no real waiting.
 */
export async function stopOnClock(plugin: { stop?(): Promise<void> }, clock: VirtualClock): Promise<void> {
  const stopping = plugin.stop?.();
  await clock.runAllAsync();
  await stopping;
}

/**
 * Real I/O (a file re-read, a FIFO) with timers on `clock`: advance virtual time `stepMs` at a time (each step lets
 * completed I/O run) until `cond` holds, for at most `maxSteps` steps — no timer, no wall clock.
 */
export async function advanceUntil(clock: VirtualClock, cond: () => boolean, stepMs: number, maxSteps = 10_000): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i >= maxSteps) throw new Error(`condition not met within ${maxSteps} steps of ${stepMs} virtual ms`);
    await clock.advanceAsync(stepMs);
  }
}
