import assert from 'node:assert/strict';
import { endianness } from 'node:os';
import {
  in6Pktinfo,
  ipMreqn,
  ipv6Mreq,
  parseInPktinfo,
  parseSockaddr,
  sockaddrIn,
  sockaddrIn6,
  sockaddrLl,
  sockaddrNl,
} from '../../../src/net/sockaddr.js';

// Fixtures are written for little-endian hosts (x86-64, arm64), where host-order fields are LE.
const LE = endianness() === 'LE';

describe('net/sockaddr', function () {
  before(function () {
    if (!LE) {
      console.log('skipped: fixtures are little-endian');
      this.skip();
    }
  });

  it('builds sockaddr_in as the kernel lays it out', () => {
    assert.equal(sockaddrIn('224.0.0.18').toString('hex'), '0200' + '0000' + 'e0000012' + '00'.repeat(8));
    assert.equal(sockaddrIn('10.1.0.1', 8080).toString('hex'), '0200' + '1f90' + '0a010001' + '00'.repeat(8));
  });

  it('builds sockaddr_in6 with scope id', () => {
    assert.equal(
      sockaddrIn6('ff02::12', 0, 7).toString('hex'),
      '0a00' + '0000' + '00000000' + 'ff020000000000000000000000000012' + '07000000',
    );
  });

  it('builds sockaddr_ll with ifindex, ethertype and destination MAC', () => {
    const mac = Buffer.from('ffffffffffff', 'hex');
    assert.equal(
      sockaddrLl(3, 0x0806, mac).toString('hex'),
      '1100' + '0806' + '03000000' + '0100' + '00' + '06' + 'ffffffffffff0000',
    );
  });

  it('builds sockaddr_nl', () => {
    assert.equal(sockaddrNl(0, 0x11).toString('hex'), '1000' + '0000' + '00000000' + '11000000');
  });

  it('throws a typed error on an invalid address (config-side input)', () => {
    assert.throws(() => sockaddrIn('10.0.0'), { code: 'VIPD_ERR_INVALID_ADDRESS' });
    assert.throws(() => sockaddrIn6('10.0.0.1'), { code: 'VIPD_ERR_INVALID_ADDRESS' });
  });

  it('parses sockaddrs returned by recvmsg', () => {
    assert.deepEqual(parseSockaddr(Buffer.from('0200' + '0000' + '0a010002' + '00'.repeat(8), 'hex')), {
      family: 'inet',
      port: 0,
      address: '10.1.0.2',
    });
    assert.deepEqual(
      parseSockaddr(Buffer.from('0a00' + '0070' + '00000000' + 'fe800000000000000000000000000002' + '05000000', 'hex')),
      { family: 'inet6', port: 112, flowInfo: 0, address: 'fe80::2', scopeId: 5 },
    );
    const ll = parseSockaddr(Buffer.from('1100' + '0806' + '02000000' + '0100' + '01' + '06' + 'aabbccddeeff0000', 'hex'));
    assert.deepEqual(ll && ll.family === 'packet' ? { ...ll, mac: ll.mac.toString('hex') } : ll, {
      family: 'packet',
      protocol: 0x0806,
      ifindex: 2,
      hatype: 1,
      pktType: 1,
      mac: 'aabbccddeeff',
    });
    assert.deepEqual(parseSockaddr(Buffer.from('1000' + '0000' + '00000000' + '00000000', 'hex')), {
      family: 'netlink',
      pid: 0,
      groups: 0,
    });
    assert.equal(parseSockaddr(Buffer.from('02', 'hex')), null);
    assert.equal(parseSockaddr(Buffer.from('0a000000', 'hex')), null);
    assert.equal(parseSockaddr(Buffer.from('ffff' + '00'.repeat(14), 'hex')), null);
  });

  it('builds ip_mreqn, ipv6_mreq, in6_pktinfo; parses in_pktinfo', () => {
    assert.equal(ipMreqn('224.0.0.18', 4).toString('hex'), 'e0000012' + '00000000' + '04000000');
    assert.equal(ipMreqn(null, 4).toString('hex'), '00000000' + '00000000' + '04000000');
    assert.equal(ipv6Mreq('ff02::12', 9).toString('hex'), 'ff020000000000000000000000000012' + '09000000');
    assert.equal(in6Pktinfo('fe80::1', 2).toString('hex'), 'fe800000000000000000000000000001' + '02000000');
    assert.deepEqual(parseInPktinfo(Buffer.from('03000000' + '0a010001' + 'e0000012', 'hex')), {
      ifindex: 3,
      specDst: '10.1.0.1',
      address: '224.0.0.18',
    });
    assert.equal(parseInPktinfo(Buffer.alloc(8)), null);
  });
});
