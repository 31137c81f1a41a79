import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { VirtualClock } from '../../../../src/clock/virtualClock.js';
import { createProbe } from '../../../../src/lvs/checkers/factory.js';
import { buildEchoRequest, internetChecksum, parseEchoReply } from '../../../../src/lvs/checkers/icmpEcho.js';
import { pingCheck } from './fixtures.js';
import { isRoot, outcome } from './harness.js';

describe('lvs/checkers PING_CHECK', () => {
  it('echo request: RFC 792 layout and checksum (hand-computed)', () => {
    // type 8, code 0, id 0x1234, seq 1, payload "ab": sum = 0x0800 + 0x1234 + 0x0001 + 0x6162 = 0x7B97 → ~ = 0x8468.
    assert.equal(buildEchoRequest(false, 0x1234, 1, Buffer.from('ab')).toString('hex'), '0800' + '8468' + '1234' + '0001' + '6162');
    assert.equal(internetChecksum(Buffer.from('0800846812340001' + '6162', 'hex')), 0);
    // ICMPv6: type 128; the kernel fills the checksum.
    assert.equal(buildEchoRequest(true, 7, 9, Buffer.alloc(0)).toString('hex'), '8000' + '0000' + '0007' + '0009');
  });

  it('echo reply parsing skips a raw socket\'s IPv4 header and ignores our own looped-back request', () => {
    const ip = Buffer.from('450000200000000040010000' + '7f000001' + '7f000001', 'hex');
    assert.deepEqual(parseEchoReply(Buffer.concat([ip, Buffer.from('0000000012340001', 'hex')]), false, true), { id: 0x1234, seq: 1 });
    assert.equal(parseEchoReply(Buffer.concat([ip, Buffer.from('0800000012340001', 'hex')]), false, true), null);
    assert.deepEqual(parseEchoReply(Buffer.from('8100000000070009', 'hex'), true, false), { id: 7, seq: 9 });
  });

  for (const address of ['127.0.0.1', '::1']) {
    it(`an echo to ${address} is answered`, async function () {
      if (!isRoot()) {
        console.log('    skipped: raw ICMP sockets need root (and ping_group_range may exclude us)');
        this.skip();
      }
      if (address === '::1' && !Object.values(networkInterfaces()).flat().some((a) => a?.address === '::1')) {
        console.log('    skipped: no ::1 on lo');
        this.skip();
      }
      const o = await outcome(createProbe(pingCheck(address), { clock: new VirtualClock() }).run());
      assert.equal(o.ok, true, JSON.stringify(o));
    });
  }
});
