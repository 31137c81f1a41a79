import assert from 'node:assert/strict';
import { canonicalAddr, inCidr, ipv6ToString } from '../../../src/conntrack/addr.js';

describe('conntrack addresses', () => {
  it('formats IPv6 canonically (RFC 5952)', () => {
    const h = (s: string) => Buffer.from(s, 'hex');
    assert.equal(ipv6ToString(h('fd000001000000000000000000000010')), 'fd00:1::10');
    assert.equal(ipv6ToString(h('00000000000000000000000000000001')), '::1');
    assert.equal(ipv6ToString(h('20010db8000000010000000000000001')), '2001:db8:0:1::1');
    assert.equal(ipv6ToString(h('20010db8000100010001000100010001')), '2001:db8:1:1:1:1:1:1');
    assert.equal(ipv6ToString(h('00000000000000000000ffff0a000001')), '::ffff:10.0.0.1');
  });
  it('canonicalises literals', () => {
    assert.equal(canonicalAddr('FD00:0001:0:0::0010'), 'fd00:1::10');
    assert.equal(canonicalAddr('10.1.0.1'), '10.1.0.1');
    assert.equal(canonicalAddr('nope'), null);
  });
  it('matches CIDRs', () => {
    assert.equal(inCidr('10.2.0.11', '10.2.0.0/24'), true);
    assert.equal(inCidr('10.3.0.11', '10.2.0.0/24'), false);
    assert.equal(inCidr('10.2.0.11', '10.2.0.11'), true);
    assert.equal(inCidr('fd00:1::10', 'fd00::/16'), true);
    assert.equal(inCidr('fd00:1::10', '10.0.0.0/8'), false);
    assert.equal(inCidr('10.2.0.11', '0.0.0.0/0'), true);
  });
});
