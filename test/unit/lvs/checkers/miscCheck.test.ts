import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../../../src/clock/virtualClock.js';
import { createProbe } from '../../../../src/lvs/checkers/factory.js';
import { nodeSpawner, type ScriptExit, type ScriptSpawner } from '../../../../src/script/exec.js';
import { untilIo } from '../../ioTurns.js';
import { miscCheck } from './fixtures.js';
import { failure, outcome, track } from './harness.js';

describe('lvs/checkers MISC_CHECK', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vipd-misc-'));
    chmodSync(dir, 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function script(name: string, body: string): string {
    const p = join(dir, name);
    writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return p;
  }

  /** The real spawner, remembering each child's exit so a test can see a killed script is gone. */
  function recordingSpawner(): { spawner: ScriptSpawner; exits: (ScriptExit | null)[] } {
    const exits: (ScriptExit | null)[] = [];
    return {
      exits,
      spawner: {
        spawn(argv, opts) {
          const s = nodeSpawner.spawn(argv, opts);
          const i = exits.push(null) - 1;
          void s.exited.then((e) => (exits[i] = e));
          return s;
        },
      },
    };
  }

  const run = (command: string, over: Parameters<typeof miscCheck>[1] = {}) => outcome(createProbe(miscCheck(command, over), { clock: new VirtualClock() }).run());

  it('exit 0 passes, exit 1 fails', async () => {
    assert.deepEqual((await run(script('ok.sh', 'exit 0'))).ok, true);
    const f = failure(await run(script('bad.sh', 'exit 1')));
    assert.equal(f.reason, 'exit');
    assert.match(f.detail, /bad\.sh: exited with status 1/);
  });

  it('arguments are split as keepalived splits them', async () => {
    assert.equal((await run(`${script('args.sh', '[ "$1" = "a b" ] && [ "$2" = c ]')} "a b" c`)).ok, true);
  });

  it('without misc_dynamic exit 2..255 fails (check_misc.c:371); with it, it passes with weight exit − 2', async () => {
    const five = script('five.sh', 'exit 5');
    assert.equal(failure(await run(five)).reason, 'exit');
    const o = await run(five, { dynamic: true });
    assert.deepEqual({ ok: o.ok, weight: o.ok ? o.weight : undefined }, { ok: true, weight: 3 });
    const zero = await run(script('zero.sh', 'exit 0'), { dynamic: true });
    assert.equal(zero.ok && zero.weight, undefined);
    assert.equal(failure(await run(script('one.sh', 'exit 1'), { dynamic: true })).reason, 'exit');
  });

  it('killed by a signal fails', async () => {
    const f = failure(await run(script('suicide.sh', 'kill -9 $$')));
    assert.equal(f.reason, 'exit');
    assert.match(f.detail, /killed by SIGKILL/);
  });

  it('misc_timeout: fails at the deadline, the group gets SIGTERM, and SIGKILL 2 s later when it ignores it', async () => {
    const clock = new VirtualClock();
    const rec = recordingSpawner();
    // The exec'd sleep inherits the ignored SIGTERM, so only the SIGKILL ends it. The script says when its trap is
    // in place: a SIGTERM sent before that (a loaded machine) would end it and prove nothing.
    const ready = join(dir, 'hang.ready');
    const probe = createProbe(miscCheck(script('hang.sh', `trap '' TERM\ntouch ${ready}\nexec sleep 1000`), { timeoutMs: 3000 }), { clock, scripts: { spawner: rec.spawner } });
    const p = track(probe.run());
    await untilIo('trap installed', () => existsSync(ready));
    clock.advance(2999);
    assert.equal(p.done(), false);
    clock.advance(1);
    const f = failure(await outcome(p));
    assert.equal(f.reason, 'timeout');
    assert.equal(rec.exits[0], null, 'SIGTERM is ignored: still running');
    clock.advance(2000);
    await untilIo('killed', () => rec.exits[0] !== null);
    assert.equal(rec.exits[0]!.signal, 'SIGKILL');
  });

  it('close() terminates a running script', async () => {
    const clock = new VirtualClock();
    const rec = recordingSpawner();
    const probe = createProbe(miscCheck(script('long.sh', 'exec sleep 1000')), { clock, scripts: { spawner: rec.spawner } });
    const p = probe.run();
    await untilIo('spawned', () => rec.exits.length === 1);
    probe.close();
    assert.equal(failure(await outcome(p)).reason, 'local');
    await untilIo('terminated', () => rec.exits[0] !== null);
    assert.equal(rec.exits[0]!.signal, 'SIGTERM');
  });

  it('a missing script is a local failure naming it', async () => {
    const f = failure(await run(join(dir, 'nope.sh')));
    assert.equal(f.reason, 'local');
    assert.match(f.detail, /nope\.sh/);
  });

  it('a prepare hook that refuses (script security) disables the check', async () => {
    const o = await outcome(
      createProbe(miscCheck(script('x.sh', 'exit 0')), { clock: new VirtualClock(), scripts: { prepare: async () => ({ error: 'unsafe permissions' }) } }).run(),
    );
    assert.match(failure(o).detail, /unsafe permissions/);
  });
});
