// keepalived 2.2.7 `auth_type AH` against packets captured from keepalived itself (fixtures/README.md): the
// decoder and validator accept them with the right key and refuse them with any other, and the encoder
// rebuilds them byte for byte from the capture's inputs (addresses, IP id, sequence number, key).
import assert from 'node:assert/strict';
import { ahKey, computeAhIcv, encodeAhIpv4Packet } from '../../../src/vrrp/ah.js';
import { encodeAdvertPacket } from '../../../src/vrrp/advertPacket.js';
import { decodeIpv4Advert, type AdvertFields, type ReceivedAdvert } from '../../../src/vrrp/codec.js';
import { AUTH_AH, AUTH_NONE } from '../../../src/vrrp/constants.js';
import { validateAdvert, type ValidationView } from '../../../src/vrrp/validate.js';
import { fixture, pcapDatagrams } from './hex.js';

const MCAST = pcapDatagrams('keepalived-2.2.7-ah-mcast.pcap');
const UCAST = pcapDatagrams('keepalived-2.2.7-ah-ucast.pcap');

function view(password: string, unicast: boolean, over: Partial<ValidationView> = {}): ValidationView {
  return {
    vrid: 51, version: 2, family: 4, authType: AUTH_AH, authData: ahKey(password), advertIntMs: 1000,
    vips: ['10.9.0.100', '10.9.0.101'], unicast, v3ChecksumAsV2: false, unicastPeers: unicast ? ['10.9.0.1'] : [],
    ...over,
  };
}

function decoded(buf: Buffer): ReceivedAdvert {
  const r = decodeIpv4Advert(buf);
  assert.ok('ok' in r, `decode failed: ${JSON.stringify(r)}`);
  return r.ok;
}

const fields = (priority: number): AdvertFields => ({
  version: 2, vrid: 51, priority, advertIntMs: 1000, addresses: ['10.9.0.100', '10.9.0.101'], authType: AUTH_AH,
  authData: ahKey('secret12'), // must NOT end up in the packet: keepalived sends zeros with AH
});

