import assert from 'node:assert/strict';
import { decodeAdvert, decodeIpv4Advert, decodeIpv6Advert, type ReceivedAdvert } from '../../../src/vrrp/codec.js';
import { validateAdvert, type ValidationView } from '../../../src/vrrp/validate.js';
import { capture, hex } from './hex.js';

/** Instance views matching the keepalived.conf the captures came from (test/fixtures/vrrp/keepalived.conf). */
const V2_NOAUTH: ValidationView = {
  vrid: 51, version: 2, family: 4, authType: 0, authData: Buffer.alloc(8), advertIntMs: 1000,
  vips: ['10.99.0.100'], unicast: false, v3ChecksumAsV2: false,
};
const V2_PASS: ValidationView = { ...V2_NOAUTH, vrid: 52, authType: 1, authData: Buffer.from('vipdpass'), vips: ['10.99.0.102', '10.99.0.101'] };
const V3_MCAST: ValidationView = { ...V2_NOAUTH, vrid: 53, version: 3, advertIntMs: 500, vips: ['10.99.0.103'] };
const V3_UCAST: ValidationView = { ...V2_NOAUTH, vrid: 54, version: 3, vips: ['10.99.0.104'], unicast: true, unicastPeers: ['10.99.0.1'] };

function rx(name: string): ReceivedAdvert {
  const r = decodeIpv4Advert(capture(name));
  assert.ok('ok' in r);
  return r.ok;
}
/**
 * Same packet with a patched IP-level field. The header's address bytes go with it (validation then builds the
 * pseudo-header from the text), as they would not match the patched text.
 */
const withIp = (p: ReceivedAdvert, o: Partial<ReceivedAdvert>): ReceivedAdvert => ({ ...p, ...o, addressBytes: undefined });
/** Same packet with a patched VRRP byte; keeps the (now wrong) checksum unless fix is given. */
function patched(p: ReceivedAdvert, off: number, value: number): ReceivedAdvert {
  const m = Buffer.from(p.advert.message); m[off] = value;
  const d = decodeAdvert(m, 4);
  assert.ok('ok' in d);
  return { ...p, advert: d.ok };
}
const reason = (v: ReturnType<typeof validateAdvert>): string => (v.accept ? 'accept' : v.reason);

