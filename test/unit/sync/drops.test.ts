// Every sync drop reason (src/sync/drops.ts) is produced by some datagram and counted: the codec's from bytes laid
// out by hand from the header table in src/sync/codec.ts (not by encodeMessage), the protocol's and receiver's
// from messages fed to the core on virtual time; each then reaches /metrics as vipd_conn_sync_drops_total.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { decodeMessage, type SyncBody, type SyncMessage } from '../../../src/sync/codec.js';
import { SYNC_DROP_REASONS, totalSyncDrops, type SyncDropCounts, type SyncDropReason } from '../../../src/sync/drops.js';
import { SyncProtocol, type SyncProtocolConfig } from '../../../src/sync/protocol.js';
import { createVipdMetrics } from '../../../src/metrics/registry.js';
import type { SyncView } from '../../../src/sync/status.js';
import { registerSyncMetrics } from '../../../src/sync/metrics.js';

const KEY = Buffer.alloc(32, 0x5a);
const PEER = 7;
const US = 1;

/** version, type, flags, senderId, epoch, msgSeq, streamSeq, payloadLen, reserved; payload; HMAC-SHA256. */
function datagram(type: number, payloadHex: string, o: { version?: number } = {}): Buffer {
  const payload = Buffer.from(payloadHex.replace(/\s+/g, ''), 'hex');
  const h = Buffer.alloc(24);
  h[0] = o.version ?? 1;
  h[1] = type;
  h.writeUInt32BE(PEER, 4);
  h.writeUInt32BE(5, 8);
  h.writeUInt32BE(1, 12);
  h.writeUInt16BE(payload.length, 20);
  const signed = Buffer.concat([h, payload]);
  return Buffer.concat([signed, createHmac('sha256', KEY).update(signed).digest()]);
}

const codecDrop = (bytes: Buffer): SyncDropCounts => {
  const m = decodeMessage(bytes, KEY);
  assert.ok('drop' in m, 'the datagram is dropped');
  return { [m.drop]: 1 };
};

const DATA = 1;
const NACK = 2;
const RECORD_IPV4 = 32 + 16; // fixed part + four IPv4 addresses (src/conntrack/record.ts)
const record = (op: number, family: number): string => Buffer.concat([Buffer.from([op, family]), Buffer.alloc(RECORD_IPV4 - 2)]).toString('hex');

/** The wall stamp a core with wallOffsetMs = WALL_BASE reads as fresh at nowMs (deciseconds since 2024-01-01). */
const WALL_BASE = Date.UTC(2024, 0, 1);
const NOW = 10_000;
const FRESH_DS = NOW / 100;

/** A backup core and a sender whose msgSeq grows with every message, so only the reason under test drops. */
function backup(cfg: Partial<SyncProtocolConfig> = {}) {
  const p = new SyncProtocol({ nodeId: US, epoch: 100, wallOffsetMs: WALL_BASE, ...cfg });
  p.handle({ type: 'start' }, NOW);
  let msgSeq = 0;
  const send = (body: SyncBody, h: { senderId?: number; epoch?: number; msgSeq?: number; streamSeq?: number } = {}): void => {
    const msg = { senderId: PEER, epoch: 5, msgSeq: h.msgSeq ?? ++msgSeq, streamSeq: h.streamSeq ?? 0, ...h, ...body } as SyncMessage;
    p.handle({ type: 'received', msg }, NOW);
  };
  const keepalive = (h: { epoch?: number; msgSeq?: number; senderId?: number } = {}, wallDs = FRESH_DS): void =>
    send({ type: 'keepalive', role: 'master', wallDs }, h);
  const drops = (): SyncDropCounts => p.snapshot(NOW).counters.drops;
  return { send, keepalive, drops };
}

const noRecords: SyncBody = { type: 'data', count: 0, bytes: Buffer.alloc(0) };

