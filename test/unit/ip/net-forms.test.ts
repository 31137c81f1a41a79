import assert from 'node:assert/strict';
import {
  formatIpv4,
  formatIpv6,
  formatMac,
  isIpv4MulticastBytes as isIpv4Multicast,
  isIpv6LinkLocal,
  isIpv6MulticastBytes as isIpv6Multicast,
  parseAddress as parseIp,
  parseIpv4,
  parseIpv6,
  parseMac,
} from '../../../src/ip/address.js';

describe('ip/address: OS-edge forms', () => {
  it('parses dotted-quad IPv4 and rejects malformed text', () => {
    assert.deepEqual([...parseIpv4('224.0.0.18')!], [224, 0, 0, 18]);
    assert.deepEqual([...parseIpv4('10.1.0.100')!], [10, 1, 0, 100]);
    for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '1.2.3.x', '', '1..2.3', ' 1.2.3.4']) {
      assert.equal(parseIpv4(bad), null, bad);
    }
  });

  it('parses IPv6 forms: full, compressed, leading/trailing ::, embedded IPv4', () => {
    assert.equal(parseIpv6('ff02::12')!.toString('hex'), 'ff020000000000000000000000000012');
    assert.equal(parseIpv6('::')!.toString('hex'), '0'.repeat(32));
    assert.equal(parseIpv6('::1')!.toString('hex'), '0'.repeat(31) + '1');
    assert.equal(parseIpv6('fe80::')!.toString('hex'), 'fe80' + '0'.repeat(28));
    assert.equal(parseIpv6('fd00:1:0:0:0:0:0:100')!.toString('hex'), 'fd000001000000000000000000000100');
    assert.equal(parseIpv6('::ffff:10.1.0.1')!.toString('hex'), '00000000000000000000ffff0a010001');
    for (const bad of ['1::2::3', 'fe80::1%eth0', '12345::', ':::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', 'g::1']) {
      assert.equal(parseIpv6(bad), null, bad);
    }
  });

  it('formats IPv6 canonically per RFC 5952 (longest zero run, not a single zero group)', () => {
    const b = (hex: string): Buffer => Buffer.from(hex, 'hex');
    assert.equal(formatIpv6(b('ff020000000000000000000000000012')), 'ff02::12');
    assert.equal(formatIpv6(b('20010db8000000010000000000000001')), '2001:db8:0:1::1');
    assert.equal(formatIpv6(b('20010db8000100010001000100010001')), '2001:db8:1:1:1:1:1:1');
    assert.equal(formatIpv6(b('20010db8000000010001000100010001')), '2001:db8:0:1:1:1:1:1');
    assert.equal(formatIpv6(b('00000000000000000000000000000000')), '::');
    assert.equal(formatIpv6(b('20010000000000010000000000000000')), '2001:0:0:1::');
  });

  it('formats IPv4 at an offset and dispatches on family', () => {
    assert.equal(formatIpv4(Buffer.from([0, 0, 192, 168, 1, 2]), 2), '192.168.1.2');
    assert.equal(parseIp('fd00:1::100')!.length, 16);
    assert.equal(parseIp('10.0.0.1')!.length, 4);
  });

  it('classifies multicast and link-local', () => {
    assert.equal(isIpv4Multicast(Buffer.from([224, 0, 0, 18])), true);
    assert.equal(isIpv4Multicast(Buffer.from([10, 0, 0, 18])), false);
    assert.equal(isIpv6Multicast(parseIpv6('ff02::12')!), true);
    assert.equal(isIpv6LinkLocal(parseIpv6('fe80::1')!), true);
    assert.equal(isIpv6LinkLocal(parseIpv6('fec0::1')!), false);
  });

  it('parses and formats MAC addresses', () => {
    assert.deepEqual([...parseMac('00:00:5E:00:01:33')!], [0, 0, 0x5e, 0, 1, 0x33]);
    assert.equal(parseMac('00:00:5e:00:01'), null);
    assert.equal(formatMac(Buffer.from([0, 0, 0x5e, 0, 1, 0x33])), '00:00:5e:00:01:33');
  });
});
