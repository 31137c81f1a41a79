// IPVS reply decoding against replies assembled by hand as ip_vs_ctl.c builds them (ip_vs_genl_fill_service,
// _fill_dest, _fill_daemon, _fill_stats[64]): nests without NLA_F_NESTED, PAD attributes, 64-bit counters.
// Every drop reason is produced from a malformed reply.
import assert from 'node:assert/strict';
import { decodeDaemon, decodeDest, decodeInfo, decodeService, decodeTimeouts, type Decoded } from '../../../../src/lvs/ipvs/decode.js';
import { IPVS_DROP_REASONS, type IpvsDropReason } from '../../../../src/lvs/ipvs/drops.js';
import { hex, requireLittleEndian } from './hex.js';

const GENL_NEW_SERVICE = '01 01 0000'; // genlmsghdr: cmd IPVS_CMD_NEW_SERVICE (1), version 1, reserved
const GENL_NEW_DEST = '05 01 0000'; // cmd IPVS_CMD_NEW_DEST (5)

/** A service nest's body: AF_INET TCP 10.0.0.1:80 "wrr", flags PERSISTENT|HASHED, timeout 300, mask /24. */
const SERVICE_BODY = [
  '0600 0100 0200 0000', // IPVS_SVC_ATTR_AF AF_INET
  '0600 0200 0600 0000', // IPVS_SVC_ATTR_PROTOCOL TCP
  '1400 0300 0a000001 000000000000000000000000', // IPVS_SVC_ATTR_ADDR 10.0.0.1
  '0600 0400 0050 0000', // IPVS_SVC_ATTR_PORT 80 (be16)
  '0800 0600 77727200', // IPVS_SVC_ATTR_SCHED_NAME "wrr"
  '0c00 0700 03000000 ffffffff', // IPVS_SVC_ATTR_FLAGS {PERSISTENT|HASHED, ~0}
  '0800 0800 2c010000', // IPVS_SVC_ATTR_TIMEOUT 300
  '0800 0900 ffffff00', // IPVS_SVC_ATTR_NETMASK 255.255.255.0
];

/** IPVS_SVC_ATTR_STATS (10): u32 counters, u64 bytes after a PAD attribute (nla_put_u64_64bit). */
const STATS_32 = [
  '3c00 0a00', // STATS nest, len 60
  '0800 0100 05000000', // IPVS_STATS_ATTR_CONNS 5
  '0800 0200 07000000', // INPKTS 7
  '0800 0300 06000000', // OUTPKTS 6
  '0400 0b00', // IPVS_STATS_ATTR_PAD (11), empty
  '0c00 0400 0100000001000000', // INBYTES u64 0x1_0000_0001
  '0400 0b00', // PAD
  '0c00 0500 0200000000000000', // OUTBYTES u64 2
];

/** IPVS_SVC_ATTR_STATS64 (12): every counter u64. */
const STATS_64 = [
  '2800 0c00', // STATS64 nest, len 40
  '0400 0b00', // PAD
  '0c00 0100 0500000001000000', // CONNS 0x1_0000_0005 (beyond 32 bits)
  '0400 0b00', // PAD
  '0c00 0400 0100000001000000', // INBYTES 0x1_0000_0001
  '0400 0b00', // PAD
];

function serviceReply(...bodies: string[][]): Buffer {
  const body = hex(...bodies.flat());
  const nestLen = 4 + body.length;
  const head = Buffer.alloc(4);
  head.writeUInt16LE(nestLen, 0); // nla_len (host order)
  head.writeUInt16LE(1, 2); // IPVS_CMD_ATTR_SERVICE without NLA_F_NESTED (nla_nest_start_noflag)
  return Buffer.concat([hex(GENL_NEW_SERVICE), head, body]);
}

function expectDrop<T>(d: Decoded<T>, reason: IpvsDropReason): void {
  assert.equal(d.ok, false, `expected drop ${reason}`);
  if (!d.ok) assert.equal(d.reason, reason, d.detail);
}

