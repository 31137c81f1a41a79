import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { nodeSpawner, runScript, scriptEnv } from '../../../src/script/exec.js';

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
    const ok = await runScript(nodeSpawner, ['/bin/sh', '-c', 'exit 0'], { env, timeoutMs: 5000, killGraceMs: 100 }).done;
    const bad = await runScript(nodeSpawner, ['/bin/sh', '-c', 'exit 3'], { env, timeoutMs: 5000, killGraceMs: 100 }).done;
    const missing = await runScript(nodeSpawner, ['/nonexistent/vipd-check'], { env, timeoutMs: 5000, killGraceMs: 100 }).done;
    assert.deepEqual([ok.ok, bad.ok, bad.code, missing.ok, missing.error], [true, false, 3, false, 'ENOENT']);
  });

  it('kills the whole process group of a hung script at its timeout', async () => {
    const run = runScript(nodeSpawner, ['/bin/sh', '-c', 'sleep 30 & sleep 30; wait'], { env: scriptEnv(), timeoutMs: 200, killGraceMs: 300 });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(liveInGroup(run.pid!), 3, 'sh and two sleeps share the script\'s own process group');
    const out = await run.done;
    assert.equal(out.timedOut, true);
    assert.equal(out.ok, false);
    // The background sleep was in the same group: nothing is left in it.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(liveInGroup(run.pid!), 0);
  });

  it('SIGKILLs a script that ignores SIGTERM after the grace period', async () => {
    const t0 = Date.now();
    const out = await runScript(nodeSpawner, ['/bin/sh', '-c', 'trap "" TERM; sleep 30 & wait; wait'], { env: scriptEnv(), timeoutMs: 100, killGraceMs: 300 }).done;
    assert.equal(out.timedOut, true);
    assert.equal(out.signal, 'SIGKILL');
    assert.ok(Date.now() - t0 < 5000);
  });

  it('unsets IFS, LD_PRELOAD and LD_LIBRARY_PATH (keepalived notify.c:256-258)', async () => {
    const env = scriptEnv({ PATH: process.env['PATH'], IFS: ':', LD_PRELOAD: 'x.so', LD_LIBRARY_PATH: '/x', KEEP: 'me' });
    const out = await runScript(
      nodeSpawner,
      ['/bin/sh', '-c', '[ -z "${LD_PRELOAD+x}" ] && [ -z "${LD_LIBRARY_PATH+x}" ] && [ "$KEEP" = me ]'],
      { env, timeoutMs: 5000, killGraceMs: 100 },
    ).done;
    assert.equal(out.ok, true);
  });
});
