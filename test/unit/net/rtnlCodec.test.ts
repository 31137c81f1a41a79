import assert from 'node:assert/strict';
import {
  decodeAddress,
  decodeLink,
  encodeAddressRequest,
  linkLocalIpv6,
  primaryIpv4,
  type AddressInfo,
} from '../../../src/net/rtnlCodec.js';

// Hand-assembled rtnetlink bodies as the kernel lays them out on a little-endian host.
const NEWLINK_ETH0 = Buffer.from(
  '00' + '00' + '0100' + '02000000' + '43100100' + '00000000' + // ifinfomsg: ARPHRD_ETHER, ifindex 2, UP|BROADCAST|RUNNING|MULTICAST|LOWER_UP
    '0900' + '0300' + '6574683000' + '000000' + // IFLA_IFNAME "eth0"
    '0800' + '0400' + 'dc050000' + // IFLA_MTU 1500
    '0500' + '1000' + '06' + '000000' + // IFLA_OPERSTATE UP
    '0a00' + '0100' + '36b471701604' + '0000', // IFLA_ADDRESS
  'hex',
);

const NEWADDR_SECONDARY = Buffer.from(
  '02' + '18' + '81' + '00' + '02000000' + // AF_INET /24 flags SECONDARY|PERMANENT scope global ifindex 2
    '0800' + '0100' + '0a090064' + // IFA_ADDRESS 10.9.0.100
    '0800' + '0200' + '0a090064' + // IFA_LOCAL 10.9.0.100
    '0800' + '0400' + '0a0900ff' + // IFA_BROADCAST
    '0d00' + '0300' + '657468303a766970' + '00' + '000000' + // IFA_LABEL "eth0:vip"
    '0800' + '0800' + '81000000', // IFA_FLAGS
  'hex',
);

describe('net/rtnlCodec', () => {
  it('decodes RTM_NEWLINK', () => {
    assert.deepEqual(decodeLink(NEWLINK_ETH0), {
      ifindex: 2,
      name: 'eth0',
      mac: '36:b4:71:70:16:04',
      up: true,
      running: true,
      lowerUp: true,
      operState: 'up',
      mtu: 1500,
      flags: 0x11043,
      linkType: 1,
    });
  });

  it('reports a link that lost carrier as up but not running', () => {
    const down = Buffer.from(NEWLINK_ETH0);
    down.writeUInt32LE(0x1003, 8); // UP|BROADCAST|MULTICAST
    down[40] = 2; // IFLA_OPERSTATE value: DOWN (ifinfomsg 16 + IFNAME 12 + MTU 8 + nla header 4)
    const l = decodeLink(down)!;
    assert.equal(l.up, true);
    assert.equal(l.running, false);
    assert.equal(l.operState, 'down');
  });

  it('decodes RTM_NEWADDR with label, broadcast and the secondary flag', () => {
    assert.deepEqual(decodeAddress(NEWADDR_SECONDARY), {
      family: 4,
      ifindex: 2,
      address: '10.9.0.100',
      prefixLen: 24,
      secondary: true,
      tentative: false,
      flags: 0x81,
      scope: 0,
      label: 'eth0:vip',
      broadcast: '10.9.0.255',
    });
  });

  it('decodes an IPv6 address (IFA_ADDRESS only)', () => {
    const body = Buffer.from('0a' + '40' + 'c0' + 'fd' + '03000000' + '1400' + '0100' + 'fe800000000000000000000000000001', 'hex');
    const a = decodeAddress(body)!;
    assert.equal(a.address, 'fe80::1');
    assert.equal(a.tentative, true);
    assert.equal(a.scope, 253);
  });

  it('returns null on short or foreign bodies', () => {
    assert.equal(decodeLink(Buffer.alloc(10)), null);
    assert.equal(decodeLink(NEWLINK_ETH0.subarray(0, 16)), null, 'no IFLA_IFNAME');
    assert.equal(decodeAddress(Buffer.from('07180000' + '02000000', 'hex')), null, 'AF 7');
    assert.equal(decodeAddress(Buffer.from('02180000' + '02000000' + '0600' + '0100' + '0a09', 'hex')), null);
  });

  it('encodes RTM_NEWADDR for an IPv4 VIP with label and broadcast', () => {
    const body = encodeAddressRequest({ ifindex: 2, address: '10.1.0.100', prefixLen: 24, label: 'eth0:vip', broadcast: '10.1.0.255' });
    assert.equal(
      body.toString('hex'),
      '02' + '18' + '00' + '00' + '02000000' +
        '0800' + '0200' + '0a010064' + '0800' + '0100' + '0a010064' + '0800' + '0400' + '0a0100ff' +
        '0d00' + '0300' + '657468303a766970' + '00' + '000000',
    );
  });

  it('encodes an IPv6 VIP with IFA_F_NODAD by default, and IFA_FLAGS for noprefixroute', () => {
    const v6 = 'fd000001000000000000000000000100';
    assert.equal(
      encodeAddressRequest({ ifindex: 3, address: 'fd00:1::100', prefixLen: 64 }).toString('hex'),
      '0a' + '40' + '02' + '00' + '03000000' + '1400' + '0200' + v6 + '1400' + '0100' + v6,
    );
    const np = encodeAddressRequest({ ifindex: 3, address: 'fd00:1::100', prefixLen: 64, noDad: false, noPrefixRoute: true });
    assert.equal(np.subarray(np.length - 8).toString('hex'), '0800' + '0800' + '00020000');
  });

  it('refuses invalid specs (local programming/config error)', () => {
    assert.throws(() => encodeAddressRequest({ ifindex: 2, address: '10.1.0.300', prefixLen: 24 }), { code: 'VIPD_ERR_INVALID_ADDRESS' });
    assert.throws(() => encodeAddressRequest({ ifindex: 2, address: '10.1.0.1', prefixLen: 33 }), { code: 'VIPD_ERR_INVALID_ADDRESS' });
    assert.throws(() => encodeAddressRequest({ ifindex: 2, address: '10.1.0.1', prefixLen: 24, family: 6 }), { code: 'VIPD_ERR_INVALID_ADDRESS' });
  });

  it('primary IPv4 = first non-secondary address of the interface; link-local = first non-tentative fe80::', () => {
    const base = { prefixLen: 24, tentative: false, flags: 0, scope: 0 };
    const list: AddressInfo[] = [
      { ...base, family: 4, ifindex: 3, address: '10.2.0.1', secondary: false },
      { ...base, family: 4, ifindex: 2, address: '10.1.0.100', secondary: true },
      { ...base, family: 4, ifindex: 2, address: '10.1.0.1', secondary: false },
      { ...base, family: 6, ifindex: 2, address: 'fe80::1', secondary: false, tentative: true },
      { ...base, family: 6, ifindex: 2, address: 'fd00::1', secondary: false },
      { ...base, family: 6, ifindex: 2, address: 'fe80::2', secondary: false },
    ];
    assert.equal(primaryIpv4(list, 2), '10.1.0.1');
    assert.equal(primaryIpv4(list, 9), null);
    assert.equal(linkLocalIpv6(list, 2), 'fe80::2');
  });
});