describe('IPVS reply decoding (hand-assembled as ip_vs_ctl.c fills them)', function () {
  beforeEach(function () {
    requireLittleEndian(this);
  });

  it('a service with STATS and STATS64: 64-bit counters win, HASHED is cleared, /24 from the mask bytes', () => {
    const d = decodeService(serviceReply(SERVICE_BODY, STATS_32, STATS_64));
    assert.ok(d.ok);
    const s = d.value;
    assert.deepEqual(
      { family: s.family, protocol: s.protocol, address: s.address, port: s.port, scheduler: s.scheduler, flags: s.flags },
      { family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'wrr', flags: 1 },
    );
    assert.equal(s.timeoutS, 300);
    assert.equal(s.netmaskBits, 24);
    assert.equal(s.statsSource, 'stats64');
    assert.equal(s.stats.conns, 0x1_0000_0005n);
    assert.equal(s.stats.inBytes, 0x1_0000_0001n);
  });

  it('without STATS64 (kernels before 4.x) the 32-bit STATS are read, bytes still 64-bit', () => {
    const d = decodeService(serviceReply(SERVICE_BODY, STATS_32));
    assert.ok(d.ok);
    assert.equal(d.value.statsSource, 'stats');
    assert.equal(d.value.stats.conns, 5n);
    assert.equal(d.value.stats.inPkts, 7n);
    assert.equal(d.value.stats.inBytes, 0x1_0000_0001n);
    assert.equal(d.value.stats.outBytes, 2n);
  });

  it('an IPv6 fwmark service with a persistence engine', () => {
    const d = decodeService(
      serviceReply([
        '0600 0100 0a00 0000', // AF_INET6
        '0800 0500 08000000', // IPVS_SVC_ATTR_FWMARK 8
        '0700 0600 6d6800 00', // SCHED_NAME "mh"
        '0c00 0700 08000000 ffffffff', // FLAGS SCHED1 (mh-fallback)
        '0800 0800 00000000', // TIMEOUT 0
        '0800 0900 80000000', // NETMASK: prefix length 128, host order
        '0800 0b00 73697000', // IPVS_SVC_ATTR_PE_NAME "sip"
      ]),
    );
    assert.ok(d.ok);
    assert.deepEqual(
      { family: d.value.family, fwmark: d.value.fwmark, scheduler: d.value.scheduler, flags: d.value.flags, bits: d.value.netmaskBits, pe: d.value.peName },
      { family: 'inet6', fwmark: 8, scheduler: 'mh', flags: 8, bits: 128, pe: 'sip' },
    );
    assert.equal(d.value.statsSource, 'none');
  });

  it('a GUE tunnel destination of another family (ADDR_FAMILY), with conn counts', () => {
    const payload = hex(
      GENL_NEW_DEST,
      '7800 0200', // IPVS_CMD_ATTR_DEST, no NLA_F_NESTED, len 120 = 4 + 20 + 12 × 8
      '1400 0100 20010db8000000000000000000000011', // IPVS_DEST_ATTR_ADDR 2001:db8::11
      '0600 0200 0050 0000', // PORT 80
      '0800 0300 02000000', // FWD_METHOD TUNNEL
      '0800 0400 04000000', // WEIGHT 4
      '0800 0500 64000000', // U_THRESH 100
      '0800 0600 32000000', // L_THRESH 50
      '0800 0700 03000000', // ACTIVE_CONNS 3
      '0800 0800 02000000', // INACT_CONNS 2
      '0800 0900 01000000', // PERSIST_CONNS 1
      '0600 0b00 0a00 0000', // ADDR_FAMILY AF_INET6
      '0500 0d00 01 000000', // TUN_TYPE GUE
      '0600 0e00 17c0 0000', // TUN_PORT 6080 (be16)
      '0600 0f00 0100 0000', // TUN_FLAGS CSUM
    );
    const d = decodeDest(payload, 'inet');
    assert.ok(d.ok, d.ok ? '' : d.detail);
    assert.deepEqual(
      { ...d.value, stats: undefined },
      {
        address: '2001:db8::11',
        port: 80,
        family: 'inet6',
        forward: 'tunnel',
        weight: 4,
        upperThreshold: 100,
        lowerThreshold: 50,
        activeConns: 3,
        inactiveConns: 2,
        persistentConns: 1,
        stats: undefined,
        statsSource: 'none',
        tunnel: { type: 'gue', port: 6080, flags: 1 },
      },
    );
  });

  it('a sync daemon, GET_INFO and GET_CONFIG replies', () => {
    const daemon = decodeDaemon(
      hex(
        '09 01 0000', // cmd IPVS_CMD_NEW_DAEMON (9)
        '2800 0300', // IPVS_CMD_ATTR_DAEMON, len 40
        '0800 0100 01000000', // STATE MASTER
        '0b00 0200 64756d6d793000 00', // MCAST_IFN "dummy0"
        '0800 0300 05000000', // SYNC_ID 5
        '0800 0500 e0000051', // MCAST_GROUP 224.0.0.81
      ),
    );
    assert.ok(daemon.ok);
    assert.deepEqual(daemon.value, { state: 'master', ifname: 'dummy0', syncId: 5, group: '224.0.0.81' });
    const info = decodeInfo(hex('0e 01 0000', '0800 0100 01020100', '0800 0200 00100000')); // SET_INFO: VERSION 0x010201, CONN_TAB_SIZE 4096
    assert.ok(info.ok);
    assert.deepEqual(info.value, { versionCode: 0x010201, version: '1.2.1', connTabSize: 4096 });
    const t = decodeTimeouts(hex('0c 01 0000', '0800 0400 84030000', '0800 0500 78000000', '0800 0600 2c010000')); // SET_CONFIG 900/120/300
    assert.ok(t.ok);
    assert.deepEqual(t.value, { tcpS: 900, tcpFinS: 120, udpS: 300 });
  });

  it('malformed replies are dropped with a named reason, one test input per reason', () => {
    const produced = new Set<IpvsDropReason>();
    const check = <T>(d: Decoded<T>, r: IpvsDropReason): void => {
      expectDrop(d, r);
      produced.add(r);
    };
    check(decodeService(hex('01 01')), 'short-genl-header');
    check(decodeService(hex(GENL_NEW_DEST)), 'unexpected-command');
    check(decodeService(hex(GENL_NEW_SERVICE, '0800 0100 0200')), 'bad-attributes'); // length runs past the end
    check(decodeService(hex(GENL_NEW_SERVICE, '0800 0400 84030000')), 'missing-nest');
    check(decodeService(serviceReply(['0600 0100 0700 0000', ...SERVICE_BODY.slice(1)])), 'bad-family'); // AF 7
    check(decodeService(serviceReply([SERVICE_BODY[0]!, ...SERVICE_BODY.slice(4)])), 'missing-key');
    check(decodeService(serviceReply([SERVICE_BODY[0]!, '0600 0200 0100 0000', ...SERVICE_BODY.slice(2)])), 'bad-protocol'); // ICMP
    check(decodeService(serviceReply([...SERVICE_BODY.slice(0, 2), '0600 0300 0a00 0000', ...SERVICE_BODY.slice(3)])), 'bad-address'); // 2 bytes
    check(decodeService(serviceReply([...SERVICE_BODY.slice(0, 5), '0800 0700 03000000', ...SERVICE_BODY.slice(6)])), 'bad-flags');
    check(decodeService(serviceReply([...SERVICE_BODY.slice(0, 7), '0800 0900 ff00ff00'])), 'bad-netmask');
    check(decodeService(serviceReply([...SERVICE_BODY.slice(0, 4), ...SERVICE_BODY.slice(5)])), 'missing-field'); // no SCHED_NAME
    check(
      decodeDest(hex(GENL_NEW_DEST, '3000 0200', '1400 0100 0a010001 000000000000000000000000', '0600 0200 0050 0000', '0800 0300 05000000', '0800 0400 01000000'), 'inet'),
      'missing-field',
    );
    check(
      decodeDest(
        hex(
          GENL_NEW_DEST,
          '4000 0200',
          '1400 0100 0a010001 000000000000000000000000',
          '0600 0200 0050 0000',
          '0800 0300 05000000', // FWD_METHOD 5: not in the enum
          '0800 0400 01000000',
          '0800 0500 00000000',
          '0800 0600 00000000',
        ),
        'inet',
      ),
      'bad-enum',
    );
    // An IPv6 service needs all 16 bytes.
    const v6Short = serviceReply(['0600 0100 0a00 0000', '0600 0200 0600 0000', '0800 0300 20010db8', ...SERVICE_BODY.slice(3, 7), '0800 0900 80000000']);
    check(decodeService(v6Short), 'bad-address');
    assert.deepEqual([...produced].sort(), [...IPVS_DROP_REASONS].sort());
  });
});
