// The net_namespace entry: inside → go on; elsewhere → re-exec into /run/netns/NAME once; missing namespace,
// refused setns or a re-exec that did not land inside → an error that names the namespace.
import assert from 'node:assert/strict';
import {
  ENTERED_ENV,
  decideNetnsStep,
  describeEnterError,
  enterNetns,
  type NetnsIdentity,
  type NetnsPorts,
} from '../../../src/cli/netnsEntry.js';

const HOST: NetnsIdentity = { dev: 4n, ino: 4026531840n };
const BLUE: NetnsIdentity = { dev: 4n, ino: 4026532177n };

class ExecCalled extends Error {}

function ports(where: NetnsIdentity, namespaces: Record<string, NetnsIdentity>, env: Record<string, string | undefined> = {}) {
  const execs: { nsPath: string; argv: readonly string[] }[] = [];
  const p: NetnsPorts = {
    identify: (path) => (path === '/proc/self/ns/net' ? where : (namespaces[path] ?? null)),
    execIn: (nsPath, argv) => {
      execs.push({ nsPath, argv });
      throw new ExecCalled('exec');
    },
    env,
    argv: ['/usr/bin/node', '/usr/bin/vipd', 'run', '-f', 'k.conf'],
  };
  return { p, execs, env };
}

describe('cli/netnsEntry', () => {
  it('goes on when the process already runs in the namespace (e.g. started under ip netns exec)', () => {
    assert.deepEqual(decideNetnsStep('blue', BLUE, BLUE, undefined), { kind: 'inside' });
  });

  it('re-executes into /run/netns/NAME when it runs elsewhere', () => {
    assert.deepEqual(decideNetnsStep('blue', HOST, BLUE, undefined), { kind: 'enter', nsPath: '/run/netns/blue' });
  });

  it('names the missing namespace and how to create it', () => {
    const step = decideNetnsStep('blue', HOST, null, undefined);
    assert.equal(step.kind, 'error');
    assert.match((step as { message: string }).message, /^net_namespace blue: there is no network namespace blue \(\/run\/netns\/blue does not exist; create it with `ip netns add blue`\)$/);
  });

  it('stops instead of re-executing forever when a re-exec did not land inside', () => {
    const step = decideNetnsStep('blue', HOST, BLUE, 'blue');
    assert.equal(step.kind, 'error');
    assert.match((step as { message: string }).message, /still not inside/);
  });

  it('enterNetns passes the whole command line and marks the attempt in the environment', () => {
    const { p, execs, env } = ports(HOST, { '/run/netns/blue': BLUE });
    const message = enterNetns('blue', { ...p, execIn: (nsPath, argv) => { execs.push({ nsPath, argv }); assert.equal(env[ENTERED_ENV], 'blue'); throw Object.assign(new Error('setns: Operation not permitted (EPERM)'), { code: 'EPERM', syscall: 'setns' }); } });
    assert.deepEqual(execs, [{ nsPath: '/run/netns/blue', argv: ['/usr/bin/node', '/usr/bin/vipd', 'run', '-f', 'k.conf'] }]);
    assert.equal(message, 'net_namespace blue: cannot enter /run/netns/blue: setns needs CAP_SYS_ADMIN');
    assert.equal(env[ENTERED_ENV], undefined, 'marker removed after a failed attempt');
  });

  it('enterNetns returns null inside and clears the marker so scripts do not inherit it', () => {
    const { p, execs, env } = ports(BLUE, { '/run/netns/blue': BLUE }, { [ENTERED_ENV]: 'blue' });
    assert.equal(enterNetns('blue', p), null);
    assert.deepEqual(execs, []);
    assert.equal(ENTERED_ENV in env, false);
  });

  it('enterNetns never execs for a missing namespace', () => {
    const { p, execs } = ports(HOST, {});
    assert.match(enterNetns('red', p)!, /there is no network namespace red/);
    assert.deepEqual(execs, []);
  });

  it('describeEnterError maps the errno of each step', () => {
    const err = (code: string, syscall: string) => Object.assign(new Error(`${syscall}: x (${code})`), { code, syscall });
    assert.match(describeEnterError('b', err('ENOENT', 'open')), /there is no network namespace b/);
    assert.equal(describeEnterError('b', err('EINVAL', 'setns')), 'net_namespace b: /run/netns/b is not a network namespace');
    assert.equal(describeEnterError('b', err('ENOEXEC', 'execve')), 'net_namespace b: cannot enter /run/netns/b: execve: x (ENOEXEC)');
  });
});
