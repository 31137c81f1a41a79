import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { nodeSpawner, runScript, scriptEnv, type ScriptSpawner } from '../../../src/script/exec.js';
import { VforkSpawner } from '../../../src/script/vforkSpawner.js';
import { nativeNet } from '../../../src/net/native.js';
import { VirtualClock } from '../../../src/clock/virtualClock.js';
import { untilIo } from '../ioTurns.js';

// Real processes, virtual timers: the timeout and the SIGKILL grace fire when the test advances the clock. What the
// kernel does to the process group is real I/O, waited for by event-loop turns (ioTurns.ts), never by a timer.
/** Processes of a group that are still running (zombies waiting for a lazy init to reap them do not count). */
function liveInGroup(pgid: number): number {
  let n = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      // /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may contain spaces, so split after the last ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid && f[0] !== 'Z') n++;
    } catch {
      // gone meanwhile
    }
  }
  return n;
}

// The same contract for libuv's fork-based spawn and the addon's vfork one (src/script/vforkSpawner.ts).
const SPAWNERS: [string, () => ScriptSpawner][] = [
  ['libuv spawn', () => nodeSpawner],
  ['vfork spawn', () => new VforkSpawner(nativeNet(), { spawn: () => assert.fail('the vfork spawner fell back to libuv') })],
];

for (const [name, make] of SPAWNERS) describe(`script/exec (real processes, ${name})`, function () {
  this.timeout(10_000);
  let nodeSpawner: ScriptSpawner;
  before(() => (nodeSpawner = make()));

  it('exit 0 is success, non-zero a failure, a missing command a failure with the error', async () => {
    const env = scriptEnv();
    const ok = await runScript(nodeSpawner, ['/bin/sh', '-c', 'exit 0'], { env, clock: new VirtualClock(), timeoutMs: 5000, killGraceMs: 100 }).done;
    const bad = await runScript(nodeSpawner, ['/bin/sh', '-c', 'exit 3'], { env, clock: new VirtualClock(), timeoutMs: 5000, killGraceMs: 100 }).done;
    const missing = await runScript(nodeSpawner, ['/nonexistent/vipd-check'], { env, clock: new VirtualClock(), timeoutMs: 5000, killGraceMs: 100 }).done;
    assert.deepEqual([ok.ok, bad.ok, bad.code, missing.ok, missing.error], [true, false, 3, false, 'ENOENT']);
  });

  it('kills the whole process group of a hung script at its timeout', async () => {
    const clock = new VirtualClock();
    const run = runScript(nodeSpawner, ['/bin/sh', '-c', 'sleep 30 & sleep 30; wait'], { env: scriptEnv(), clock, timeoutMs: 200, killGraceMs: 300 });
    await untilIo('sh and two sleeps share the script\'s own process group', () => liveInGroup(run.pid!) === 3);
    clock.advance(200);
    const out = await run.done;
    assert.equal(out.timedOut, true);
    assert.equal(out.ok, false);
    // The background sleep was in the same group: nothing is left in it.
    await untilIo('an empty process group', () => liveInGroup(run.pid!) === 0);
  });

  it('SIGKILLs a script that ignores SIGTERM after the grace period', async () => {
    const clock = new VirtualClock();
    const run = runScript(nodeSpawner, ['/bin/sh', '-c', 'trap "" TERM; sleep 30 & wait; wait'], { env: scriptEnv(), clock, timeoutMs: 100, killGraceMs: 300 });
    // The background sleep exists only once the trap is set.
    await untilIo('the trap set and the sleep started', () => liveInGroup(run.pid!) === 2);
    clock.advance(100); // timeout: SIGTERM, ignored
    clock.advance(300); // grace over: SIGKILL
    const out = await run.done;
    assert.equal(out.timedOut, true);
    assert.equal(out.signal, 'SIGKILL');
  });

  it('unsets IFS, LD_PRELOAD and LD_LIBRARY_PATH (keepalived notify.c:256-258)', async () => {
    const env = scriptEnv({ PATH: process.env['PATH'], IFS: ':', LD_PRELOAD: 'x.so', LD_LIBRARY_PATH: '/x', KEEP: 'me' });
    const out = await runScript(
      nodeSpawner,
      ['/bin/sh', '-c', '[ -z "${LD_PRELOAD+x}" ] && [ -z "${LD_LIBRARY_PATH+x}" ] && [ "$KEEP" = me ]'],
      { env, clock: new VirtualClock(), timeoutMs: 5000, killGraceMs: 100 },
    ).done;
    assert.equal(out.ok, true);
  });

  it('runs the script in its own session with stdin, stdout and stderr on /dev/null', async () => {
    // /proc/PID/stat field 6 is the session id; readlink of fds 0-2 names their file.
    const script = 'set -e; [ "$(cut -d" " -f6 /proc/$$/stat)" = "$$" ]; for fd in 0 1 2; do [ "$(readlink /proc/$$/fd/$fd)" = /dev/null ]; done';
    const out = await runScript(nodeSpawner, ['/bin/sh', '-c', script], { env: scriptEnv(), clock: new VirtualClock(), timeoutMs: 5000, killGraceMs: 100 }).done;
    assert.deepEqual([out.ok, out.code], [true, 0]);
  });

  it('gives the script default signal handling (Node ignores SIGPIPE; a script must not inherit that)', async () => {
    // A signal ignored on entry to sh cannot be un-ignored by it: an inherited SIG_IGN would let sh exit 0 here.
    const out = await runScript(nodeSpawner, ['/bin/sh', '-c', 'kill -PIPE $$; exit 0'], { env: scriptEnv(), clock: new VirtualClock(), timeoutMs: 5000, killGraceMs: 100 }).done;
    assert.equal(out.signal, 'SIGPIPE');
  });

  it('reports the signal that ended a script', async () => {
    const out = await runScript(nodeSpawner, ['/bin/sh', '-c', 'kill -USR1 $$'], { env: scriptEnv(), clock: new VirtualClock(), timeoutMs: 5000, killGraceMs: 100 }).done;
    assert.deepEqual([out.ok, out.code, out.signal], [false, null, 'SIGUSR1']);
  });

  it('runs the script as the uid and gid it is given', async function () {
    if (process.getuid?.() !== 0) {
      console.log('      skipped: needs root to switch users');
      this.skip();
    }
    const out = await runScript(nodeSpawner, ['/bin/sh', '-c', '[ "$(id -u):$(id -g):$(id -G)" = 65534:65533:65533 ]'], {
      env: scriptEnv(), uid: 65534, gid: 65533, clock: new VirtualClock(), timeoutMs: 5000, killGraceMs: 100,
    }).done;
    assert.deepEqual([out.ok, out.code], [true, 0]);
  });
});

