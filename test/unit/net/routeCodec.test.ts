// RTM_NEWROUTE / RTM_DELROUTE bodies against bytes hand-assembled from linux/rtnetlink.h: struct rtmsg
// {u8 family, dst_len, src_len, tos, table, protocol, scope, type; u32 flags}, RTA_* TLVs {u16 len; u16 type},
// struct rtnexthop {u16 len; u8 flags; u8 hops; i32 ifindex}. Host byte order is little-endian here.
import assert from 'node:assert/strict';
import { addRouteFlags, decodeRouteKey, encodeRouteRequest, routeKey } from '../../../src/net/routeCodec.js';

const hex = (parts: readonly string[]): string => parts.join('').replace(/ /g, '');

describe('net/routeCodec', () => {
  it('a gateway route in the main table', () => {
    const got = encodeRouteRequest({ destination: '192.168.0.0', prefixLen: 16, gateway: '10.1.0.254', ifindex: 3, metric: 5 });
    const want = hex([
      '02 10 00 00', // AF_INET, dst_len 16, src_len 0, tos 0
      'fe 12 00 01', // table main (254), protocol 18 (keepalived), scope universe, type unicast
      '00 00 00 00', // rtm_flags
      '08 00 01 00 c0 a8 00 00', // RTA_DST 192.168.0.0
      '08 00 05 00 0a 01 00 fe', // RTA_GATEWAY 10.1.0.254
      '08 00 04 00 03 00 00 00', // RTA_OIF 3
      '08 00 06 00 05 00 00 00', // RTA_PRIORITY 5
    ]);
    assert.equal(got.toString('hex'), want);
  });

  it('a default route without gateway is link scope (as `ip route add`); a table above 255 goes in RTA_TABLE', () => {
    const got = encodeRouteRequest({ destination: '0.0.0.0', prefixLen: 0, ifindex: 2, table: 1000 });
    const want = hex(['02 00 00 00', '00 12 fd 01', '00 00 00 00', '08 00 0f 00 e8 03 00 00', '08 00 04 00 02 00 00 00']);
    assert.equal(got.toString('hex'), want);
  });

  it('deleting sends scope RT_SCOPE_NOWHERE so the kernel matches the route whatever its scope (keepalived netlink_route)', () => {
    const got = encodeRouteRequest({ destination: '192.168.0.0', prefixLen: 16, gateway: '10.1.0.254' }, 'delete');
    assert.equal(got.toString('hex'), hex(['02 10 00 00', 'fe 12 ff 01', '00 00 00 00', '08 00 01 00 c0 a8 00 00', '08 00 05 00 0a 01 00 fe']));
  });

  it('blackhole with locked and plain metrics in a nested RTA_METRICS (RTAX_LOCK first)', () => {
    const got = encodeRouteRequest({
      destination: '10.62.0.0', prefixLen: 24, type: 'blackhole', table: 1000,
      metrics: { advmss: 1360, mtu: 1400 }, locked: ['mtu'],
    });
    const want = hex([
      '02 18 00 00', '00 12 00 06', '00 00 00 00', // table UNSPEC (id in RTA_TABLE), scope universe, RTN_BLACKHOLE
      '08 00 0f 00 e8 03 00 00', // RTA_TABLE 1000
      '08 00 01 00 0a 3e 00 00', // RTA_DST 10.62.0.0
      '1c 00 08 00', // RTA_METRICS, 24 bytes of RTAX_*
      '08 00 01 00 04 00 00 00', // RTAX_LOCK 1<<RTAX_MTU
      '08 00 02 00 78 05 00 00', // RTAX_MTU 1400
      '08 00 08 00 50 05 00 00', // RTAX_ADVMSS 1360
    ]);
    assert.equal(got.toString('hex'), want);
  });

  it('multipath: one struct rtnexthop per hop (weight-1 in rtnh_hops, RTNH_F_ONLINK) followed by its RTA_GATEWAY', () => {
    const got = encodeRouteRequest({
      destination: '10.61.0.0', prefixLen: 24,
      nexthops: [{ gateway: '10.50.0.253', ifindex: 3, weight: 2, onlink: true }, { gateway: '10.50.0.252' }],
    });
    const want = hex([
      '02 18 00 00', 'fe 12 00 01', '00 00 00 00', // next hops make it universe scope
      '08 00 01 00 0a 3d 00 00', // RTA_DST
      '24 00 09 00', // RTA_MULTIPATH, 32 bytes
      '10 00 04 01 03 00 00 00', '08 00 05 00 0a 32 00 fd', // len 16, ONLINK, hops 1 (weight 2), ifindex 3, gateway
      '10 00 00 00 00 00 00 00', '08 00 05 00 0a 32 00 fc', // weight 1, no ifindex
    ]);
    assert.equal(got.toString('hex'), want);
  });

  it('IPv6 source-specific route with preference and expiry', () => {
    const got = encodeRouteRequest({
      destination: 'fd00:6::', prefixLen: 64, from: { address: 'fd00:7::', prefixLen: 64 }, gateway: 'fd00:5::fe', pref: 1, expires: 1000,
    });
    const want = hex([
      '0a 40 40 00', 'fe 12 00 01', '00 00 00 00', // AF_INET6, dst_len 64, src_len 64
      '14 00 01 00 fd 00 00 06 00 00 00 00 00 00 00 00 00 00 00 00', // RTA_DST
      '14 00 02 00 fd 00 00 07 00 00 00 00 00 00 00 00 00 00 00 00', // RTA_SRC (from)
      '14 00 05 00 fd 00 00 05 00 00 00 00 00 00 00 00 00 00 00 fe', // RTA_GATEWAY
      '08 00 17 00 e8 03 00 00', // RTA_EXPIRES 1000
      '05 00 14 00 01 00 00 00', // RTA_PREF high (1), padded
    ]);
    assert.equal(got.toString('hex'), want);
  });

  it('local routes are host scope, broadcast link scope; tos, protocol, preferred source and realms', () => {
    const local = encodeRouteRequest({ destination: '10.68.0.1', prefixLen: 32, type: 'local', table: 200, ifindex: 2, tos: 4, protocol: 12, source: '10.50.0.1', realms: 20 });
    assert.equal(local.toString('hex'), hex([
      '02 20 00 04', 'c8 0c fe 02', '00 00 00 00', // tos 4, table 200, protocol bird, scope host, RTN_LOCAL
      '08 00 01 00 0a 44 00 01', '08 00 07 00 0a 32 00 01', '08 00 04 00 02 00 00 00', '08 00 0b 00 14 00 00 00',
    ]));
    assert.equal(encodeRouteRequest({ destination: '10.50.0.255', prefixLen: 32, type: 'broadcast' }).subarray(4, 8).toString('hex'), 'fe12fd03');
  });

  it('prepend (keepalived default) sets neither EXCL nor APPEND; add sets EXCL; append sets APPEND', () => {
    const base = { destination: '10.0.0.0', prefixLen: 8 };
    assert.equal(addRouteFlags(base), 0x400);
    assert.equal(addRouteFlags({ ...base, mode: 'add' }), 0x600);
    assert.equal(addRouteFlags({ ...base, mode: 'append' }), 0xc00);
  });

  it('refuses a gateway or next hop of another family', () => {
    assert.throws(() => encodeRouteRequest({ destination: 'fd00::', prefixLen: 64, gateway: '10.1.0.1' }), /gateway/);
    assert.throws(() => encodeRouteRequest({ destination: '10.0.0.0', prefixLen: 8, nexthops: [{ gateway: 'fd00::1' }] }), /next hop/);
  });

  describe('decodeRouteKey (RTM_DELROUTE notifications, as the kernel fills them: rtm_table and RTA_TABLE)', () => {
    it('an IPv4 gateway route in main', () => {
      const msg = Buffer.from(hex([
        '02 10 00 00', 'fe 12 00 01', '00 00 00 00',
        '08 00 0f 00 fe 00 00 00', '08 00 01 00 0a 32 00 00', '08 00 05 00 0a 01 00 fe', '08 00 04 00 02 00 00 00',
      ]), 'hex');
      const key = { family: 4, destination: '10.50.0.0', prefixLen: 16, table: 254, type: 1, tos: 0, metric: 0, protocol: 18 };
      assert.deepEqual(decodeRouteKey(msg), key);
      assert.deepEqual(routeKey({ destination: '10.50.0.0', prefixLen: 16, gateway: '10.1.0.254', ifindex: 2 }), key, 'what we installed has that key');
    });

    it('an IPv6 route: table above 255 from RTA_TABLE (rtm_table RT_TABLE_COMPAT), the kernel default metric 1024', () => {
      const msg = Buffer.from(hex([
        '0a 40 00 00', 'fc 12 00 07', '00 00 00 00', // table 252 (compat), protocol 18, RTN_UNREACHABLE
        '08 00 0f 00 e8 03 00 00', '14 00 01 00 fd 00 00 06 00 00 00 00 00 00 00 00 00 00 00 00', '08 00 06 00 00 04 00 00',
      ]), 'hex');
      const key = decodeRouteKey(msg);
      assert.deepEqual(key, { family: 6, destination: 'fd00:6::', prefixLen: 64, table: 1000, type: 7, tos: 0, metric: 1024, protocol: 18 });
      assert.deepEqual(routeKey({ destination: 'fd00:6::', prefixLen: 64, type: 'unreachable', table: 1000 }), key);
    });

    it('null for another family, a short header or a destination of the wrong length', () => {
      assert.equal(decodeRouteKey(Buffer.from('07100000fe120001', 'hex')), null);
      assert.equal(decodeRouteKey(Buffer.from(hex(['07 10 00 00', 'fe 12 00 01', '00 00 00 00']), 'hex')), null);
      assert.equal(decodeRouteKey(Buffer.from(hex(['02 10 00 00', 'fe 12 00 01', '00 00 00 00', '06 00 01 00 0a 32 00 00']), 'hex')), null);
    });
  });
});
