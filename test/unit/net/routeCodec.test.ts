// RTM_NEWROUTE bodies for virtual_routes, against hand-assembled bytes (struct rtmsg + RTA_* TLVs, little-endian host).
import assert from 'node:assert/strict';
import { encodeRouteRequest } from '../../../src/net/routeCodec.js';

describe('net/routeCodec', () => {
  it('a gateway route in the main table', () => {
    const got = encodeRouteRequest({ destination: '192.168.0.0', prefixLen: 16, gateway: '10.1.0.254', ifindex: 3, metric: 5 });
    const want = Buffer.from(
      [
        '02 10 00 00', // AF_INET, dst_len 16, src_len 0, tos 0
        'fe 12 00 01', // table main (254), protocol 18 (keepalived), scope universe, type unicast
        '00 00 00 00', // rtm_flags
        '08 00 01 00 c0 a8 00 00', // RTA_DST 192.168.0.0
        '08 00 05 00 0a 01 00 fe', // RTA_GATEWAY 10.1.0.254
        '08 00 04 00 03 00 00 00', // RTA_OIF 3
        '08 00 06 00 05 00 00 00', // RTA_PRIORITY 5
      ].join(' ').replace(/ /g, ''),
      'hex',
    );
    assert.equal(got.toString('hex'), want.toString('hex'));
  });

  it('a default route without gateway is link scope; a table above 255 goes in RTA_TABLE', () => {
    const got = encodeRouteRequest({ destination: '0.0.0.0', prefixLen: 0, ifindex: 2, table: 1000 });
    const want = Buffer.from(
      ['02 00 00 00', '00 12 fd 01', '00 00 00 00', '08 00 04 00 02 00 00 00', '08 00 0f 00 e8 03 00 00'].join(' ').replace(/ /g, ''),
      'hex',
    );
    assert.equal(got.toString('hex'), want.toString('hex'));
  });

  it('refuses a gateway of another family', () => {
    assert.throws(() => encodeRouteRequest({ destination: 'fd00::', prefixLen: 64, gateway: '10.1.0.1' }), /gateway/);
  });
});
