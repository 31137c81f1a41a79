// RTM_NEWRULE / RTM_DELRULE bodies against bytes hand-assembled from linux/fib_rules.h: struct fib_rule_hdr
// {u8 family, dst_len, src_len, tos, table, res1, res2, action; u32 flags} then FRA_* TLVs. Little-endian host.
import assert from 'node:assert/strict';
import { decodeRuleKey, encodeRuleRequest, ruleKey } from '../../../src/net/ruleCodec.js';

const hex = (parts: readonly string[]): string => parts.join('').replace(/ /g, '');

describe('net/ruleCodec', () => {
  it('from PREFIX table 1 preference 100 (FRA_PROTOCOL keepalived always sent)', () => {
    const got = encodeRuleRequest({ family: 4, action: 'table', from: { address: '192.168.100.0', prefixLen: 24 }, table: 1, priority: 100 });
    assert.equal(got.toString('hex'), hex([
      '02 00 18 00', // AF_INET, dst_len 0, src_len 24, tos 0
      '01 00 00 01', // table 1, res1, res2, FR_ACT_TO_TBL
      '00 00 00 00', // flags
      '08 00 02 00 c0 a8 64 00', // FRA_SRC
      '08 00 06 00 64 00 00 00', // FRA_PRIORITY 100
      '05 00 15 00 12 00 00 00', // FRA_PROTOCOL 18, padded
    ]));
  });

  it('IPv6 `not`, table above 255, fwmark/mask, iif, uidrange and sport', () => {
    const got = encodeRuleRequest({
      family: 6, action: 'table', not: true, table: 6908, priority: 200,
      from: { address: '7:6:5:4:3:2::', prefixLen: 96 }, to: { address: '1:2:3:4:5:6:7:0', prefixLen: 112 },
      fwmark: 24, fwmask: 12, iif: 'eth0', uidRange: { start: 10000, end: 19999 }, sport: { start: 10, end: 20 },
    });
    assert.equal(got.toString('hex'), hex([
      '0a 70 60 00', '00 00 00 01', '02 00 00 00', // dst_len 112, src_len 96; table UNSPEC; FIB_RULE_INVERT
      '08 00 0f 00 fc 1a 00 00', // FRA_TABLE 6908
      '14 00 02 00 00 07 00 06 00 05 00 04 00 03 00 02 00 00 00 00', // FRA_SRC
      '14 00 01 00 00 01 00 02 00 03 00 04 00 05 00 06 00 07 00 00', // FRA_DST
      '08 00 06 00 c8 00 00 00', // FRA_PRIORITY 200
      '08 00 0a 00 18 00 00 00', // FRA_FWMARK 24
      '08 00 10 00 0c 00 00 00', // FRA_FWMASK 12
      '09 00 03 00 65 74 68 30 00 00 00 00', // FRA_IIFNAME "eth0\0", padded
      '0c 00 14 00 10 27 00 00 1f 4e 00 00', // FRA_UID_RANGE 10000-19999
      '05 00 15 00 12 00 00 00', // FRA_PROTOCOL
      '08 00 17 00 0a 00 14 00', // FRA_SPORT_RANGE 10-20
    ]));
  });

  it('goto: FR_ACT_GOTO with FRA_GOTO; no table in the header', () => {
    const got = encodeRuleRequest({ family: 4, action: 'goto', goto: 400, priority: 306 });
    assert.equal(got.toString('hex'), hex([
      '02 00 00 00', '00 00 00 02', '00 00 00 00',
      '08 00 06 00 32 01 00 00', '05 00 15 00 12 00 00 00', '08 00 04 00 90 01 00 00',
    ]));
  });

  it('blackhole with tos, oif, suppress_prefixlength, realms; tunnel id is big-endian; l3mdev sends FRA_L3MDEV and no table', () => {
    const got = encodeRuleRequest({ family: 4, action: 'blackhole', tos: 0x10, oif: 'v0', realms: 0x1e0014, priority: 7, protocol: 12 });
    assert.equal(got.toString('hex'), hex([
      '02 00 00 10', '00 00 00 06', '00 00 00 00',
      '08 00 06 00 07 00 00 00', '08 00 0b 00 14 00 1e 00', '07 00 11 00 76 30 00 00', '05 00 15 00 0c 00 00 00',
    ]));
    const tun = encodeRuleRequest({ family: 4, action: 'table', table: 10, tunnelId: '77', suppressPrefixLength: 0 });
    assert.equal(tun.subarray(12).toString('hex'), hex([
      '08 00 0e 00 00 00 00 00', '0c 00 0c 00 00 00 00 00 00 00 00 4d', '05 00 15 00 12 00 00 00',
    ]));
    const l3 = encodeRuleRequest({ family: 6, action: 'table', l3mdev: true, priority: 1000, ipProto: 17, dport: { start: 20, end: 30 } });
    assert.equal(l3.toString('hex'), hex([
      '0a 00 00 00', '00 00 00 01', '00 00 00 00',
      '08 00 06 00 e8 03 00 00', '05 00 13 00 01 00 00 00', '05 00 15 00 12 00 00 00', '05 00 16 00 11 00 00 00', '08 00 18 00 14 00 1e 00',
    ]));
  });

  it('decodeRuleKey: an RTM_DELRULE as the kernel fills it (frh.table RT_TABLE_COMPAT, FRA_TABLE, FRA_PROTOCOL)', () => {
    const msg = Buffer.from(hex([
      '02 10 00 00', 'fc 00 00 01', '00 00 00 00',
      '08 00 0f 00 2c 01 00 00', '08 00 06 00 2c 01 00 00', '05 00 15 00 12 00 00 00', '08 00 01 00 0a 34 00 00',
    ]), 'hex');
    const key = { family: 4, priority: 300, action: 1, table: 300, protocol: 18 };
    assert.deepEqual(decodeRuleKey(msg), key);
    assert.deepEqual(ruleKey({ family: 4, action: 'table', table: 300, priority: 300, to: { address: '10.52.0.0', prefixLen: 16 } }), key);
    assert.equal(decodeRuleKey(Buffer.from('0200', 'hex')), null);
    assert.equal(decodeRuleKey(Buffer.from(hex(['07 00 00 00', '00 00 00 01', '00 00 00 00']), 'hex')), null);
  });
});
