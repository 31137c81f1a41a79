import assert from 'node:assert/strict';
import { buildGratuitousArp, buildUnsolicitedNa, icmpv6Checksum } from '../../../src/net/arp.js';
import { openPacketSender } from '../../../src/net/packetSender.js';
import { FakeNative, sysError } from './fakeNative.js';

const MAC = Buffer.from('020000000001', 'hex');

// keepalived's GARP for VIP 10.1.0.100 from 02:00:00:00:00:01 (vrrp_arp.c:96-163), written out field by field.
const GARP_FIXTURE =
  'ffffffffffff' + '020000000001' + '0806' + // Ethernet: broadcast, our MAC, ARP
  '0001' + '0800' + '06' + '04' + '0001' + // htype Ethernet, ptype IPv4, hlen 6, plen 4, op REQUEST
  '020000000001' + '0a010064' + // sha, spa = VIP
  'ffffffffffff' + '0a010064'; // tha = broadcast (keepalived), tpa = VIP

// Unsolicited NA for fd00:1::100; checksums from an independent RFC 1071 computation (Python, see report).
const naFixture = (flags: string, checksum: string): string =>
  '333300000001' + '020000000001' + '86dd' +
  '60000000' + '0020' + '3a' + 'ff' + 'fd000001000000000000000000000100' + 'ff020000000000000000000000000001' +
  '88' + '00' + checksum + flags + '000000' + 'fd000001000000000000000000000100' + '02' + '01' + '020000000001';

describe('net/arp frames', () => {
  it('gratuitous ARP is a broadcast ARP request with spa = tpa = VIP and tha = ff:ff:ff:ff:ff:ff', () => {
    assert.equal(buildGratuitousArp(MAC, '10.1.0.100').toString('hex'), GARP_FIXTURE);
  });

  it('unsolicited NA: O=1 S=0, R as given, TLLA option, hop limit 255, ICMPv6 checksum', () => {
    assert.equal(buildUnsolicitedNa(MAC, 'fd00:1::100', { router: false }).toString('hex'), naFixture('20', '589b'));
    assert.equal(buildUnsolicitedNa(MAC, 'fd00:1::100', { router: true }).toString('hex'), naFixture('a0', 'd89a'));
  });

  it('the checksum verifies: summing the message with its checksum gives 0', () => {
    const f = buildUnsolicitedNa(MAC, 'fd00:1::100', { router: false });
    assert.equal(icmpv6Checksum(f.subarray(22, 38), f.subarray(38, 54), f.subarray(54)), 0);
  });

  it('refuses invalid local inputs', () => {
    assert.throws(() => buildGratuitousArp(Buffer.alloc(5), '10.1.0.1'), { code: 'VIPD_ERR_INVALID_ADDRESS' });
    assert.throws(() => buildGratuitousArp(MAC, 'fd00::1'), { code: 'VIPD_ERR_INVALID_ADDRESS' });
    assert.throws(() => buildUnsolicitedNa(MAC, '10.1.0.1', { router: false }), { code: 'VIPD_ERR_INVALID_ADDRESS' });
  });
});

describe('net/packetSender (against a recording fake addon)', () => {
  it('opens AF_PACKET/SOCK_RAW protocol 0 and sends with sockaddr_ll(ifindex, ethertype, dst MAC)', () => {
    const net = new FakeNative();
    const s = openPacketSender('eth0', { native: net });
    assert.deepEqual(net.calls.find((c) => c.fn === 'socket')!.args, [17, 3, 0]);
    s.send(Buffer.from(GARP_FIXTURE, 'hex'));
    assert.equal(
      net.sent[0]!.sockaddr!.toString('hex'),
      '1100' + '0806' + '02000000' + '0100' + '00' + '06' + 'ffffffffffff' + '0000',
    );
    assert.deepEqual(s.stats(), { sentFrames: 1, sendErrors: 0 });
    s.close();
    assert.throws(() => s.send(Buffer.from(GARP_FIXTURE, 'hex')), { code: 'VIPD_ERR_CLOSED' });
  });

  it('maps errors: missing interface, missing CAP_NET_RAW, link down', () => {
    const net = new FakeNative();
    assert.throws(() => openPacketSender('eth9', { native: net }), { message: 'interface eth9 does not exist' });
    net.failOn = { match: (c) => c.fn === 'socket', error: sysError('EPERM', 1) };
    assert.throws(() => openPacketSender('eth0', { native: net }), { code: 'VIPD_ERR_NO_CAP_NET_RAW' });
    const s = openPacketSender('eth0', { native: net });
    net.failOn = { match: (c) => c.fn === 'sendmsg', error: sysError('ENETDOWN', 100, 'sendmsg') };
    assert.throws(() => s.send(Buffer.from(GARP_FIXTURE, 'hex')), { code: 'VIPD_ERR_SEND_FAILED' });
  });
});
