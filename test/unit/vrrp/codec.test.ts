import assert from 'node:assert/strict';
import {
  advertLength, buildIpv4Header, decodeAdvert, decodeIpv4Advert, decodeIpv4Packet, decodeIpv6Advert, encodeAdvert,
  encodeIpv4Packet, wireInterval,
} from '../../../src/vrrp/codec.js';
import { internetChecksum, ipv6PseudoHeader } from '../../../src/vrrp/checksum.js';
import { DROP_REASONS } from '../../../src/vrrp/drops.js';
import { capture, hex } from './hex.js';

// v2, VRID 51, prio 100, 1 VIP 10.0.0.100, auth none, 1 s — bytes written by hand from RFC 3768 §5.1.
// Checksum by hand: words 2133 6401 0001 0a00 0064 (+ zero auth) = 0x8f99 → ~ = 0x7066.
const V2_HAND = hex`
  21        # version 2 << 4 | type 1
  33        # VRID 51
  64        # priority 100
  01        # count IPvX addr 1
  00        # auth type 0 (none)
  01        # adver int 1 s
  7066      # checksum (RFC 1071 over the VRRP message only)
  0a000064  # 10.0.0.100
  0000000000000000 # 8 auth bytes, present even for auth none (keepalived vrrp.c:285-319)
`;

// v3, VRID 1, prio 200, 2 VIPs, 100 cs, src 192.168.1.1 → 224.0.0.18; checksum over pseudo-header by hand:
// c0a8 0101 e000 0012 0070 0010 | 3101 c802 0064 0000 c0a8 0164 c0a8 0165 → folded sum 0x1fbf → ~ 0xe040.
const V3_HAND = hex`
  31        # version 3 << 4 | type 1
  01        # VRID 1
  c8        # priority 200
  02        # count 2
  0064      # rsvd 0 | max adver int 100 cs (12 bits)
  e040      # checksum incl. IPv4 pseudo-header {src, dst, 0, 112, 16}
  c0a80164  # 192.168.1.100
  c0a80165  # 192.168.1.101
`;

