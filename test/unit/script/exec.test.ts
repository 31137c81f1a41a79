import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { nodeSpawner, runScript, scriptEnv } from '../../../src/script/exec.js';
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

describe('script/exec (real processes)', function () {
  this.timeout(10_000);

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
});