describe('vrrp/validate', () => {
  it('accepts the keepalived captures against the matching instance, with no notes', () => {
    for (const [name, view] of [['v2-noauth', V2_NOAUTH], ['v2-pass', V2_PASS], ['v3-mcast', V3_MCAST], ['v3-unicast', V3_UCAST],
      ['v2-noauth-prio0', V2_NOAUTH], ['v3-mcast-prio0', V3_MCAST]] as const) {
      const v = validateAdvert(rx(name), view);
      assert.deepEqual(v, { accept: true, notes: [], legacyUnicastChecksum: false }, name);
    }
  });
  it('unknown VRID and wrong family', () => {
    assert.equal(reason(validateAdvert(rx('v2-noauth'), { ...V2_NOAUTH, vrid: 50 })), 'unknown_vrid');
    assert.equal(reason(validateAdvert(rx('v2-noauth'), { ...V2_NOAUTH, family: 6 })), 'wrong_family');
  });
  it('multicast TTL must be 255 (RFC 5798 §7.1); unicast TTL is not checked (keepalived vrrp.c:1027)', () => {
    assert.equal(reason(validateAdvert(withIp(rx('v2-noauth'), { ttl: 254 }), V2_NOAUTH)), 'ip_ttl_err');
    assert.equal(reason(validateAdvert(withIp(rx('v3-unicast'), { ttl: 64 }), V3_UCAST)), 'accept');
  });
  it('version must match the instance exactly', () => {
    assert.equal(reason(validateAdvert(rx('v3-mcast'), { ...V3_MCAST, version: 2 })), 'version_mismatch');
  });
  it('v2 auth: invalid type, type mismatch both ways, wrong password, AH type without an AH header', () => {
    assert.equal(reason(validateAdvert(patched(rx('v2-noauth'), 4, 7), V2_NOAUTH)), 'invalid_authtype');
    assert.equal(reason(validateAdvert(rx('v2-noauth'), { ...V2_PASS, vrid: 51, vips: ['10.99.0.100'] })), 'authtype_mismatch');
    assert.equal(reason(validateAdvert(rx('v2-pass'), { ...V2_PASS, authType: 0 })), 'authtype_mismatch');
    assert.equal(reason(validateAdvert(rx('v2-pass'), { ...V2_PASS, authData: Buffer.from('vipdpasX') })), 'auth_failure');
    // only the first 8 bytes count: a longer configured password truncated by config still matches
    assert.equal(reason(validateAdvert(rx('v2-pass'), { ...V2_PASS, authData: Buffer.from('vipdpass') })), 'accept');
    // auth type 2 in a plain protocol-112 packet: "No AH header but auth type is AH" (keepalived row 7). AH
    // itself is test/unit/vrrp/ah.test.ts's.
    assert.equal(reason(validateAdvert(patched(rx('v2-noauth'), 4, 2), { ...V2_NOAUTH, authType: 2 })), 'authtype_mismatch');
  });
  it('v2 interval mismatch is DROPPED (keepalived row 16)', () => {
    assert.equal(reason(validateAdvert(rx('v2-noauth'), { ...V2_NOAUTH, advertIntMs: 2000 })), 'advert_interval_err');
  });
  it('v3 interval mismatch is ACCEPTED with a note (backup adopts, row 19)', () => {
    const v = validateAdvert(rx('v3-mcast'), { ...V3_MCAST, advertIntMs: 1000 });
    assert.deepEqual(v, { accept: true, notes: ['advert_interval_err'], legacyUnicastChecksum: false });
  });
  it('type ≠ 1', () => {
    // type nibble 2; re-checksummed v2 message so only the type is wrong
    const m = hex`2233ff01 0001 0000 0a630064 0000000000000000`;
    let s = 0; for (let i = 0; i < m.length; i += 2) s += m.readUInt16BE(i);
    while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
    m.writeUInt16BE(~s & 0xffff, 6);
    const d = decodeAdvert(m, 4); assert.ok('ok' in d);
    assert.equal(reason(validateAdvert({ ...rx('v2-noauth'), advert: d.ok }, V2_NOAUTH)), 'invalid_type_rcvd');
  });
  it('checksum errors: v2 plain, v3 pseudo-header, and v3ChecksumAsV2 mismatch', () => {
    assert.equal(reason(validateAdvert(patched(rx('v2-noauth'), 2, 100), V2_NOAUTH)), 'checksum_err');
    assert.equal(reason(validateAdvert(patched(rx('v3-mcast'), 2, 100), V3_MCAST)), 'checksum_err');
    // a keepalived default peer (pseudo-header) against an instance configured v3_checksum_as_v2
    assert.equal(reason(validateAdvert(rx('v3-mcast'), { ...V3_MCAST, v3ChecksumAsV2: true })), 'checksum_err');
    // v3 pseudo-header uses the actual dst: the same bytes "received" at another dst fail
    assert.equal(reason(validateAdvert(withIp(rx('v3-unicast'), { dst: '10.99.0.3' }), V3_UCAST)), 'checksum_err');
  });
  it('v3 unicast from a ≤ 1.3.6 peer (224.0.0.18 in the pseudo-header) is accepted and flagged', () => {
    // keepalived ≤ 1.3.6 unicast: pseudo-header dst 224.0.0.18 while the IP dst is the peer.
    // The v3-mcast capture has exactly that checksum; deliver it as unicast to 10.99.0.2.
    const p = withIp(rx('v3-mcast'), { dst: '10.99.0.2' });
    const v = validateAdvert(p, { ...V3_MCAST, unicast: true });
    assert.deepEqual(v, { accept: true, notes: [], legacyUnicastChecksum: true });
    // but not on a multicast instance (the compat is for unicast only)
    assert.equal(reason(validateAdvert(p, V3_MCAST)), 'checksum_err');
  });
  it('the v3 pseudo-header comes from the received header bytes (decoded once), with the same verdicts', () => {
    // The v3-mcast capture with its IP destination rewritten to the unicast peer 10.99.0.2 in the header itself.
    const bytes = Buffer.from(capture('v3-mcast'));
    bytes.set([10, 99, 0, 2], 16);
    const r = decodeIpv4Advert(bytes);
    assert.ok('ok' in r);
    assert.deepEqual([...r.ok.addressBytes!.dst], [10, 99, 0, 2]);
    assert.equal(r.ok.dst, '10.99.0.2');
    assert.deepEqual(validateAdvert(r.ok, { ...V3_MCAST, unicast: true }), { accept: true, notes: [], legacyUnicastChecksum: true });
    assert.equal(reason(validateAdvert(r.ok, V3_MCAST)), 'checksum_err');
    // and the unmodified capture passes on its own bytes
    assert.deepEqual(validateAdvert(rx('v3-mcast'), V3_MCAST), { accept: true, notes: [], legacyUnicastChecksum: false });
  });
  it('multicast dst on a unicast instance and vice versa', () => {
    assert.equal(reason(validateAdvert(rx('v2-noauth'), { ...V2_NOAUTH, unicast: true })), 'mcast_on_unicast');
    // v3-unicast bytes on a multicast instance: TTL 255 passes, checksum passes, dst is unicast
    assert.equal(reason(validateAdvert(rx('v3-unicast'), { ...V3_UCAST, unicast: false })), 'unicast_on_mcast');
  });
  it('check_unicast_src: source must be a configured peer', () => {
    assert.equal(reason(validateAdvert(rx('v3-unicast'), { ...V3_UCAST, checkUnicastSrc: true })), 'accept');
    assert.equal(reason(validateAdvert(rx('v3-unicast'), { ...V3_UCAST, checkUnicastSrc: true, unicastPeers: ['10.99.0.9'] })), 'unicast_src_err');
  });
  it('unicast_peer min_ttl/max_ttl: only peers, and only within their TTL bounds (keepalived row 25)', () => {
    const pkt = rx('v3-unicast');
    const src = pkt.src;
    const bounded = (minTtl: number | null, maxTtl: number | null) => ({ ...V3_UCAST, unicastPeers: [src], unicastPeerTtl: [{ address: src, minTtl, maxTtl }] });
    assert.equal(reason(validateAdvert(pkt, bounded(pkt.ttl ?? 255, null))), 'accept');
    assert.equal(reason(validateAdvert(pkt, bounded(null, (pkt.ttl ?? 255) - 1))), 'ip_ttl_err');
    assert.equal(reason(validateAdvert(pkt, { ...bounded(1, null), unicastPeers: ['10.99.0.9'], unicastPeerTtl: [{ address: '10.99.0.9', minTtl: 1, maxTtl: null }] })), 'unicast_src_err');
  });
  it('VIP list or count mismatch is counted but ACCEPTED (keepalived ≥ 2.3.3)', () => {
    assert.deepEqual(validateAdvert(rx('v2-noauth'), { ...V2_NOAUTH, vips: ['10.99.0.200'] }),
      { accept: true, notes: ['addr_list_err'], legacyUnicastChecksum: false });
    assert.deepEqual(validateAdvert(rx('v2-pass'), { ...V2_PASS, vips: ['10.99.0.101'] }),
      { accept: true, notes: ['addr_list_err'], legacyUnicastChecksum: false });
  });
  it('IPv6: hop limit checked for multicast; checksum left to the kernel', () => {
    const raw = capture('v3-ipv6');
    const view: ValidationView = { ...V3_MCAST, vrid: 55, family: 6, advertIntMs: 1000, vips: ['fd00:99:0::100'] };
    const ok = decodeIpv6Advert(raw.subarray(40), { src: 'fe80::148a:2cff:fe18:5009', dst: 'ff02::12', hopLimit: 255 });
    assert.ok('ok' in ok);
    assert.deepEqual(validateAdvert(ok.ok, view), { accept: true, notes: [], legacyUnicastChecksum: false });
    assert.equal(reason(validateAdvert({ ...ok.ok, ttl: 1 }, view)), 'ip_ttl_err');
    assert.equal(reason(validateAdvert({ ...ok.ok, ttl: undefined }, view)), 'ip_ttl_err');
  });
});