/** One input per reason; the compiler checks that no reason lacks one. */
const PRODUCE: Record<SyncDropReason, () => SyncDropCounts> = {
  'too-short': () => codecDrop(Buffer.alloc(24 + 32 - 1)),
  'unsupported-version': () => codecDrop(datagram(6, '01', { version: 2 })),
  'bad-length': () => codecDrop(Buffer.concat([datagram(6, '01'), Buffer.from([0])])),
  'bad-mac': () => {
    const d = datagram(6, '01');
    d[d.length - 1]! ^= 1;
    return codecDrop(d);
  },
  'unknown-type': () => codecDrop(datagram(200, '')),
  'bad-payload': () => codecDrop(datagram(NACK, '00000001')), // a NACK needs 16 bytes
  'truncated-record': () => codecDrop(datagram(DATA, `0001 ${record(1, 4).slice(0, 20)}`)),
  'bad-record-op': () => codecDrop(datagram(DATA, `0001 ${record(9, 4)}`)),
  'bad-record-family': () => codecDrop(datagram(DATA, `0001 ${record(1, 5)}`)),
  'own-message': () => {
    const b = backup();
    b.keepalive({ senderId: US });
    return b.drops();
  },
  'stale-epoch': () => {
    const b = backup();
    b.keepalive({ epoch: 5 });
    b.keepalive({ epoch: 4 });
    return b.drops();
  },
  replay: () => {
    const b = backup();
    b.keepalive({ msgSeq: 9 });
    b.keepalive({ msgSeq: 9 });
    return b.drops();
  },
  'stale-clock': () => {
    const b = backup();
    b.keepalive({}, FRESH_DS + 3600 * 10); // an hour ahead of our wall clock
    return b.drops();
  },
  'unverified-sender': () => {
    const b = backup();
    b.send({ type: 'bulkBegin', bulkId: 1 }, { streamSeq: 1 });
    return b.drops();
  },
  duplicate: () => {
    const b = backup();
    b.keepalive();
    b.send({ type: 'bulkBegin', bulkId: 1 }, { streamSeq: 1 });
    b.send({ type: 'bulkBegin', bulkId: 1 }, { streamSeq: 1 });
    return b.drops();
  },
  'awaiting-resync': () => {
    const b = backup();
    b.keepalive();
    b.send(noRecords, { streamSeq: 1 }); // no bulk yet: nothing to attach the stream to
    return b.drops();
  },
  'reorder-overflow': () => {
    const b = backup({ reorderBufferMsgs: 1 });
    b.keepalive();
    b.send({ type: 'bulkBegin', bulkId: 1 }, { streamSeq: 1 });
    b.send(noRecords, { streamSeq: 3 }); // 2 missing: buffered
    b.send(noRecords, { streamSeq: 4 }); // the buffer is full
    return b.drops();
  },
};

const view = (drops: Record<string, number>): SyncView => ({
  entries: 0, messagesSent: 0, messagesReceived: 0, messagesLost: 0, messagesResent: 0,
  lastFullResyncAtMs: null, lastCommitDurationMs: null, drops,
});

describe('sync drop reasons', () => {
  for (const reason of SYNC_DROP_REASONS) {
    it(`${reason}: produced by its input, counted once, and nothing else is`, () => {
      const counts = totalSyncDrops(PRODUCE[reason]());
      for (const r of SYNC_DROP_REASONS) assert.equal(counts[r], r === reason ? 1 : 0, `${reason} input: count of ${r}`);
    });
  }

  it('every reason is a vipd_conn_sync_drops_total series, 0 included, codec and protocol counts added', async () => {
    const codec: SyncDropCounts = { 'bad-mac': 2 };
    const protocol: SyncDropCounts = { 'bad-mac': 1, replay: 4 };
    const metrics = createVipdMetrics({ nowMs: () => 1_700_000_000_000, buildInfo: { version: '0', node: 'n' }, instances: () => [], processMetrics: false });
    registerSyncMetrics(metrics.registry, () => view(totalSyncDrops(protocol, codec))); // as the sync plugin does
    const text = await metrics.metricsText();
    const expected = (r: SyncDropReason): number => (r === 'bad-mac' ? 3 : r === 'replay' ? 4 : 0);
    for (const r of SYNC_DROP_REASONS) assert.match(text, new RegExp(`^vipd_conn_sync_drops_total\\{reason="${r}"\\} ${expected(r)}$`, 'm'), r);
  });

  it('without connection sync the family has no series', async () => {
    const metrics = createVipdMetrics({ nowMs: () => 1_700_000_000_000, buildInfo: { version: '0', node: 'n' }, instances: () => [], processMetrics: false });
    registerSyncMetrics(metrics.registry, () => null);
    const text = await metrics.metricsText();
    assert.doesNotMatch(text, /^vipd_conn_sync_drops_total\{/m);
  });
});
