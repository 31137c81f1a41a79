import assert from 'node:assert/strict';
import {
  attrMap,
  attrNested,
  attrString,
  attrU16be,
  attrU32,
  attrU8,
  decodeAttrs,
  encodeAttrs,
  readAttrString,
  readAttrU32,
  readAttrU32be,
} from '../../../src/net/nlattr.js';

// Little-endian host fixtures (x86-64 / arm64).
describe('net/nlattr', () => {
  it('encodes with 4-byte alignment, nla_len excluding padding', () => {
    assert.equal(encodeAttrs([attrString(3, 'eth0')]).toString('hex'), '0900' + '0300' + '6574683000' + '000000');
    assert.equal(encodeAttrs([attrU8(16, 6)]).toString('hex'), '0500' + '1000' + '06' + '000000');
    assert.equal(encodeAttrs([attrU32(4, 1500)]).toString('hex'), '0800' + '0400' + 'dc050000');
    assert.equal(encodeAttrs([{ ...attrU16be(2, 80), netByteOrder: true }]).toString('hex'), '0600' + '0240' + '0050' + '0000');
  });

  it('encodes nested attributes with NLA_F_NESTED and the inner length', () => {
    // CTA_TUPLE_ORIG(1) { CTA_TUPLE_IP(1) { CTA_IP_V4_SRC(1) = 10.0.0.1 } }
    const enc = encodeAttrs([attrNested(1, [attrNested(1, [{ type: 1, value: Buffer.from([10, 0, 0, 1]) }])])]);
    assert.equal(enc.toString('hex'), '1000' + '0180' + '0c00' + '0180' + '0800' + '0100' + '0a000001');
  });

  it('decodes a list, exposing flags and nested values', () => {
    const buf = Buffer.from('0900' + '0300' + '6574683000' + '000000' + '0800' + '0400' + 'dc050000' + '0c00' + '0180' + '0800' + '0140' + '0a000001', 'hex');
    const attrs = decodeAttrs(buf);
    assert.deepEqual(
      attrs.map((a) => [a.type, a.nested, a.netByteOrder, a.value.length]),
      [
        [3, false, false, 5],
        [4, false, false, 4],
        [1, true, false, 8],
      ],
    );
    const m = attrMap(attrs);
    assert.equal(readAttrString(m.get(3)), 'eth0');
    assert.equal(readAttrU32(m.get(4)), 1500);
    const inner = decodeAttrs(attrs[2]!.value);
    assert.equal(inner[0]!.netByteOrder, true);
    assert.equal(readAttrU32be(inner[0]!.value), 0x0a000001);
  });

  it('stops at malformed attributes instead of throwing', () => {
    assert.deepEqual(decodeAttrs(Buffer.from('ff00' + '0300' + '65', 'hex')), []); // length past the end
    assert.deepEqual(decodeAttrs(Buffer.from('0200' + '0300', 'hex')), []); // length below the header
    const one = decodeAttrs(Buffer.from('0500' + '1000' + '06' + '000000' + '0100', 'hex'));
    assert.equal(one.length, 1);
    assert.equal(readAttrU32(Buffer.from([1, 2])), undefined);
  });
});
