import assert from 'node:assert/strict';
import { canonicalAddress as canonicalAddr, formatIpv6 as ipv6ToString, inCidr, ipv4Broadcast } from '../../../src/ip/address.js';

describe('ip/address: canonical text and CIDR', () => {
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
  it('resolves keepalived brd for IPv4 VIPs (+ host bits set, - clear, explicit, none for /31-/32 and IPv6)', () => {
    assert.equal(ipv4Broadcast('+', '10.1.0.100', 24), '10.1.0.255');
    assert.equal(ipv4Broadcast('-', '10.1.0.100', 24), '10.1.0.0');
    assert.equal(ipv4Broadcast('10.1.0.127', '10.1.0.100', 25), '10.1.0.127');
    assert.equal(ipv4Broadcast('+', '10.1.0.100', 32), null);
    assert.equal(ipv4Broadcast('+', 'fd00::1', 64), null);
  });
  it('rejects IPv4 octets with leading zeros, as inet_pton does', () => {
    assert.equal(canonicalAddr('010.1.0.1'), null);
    assert.equal(canonicalAddr('10.1.0.0'), '10.1.0.0');
  });
});

