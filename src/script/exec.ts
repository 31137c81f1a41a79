// Running one keepalived-style script (vrrp_script check or notify script) without ever blocking the event
// loop: spawned into its own process group (keepalived core/notify.c:253 setpgid) so a hung script and all
// its children can be killed together, with keepalived's environment rules (IFS, LD_PRELOAD and
// LD_LIBRARY_PATH unset, notify.c:256-258). On timeout the group gets SIGTERM, then SIGKILL after a grace
// period (2 s for vrrp_script, sched.c:1241-1438).
import { spawn } from 'node:child_process';
import type { Clock, Timer } from '../clock/clock.js';

export interface ScriptExit {
  /** Exit status, or null when killed by a signal or never started. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started (ENOENT, EACCES, ...). */
  readonly error?: string;
}

export interface SpawnedScript {
  readonly pid: number | undefined;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<ScriptExit>;
  /** Signal the whole process group; no-op once exited. */
  killGroup(signal: NodeJS.Signals): void;
}

export interface SpawnOptions {
  readonly uid?: number;
  readonly gid?: number;
  readonly env: NodeJS.ProcessEnv;
}

/** The one OS touch of script running; tests pass a fake. */
export interface ScriptSpawner {
  spawn(argv: readonly string[], opts: SpawnOptions): SpawnedScript;
}

export const nodeSpawner: ScriptSpawner = {
  spawn(argv, opts) {
    let done = false;
    const child = spawn(argv[0]!, argv.slice(1), {
      detached: true, // own process group: kill(-pid) reaches the script's children too
      stdio: 'ignore',
      env: opts.env,
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    const exited = new Promise<ScriptExit>((resolve) => {
      child.once('error', (err) => {
        done = true;
        resolve({ code: null, signal: null, error: (err as NodeJS.ErrnoException).code ?? err.message });
      });
      child.once('exit', (code, signal) => {
        done = true;
        resolve({ code, signal });
      });
    });
    return {
      pid: child.pid,
      exited,
      killGroup(signal) {
        if (done || child.pid === undefined) return;
        try {
          process.kill(-child.pid, signal);
        } catch {
          // ESRCH: the group is already gone.
        }
      },
    };
  },
};

/** keepalived's script environment: the daemon's, minus field-splitting and loader overrides. */
export function scriptEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = { ...base };
  delete env['IFS'];
  delete env['LD_PRELOAD'];
  delete env['LD_LIBRARY_PATH'];
  return env;
}

export interface RunOptions extends SpawnOptions {
  /** Arms the timeout and the SIGKILL grace. */
  readonly clock: Clock;
  /** 0 or Infinity = no timeout. */
  readonly timeoutMs: number;
  /** SIGTERM → SIGKILL grace after a timeout (keepalived: 2 s for vrrp_script). */
  readonly killGraceMs: number;
}

export interface ScriptOutcome extends ScriptExit {
  readonly ok: boolean;
  readonly timedOut: boolean;
}

export interface RunningScript {
  readonly pid: number | undefined;
  readonly done: Promise<ScriptOutcome>;
  /** Stop it now: SIGTERM to the group, SIGKILL after `graceMs`. */
  terminate(graceMs: number): void;
}

export function runScript(spawner: ScriptSpawner, argv: readonly string[], o: RunOptions): RunningScript {
  const child = spawner.spawn(argv, o);
  let timedOut = false;
  let killTimer: Timer | null = null;
  const terminate = (graceMs: number): void => {
    child.killGroup('SIGTERM');
    killTimer ??= o.clock.after(graceMs, () => child.killGroup('SIGKILL'));
  };
  const timer =
    o.timeoutMs > 0 && Number.isFinite(o.timeoutMs)
      ? o.clock.after(o.timeoutMs, () => {
          timedOut = true;
          terminate(o.killGraceMs);
        })
      : null;
  const done = child.exited.then((exit): ScriptOutcome => {
    timer?.cancel();
    killTimer?.cancel();
    return { ...exit, timedOut, ok: !timedOut && exit.code === 0 && !exit.error };
  });
  return { pid: child.pid, done, terminate };
}

/** "exited with status 1" / "timed out" / "killed by SIGKILL" / "ENOENT", for log lines. */
export function describeOutcome(o: ScriptOutcome): string {
  if (o.timedOut) return 'timed out';
  if (o.error) return `could not run: ${o.error}`;
  if (o.signal) return `killed by ${o.signal}`;
  return `exited with status ${o.code ?? '?'}`;
}
