import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { decodeMessage, encodeMessage, recordsOf } from '../../../src/sync/codec.js';

const KEY = Buffer.from('k'.repeat(32));
const hex = (s: string): Buffer => Buffer.from(s.replace(/#[^\n]*/g, '').replace(/\s+/g, ''), 'hex');
/** Append HMAC-SHA256 computed here, independently of the codec. */
const signed = (body: Buffer, key = KEY): Buffer => Buffer.concat([body, createHmac('sha256', key).update(body).digest()]);

const NACK = signed(hex(`
  01 02 0000          # version 1, type NACK, flags
  00000007            # senderId 7
  00000064            # epoch 100
  00000009            # msgSeq 9
  00000003            # streamSeq 3
  0010 0000           # payloadLen 16, reserved
  00000001 000000c8 0000000a 00000014   # target 1, target epoch 200, from 10, to 20
`));

const DATA = signed(hex(`
  01 01 0000 00000001 000000c8 0000000a 00000005 0032 0000   # DATA, sender 1, epoch 200, msg 10, stream 5, 50 bytes
  0001                                   # one record
  01 04 06 03                            # upsert, IPv4, tcp, ESTABLISHED
  000001ae 00069780 00000007 0000 07 07  # status, timeout 432000, mark 7, zone 0, wscale 7/7
  9c40 0050 0050 9c40 0000 00 00         # ports orig 40000→80, reply 80→40000, icmp id/type/code
  0a01000a 0a010064 0a02000b 0a01000a    # 10.1.0.10 → 10.1.0.100, reply 10.2.0.11 → 10.1.0.10
`));

describe('sync codec', () => {
  it('decodes a hand-assembled NACK', () => {
    assert.deepEqual(decodeMessage(NACK, KEY), {
      senderId: 7, epoch: 100, msgSeq: 9, streamSeq: 3, type: 'nack', targetId: 1, targetEpoch: 200, from: 10, to: 20,
    });
  });

  it('decodes a hand-assembled DATA record with a DNAT binding', () => {
    const m = decodeMessage(DATA, KEY);
    assert.ok(!('drop' in m) && m.type === 'data');
    assert.equal(m.count, 1);
    const r = recordsOf(m)[0]!;
    assert.equal(r.op, 'upsert');
    assert.deepEqual(r.entry.orig, { src: '10.1.0.10', dst: '10.1.0.100', proto: 6, srcPort: 40000, dstPort: 80, icmpId: 0, icmpType: 0, icmpCode: 0 });
    assert.equal(r.entry.reply.src, '10.2.0.11');
    assert.deepEqual(r.entry.tcp, { state: 3, wscaleOrig: 7, wscaleReply: 7 });
    assert.equal(r.entry.status, 0x1ae);
    assert.equal(r.entry.timeoutS, 432000);
    assert.equal(r.entry.mark, 7);
  });

  it('encodes exactly the hand-assembled bytes', () => {
    const m = decodeMessage(DATA, KEY);
    assert.ok(!('drop' in m));
    assert.deepEqual(encodeMessage(m, KEY), DATA);
  });

  it('drops forged, truncated, and malformed input by name', () => {
    assert.deepEqual(decodeMessage(NACK, Buffer.from('x'.repeat(32))), { drop: 'bad-mac' });
    const flipped = Buffer.from(NACK);
    flipped[30] ^= 0x80;
    assert.deepEqual(decodeMessage(flipped, KEY), { drop: 'bad-mac' });
    assert.deepEqual(decodeMessage(NACK.subarray(0, 40), KEY), { drop: 'too-short' });
    assert.deepEqual(decodeMessage(Buffer.concat([NACK, Buffer.alloc(1)]), KEY), { drop: 'bad-length' });
    const v2 = Buffer.from(NACK);
    v2[0] = 2;
    assert.deepEqual(decodeMessage(v2, KEY), { drop: 'unsupported-version' });
    // A type from the future, correctly signed: dropped by name (append-only types).
    assert.deepEqual(decodeMessage(signed(hex('01 63 0000 00000001 00000001 00000001 00000000 0000 0000')), KEY), { drop: 'unknown-type' });
    // DATA claiming two records but carrying one, correctly signed.
    const body = Buffer.from(DATA.subarray(0, DATA.length - 32));
    body.writeUInt16BE(2, 24);
    assert.deepEqual(decodeMessage(signed(body), KEY), { drop: 'truncated-record' });
    for (let cut = 0; cut < DATA.length; cut += 5) assert.ok('drop' in decodeMessage(DATA.subarray(0, cut), KEY));
  });

  it('never throws on 20,000 correctly signed random bodies; a DATA it accepts holds exactly `count` valid records', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 20_000; i++) {
      const len = rnd(300);
      const payload = Buffer.alloc(len);
      for (let k = 0; k < len; k++) payload[k] = rnd(256);
      // Bias towards plausible DATA: small counts, valid op/family bytes at the first record.
      if (len >= 4 && rnd(2) === 0) {
        payload.writeUInt16BE(rnd(8), 0);
        payload[2] = 1 + rnd(2);
        payload[3] = rnd(2) ? 4 : 6;
      }
      const header = Buffer.alloc(24);
      header[0] = 1;
      header[1] = rnd(3) === 0 ? 1 : 1 + rnd(10);
      header.writeUInt16BE(len, 20);
      const m = decodeMessage(signed(Buffer.concat([header, payload])), KEY);
      if ('drop' in m || m.type !== 'data') continue;
      let off = 0;
      for (let r = 0; r < m.count; r++) {
        assert.ok(m.bytes[off] === 1 || m.bytes[off] === 2, 'op');
        assert.ok(m.bytes[off + 1] === 4 || m.bytes[off + 1] === 6, 'family');
        off += m.bytes[off + 1] === 4 ? 48 : 96;
      }
      assert.equal(off, m.bytes.length, 'bytes hold exactly the records');
      assert.equal(recordsOf(m).length, m.count);
    }
  });
});