describe('vrrp/codec', () => {
  describe('hand-assembled bytes', () => {
    it('decodes a v2 advert field by field', () => {
      const r = decodeAdvert(V2_HAND, 4);
      assert.ok('ok' in r);
      const a = r.ok;
      assert.equal(a.version, 2); assert.equal(a.type, 1); assert.equal(a.vrid, 51); assert.equal(a.priority, 100);
      assert.deepEqual(a.addresses, ['10.0.0.100']); assert.equal(a.authType, 0); assert.equal(a.advertIntMs, 1000);
      assert.equal(a.checksum, 0x7066); assert.equal(internetChecksum(V2_HAND), 0);
    });
    it('encodes the same v2 bytes', () => {
      const b = encodeAdvert({ version: 2, vrid: 51, priority: 100, advertIntMs: 1000, addresses: ['10.0.0.100'] },
        { src: '10.0.0.1', dst: '224.0.0.18' });
      assert.equal(b.toString('hex'), V2_HAND.toString('hex'));
    });
    it('decodes and encodes a v3 advert with the pseudo-header checksum', () => {
      const r = decodeAdvert(V3_HAND, 4);
      assert.ok('ok' in r);
      assert.equal(r.ok.version, 3); assert.equal(r.ok.advertIntMs, 1000); assert.equal(r.ok.priority, 200);
      assert.deepEqual(r.ok.addresses, ['192.168.1.100', '192.168.1.101']);
      assert.equal(r.ok.authData.length, 0);
      const b = encodeAdvert({ version: 3, vrid: 1, priority: 200, advertIntMs: 1000, addresses: ['192.168.1.100', '192.168.1.101'] },
        { src: '192.168.1.1', dst: '224.0.0.18' });
      assert.equal(b.toString('hex'), V3_HAND.toString('hex'));
    });
    it('v3 ignores the 4 reserved bits on receive and sends them as 0', () => {
      const m = Buffer.from(V3_HAND); m[4] = 0xf0; // reserved bits set, interval still 0x064
      const r = decodeAdvert(m, 4);
      assert.ok('ok' in r); assert.equal(r.ok.advertIntMs, 1000);
      const b = encodeAdvert({ version: 3, vrid: 1, priority: 1, advertIntMs: 40950, addresses: [] }, { src: '1.1.1.1', dst: '224.0.0.18' });
      assert.equal(b.readUInt16BE(4), 0x0fff);
    });
    it('v3 checksum changes with the actual (unicast) destination', () => {
      const f = { version: 3, vrid: 1, priority: 200, advertIntMs: 1000, addresses: ['192.168.1.100'] } as const;
      const m = encodeAdvert(f, { src: '192.168.1.1', dst: '224.0.0.18' });
      const u = encodeAdvert(f, { src: '192.168.1.1', dst: '192.168.1.2' });
      assert.notEqual(m.readUInt16BE(6), u.readUInt16BE(6));
      const asV2 = encodeAdvert(f, { src: '192.168.1.1', dst: '192.168.1.2', v3ChecksumAsV2: true });
      assert.equal(internetChecksum(asV2), 0);
    });
    it('IPv6: 16-byte addresses, no auth data, checksum left 0 for the kernel', () => {
      const b = encodeAdvert({ version: 3, vrid: 9, priority: 100, advertIntMs: 100, addresses: ['fd00:1::100'] },
        { src: 'fe80::1', dst: 'ff02::12' });
      assert.equal(b.toString('hex'), '31096401000a0000' + 'fd000001000000000000000000000100');
    });
    it('PASS auth data is NUL padded', () => {
      const b = encodeAdvert({ version: 2, vrid: 1, priority: 1, advertIntMs: 1000, addresses: [], authType: 1, authData: Buffer.from('abc') },
        { src: '1.1.1.1', dst: '224.0.0.18' });
      assert.equal(b.subarray(8).toString('hex'), '6162630000000000');
      assert.equal(b[4], 1);
    });
    it('refuses intervals the wire cannot carry (local programming error)', () => {
      assert.throws(() => wireInterval(2, 400)); // rounds to 0 s
      assert.throws(() => wireInterval(3, 41000));
      assert.equal(wireInterval(3, 10), 1);
      assert.equal(wireInterval(2, 3000), 3);
    });
    it('advertLength follows keepalived', () => {
      assert.equal(advertLength(2, 4, 1), 20);
      assert.equal(advertLength(3, 4, 1), 12);
      assert.equal(advertLength(3, 6, 2), 40);
      assert.equal(advertLength(2, 6, 1), 24);
    });
  });

  describe('structural drops (never throws on remote input)', () => {
    it('truncated below 8 bytes', () => assert.deepEqual(decodeAdvert(hex`2133 6401`, 4), { drop: 'truncated' }));
    it('unknown version', () => {
      const m = Buffer.from(V2_HAND); m[0] = 0x41;
      assert.deepEqual(decodeAdvert(m, 4), { drop: 'version_mismatch' });
    });
    it('count disagrees with length', () => {
      const m = Buffer.from(V2_HAND); m[3] = 2;
      assert.deepEqual(decodeAdvert(m, 4), { drop: 'packet_len_err' });
    });
    it('28-byte auth_hmac trailer is a length error, as for legacy keepalived', () => {
      assert.deepEqual(decodeAdvert(Buffer.concat([V3_HAND, Buffer.alloc(28)]), 4), { drop: 'packet_len_err' });
    });
    it('random garbage never throws', () => {
      let seed = 12345;
      const rnd = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
      for (let i = 0; i < 2000; i++) {
        const b = Buffer.alloc(rnd() % 80);
        for (let j = 0; j < b.length; j++) b[j] = rnd() & 0xff;
        if (b.length > 0 && rnd() % 2) b[0] = 0x45;
        const r = decodeIpv4Advert(b);
        if ('drop' in r) assert.ok(DROP_REASONS.includes(r.drop));
        decodeAdvert(b, 6);
      }
    });
  });

  describe('IPv4 header', () => {
    // keepalived-style header by hand: 10.0.0.1 → 224.0.0.18, id 1, 40 bytes total.
    // checksum: 45c0+0028+0001+0000+ff70+0000+0a00+0001+e000+0012 = 0x2_2f6c → 0x2f6e → ~ 0xd091
    const IP_HAND = hex`
      45 c0     # version 4, IHL 5 | TOS 0xc0 (CS6)
      0028      # total length 40
      0001      # id 1
      0000      # flags/fragment: DF clear
      ff 70     # TTL 255 | protocol 112
      d091      # header checksum
      0a000001  # src 10.0.0.1
      e0000012  # dst 224.0.0.18
    `;
    it('builds the header keepalived sends', () => {
      const h = buildIpv4Header({ src: '10.0.0.1', dst: '224.0.0.18', id: 1, payloadLength: 20 });
      assert.equal(h.toString('hex'), IP_HAND.toString('hex'));
    });
    it('parses it back with the payload', () => {
      const r = decodeIpv4Packet(Buffer.concat([IP_HAND, V2_HAND]));
      assert.ok('ok' in r);
      assert.equal(r.ok.src, '10.0.0.1'); assert.equal(r.ok.dst, '224.0.0.18'); assert.equal(r.ok.ttl, 255);
      assert.equal(r.ok.tos, 0xc0); assert.equal(r.ok.id, 1); assert.equal(r.ok.payload.toString('hex'), V2_HAND.toString('hex'));
    });
    it('accepts IP options (IHL 6)', () => {
      const h = Buffer.from(IP_HAND); h[0] = 0x46; h.writeUInt16BE(44, 2);
      const r = decodeIpv4Advert(Buffer.concat([h, hex`94040000`, V2_HAND])); // router alert option
      assert.ok('ok' in r); assert.equal(r.ok.advert.vrid, 51);
    });
    it('tolerates Ethernet padding of a short frame (v3: 36-byte datagram padded to 46)', () => {
      const h = Buffer.from(IP_HAND); h.writeUInt16BE(36, 2);
      const r = decodeIpv4Advert(Buffer.concat([h, V3_HAND, Buffer.alloc(10)]));
      assert.ok('ok' in r); assert.equal(r.ok.advert.addresses.length, 2);
    });
    it('rejects trailing bytes beyond padding size, and short datagrams', () => {
      const h = Buffer.from(IP_HAND); h.writeUInt16BE(40, 2);
      assert.deepEqual(decodeIpv4Packet(Buffer.concat([h, V2_HAND, Buffer.alloc(20)])), { drop: 'packet_len_err' });
      assert.deepEqual(decodeIpv4Packet(Buffer.concat([h, V2_HAND.subarray(0, 12)])), { drop: 'packet_len_err' });
      assert.deepEqual(decodeIpv4Packet(IP_HAND.subarray(0, 19)), { drop: 'truncated' });
    });
    it('rejects fragments, protocols other than 112/51, AH too short for its header, bad version/IHL', () => {
      const frag = Buffer.concat([IP_HAND, V2_HAND]); frag.writeUInt16BE(0x2000, 6);
      assert.deepEqual(decodeIpv4Packet(frag), { drop: 'ip_header_err' });
      const p = Buffer.concat([IP_HAND, V2_HAND]); p[9] = 6;
      assert.deepEqual(decodeIpv4Packet(p), { drop: 'ip_header_err' });
      // protocol 51 needs 20 + 24 (AH) + 8 (VRRP header) bytes: 44 are not enough (keepalived vrrp_get_header)
      const ah = Buffer.concat([IP_HAND, V2_HAND]); ah[9] = 51;
      assert.deepEqual(decodeIpv4Packet(ah), { drop: 'ah_truncated' });
      const v = Buffer.concat([IP_HAND, V2_HAND]); v[0] = 0x44;
      assert.deepEqual(decodeIpv4Packet(v), { drop: 'ip_header_err' });
    });
  });

  describe('captures from keepalived 2.2.7 (test/fixtures/vrrp)', () => {
    const cases = [
      { name: 'v2-noauth', version: 2, vrid: 51, prio: 255, auth: 0, intMs: 1000, vips: ['10.99.0.100'], dst: '224.0.0.18' },
      { name: 'v2-noauth-prio0', version: 2, vrid: 51, prio: 0, auth: 0, intMs: 1000, vips: ['10.99.0.100'], dst: '224.0.0.18' },
      { name: 'v2-pass', version: 2, vrid: 52, prio: 255, auth: 1, intMs: 1000, vips: ['10.99.0.101', '10.99.0.102'], dst: '224.0.0.18' },
      { name: 'v3-mcast', version: 3, vrid: 53, prio: 255, auth: 0, intMs: 500, vips: ['10.99.0.103'], dst: '224.0.0.18' },
      { name: 'v3-mcast-prio0', version: 3, vrid: 53, prio: 0, auth: 0, intMs: 500, vips: ['10.99.0.103'], dst: '224.0.0.18' },
      { name: 'v3-unicast', version: 3, vrid: 54, prio: 255, auth: 0, intMs: 1000, vips: ['10.99.0.104'], dst: '10.99.0.2' },
    ] as const;
    for (const c of cases) {
      it(`${c.name}: decodes, and our encoder reproduces keepalived's bytes exactly (IP header included)`, () => {
        const raw = capture(c.name);
        const r = decodeIpv4Advert(raw);
        assert.ok('ok' in r, JSON.stringify(r));
        const a = r.ok.advert;
        assert.equal(a.version, c.version); assert.equal(a.vrid, c.vrid); assert.equal(a.priority, c.prio);
        assert.equal(a.authType, c.auth); assert.equal(a.advertIntMs, c.intMs); assert.deepEqual(a.addresses, c.vips);
        assert.equal(r.ok.src, '10.99.0.1'); assert.equal(r.ok.dst, c.dst); assert.equal(r.ok.ttl, 255);
        const msg = encodeAdvert({ version: c.version, vrid: c.vrid, priority: c.prio, advertIntMs: c.intMs, addresses: c.vips,
          authType: c.auth, authData: c.auth ? Buffer.from('vipdpass') : undefined }, { src: '10.99.0.1', dst: c.dst });
        const ip = decodeIpv4Packet(raw);
        assert.ok('ok' in ip);
        assert.equal(encodeIpv4Packet({ src: '10.99.0.1', dst: c.dst, id: ip.ok.id, payload: msg }).toString('hex'), raw.toString('hex'));
      });
    }
    it('v2-pass carries the password in the 8 auth bytes', () => {
      const r = decodeIpv4Advert(capture('v2-pass'));
      assert.ok('ok' in r); assert.equal(r.ok.advert.authData.toString(), 'vipdpass');
    });
    it('v3-ipv6: VRRP message after the 40-byte header; kernel checksum verifies with the IPv6 pseudo-header', () => {
      for (const [name, prio] of [['v3-ipv6', 255], ['v3-ipv6-prio0', 0]] as const) {
        const raw = capture(name);
        const msg = raw.subarray(40);
        const r = decodeIpv6Advert(msg, { src: 'fe80::148a:2cff:fe18:5009', dst: 'ff02::12', hopLimit: raw[7] });
        assert.ok('ok' in r);
        assert.equal(r.ok.advert.vrid, 55); assert.equal(r.ok.advert.priority, prio);
        assert.deepEqual(r.ok.advert.addresses, ['fd00:99::100']); assert.equal(r.ok.ttl, 255);
        const ph = ipv6PseudoHeader('fe80::148a:2cff:fe18:5009', 'ff02::12', 112, msg.length);
        assert.ok(ph); assert.equal(internetChecksum(ph, msg), 0);
        // Our encoder leaves the checksum to the kernel: identical except bytes 6-7.
        const ours = encodeAdvert({ version: 3, vrid: 55, priority: prio, advertIntMs: 1000, addresses: ['fd00:99::100'] },
          { src: 'fe80::148a:2cff:fe18:5009', dst: 'ff02::12' });
        const theirs = Buffer.from(msg); theirs.writeUInt16BE(0, 6);
        assert.equal(ours.toString('hex'), theirs.toString('hex'));
      }
    });
  });
});
