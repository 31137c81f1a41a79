import assert from 'node:assert/strict';
import {
  RUN_DIR,
  agentRunDir,
  controlSocketCandidates,
  controlSocketPath,
  fallbackRunBase,
  identityFlags,
  identityOfSocket,
  runBases,
} from '../../../src/control/socketPath.js';
import { currentNetnsName, type NetnsProbe } from '../../../src/control/netnsName.js';

const ROOT_ENV = { uid: 0, tmpDir: '/tmp' };

describe('control/socketPath', () => {
  it('names the default socket /run/vipd/vipd.sock', () => {
    assert.equal(RUN_DIR, '/run/vipd');
    assert.equal(controlSocketPath(), '/run/vipd/vipd.sock');
    assert.equal(controlSocketPath({}), '/run/vipd/vipd.sock');
  });

  it('makes the path unique per --config-id (keepalived_INSTANCE.pid) and per named netns (/run/keepalived/NAMESPACE)', () => {
    assert.equal(controlSocketPath({ configId: 'lb1' }), '/run/vipd/vipd_lb1.sock');
    assert.equal(controlSocketPath({ netns: 'blue' }), '/run/vipd/blue/vipd.sock');
    assert.equal(controlSocketPath({ configId: 'lb1', netns: 'blue' }), '/run/vipd/blue/vipd_lb1.sock');
    assert.equal(agentRunDir({ netns: 'blue' }), '/run/vipd/blue');
    const all = [{}, { configId: 'lb1' }, { configId: 'lb2' }, { netns: 'blue' }, { netns: 'red' }, { configId: 'lb1', netns: 'blue' }].map((id) =>
      controlSocketPath(id),
    );
    assert.equal(new Set(all).size, all.length);
  });

  it('keeps names inside the run folder', () => {
    assert.equal(controlSocketPath({ configId: '../x', netns: 'a/b' }), '/run/vipd/a_b/vipd_.._x.sock');
  });

  it('falls back to $XDG_RUNTIME_DIR/vipd, else $TMPDIR/vipd-UID, after /run/vipd', () => {
    assert.equal(fallbackRunBase({ xdgRuntimeDir: '/run/user/1000', uid: 1000, tmpDir: '/tmp' }), '/run/user/1000/vipd');
    assert.equal(fallbackRunBase({ uid: 1000, tmpDir: '/var/tmp' }), '/var/tmp/vipd-1000');
    assert.deepEqual(runBases(ROOT_ENV), ['/run/vipd', '/tmp/vipd-0']);
    assert.deepEqual(controlSocketCandidates({ configId: 'lb1' }, ROOT_ENV), ['/run/vipd/vipd_lb1.sock', '/tmp/vipd-0/vipd_lb1.sock']);
  });

  it('reads the identity back from a discovered path, for the flags that select it', () => {
    for (const id of [{}, { configId: 'lb1' }, { netns: 'blue' }, { configId: 'lb_2', netns: 'blue' }]) {
      assert.deepEqual(identityOfSocket(controlSocketPath(id), RUN_DIR), id);
    }
    assert.equal(identityOfSocket('/run/vipd/a/b/vipd.sock', RUN_DIR), null);
    assert.equal(identityOfSocket('/run/vipd/other.sock', RUN_DIR), null);
    assert.equal(identityFlags({ configId: 'lb1', netns: 'blue' }), '--netns blue --config-id lb1');
    assert.equal(identityFlags({}), '');
  });
});

describe('control/netnsName', () => {
  const id = (dev: number, ino: number) => ({ dev: BigInt(dev), ino: BigInt(ino) });
  const probe = (self: ReturnType<typeof id> | null): NetnsProbe => ({
    self: () => self,
    named: () => [
      { name: 'blue', id: id(4, 4026532300) },
      { name: 'red', id: id(4, 4026532400) },
    ],
  });

  it('names the namespace whose /run/netns entry is the same inode as /proc/self/ns/net (ip netns identify)', () => {
    assert.equal(currentNetnsName(probe(id(4, 4026532400))), 'red');
  });
  it('is undefined in an unnamed namespace (the host) or when /proc cannot be read', () => {
    assert.equal(currentNetnsName(probe(id(4, 4026531840))), undefined);
    assert.equal(currentNetnsName(probe(id(5, 4026532400))), undefined, 'same inode on another device is another file');
    assert.equal(currentNetnsName(probe(null)), undefined);
  });
});
