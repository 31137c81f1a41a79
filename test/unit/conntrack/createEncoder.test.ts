// The template encoder must produce exactly encodeCreate()'s bytes (which codec.test.ts checks against
// hand-assembled messages) for every shape, also for the second, third … entry of a shape (the patched path).
import assert from 'node:assert/strict';
import { encodeCreate } from '../../../src/conntrack/codec.js';
import { CreateEncoder } from '../../../src/conntrack/createEncoder.js';
import { OP_UPSERT, RECORD_MAX, writeRecord } from '../../../src/conntrack/record.js';
import type { ConntrackEntry, CtTuple } from '../../../src/conntrack/types.js';

const t = (src: string, dst: string, proto: number, sp: number, dp: number, icmp: [number, number, number] = [0, 0, 0]): CtTuple => ({
  src, dst, proto, srcPort: sp, dstPort: dp, icmpId: icmp[0], icmpType: icmp[1], icmpCode: icmp[2],
});

function variants(i: number): ConntrackEntry[] {
  const c = `10.9.${i >> 8}.${i & 255}`;
  return [
    // TCP DNAT (the NAT lab)
    { family: 4, orig: t(c, '10.1.0.100', 6, 1000 + i, 80), reply: t('10.2.0.11', c, 6, 80, 1000 + i), status: 0x0e, timeoutS: 300 + i, mark: 0, zone: 0, tcp: { state: 3, wscaleOrig: 7, wscaleReply: i % 9 } },
    // TCP closing, with mark and zone, SNAT with a port change
    { family: 4, orig: t(c, '192.0.2.1', 6, 2000 + i, 443), reply: t('192.0.2.1', '198.51.100.1', 6, 443, 30000 + i), status: 0x0e, timeoutS: 60, mark: 0x10 + i, zone: 3 + (i % 2), tcp: { state: 7 + (i % 2), wscaleOrig: 1, wscaleReply: 2 } },
    // UDP, no NAT
    { family: 4, orig: t(c, '10.1.0.100', 17, 5000 + i, 53), reply: t('10.1.0.100', c, 17, 53, 5000 + i), status: 0x0a, timeoutS: 30, mark: 0, zone: 0, tcp: null },
    // ICMP echo with DNAT (no NAT port)
    { family: 4, orig: t(c, '10.1.0.100', 1, 0, 0, [i, 8, 0]), reply: t('10.2.0.12', c, 1, 0, 0, [i, 0, 0]), status: 0x0a, timeoutS: 29, mark: 0, zone: 0, tcp: null },
    // IPv6 TCP DNAT
    { family: 6, orig: t(`fd00:1::${(i + 1).toString(16)}`, 'fd00:1::100', 6, 40000 + i, 80), reply: t('fd00:2::11', `fd00:1::${(i + 1).toString(16)}`, 6, 8080, 40000 + i), status: 0x0e, timeoutS: 120, mark: 0, zone: 0, tcp: { state: 3, wscaleOrig: 7, wscaleReply: 7 } },
  ];
}

describe('conntrack CreateEncoder (templates)', () => {
  it('encodes every shape byte for byte like encodeCreate, for first and later entries of a shape', () => {
    const enc = new CreateEncoder();
    for (let i = 1; i <= 40; i++) {
      for (const e of variants(i)) {
        for (const opts of [{}, { timeoutS: 600 }, { exclusive: false }]) {
          assert.deepEqual(enc.encode(e, opts).toString('hex'), encodeCreate(e, 0, opts).toString('hex'), `entry ${i} ${JSON.stringify(e.orig)} ${JSON.stringify(opts)}`);
        }
      }
    }
  });

  it('encodes compact records byte for byte like encodeCreate of the same entry, for every shape', () => {
    const enc = new CreateEncoder();
    const rec = Buffer.alloc(RECORD_MAX + 7);
    for (let i = 1; i <= 40; i++) {
      for (const e of variants(i)) {
        writeRecord(OP_UPSERT, e, rec, 7); // at an offset: the sync cache's slots are not at 0
        for (const opts of [{}, { timeoutS: 600 }, { exclusive: false }]) {
          assert.deepEqual(enc.encodeRecord(rec, 7, opts).toString('hex'), encodeCreate(e, 0, opts).toString('hex'), `entry ${i} ${JSON.stringify(e.orig)} ${JSON.stringify(opts)}`);
        }
      }
    }
  });

  it('returns a fresh buffer per entry (templates are never handed out)', () => {
    const enc = new CreateEncoder();
    const [a] = variants(1);
    const [b] = variants(2);
    const m1 = enc.encode(a!);
    const m2 = enc.encode(b!);
    const m3 = enc.encode(b!);
    assert.notEqual(m2.buffer === m3.buffer && m2.byteOffset === m3.byteOffset, true);
    m2.fill(0);
    assert.deepEqual(m3.toString('hex'), encodeCreate(b!, 0).toString('hex'));
    assert.deepEqual(m1.toString('hex'), encodeCreate(a!, 0).toString('hex'));
  });
});
