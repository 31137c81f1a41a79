import assert from 'node:assert/strict';
import { decodeConntrack, decodeConntrackRecord, encodeCreate, encodeDelete, encodeDumpRequest, encodeUpdate, newDecodeScratch } from '../../../src/conntrack/codec.js';
import { OP_DELETE, OP_UPSERT, RECORD_MAX, writeRecord } from '../../../src/conntrack/record.js';
import { parseNlmsgs as splitMessages } from '../../../src/net/netlinkMsg.js';
import { attrMap, decodeAttrs } from '../../../src/net/nlattr.js';

const parseAttrs = (b: Buffer): Map<number, Buffer> => attrMap(decodeAttrs(b));
import { natOf, type ConntrackEntry } from '../../../src/conntrack/types.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/#[^\n]*/g, '').replace(/\s+/g, ''), 'hex');

// A NEW event for a DNATed TCP flow, assembled by hand from nfnetlink_conntrack.h:
// client 10.1.0.10:40000 → VIP 10.1.0.100:80, translated to real server 10.2.0.11:80.
const DNAT_NEW_EVENT = hex(`
  c4000000 0001 0006 00000000 00000000   # nlmsghdr: len 196, type CT_NEW (1<<8|0), flags CREATE|EXCL
  02 00 0000                             # nfgenmsg: AF_INET, v0, res_id 0
  3400 0180                              # CTA_TUPLE_ORIG (nested), 52 bytes
    1400 0180                            #   CTA_TUPLE_IP
      0800 0100 0a01000a                 #     V4_SRC 10.1.0.10
      0800 0200 0a010064                 #     V4_DST 10.1.0.100
    1c00 0280                            #   CTA_TUPLE_PROTO
      0500 0100 06000000                 #     NUM 6
      0600 0200 9c400000                 #     SRC_PORT 40000
      0600 0300 00500000                 #     DST_PORT 80
  3400 0280                              # CTA_TUPLE_REPLY
    1400 0180
      0800 0100 0a02000b                 #     V4_SRC 10.2.0.11
      0800 0200 0a01000a                 #     V4_DST 10.1.0.10
    1c00 0280
      0500 0100 06000000
      0600 0200 00500000                 #     SRC_PORT 80
      0600 0300 9c400000                 #     DST_PORT 40000
  0800 0300 000001ae                     # CTA_STATUS: SEEN_REPLY|ASSURED|CONFIRMED|DST_NAT|SRC_NAT_DONE|DST_NAT_DONE
  3000 0480                              # CTA_PROTOINFO
    2c00 0180                            #   CTA_PROTOINFO_TCP
      0500 0100 03000000                 #     STATE ESTABLISHED
      0500 0200 07000000                 #     WSCALE_ORIGINAL 7
      0500 0300 07000000                 #     WSCALE_REPLY 7
      0600 0400 23230000                 #     FLAGS_ORIGINAL
      0600 0500 23230000                 #     FLAGS_REPLY
  0800 0700 00069780                     # CTA_TIMEOUT 432000
  0800 0800 00000007                     # CTA_MARK 7
`);

// A DESTROY event for an IPv6 UDP flow (no reply tuple sent: the decoder derives it).
const V6_DESTROY = hex(`
  60000000 0201 0000 00000000 00000000   # len 96, type CT_DELETE
  0a 00 0000                             # AF_INET6
  4c00 0180                              # CTA_TUPLE_ORIG, 76 bytes
    2c00 0180                            #   CTA_TUPLE_IP, 44 bytes
      1400 0300 fd000001000000000000000000000010   # V6_SRC fd00:1::10
      1400 0400 fd000001000000000000000000000100   # V6_DST fd00:1::100
    1c00 0280
      0500 0100 11000000                 #     NUM 17
      0600 0200 13880000                 #     SRC_PORT 5000
      0600 0300 00350000                 #     DST_PORT 53
`);

function dnatEntry(): ConntrackEntry {
  const t = (src: string, dst: string, sp: number, dp: number) => ({ src, dst, proto: 6, srcPort: sp, dstPort: dp, icmpId: 0, icmpType: 0, icmpCode: 0 });
  return {
    family: 4,
    orig: t('10.1.0.10', '10.1.0.100', 40000, 80),
    reply: t('10.2.0.11', '10.1.0.10', 80, 40000),
    status: 0x1ae,
    timeoutS: 432000,
    mark: 7,
    zone: 0,
    tcp: { state: 3, wscaleOrig: 7, wscaleReply: 7 },
  };
}

