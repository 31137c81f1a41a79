// Scripts (notify, vrrp_script, MISC_CHECK, LVS notify/quorum) started by the addon with vfork() + execve()
// (native/vipd_net.c "scripts"), their exit seen through a pidfd on the event loop. libuv's spawn forks: the
// kernel copies the page tables of the whole Node process for a child that only execs — 13 ms per script on a
// quiet host, 61 ms with a 500 MB heap, hundreds of ms in user-mode Linux (bench/RESULTS.md, MISC_CHECK).
// Same contract as exec.ts's nodeSpawner (own session, stdio ignored, uid/gid, kill of the whole group), which
// stays the fallback: a bare command name (PATH search is libuv's), an addon without spawnScript, or a kernel
// without pidfd_open (Linux < 5.3).
import { constants } from 'node:os';
import { nativeNet, type NativeNet } from '../net/native.js';
import { nodeSpawner, type ScriptExit, type ScriptSpawner, type SpawnedScript } from './exec.js';

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

type SpawnNative = Pick<NativeNet, 'spawnScript' | 'reapChild' | 'pollStart' | 'pollStop' | 'close'>;

export class VforkSpawner implements ScriptSpawner {
  /** Set once the kernel said pidfd_open is missing: every later spawn goes to the fallback at once. */
  private unavailable = false;

  constructor(
    private readonly native: SpawnNative,
    private readonly fallback: ScriptSpawner = nodeSpawner,
  ) {}

  spawn(argv: readonly string[], opts: Parameters<ScriptSpawner['spawn']>[1]): SpawnedScript {
    const path = argv[0] ?? '';
    const { spawnScript, reapChild } = this.native;
    if (this.unavailable || !spawnScript || !reapChild || !path.includes('/')) return this.fallback.spawn(argv, opts);
    const env = Object.entries(opts.env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
    let pid: number;
    let pidfd: number;
    try {
      [pid, pidfd] = spawnScript.call(this.native, path, argv, env, opts.uid ?? -1, opts.gid ?? -1);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.syscall === 'pidfd_open') {
        this.unavailable = true;
        return this.fallback.spawn(argv, opts);
      }
      // As libuv reports a failed exec: no pid, the errno's name (ENOENT, EACCES, ...).
      return { pid: undefined, exited: Promise.resolve({ code: null, signal: null, error: e.code ?? e.message }), killGroup: () => undefined };
    }
    let done = false;
    const exited = new Promise<ScriptExit>((resolve) => {
      const handle = this.native.pollStart(pidfd, () => {
        let r: [number, number] | null;
        try {
          r = reapChild.call(this.native, pid);
        } catch (err) {
          r = null;
          done = true;
          this.native.pollStop(handle);
          this.native.close(pidfd);
          resolve({ code: null, signal: null, error: (err as NodeJS.ErrnoException).code ?? String(err) });
          return;
        }
        if (r === null) return; // readable before the zombie is reapable: the next readiness reports it
        done = true;
        this.native.pollStop(handle);
        this.native.close(pidfd);
        const [code, sig] = r;
        resolve({ code: code >= 0 ? code : null, signal: sig > 0 ? (SIGNAL_NAMES.get(sig) ?? null) : null });
      });
    });
    return {
      pid,
      exited,
      killGroup(signal) {
        if (done) return;
        try {
          process.kill(-pid, signal);
        } catch {
          // ESRCH: the group is already gone.
        }
      },
    };
  }
}

let shared: ScriptSpawner | undefined;

/** The spawner scripts use unless a test passes its own: vfork when the addon loads, else libuv's. */
export function scriptSpawner(): ScriptSpawner {
  if (!shared) {
    try {
      shared = new VforkSpawner(nativeNet());
    } catch {
      shared = nodeSpawner;
    }
  }
  return shared;
}