describe('script/vforkSpawner fallbacks', () => {
  const fallback = (seen: string[]): ScriptSpawner => ({
    spawn: (argv) => {
      seen.push(argv[0]!);
      return { pid: 1, exited: Promise.resolve({ code: 0, signal: null }), killGroup: () => undefined };
    },
  });

  it('leaves a bare command name (a PATH search) to libuv', async () => {
    const seen: string[] = [];
    const s = new VforkSpawner(nativeNet(), fallback(seen));
    assert.equal((await s.spawn(['true'], { env: scriptEnv() }).exited).code, 0);
    assert.deepEqual(seen, ['true']);
  });

  it('falls back for good once the kernel has no pidfd_open', async () => {
    const seen: string[] = [];
    let calls = 0;
    const native = {
      ...nativeNet(),
      spawnScript: (): [number, number] => {
        calls++;
        throw Object.assign(new Error('pidfd_open: Function not implemented (ENOSYS)'), { code: 'ENOSYS', syscall: 'pidfd_open' });
      },
    };
    const s = new VforkSpawner(native, fallback(seen));
    await s.spawn(['/bin/true'], { env: scriptEnv() }).exited;
    await s.spawn(['/bin/true'], { env: scriptEnv() }).exited;
    assert.deepEqual([calls, seen], [1, ['/bin/true', '/bin/true']]);
  });
});
