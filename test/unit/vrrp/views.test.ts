import assert from 'node:assert/strict';
import { decodeIpv4Advert, encodeAdvert, encodeIpv4Packet } from '../../../src/vrrp/codec.js';
import { validateAdvert } from '../../../src/vrrp/validate.js';
import { advertFields, authData, validationView } from '../../../src/vrrp/views.js';
import { params } from './params.js';

describe('vrrp/views', () => {
  it('advertFields: own interval, advertised VIPs only, auth for v2 only', () => {
    const p = params({ excludedVips: [{ address: '10.1.0.200', prefixLen: 32, family: 4 }] });
    const f = advertFields(p, 77, { type: 1, password: 'abcdefghij' });
    assert.deepEqual(f.addresses, ['10.1.0.100']);
    assert.equal(f.priority, 77); assert.equal(f.authType, 1);
    assert.equal(Buffer.from(f.authData!).toString(), 'abcdefgh');
    const v3 = advertFields(params({ version: 3 }), 1, { type: 1, password: 'x' });
    assert.equal(v3.authType, 0); assert.equal(v3.authData, undefined);
  });
  it('authData NUL-pads and truncates to 8 bytes', () => {
    assert.equal(authData({ type: 1, password: 'ab' }).toString('hex'), '6162000000000000');
    assert.equal(authData(undefined).toString('hex'), '0000000000000000');
  });
  it('validationView accepts what advertFields produced for the same config (round trip through bytes)', () => {
    for (const p of [params(), params({ version: 3, advertIntMs: 50 }), params({ version: 3, unicastPeers: ['10.1.0.1'] })]) {
      const dst = p.unicastPeers[0] ?? '224.0.0.18';
      const auth = p.version === 2 ? { type: 1, password: 'pw' } : undefined;
      const bytes = encodeIpv4Packet({ src: '10.1.0.2', dst, id: 9, payload: encodeAdvert(advertFields(p, 150, auth), { src: '10.1.0.2', dst }) });
      const r = decodeIpv4Advert(bytes); assert.ok('ok' in r);
      assert.deepEqual(validateAdvert(r.ok, validationView(p, { auth })), { accept: true, notes: [], legacyUnicastChecksum: false });
    }
  });
  it('checksumDst: a legacy (≤ 1.3.6) unicast checksum is recognised by the receiver', () => {
    const p = params({ version: 3, unicastPeers: ['10.1.0.1'] });
    const msg = encodeAdvert(advertFields(p, 150), { src: '10.1.0.2', dst: '10.1.0.1', checksumDst: '224.0.0.18' });
    const r = decodeIpv4Advert(encodeIpv4Packet({ src: '10.1.0.2', dst: '10.1.0.1', id: 1, payload: msg }));
    assert.ok('ok' in r);
    assert.deepEqual(validateAdvert(r.ok, validationView(p)), { accept: true, notes: [], legacyUnicastChecksum: true });
  });
});
