import assert from 'node:assert/strict';
import { VirtualClock } from '../../../src/clock/virtualClock.js';
import { openVrrpIpv4, openVrrpIpv6 } from '../../../src/net/vrrpSocket.js';
import { FakeNative, sysError } from './fakeNative.js';

// Option numbers written out by hand (linux/in.h, in6.h, socket.h), not imported from constants.ts.
const SOL_SOCKET = 1;
const IPPROTO_IP = 0;
const IPPROTO_IPV6 = 41;
const eth0Hex = Buffer.from('eth0\0').toString('hex');

/** Arms only back-offs and timeouts these tests never reach. */
const clock = new VirtualClock();

describe('net/vrrpSocket (against a recording fake addon)', () => {
  it('IPv4 multicast: IPPROTO_RAW send socket + proto-112 receive socket with keepalived options', () => {
    const net = new FakeNative();
    const t = openVrrpIpv4({ ifname: 'eth0', unicast: false, native: net, clock });
    const sockets = net.calls.filter((c) => c.fn === 'socket').map((c) => c.args);
    assert.deepEqual(sockets, [
      [2, 3, 255],
      [2, 3, 112],
    ]);
    assert.deepEqual(net.optionsOf(10), [
      [IPPROTO_IP, 3, 1], // IP_HDRINCL
      [SOL_SOCKET, 25, eth0Hex], // SO_BINDTODEVICE
      [IPPROTO_IP, 32, '00000000' + '00000000' + '02000000'], // IP_MULTICAST_IF ip_mreqn{ifindex 2}
      [IPPROTO_IP, 34, 0], // IP_MULTICAST_LOOP 0
      [IPPROTO_IP, 49, 0], // IP_MULTICAST_ALL 0
      [IPPROTO_IP, 1, 0xc0], // IP_TOS
    ]);
    assert.deepEqual(net.optionsOf(11), [
      [SOL_SOCKET, 33, 4 * 1024 * 1024], // SO_RCVBUFFORCE 4 MB: a backlog of adverts survives a late loop (issue 12)
      [SOL_SOCKET, 25, eth0Hex],
      [IPPROTO_IP, 49, 0],
      [IPPROTO_IP, 8, 1], // IP_PKTINFO
      [IPPROTO_IP, 35, 'e0000012' + '00000000' + '02000000'], // IP_ADD_MEMBERSHIP 224.0.0.18 on ifindex 2
    ]);
    const bind = net.calls.find((c) => c.fn === 'bind')!;
    assert.equal((bind.args[1] as Buffer).toString('hex'), '02000000e0000012' + '00'.repeat(8));
    t.close();
    assert.deepEqual([...net.closed].sort(), [10, 11]);
  });

  it('IPv4 auth_type AH: the receive socket is a raw socket on IP protocol 51 (keepalived opens one per protocol)', () => {
    const net = new FakeNative();
    openVrrpIpv4({ ifname: 'eth0', unicast: false, protocol: 51, native: net, clock }).close();
    const sockets = net.calls.filter((c) => c.fn === 'socket').map((c) => c.args);
    assert.deepEqual(sockets, [
      [2, 3, 255], // send: IPPROTO_RAW + IP_HDRINCL carries any protocol, 51 included
      [2, 3, 51],
    ]);
  });

  it('IPv4 send goes to the destination with MSG_DONTROUTE for the group only', () => {
    const net = new FakeNative();
    const t = openVrrpIpv4({ ifname: 'eth0', unicast: true, unicastSrc: '10.1.0.1', native: net, clock });
    const pkt = Buffer.alloc(40, 1);
    t.send(pkt, '224.0.0.18');
    t.send(pkt, '10.1.0.2');
    assert.deepEqual(
      net.sent.map((s) => [s.sockaddr!.toString('hex').slice(8, 16), s.flags]),
      [
        ['e0000012', 4],
        ['0a010002', 0],
      ],
    );
    assert.equal(t.stats().sent, 2);
    assert.equal(t.stats().sentBytes, 80);
  });

  it('IPv4 unicast binds to unicast_src_ip with IP_FREEBIND and joins no group', () => {
    const net = new FakeNative();
    openVrrpIpv4({ ifname: 'eth0', unicast: true, unicastSrc: '10.1.0.1', native: net, clock }).close();
    const recvOpts = net.optionsOf(11).map(([l, n]) => `${l}/${n}`);
    assert.ok(recvOpts.includes('0/15'), 'IP_FREEBIND');
    assert.ok(!recvOpts.includes('0/35'), 'no IP_ADD_MEMBERSHIP');
    const bind = net.calls.find((c) => c.fn === 'bind')!;
    assert.equal((bind.args[1] as Buffer).toString('hex').slice(8, 16), '0a010001');
  });

  it('delivers the full IPv4 datagram with TTL, addresses and ifindex', () => {
    const net = new FakeNative();
    const t = openVrrpIpv4({ ifname: 'eth0', unicast: false, native: net, clock });
    const got: unknown[] = [];
    t.onPacket((p, m) => got.push([p.toString('hex'), m]));
    const ip = '45c00028000100000170d0880a010002e0000012';
    // x86-64 cmsg: len 28 (16 + in_pktinfo 12), level 0, type 8, {ifindex 2, spec_dst, addr}, pad to 32
    const ctl = Buffer.from('1c00000000000000' + '00000000' + '08000000' + '02000000' + '0a010001' + 'e0000012' + '00000000', 'hex');
    net.deliver(11, { data: Buffer.from(ip, 'hex'), addr: Buffer.alloc(16), control: ctl, flags: 0 });
    net.deliver(11, { data: Buffer.alloc(10), addr: Buffer.alloc(16), control: Buffer.alloc(0), flags: 0x20 });
    assert.deepEqual(got, [[ip, { ifindex: 2, src: '10.1.0.2', dst: '224.0.0.18', hopLimit: 1 }]]);
    assert.equal(t.stats().truncated, 1);
    assert.equal(t.stats().received, 1);
  });

  it('IPv6: checksum offset 6, hop limit 255, drop-all filter on the send socket, pktinfo on send', () => {
    const net = new FakeNative();
    const t = openVrrpIpv6({ ifname: 'eth0', unicast: false, src: 'fe80::1', native: net, clock });
    assert.deepEqual(
      net.calls.filter((c) => c.fn === 'attachFilter').map((c) => [c.args[0], (c.args[1] as Buffer).toString('hex')]),
      [[10, '0600000000000000']],
    );
    const send = net.optionsOf(10);
    for (const want of [
      [IPPROTO_IPV6, 7, 6],
      [IPPROTO_IPV6, 17, 2],
      [IPPROTO_IPV6, 19, 0],
      [IPPROTO_IPV6, 18, 255],
      [IPPROTO_IPV6, 29, 0],
    ]) {
      assert.ok(send.some((o) => JSON.stringify(o) === JSON.stringify(want)), `send option ${want}`);
    }
    const recv = net.optionsOf(11);
    for (const want of [
      [IPPROTO_IPV6, 7, 6],
      [IPPROTO_IPV6, 51, 1],
      [IPPROTO_IPV6, 49, 1],
      [IPPROTO_IPV6, 20, 'ff020000000000000000000000000012' + '02000000'],
    ]) {
      assert.ok(recv.some((o) => JSON.stringify(o) === JSON.stringify(want)), `recv option ${want}`);
    }
    t.send(Buffer.from('3133640100640000', 'hex'), 'ff02::12');
    const s = net.sent[0]!;
    assert.equal(s.sockaddr!.toString('hex'), '0a000000' + '00000000' + 'ff020000000000000000000000000012' + '02000000');
    assert.equal(
      s.control!.toString('hex'),
      '2400000000000000' + '29000000' + '32000000' + 'fe800000000000000000000000000001' + '02000000' + '00000000',
    );
  });

  it('IPv6 receive reports source, destination and hop limit from ancillary data', () => {
    const net = new FakeNative();
    const t = openVrrpIpv6({ ifname: 'eth0', unicast: false, native: net, clock });
    const got: unknown[] = [];
    t.onPacket((p, m) => got.push([p.toString('hex'), m]));
    const addr = Buffer.from('0a000000' + '00000000' + 'fe800000000000000000000000000002' + '02000000', 'hex');
    const ctl = Buffer.from(
      '2400000000000000' + '29000000' + '32000000' + 'ff020000000000000000000000000012' + '02000000' + '00000000' +
        '1400000000000000' + '29000000' + '34000000' + 'fe000000' + '00000000',
      'hex',
    );
    net.deliver(11, { data: Buffer.from('31336401', 'hex'), addr, control: ctl, flags: 0 });
    assert.deepEqual(got, [['31336401', { ifindex: 2, src: 'fe80::2', dst: 'ff02::12', hopLimit: 254 }]]);
  });

  it('names the capability on EPERM and the interface on ENODEV; closes what it opened', () => {
    const net = new FakeNative();
    net.failOn = { match: (c) => c.fn === 'socket', error: sysError('EPERM', 1) };
    assert.throws(() => openVrrpIpv4({ ifname: 'eth0', unicast: false, native: net, clock }), {
      code: 'VIPD_ERR_NO_CAP_NET_RAW',
      message: /raw sockets need CAP_NET_RAW \(run as root or grant cap_net_raw\)/,
    });
    assert.throws(() => openVrrpIpv4({ ifname: 'eth9', unicast: false, native: net, clock }), {
      code: 'VIPD_ERR_NO_SUCH_INTERFACE',
      message: 'interface eth9 does not exist',
    });
    const net2 = new FakeNative();
    net2.failOn = { match: (c) => c.fn === 'bind', error: sysError('EADDRNOTAVAIL', 99, 'bind') };
    assert.throws(() => openVrrpIpv6({ ifname: 'eth0', unicast: true, unicastSrc: 'fd00::1', native: net2, clock }), {
      code: 'VIPD_ERR_ADDRESS_NOT_AVAILABLE',
    });
    assert.deepEqual([...net2.closed].sort(), [10, 11], 'both sockets closed after the failed bind');
  });

  it('send errors are typed and counted; a full buffer is VIPD_ERR_SEND_WOULD_BLOCK', () => {
    const net = new FakeNative();
    const t = openVrrpIpv4({ ifname: 'eth0', unicast: false, native: net, clock });
    net.sendResult = -1;
    assert.throws(() => t.send(Buffer.alloc(40), '224.0.0.18'), { code: 'VIPD_ERR_SEND_WOULD_BLOCK' });
    net.failOn = { match: (c) => c.fn === 'sendmsg', error: sysError('ENETUNREACH', 101, 'sendmsg') };
    assert.throws(() => t.send(Buffer.alloc(40), '10.9.9.9'), { code: 'VIPD_ERR_SEND_FAILED' });
    assert.throws(() => t.send(Buffer.alloc(40), 'nonsense'), { code: 'VIPD_ERR_INVALID_ADDRESS' });
    assert.equal(t.stats().sendErrors, 3);
    t.close();
    assert.throws(() => t.send(Buffer.alloc(40), '224.0.0.18'), { code: 'VIPD_ERR_CLOSED' });
  });

  it('setReceiveCoalescing sets the receive pause under dense traffic (the packet router sets it per socket)', () => {
    const vclock = new VirtualClock(1000);
    const net = new FakeNative();
    const t = openVrrpIpv4({ ifname: 'eth0', unicast: false, native: net, clock: vclock });
    let got = 0;
    t.onPacket(() => got++);
    // The IPv4 datagram and IP_PKTINFO cmsg of the test above (x86-64 layout).
    const ip = Buffer.from('45c00028000100000170d0880a010002e0000012', 'hex');
    const ctl = Buffer.from('1c00000000000000' + '00000000' + '08000000' + '02000000' + '0a010001' + 'e0000012' + '00000000', 'hex');
    const dgram = () => ({ data: Buffer.from(ip), addr: Buffer.alloc(16), control: ctl, flags: 0 });
    t.setReceiveCoalescing(10);
    net.deliver(11, dgram());
    vclock.advance(1);
    net.deliver(11, dgram()); // 1 ms after the last pass: dense, the poll pauses
    assert.equal(got, 2);
    net.deliver(11, dgram());
    vclock.advance(2);
    assert.equal(got, 2, 'not after the default 2 ms');
    vclock.advance(8);
    assert.equal(got, 3, 'after the 10 ms set');
    t.close();
  });
});

