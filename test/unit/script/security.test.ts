import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultScriptUser, isExecutableBy, parseAccounts, prepareScript, resolveUser, unsafeComponent,
} from '../../../src/script/security.js';

const st = (mode: number, uid = 0, gid = 0, dir = false, link = false) => ({ mode, uid, gid, isDirectory: () => dir, isFile: () => !dir && !link });

describe('track/scriptSecurity', () => {
  const accounts = parseAccounts(
    'root:x:0:0:root:/root:/bin/bash\nkeepalived_script:x:998:997::/:/usr/sbin/nologin\nbroken line\n',
    'root:x:0:\nnogroup:x:65534:\n',
  );

  it('parses passwd/group and resolves users and groups', () => {
    assert.deepEqual(resolveUser({ user: 'keepalived_script', group: null }, accounts), { uid: 998, gid: 997, name: 'keepalived_script' });
    assert.deepEqual(resolveUser({ user: 'keepalived_script', group: 'nogroup' }, accounts), { uid: 998, gid: 65534, name: 'keepalived_script' });
    assert.deepEqual(resolveUser({ user: 'nobody-here', group: null }, accounts), { error: 'unknown user nobody-here' });
  });

  it('defaults to keepalived_script when it exists, else to ourselves', () => {
    const self = { uid: 0, gid: 0, name: 'self' };
    assert.equal((defaultScriptUser(null, accounts, self) as { uid: number }).uid, 998);
    assert.deepEqual(defaultScriptUser(null, parseAccounts('', ''), self), self);
  });

  it('judges executability like keepalived is_executable', () => {
    assert.equal(isExecutableBy(st(0o100), 0, 0), true);
    assert.equal(isExecutableBy(st(0o644), 0, 0), false);
    assert.equal(isExecutableBy(st(0o750, 0, 5), 7, 5), true, 'group x');
    assert.equal(isExecutableBy(st(0o750, 0, 5), 7, 6), false);
    assert.equal(isExecutableBy(st(0o755, 0, 5), 7, 6), true, 'other x');
  });

  it('flags non-root owners and group/world-writable files and non-sticky directories', () => {
    assert.equal(unsafeComponent(st(0o755)), false);
    assert.equal(unsafeComponent(st(0o755, 1000)), true);
    assert.equal(unsafeComponent(st(0o775, 0, 0)), false, 'root group may write');
    assert.equal(unsafeComponent(st(0o775, 0, 100)), true);
    assert.equal(unsafeComponent(st(0o757)), true);
    assert.equal(unsafeComponent(st(0o1777, 0, 0, true)), false, 'sticky /tmp is fine');
    assert.equal(unsafeComponent(st(0o40777, 0, 0, true)), true, 'a world-writable directory without the sticky bit');
    // notify.c check_security tests the write bits of directories and regular files only: a symlink's own mode
    // is always 0777 (merged-/usr Debian: /bin -> usr/bin), its owner is what counts.
    assert.equal(unsafeComponent(st(0o120777, 0, 0, false, true)), false, 'root-owned symlink');
    assert.equal(unsafeComponent(st(0o120777, 1000, 0, false, true)), true, 'symlink owned by a user');
  });

  describe('prepareScript on real files', function () {
    let dir = '';
    beforeEach(function () {
      if (process.getuid?.() !== 0) {
        console.log('      skipped: needs root to create root-owned and foreign-owned files');
        this.skip();
      }
      dir = mkdtempSync(join(tmpdir(), 'vipd-sec-'));
      chmodSync(dir, 0o755);
    });
    afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));
    const root = { uid: 0, gid: 0, name: 'root' };

    it('accepts a root-owned script, searches PATH for a bare name', async () => {
      const p = join(dir, 'chk');
      writeFileSync(p, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      const r = await prepareScript([p, 'a b'], root, true);
      assert.deepEqual(r, { argv: [p, 'a b'], uid: 0, gid: 0, warnings: [] });
      const bare = await prepareScript(['chk'], root, true, { PATH: dir });
      assert.deepEqual((bare as { argv: readonly string[] }).argv, [p]);
      assert.match((await prepareScript(['nope-vipd'], root, true, { PATH: dir }) as { error: string }).error, /Cannot find script nope-vipd/);
    });

    it('refuses a script writable by a non-root user with enable_script_security, warns without', async () => {
      const p = join(dir, 'chk');
      writeFileSync(p, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      chownSync(p, 1234, 1234);
      assert.match((await prepareScript([p], root, true) as { error: string }).error, /Unsafe permissions .* - disabling/);
      const lax = await prepareScript([p], root, false);
      assert.ok('argv' in lax);
      assert.match(lax.warnings[0]!, /Unsafe permissions/);
    });

    it('runs a script reached through symlinks by its canonical path, keeping the name it was given (notify.c check_script_secure)', async () => {
      // dir/bin -> real (a directory symlink, as merged-/usr's /bin -> usr/bin), real/sh -> real/dash.
      const realDir = join(dir, 'real');
      mkdirSync(realDir, { mode: 0o755 });
      writeFileSync(join(realDir, 'dash'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      symlinkSync('dash', join(realDir, 'sh'));
      symlinkSync('real', join(dir, 'bin'));
      const r = await prepareScript([join(dir, 'bin', 'sh'), '-c', 'exit 0'], root, true);
      assert.deepEqual(r, { argv: [join(realDir, 'sh'), '-c', 'exit 0'], uid: 0, gid: 0, warnings: [] });
      // A world-writable file behind the symlink is still found: the resolved file is checked too.
      chmodSync(join(realDir, 'dash'), 0o757);
      assert.match((await prepareScript([join(dir, 'bin', 'sh')], root, true) as { error: string }).error, /Unsafe permissions .*dash/);
    });

    it('disables a script whose path goes through something other than a directory', async () => {
      const p = join(dir, 'chk');
      writeFileSync(p, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      // realpath() fails on a path through a regular file: the script cannot be accessed.
      assert.match((await prepareScript([join(p, 'x')], root, true) as { error: string }).error, /cannot be accessed/);
    });

    it('disables a script that is not executable', async () => {
      const p = join(dir, 'chk');
      writeFileSync(p, 'exit 0\n', { mode: 0o644 });
      assert.match((await prepareScript([p], root, false) as { error: string }).error, /not executable/);
    });
  });
});