describe('conntrack codec', () => {
  it('decodes a hand-assembled DNAT NEW event', () => {
    const [m] = splitMessages(DNAT_NEW_EVENT);
    assert.ok(m);
    const d = decodeConntrack(m);
    assert.ok(!('drop' in d));
    assert.equal(d.kind, 'new');
    assert.deepEqual(d.entry, dnatEntry());
  });

  it('decodes an IPv6 DESTROY event and derives the reply tuple', () => {
    const [m] = splitMessages(V6_DESTROY);
    assert.ok(m);
    const d = decodeConntrack(m);
    assert.ok(!('drop' in d));
    assert.equal(d.kind, 'destroy');
    assert.equal(d.entry.family, 6);
    assert.equal(d.entry.orig.src, 'fd00:1::10');
    assert.equal(d.entry.orig.dst, 'fd00:1::100');
    assert.equal(d.entry.orig.dstPort, 53);
    assert.equal(d.entry.reply.src, 'fd00:1::100');
    assert.equal(d.entry.reply.dstPort, 5000);
  });

  it('decodes events straight into the compact record that writeRecord() makes of the same entry', () => {
    const [m] = splitMessages(DNAT_NEW_EVENT);
    assert.ok(m);
    const rec = Buffer.alloc(RECORD_MAX + 5);
    const kind = decodeConntrackRecord(m.payload, 0, m.payload.length, m.type, m.flags, newDecodeScratch(), rec, 5);
    assert.equal(kind, 0, 'new');
    const expected = Buffer.alloc(RECORD_MAX);
    const len = writeRecord(OP_UPSERT, dnatEntry(), expected, 0);
    assert.equal(rec.subarray(5, 5 + len).toString('hex'), expected.subarray(0, len).toString('hex'));
    const [d] = splitMessages(V6_DESTROY);
    assert.ok(d);
    assert.equal(decodeConntrackRecord(d.payload, 0, d.payload.length, d.type, d.flags, newDecodeScratch(), rec, 0), 2, 'destroy');
    assert.equal(rec[0], OP_DELETE);
    assert.equal(rec[1], 6);
  });

  it('never throws on 20,000 random mutations of real events (byte flips, cuts)', () => {
    const [m] = splitMessages(DNAT_NEW_EVENT);
    const [d] = splitMessages(V6_DESTROY);
    assert.ok(m && d);
    let seed = 99;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const sc = newDecodeScratch();
    const rec = Buffer.alloc(RECORD_MAX);
    for (let i = 0; i < 20_000; i++) {
      const base = i % 2 ? m : d;
      const p = Buffer.from(base.payload.subarray(0, base.payload.length - rnd(8)));
      for (let k = 0, n = 1 + rnd(4); k < n && p.length; k++) p[rnd(p.length)] = rnd(256);
      const kind = decodeConntrackRecord(p, 0, p.length, base.type, base.flags, sc, rec, 0);
      if (typeof kind === 'number') {
        assert.ok(rec[1] === 4 || rec[1] === 6);
        decodeConntrack({ type: base.type, flags: base.flags, payload: p }, sc); // and the object form
      }
    }
  });

  it('an update event is CT_NEW without NLM_F_CREATE', () => {
    const b = Buffer.from(DNAT_NEW_EVENT);
    b.writeUInt16LE(0, 6);
    const d = decodeConntrack(splitMessages(b)[0]!);
    assert.ok(!('drop' in d));
    assert.equal(d.kind, 'update');
  });

  it('returns named drops for malformed input, never throws', () => {
    const m = splitMessages(DNAT_NEW_EVENT)[0]!;
    assert.deepEqual(decodeConntrack({ ...m, type: 0x0200 }), { drop: 'not-ctnetlink' });
    assert.deepEqual(decodeConntrack({ ...m, payload: m.payload.subarray(0, 2) }), { drop: 'truncated' });
    const noOrig = Buffer.from(m.payload);
    noOrig.writeUInt16LE(0x8009, 6); // retype CTA_TUPLE_ORIG → unknown attribute
    assert.deepEqual(decodeConntrack({ ...m, payload: noOrig }), { drop: 'no-orig-tuple' });
    const badLen = Buffer.from(m.payload);
    badLen.writeUInt16LE(0xfff0, 4); // orig attribute length beyond the buffer
    assert.deepEqual(decodeConntrack({ ...m, payload: badLen }), { drop: 'bad-attributes' });
    const fam = Buffer.from(m.payload);
    fam[0] = 7;
    assert.deepEqual(decodeConntrack({ ...m, payload: fam }), { drop: 'unsupported-family' });
    for (let cut = 0; cut < m.payload.length; cut += 3) {
      const r = decodeConntrack({ ...m, payload: m.payload.subarray(0, cut) });
      assert.ok(typeof r === 'object');
    }
  });

  it('derives the NAT binding from the two tuples', () => {
    assert.deepEqual(natOf(dnatEntry()), { dst: { addr: '10.2.0.11', port: 80 }, src: null });
  });

  it('encodes create: un-NATed reply tuple, CTA_NAT_DST, status without NAT bits, exclusive create', () => {
    const buf = encodeCreate(dnatEntry(), 42);
    assert.equal(buf.readUInt32LE(0), buf.length);
    assert.equal(buf.readUInt16LE(4), 0x0100);
    assert.equal(buf.readUInt16LE(6), 0x0605); // REQUEST|ACK|EXCL|CREATE
    assert.equal(buf.readUInt32LE(8), 42);
    assert.deepEqual([...buf.subarray(16, 20)], [2, 0, 0, 0]);
    const attrs = parseAttrs(buf.subarray(20));
    assert.ok(attrs);
    // CTA_TUPLE_REPLY = inverse of the original (VIP → client), the kernel applies the NAT itself.
    const reply = attrs.get(2)!;
    assert.ok(reply.includes(hex('0800 0100 0a010064')), 'reply src = VIP');
    assert.ok(reply.includes(hex('0800 0200 0a01000a')), 'reply dst = client');
    // CTA_NAT_DST { V4_MINIP 10.2.0.11, V4_MAXIP 10.2.0.11, PROTO { PORT_MIN 80, PORT_MAX 80 } }
    assert.deepEqual(attrs.get(13), hex('0800 0100 0a02000b 0800 0200 0a02000b 1400 0380 0600 0100 00500000 0600 0200 00500000'));
    assert.equal(attrs.has(6), false, 'no SNAT');
    assert.deepEqual(attrs.get(3), hex('0000000e'), 'SEEN_REPLY|ASSURED|CONFIRMED only');
    assert.deepEqual(attrs.get(7), hex('00069780'));
    assert.deepEqual(attrs.get(8), hex('00000007'));
    const tcp = parseAttrs(parseAttrs(attrs.get(4)!)!.get(1)!)!;
    assert.deepEqual(tcp.get(1), hex('03'));
    assert.deepEqual(tcp.get(4), hex('0a0a'), 'SACK_PERM|BE_LIBERAL, mask the same');
  });

  it('encodes update without NAT attributes and without NLM_F_CREATE', () => {
    const buf = encodeUpdate(dnatEntry(), 7, 60);
    assert.equal(buf.readUInt16LE(6), 0x0005);
    const attrs = parseAttrs(buf.subarray(20))!;
    assert.equal(attrs.has(13), false);
    assert.equal(attrs.has(2), false);
    assert.deepEqual(attrs.get(7), hex('0000003c'));
  });

  it('encodes delete and dump requests', () => {
    const del = encodeDelete(dnatEntry(), 9);
    assert.equal(del.readUInt16LE(4), 0x0102);
    assert.ok(parseAttrs(del.subarray(20))!.has(1));
    const dump = encodeDumpRequest(5);
    assert.deepEqual(dump, hex('14000000 0101 0103 05000000 00000000 00000000'));
  });

  it('round-trips through the decoder (kernel echo of what we sent)', () => {
    const d = decodeConntrack(splitMessages(encodeDelete(dnatEntry(), 1))[0]!);
    assert.ok(!('drop' in d));
    assert.deepEqual(d.entry.orig, dnatEntry().orig);
  });
});
