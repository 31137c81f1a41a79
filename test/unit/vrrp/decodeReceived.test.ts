// decodeReceived: the receive path's one decode (the daemon routes on its VRID, the runner and validation use its
// result). Fixtures are keepalived 2.2.7 captures (test/fixtures/vrrp), cut or patched by hand.
import assert from 'node:assert/strict';
import { decodeReceived } from '../../../src/vrrp/codec.js';
import { capture } from './hex.js';

const V4 = {};

describe('vrrp/codec decodeReceived', () => {
  it('a good IPv4 advert: the VRID to route on and the decoded advert with the header\'s address bytes', () => {
    const { vrid, decoded } = decodeReceived(capture('v3-mcast'), 4, V4);
    assert.equal(vrid, 53);
    assert.ok('ok' in decoded);
    assert.equal(decoded.ok.advert.vrid, 53);
    assert.equal(decoded.ok.dst, '224.0.0.18');
    assert.deepEqual([...decoded.ok.addressBytes!.dst], [224, 0, 0, 18]);
  });

  it('a dropped IPv4 packet still names the VRID where the VRRP header would start, so its instance counts it', () => {
    const bytes = Buffer.from(capture('v2-noauth'));
    bytes.writeUInt16BE(bytes.length + 8, 2); // tot_len beyond the datagram: packet_len_err
    const { vrid, decoded } = decodeReceived(bytes, 4, V4);
    assert.deepEqual(decoded, { drop: 'packet_len_err' });
    assert.equal(vrid, 51);
  });

  it('no VRID when not even that byte arrived', () => {
    const { vrid, decoded } = decodeReceived(capture('v2-noauth').subarray(0, 20), 4, V4);
    assert.equal(vrid, null);
    assert.ok('drop' in decoded);
    assert.equal(decodeReceived(Buffer.alloc(0), 4, V4).vrid, null);
    assert.equal(decodeReceived(Buffer.from([0x31]), 6, { src: 'fe80::1', dst: 'ff02::12', hopLimit: 255 }).vrid, null);
  });

  it('IPv6: the message only, addresses and hop limit from the ancillary data', () => {
    // The capture is the whole IPv6 packet; the raw socket hands over what follows the 40-byte header.
    const msg = capture('v3-ipv6').subarray(40);
    const { vrid, decoded } = decodeReceived(msg, 6, { src: 'fe80::1', dst: 'ff02::12', hopLimit: 255 });
    assert.ok('ok' in decoded);
    assert.equal(vrid, 55);
    assert.equal(decoded.ok.advert.vrid, 55);
    assert.equal(decoded.ok.src, 'fe80::1');
    assert.equal(decoded.ok.ttl, 255);
    assert.equal(decoded.ok.addressBytes, undefined);
  });
});
