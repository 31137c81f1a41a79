// restampIpv4Id: a pre-encoded advert with a new IP id is byte-identical to encoding it afresh with that id
// (the IPv4 header checksum updated incrementally, RFC 1624 eqn. 3).
import assert from 'node:assert/strict';
import { encodeAdvertPacket, restampIpv4Id } from '../../../src/vrrp/advertPacket.js';
import { fields } from './params.js';

describe('vrrp/advertPacket restampIpv4Id', () => {
  for (const [src, dst] of [
    ['10.1.0.1', '224.0.0.18'],
    ['192.168.255.254', '10.255.0.1'],
    ['0.0.0.1', '255.255.255.255'],
  ] as const) {
    it(`every id from ${src} to ${dst} matches a fresh encoding`, () => {
      const f = fields(150, { version: 3, advertIntMs: 10 });
      const opts = (id: number) => ({ src, dst, id, ttl: 255 });
      const packet = encodeAdvertPacket(f, opts(1));
      for (let id = 1; id <= 0xffff; id += id < 300 ? 1 : 97) {
        restampIpv4Id(packet, id);
        assert.deepEqual(packet, encodeAdvertPacket(f, opts(id)), `id ${id}`);
      }
      restampIpv4Id(packet, 0xffff);
      assert.deepEqual(packet, encodeAdvertPacket(f, opts(0xffff)));
      restampIpv4Id(packet, 1);
      assert.deepEqual(packet, encodeAdvertPacket(f, opts(1)));
    });
  }
});
