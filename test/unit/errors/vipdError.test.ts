import assert from 'node:assert/strict';
import { describeError } from '../../../src/cli/describeError.js';
import { VipdError, internalError } from '../../../src/errors/vipdError.js';
import { VipdNetError, fromSyscall } from '../../../src/net/errors.js';
import { CtNetlinkError } from '../../../src/conntrack/client.js';

describe('VipdError', () => {
  it('carries a code from the table and the operator message unchanged', () => {
    const e = new VipdError('VIPD_ERR_STARTUP', '(VI_1) interface eth7 does not exist');
    assert.ok(e instanceof Error);
    assert.equal(e.code, 'VIPD_ERR_STARTUP');
    assert.equal(e.message, '(VI_1) interface eth7 does not exist');
    assert.equal(internalError('impossible transition').code, 'VIPD_ERR_INTERNAL');
  });

  it('the subclasses are VipdErrors with their own fields', () => {
    const net = fromSyscall(Object.assign(new Error('x'), { code: 'EPERM', errno: 1 }), 'open VRRP socket on eth0');
    assert.ok(net instanceof VipdNetError && net instanceof VipdError);
    assert.equal(net.code, 'VIPD_ERR_NO_CAP_NET_RAW');
    assert.equal(net.sysCode, 'EPERM');
    const ct = new CtNetlinkError(1, 'dump');
    assert.ok(ct instanceof VipdError);
    assert.deepEqual([ct.code, ct.sysCode, ct.errno, ct.message], ['VIPD_ERR_CONNTRACK', 'EPERM', 1, 'ctnetlink dump: EPERM']);
  });
});

describe('describeError (the CLI line)', () => {
  it('prints CODE: message for vipd errors, with no stack', () => {
    assert.equal(describeError(new VipdError('VIPD_ERR_LISTEN', 'cannot listen on 127.0.0.1:9651: address already in use')), 'VIPD_ERR_LISTEN: cannot listen on 127.0.0.1:9651: address already in use');
  });

  it('prints the message of a system error and the stack of anything else', () => {
    assert.equal(describeError(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' })), 'ENOENT: no such file');
    const bug = new TypeError('x is undefined');
    assert.equal(describeError(bug), bug.stack);
    assert.equal(describeError('text'), 'text');
  });
});
