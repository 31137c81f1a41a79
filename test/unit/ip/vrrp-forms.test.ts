import assert from 'node:assert/strict';
import { canonicalAddress, compareAddresses, formatIpv6, isMulticast, parseIpv4, parseIpv6 } from '../../../src/ip/address.js';
import { internetChecksum } from '../../../src/vrrp/checksum.js';

describe('ip/address: VRRP forms + checksum', () => {
  it('parses and rejects IPv4', () => {
    assert.equal(parseIpv4('10.1.0.100')?.toString('hex'), '0a010064');
    for (const bad of ['10.1.0', '10.1.0.256', '1.2.3.4.5', 'a.b.c.d', '', '1..2.3']) assert.equal(parseIpv4(bad), null, bad);
  });
  it('parses IPv6 forms and formats per RFC 5952', () => {
    assert.equal(parseIpv6('fd00:1::100')?.toString('hex'), 'fd000001000000000000000000000100');
    assert.equal(parseIpv6('::ffff:10.0.0.1')?.toString('hex'), '00000000000000000000ffff0a000001');
    for (const bad of ['1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', '1:2:3:4:5:6:7']) assert.equal(parseIpv6(bad), null, bad);
    assert.equal(formatIpv6(parseIpv6('2001:db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
    assert.equal(formatIpv6(parseIpv6('2001:db8:0:1:1:1:1:1')!), '2001:db8:0:1:1:1:1:1');
    assert.equal(canonicalAddress('FD00:0001:0:0::0100'), 'fd00:1::100');
    assert.equal(canonicalAddress('::'), '::');
    assert.equal(canonicalAddress('nonsense'), null);
  });
  it('compares as unsigned big-endian integers (keepalived lib/utils.c:918)', () => {
    assert.ok(compareAddresses('10.0.0.2', '10.0.0.1') > 0);
    assert.ok(compareAddresses('10.0.0.9', '10.0.0.10') < 0); // numeric, not lexical
    assert.ok(compareAddresses('192.168.0.1', '10.255.255.255') > 0); // unsigned: 0xc0 > 0x0a
    assert.equal(compareAddresses('fe80::1', 'FE80:0::1'), 0);
  });
  it('multicast detection', () => {
    assert.ok(isMulticast('224.0.0.18')); assert.ok(isMulticast('239.1.1.1')); assert.ok(!isMulticast('10.0.0.1'));
    assert.ok(isMulticast('ff02::12')); assert.ok(!isMulticast('fe80::1'));
  });
  it('RFC 1071 checksum: odd lengths and parts split at odd offsets give the same result', () => {
    const data = Buffer.from('0001f203f4f5f6f7', 'hex'); // RFC 1071 §3 example: sum ddf2 → ~ 220d
    assert.equal(internetChecksum(data), 0x220d);
    assert.equal(internetChecksum(data.subarray(0, 3), data.subarray(3)), 0x220d);
    assert.equal(internetChecksum(Buffer.from([0x01])), 0xfeff); // odd byte padded with zero
  });
});