describe('sync codec: wall-clock stamps appended to KEEPALIVE and CONFIRM', () => {
  const KA_OLD = signed(hex(`01 06 0000 00000007 00000064 0000000b 00000003 0001 0000  01`));
  const KA_NEW = signed(hex(`01 06 0000 00000007 00000064 0000000c 00000003 0005 0000  01 00bc614e`));
  const CONFIRM = signed(hex(`01 08 0000 00000007 00000064 0000000d 00000003 0008 0000  000186a0 00bc614e`));

  it('decodes the short (older) keep-alive without a stamp and the new one with it', () => {
    assert.deepEqual(decodeMessage(KA_OLD, KEY), { senderId: 7, epoch: 100, msgSeq: 11, streamSeq: 3, type: 'keepalive', role: 'master' });
    assert.deepEqual(decodeMessage(KA_NEW, KEY), { senderId: 7, epoch: 100, msgSeq: 12, streamSeq: 3, type: 'keepalive', role: 'master', wallDs: 12345678 });
    assert.deepEqual(decodeMessage(CONFIRM, KEY), { senderId: 7, epoch: 100, msgSeq: 13, streamSeq: 3, type: 'confirm', committed: 100000, wallDs: 12345678 });
  });

  it('encodes them as assembled by hand', () => {
    assert.deepEqual(encodeMessage({ senderId: 7, epoch: 100, msgSeq: 12, streamSeq: 3, type: 'keepalive', role: 'master', wallDs: 12345678 }, KEY), KA_NEW);
    assert.deepEqual(encodeMessage({ senderId: 7, epoch: 100, msgSeq: 13, streamSeq: 3, type: 'confirm', committed: 100000, wallDs: 12345678 }, KEY), CONFIRM);
  });
});