describe('vrrp/ah: keepalived 2.2.7 auth_type AH', () => {
  it('the annotated .hex fixtures are the captured frames', () => {
    assert.deepEqual(fixture('ah-mcast-seq1'), MCAST[0]);
    assert.deepEqual(fixture('ah-mcast-seq4-prio0'), MCAST[3]);
    assert.deepEqual(fixture('ah-ucast-seq1'), UCAST[0]);
  });

  describe('decode + validate', () => {
    it('decodes the AH header: next header 112, payload length 4, SPI = source, sequence 1..4', () => {
      MCAST.forEach((d, i) => {
        const p = decoded(d);
        assert.ok(p.ah);
        assert.equal(p.ah.header.nextHeader, 112);
        assert.equal(p.ah.header.payloadLen, 4);
        assert.equal(p.ah.header.spi, 0x0a090001);
        assert.equal(p.ah.header.seq, i + 1);
        assert.equal(p.advert.authType, AUTH_AH);
        assert.deepEqual(p.advert.addresses, ['10.9.0.100', '10.9.0.101']);
      });
      assert.equal(decoded(MCAST[3]!).advert.priority, 0);
    });

    it('accepts every multicast capture with key secret12', () => {
      for (const d of MCAST) assert.deepEqual(validateAdvert(decoded(d), view('secret12', false)), { accept: true, notes: [], legacyUnicastChecksum: false });
    });

    it('accepts every unicast capture with key pw (TTL left out of the ICV)', () => {
      for (const d of UCAST) assert.equal(validateAdvert(decoded(d), view('pw', true)).accept, true);
    });

    it('refuses them with another key: ah_icv_mismatch', () => {
      assert.deepEqual(validateAdvert(decoded(MCAST[0]!), view('secret13', false)), { accept: false, reason: 'ah_icv_mismatch' });
      assert.deepEqual(validateAdvert(decoded(UCAST[0]!), view('pwx', true)), { accept: false, reason: 'ah_icv_mismatch' });
    });

    it('the 8-byte key: a longer password is truncated like keepalived, so "secret12xyz" still verifies', () => {
      assert.equal(validateAdvert(decoded(MCAST[0]!), view('secret12xyz', false)).accept, true);
    });

    it('unicast ICV over a multicast view (TTL included) does not match: the TTL rule is real', () => {
      const p = decoded(UCAST[0]!);
      assert.deepEqual(validateAdvert(p, view('pw', false)), { accept: false, reason: 'ah_icv_mismatch' });
    });

    it('a changed byte anywhere covered (VIP, priority, id, sequence) breaks the ICV; TOS and fragment field do not', () => {
      for (const off of [4, 28, 48 + 2, 48 + 8]) {
        const d = Buffer.from(MCAST[0]!);
        d[off] = d[off]! ^ 0x01;
        const r = decodeIpv4Advert(d);
        const verdict = 'ok' in r ? validateAdvert(r.ok, view('secret12', false)) : r;
        assert.ok('reason' in verdict || 'drop' in verdict, `offset ${off} still accepted`);
      }
      const mutable = Buffer.from(MCAST[0]!);
      mutable[1] = 0x00; // TOS rewritten in transit
      assert.equal(validateAdvert(decoded(mutable), view('secret12', false)).accept, true);
    });

    it('next header ≠ 112 → ah_next_header (before the ICV, like keepalived)', () => {
      const d = Buffer.from(MCAST[0]!);
      d[20] = 6;
      assert.deepEqual(validateAdvert(decoded(d), view('secret12', false)), { accept: false, reason: 'ah_next_header' });
    });

    it('SPI ≠ source address with a valid ICV → ah_spi_mismatch', () => {
      const d = Buffer.from(MCAST[0]!);
      d.writeUInt32BE(0x0a090009, 24);
      computeAhIcv(d, 20, ahKey('secret12'), false).copy(d, 32); // re-sign: only the SPI is wrong now
      assert.deepEqual(validateAdvert(decoded(d), view('secret12', false)), { accept: false, reason: 'ah_spi_mismatch' });
    });

    it('AH on an instance without AH, and plain VRRP on an AH instance → authtype_mismatch (keepalived row 7)', () => {
      assert.deepEqual(validateAdvert(decoded(MCAST[0]!), view('secret12', false, { authType: AUTH_NONE })), { accept: false, reason: 'authtype_mismatch' });
      const plain = decodeIpv4Advert(encodeAdvertPacket({ ...fields(100), authType: AUTH_NONE }, { src: '10.9.0.1', dst: '224.0.0.18', id: 1, ttl: 255 }));
      assert.ok('ok' in plain);
      assert.deepEqual(validateAdvert(plain.ok, view('secret12', false)), { accept: false, reason: 'authtype_mismatch' });
    });

    it('shorter than IP + AH + VRRP header → ah_truncated; tot_len beyond the bytes → packet_len_err', () => {
      assert.deepEqual(decodeIpv4Advert(MCAST[0]!.subarray(0, 20 + 24 + 7)), { drop: 'ah_truncated' });
      assert.deepEqual(decodeIpv4Advert(MCAST[0]!.subarray(0, 60)), { drop: 'packet_len_err' });
    });
  });

  describe('encode', () => {
    it('rebuilds the multicast captures byte for byte (id and sequence from the capture)', () => {
      MCAST.forEach((d, i) => {
        const out = encodeAdvertPacket(fields(i === 3 ? 0 : 150), {
          src: '10.9.0.1', dst: '224.0.0.18', id: i + 1, ttl: 255, ah: { key: ahKey('secret12'), seq: i + 1, unicast: false },
        });
        assert.equal(out.toString('hex'), d.toString('hex'), `frame ${i + 1}`);
      });
    });

    it('rebuilds the unicast captures byte for byte', () => {
      UCAST.forEach((d, i) => {
        const out = encodeAdvertPacket({ ...fields(i === 3 ? 0 : 150), authData: ahKey('pw') }, {
          src: '10.9.0.1', dst: '10.9.0.2', id: i + 1, ttl: 255, ah: { key: ahKey('pw'), seq: i + 1, unicast: true },
        });
        assert.equal(out.toString('hex'), d.toString('hex'), `frame ${i + 1}`);
      });
    });

    it('refuses IP id 0: the kernel would fill it in after the ICV was computed', () => {
      assert.throws(() => encodeAhIpv4Packet({ src: '10.9.0.1', dst: '224.0.0.18', id: 0, ttl: 255, seq: 1, key: ahKey('x'), unicast: false, message: Buffer.alloc(24) }), { code: 'VIPD_ERR_INTERNAL' });
    });
  });
});
