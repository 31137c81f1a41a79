// IPVS request attributes against bytes assembled by hand from linux/ip_vs.h (enum numbers, kernel policy
// types) and linux/netlink.h (struct nlattr {u16 nla_len; u16 nla_type}, 4-byte alignment, NLA_F_NESTED 0x8000).
import assert from 'node:assert/strict';
import {
  encodeDaemonStart,
  encodeDaemonStop,
  encodeDestFull,
  encodeDestKey,
  encodeServiceFull,
  encodeServiceKey,
  encodeTimeouts,
} from '../../../../src/lvs/ipvs/encode.js';
import { serviceFlags } from '../../../../src/lvs/ipvs/flags.js';
import { VipdError } from '../../../../src/errors/vipdError.js';
import type { ServiceKey } from '../../../../src/lvs/ipvs/types.js';
import { hex, requireLittleEndian } from './hex.js';

const WEB6: ServiceKey = { family: 'inet6', protocol: 'tcp', address: '2001:db8::1', port: 80 };

function isInvalid(err: unknown): boolean {
  return err instanceof VipdError && err.code === 'VIPD_ERR_IPVS_INVALID';
}

describe('IPVS request encoding (hand-assembled from linux/ip_vs.h)', function () {
  beforeEach(function () {
    requireLittleEndian(this);
  });

  it('NEW_SERVICE TCP 10.0.0.1:80 wrr, persistent 300 s, granularity /24', () => {
    const got = encodeServiceFull({
      family: 'inet',
      protocol: 'tcp',
      address: '10.0.0.1',
      port: 80,
      scheduler: 'wrr',
      flags: serviceFlags('wrr', { persistent: true }),
      timeoutS: 300,
      netmaskBits: 24,
    });
    const want = hex(
      '5400 0180', // IPVS_CMD_ATTR_SERVICE (1) | NLA_F_NESTED, len 84 = 4 + 80
      '0600 0100 0200 0000', // IPVS_SVC_ATTR_AF (1) u16 AF_INET = 2, 2 bytes pad
      '0600 0200 0600 0000', // IPVS_SVC_ATTR_PROTOCOL (2) u16 IPPROTO_TCP = 6
      '1400 0300 0a000001 000000000000000000000000', // IPVS_SVC_ATTR_ADDR (3) union nf_inet_addr, 16 bytes
      '0600 0400 0050 0000', // IPVS_SVC_ATTR_PORT (4) __be16 80
      '0800 0600 77727200', // IPVS_SVC_ATTR_SCHED_NAME (6) "wrr\0"
      '0c00 0700 01000000 ffffffff', // IPVS_SVC_ATTR_FLAGS (7) struct ip_vs_flags {flags PERSISTENT, mask ~0}
      '0800 0800 2c010000', // IPVS_SVC_ATTR_TIMEOUT (8) u32 300
      '0800 0900 ffffff00', // IPVS_SVC_ATTR_NETMASK (9) __be32 255.255.255.0
    );
    assert.equal(got.toString('hex'), want.toString('hex'));
  });

  it('NEW_SERVICE UDP with one-packet scheduling and sh-fallback,sh-port; a persistence engine', () => {
    const got = encodeServiceFull({
      family: 'inet',
      protocol: 'udp',
      address: '10.0.0.2',
      port: 53,
      scheduler: 'sh',
      flags: serviceFlags('sh', { onePacket: true, schedulerFlags: ['sh-fallback', 'sh-port'] }),
      timeoutS: 0,
      netmaskBits: 32,
      peName: 'sip',
    });
    const want = hex(
      '5c00 0180', // SERVICE nest, len 92 = 4 + 8 + 8 + 20 + 8 + 8 + 8 + 12 + 8 + 8
      '0600 0100 0200 0000', // AF_INET
      '0600 0200 1100 0000', // IPPROTO_UDP = 17
      '1400 0300 0a000002 000000000000000000000000', // 10.0.0.2
      '0600 0400 0035 0000', // port 53, big-endian
      '0700 0600 736800 00', // SCHED_NAME "sh\0" (len 7) + 1 pad byte
      '0800 0b00 73697000', // IPVS_SVC_ATTR_PE_NAME (11) "sip\0"
      '0c00 0700 1c000000 ffffffff', // FLAGS ONEPACKET 0x4 | SCHED1 0x8 | SCHED2 0x10 = 0x1c
      '0800 0800 00000000', // TIMEOUT 0
      '0800 0900 ffffffff', // NETMASK 255.255.255.255
    );
    assert.equal(got.toString('hex'), want.toString('hex'));
  });

  it('IPv6 netmask is the prefix length in host order; fwmark key is AF + FWMARK', () => {
    const full = encodeServiceFull({ ...WEB6, scheduler: 'wlc', flags: 1, timeoutS: 120, netmaskBits: 64 });
    // The last attribute of the nest: IPVS_SVC_ATTR_NETMASK (9) = 64 as a host-order u32.
    assert.equal(full.subarray(full.length - 8).toString('hex'), hex('0800 0900 40000000').toString('hex'));
    const key = encodeServiceKey({ family: 'inet6', fwmark: 8 });
    const want = hex(
      '1400 0180', // SERVICE nest, len 20
      '0600 0100 0a00 0000', // AF_INET6 = 10
      '0800 0500 08000000', // IPVS_SVC_ATTR_FWMARK (5) u32 8
    );
    assert.equal(key.toString('hex'), want.toString('hex'));
  });

  it('NEW_DEST: service key and a GUE tunnel destination at the top level', () => {
    const got = encodeDestFull(WEB6, {
      address: '2001:db8::11',
      port: 80,
      forward: 'tunnel',
      weight: 4,
      upperThreshold: 0,
      lowerThreshold: 0,
      tunnel: { type: 'gue', port: 6080, flags: 1 },
    });
    const want = hex(
      '3000 0180', // IPVS_CMD_ATTR_SERVICE nest, len 48
      '0600 0100 0a00 0000', // AF_INET6
      '0600 0200 0600 0000', // TCP
      '1400 0300 20010db8000000000000000000000001', // 2001:db8::1
      '0600 0400 0050 0000', // port 80
      '6000 0280', // IPVS_CMD_ATTR_DEST (2) nest, len 96
      '1400 0100 20010db8000000000000000000000011', // IPVS_DEST_ATTR_ADDR (1) 2001:db8::11
      '0600 0200 0050 0000', // IPVS_DEST_ATTR_PORT (2) be16 80
      '0800 0300 02000000', // IPVS_DEST_ATTR_FWD_METHOD (3) IP_VS_CONN_F_TUNNEL = 2
      '0800 0400 04000000', // IPVS_DEST_ATTR_WEIGHT (4) 4
      '0800 0500 00000000', // IPVS_DEST_ATTR_U_THRESH (5)
      '0800 0600 00000000', // IPVS_DEST_ATTR_L_THRESH (6)
      '0600 0b00 0a00 0000', // IPVS_DEST_ATTR_ADDR_FAMILY (11) u16 AF_INET6
      '0500 0d00 01 000000', // IPVS_DEST_ATTR_TUN_TYPE (13) u8 IP_VS_CONN_F_TUNNEL_TYPE_GUE = 1
      '0600 0e00 17c0 0000', // IPVS_DEST_ATTR_TUN_PORT (14) be16 6080
      '0600 0f00 0100 0000', // IPVS_DEST_ATTR_TUN_FLAGS (15) u16 IP_VS_TUNNEL_ENCAP_FLAG_CSUM = 1
    );
    assert.equal(got.toString('hex'), want.toString('hex'));
  });

  it('DEL_DEST: service key and destination key only (fwmark service, direct routing dest)', () => {
    const got = encodeDestKey({ family: 'inet', fwmark: 7 }, { address: '10.1.0.6', port: 0 });
    const want = hex(
      '1400 0180', // SERVICE nest, len 20
      '0600 0100 0200 0000', // AF_INET
      '0800 0500 07000000', // FWMARK 7
      '2000 0280', // DEST nest, len 32
      '1400 0100 0a010006 000000000000000000000000', // ADDR 10.1.0.6
      '0600 0200 0000 0000', // PORT 0
    );
    assert.equal(got.toString('hex'), want.toString('hex'));
  });

  it('NEW_DAEMON with every option; DEL_DAEMON with the state alone', () => {
    const got = encodeDaemonStart({ state: 'backup', ifname: 'dummy0', syncId: 6, maxLen: 1400, group: '224.0.0.82', port: 8849, ttl: 2 });
    const want = hex(
      '4000 0380', // IPVS_CMD_ATTR_DAEMON (3) nest, len 64
      '0800 0100 02000000', // IPVS_DAEMON_ATTR_STATE (1) IP_VS_STATE_BACKUP = 2
      '0b00 0200 64756d6d793000 00', // IPVS_DAEMON_ATTR_MCAST_IFN (2) "dummy0\0", len 11 + 1 pad
      '0800 0300 06000000', // IPVS_DAEMON_ATTR_SYNC_ID (3) 6
      '0600 0400 7805 0000', // IPVS_DAEMON_ATTR_SYNC_MAXLEN (4) u16 1400
      '0800 0500 e0000052', // IPVS_DAEMON_ATTR_MCAST_GROUP (5) in_addr 224.0.0.82
      '0600 0700 9122 0000', // IPVS_DAEMON_ATTR_MCAST_PORT (7) u16 8849, host order
      '0500 0800 02 000000', // IPVS_DAEMON_ATTR_MCAST_TTL (8) u8 2
    );
    assert.equal(got.toString('hex'), want.toString('hex'));
    assert.equal(encodeDaemonStop('master').toString('hex'), hex('0c00 0380', '0800 0100 01000000').toString('hex'));
  });

  it('SET_CONFIG: the three timeouts at the top level', () => {
    const want = hex(
      '0800 0400 e8030000', // IPVS_CMD_ATTR_TIMEOUT_TCP (4) 1000
      '0800 0500 64000000', // IPVS_CMD_ATTR_TIMEOUT_TCP_FIN (5) 100
      '0800 0600 c8000000', // IPVS_CMD_ATTR_TIMEOUT_UDP (6) 200
    );
    assert.equal(encodeTimeouts({ tcpS: 1000, tcpFinS: 100, udpS: 200 }).toString('hex'), want.toString('hex'));
  });

  it('refuses what the kernel would refuse for sure, naming the value (VIPD_ERR_IPVS_INVALID)', () => {
    const base = { family: 'inet' as const, protocol: 'tcp' as const, address: '10.0.0.1', port: 80, scheduler: 'rr', flags: 0, timeoutS: 0, netmaskBits: 32 };
    assert.throws(() => encodeServiceFull({ ...base, scheduler: 'sixteen-bytes-xx' }), isInvalid);
    assert.throws(() => encodeServiceFull({ ...base, address: '2001:db8::1' }), isInvalid);
    assert.throws(() => encodeServiceFull({ ...base, port: 65536 }), isInvalid);
    assert.throws(() => encodeServiceFull({ ...base, family: 'inet6', address: '2001:db8::1', netmaskBits: 0 }), isInvalid);
    assert.throws(() => encodeServiceKey({ family: 'inet', fwmark: 0 }), isInvalid);
    const d = { address: '10.1.0.1', port: 80, forward: 'masq' as const, weight: 1, upperThreshold: 0, lowerThreshold: 0 };
    assert.throws(() => encodeDestFull(base, { ...d, family: 'inet6', address: '2001:db8::5' }), isInvalid); // mixed family, not tunnel
    assert.throws(() => encodeDestFull(base, { ...d, forward: 'tunnel', tunnel: { type: 'gue', port: 0, flags: 0 } }), isInvalid);
    assert.throws(() => encodeDaemonStart({ state: 'master', ifname: 'eth0', syncId: 256 }), isInvalid);
    assert.throws(() => serviceFlags('rr', { schedulerFlags: ['sh-port'] }), isInvalid);
  });
});
