import assert from 'node:assert/strict';
import { dataBody, decodeMessage, encodeMessage } from '../../../src/sync/codec.js';
import { KEY, keysOf, Sim, tcpEntry } from './sim.js';
import { SyncProtocol } from '../../../src/sync/protocol.js';

const M = 1; // master node id
const B = 2; // backup node id

function pair(opts: Record<string, number> = {}): Sim {
  const sim = new Sim();
  sim.add({ nodeId: M, epoch: 100, ...opts });
  sim.feed(M, { type: 'role', role: 'master' });
  sim.add({ nodeId: B, epoch: 200, ...opts });
  return sim;
}

function changes(sim: Sim, from: number, to: number, stepMs = 0): void {
  for (let i = from; i < to; i++) {
    sim.feed(M, { type: 'local', op: 'upsert', entry: tcpEntry(i) });
    if (stepMs) sim.run(sim.nowMs + stepMs);
  }
}

describe('sync protocol', () => {
  it('a joining backup gets a bulk resync and then follows the stream', () => {
    const sim = pair();
    changes(sim, 0, 100);
    const m = sim.nodes.get(M)!;
    const b = sim.nodes.get(B)!;
    assert.equal(b.resyncComplete(sim.nowMs), false, 'not in sync before any bulk');
    assert.equal(b.external.size, 0, 'changes before the join are not streamed to it');
    sim.run(2000);
    assert.equal(b.resyncComplete(sim.nowMs), true);
    assert.deepEqual(keysOf(b.external.entries()), keysOf(m.internal.entries()));
    changes(sim, 100, 150);
    sim.feed(M, { type: 'local', op: 'delete', entry: tcpEntry(3) });
    sim.run(sim.nowMs + 100);
    assert.equal(b.external.size, 149);
    assert.equal(b.external.has(tcpEntry(3)), false);
    assert.deepEqual(keysOf(b.external.entries()), keysOf(m.internal.entries()));
    assert.ok(b.snapshot(sim.nowMs).counters.bulksReceived >= 1);
  });

  it('sequences never wrap: before the limit the master starts a new epoch, and the backup follows it after a bulk', () => {
    const sim = pair({ seqRollover: 40 });
    sim.run(2000);
    changes(sim, 0, 150, 5); // a datagram per change: several rollovers
    sim.feed(M, { type: 'local', op: 'delete', entry: tcpEntry(3) });
    sim.run(sim.nowMs + 3000);
    const m = sim.nodes.get(M)!.snapshot(sim.nowMs);
    const b = sim.nodes.get(B)!.snapshot(sim.nowMs);
    assert.ok(m.counters.epochRollovers >= 3, `rollovers: ${m.counters.epochRollovers}`);
    assert.ok(m.nextStreamSeq < 40);
    assert.ok(b.counters.bulksReceived >= 2, 'a bulk after each new epoch');
    assert.equal(b.counters.drops['replay'] ?? 0, 0, 'nothing of the new epoch taken for a replay');
    assert.equal(sim.nodes.get(B)!.external.size, 149);
    assert.deepEqual(keysOf(sim.nodes.get(B)!.external.entries()), keysOf(sim.nodes.get(M)!.internal.entries()));
  });

  it('fills DATA datagrams to the budget: 27 IPv4 records in 1,400 bytes (24 header + 2 count + 27 × 48 + 32 MAC)', () => {
    const p = new SyncProtocol({ nodeId: M, epoch: 100, maxDatagramBytes: 1400 });
    p.handle({ type: 'role', role: 'master' }, 0);
    const out = p.handle({ type: 'localMany', changes: Array.from({ length: 60 }, (_, i) => ({ op: 'upsert' as const, entry: tcpEntry(i) })) }, 1);
    const sizes = out.flatMap((e) => (e.type === 'send' && e.msg.type === 'data' ? [encodeMessage(e.msg, KEY).length] : []));
    const counts = out.flatMap((e) => (e.type === 'send' && e.msg.type === 'data' ? [e.msg.count] : []));
    assert.deepEqual(counts.slice(0, 2), [27, 27], 'full datagrams leave at once');
    assert.ok(sizes.every((n) => n <= 1400), `sizes ${sizes.join(', ')}`);
    assert.equal(sizes[0], 24 + 2 + 27 * 48 + 32);
  });

  it('batches changes: many entries share a datagram', () => {
    const sim = pair();
    sim.run(2000);
    const before = sim.nodes.get(M)!.snapshot(sim.nowMs).counters.sent;
    changes(sim, 0, 290);
    sim.run(sim.nowMs + 10);
    const sent = sim.nodes.get(M)!.snapshot(sim.nowMs).counters.sent - before;
    assert.ok(sent <= 15, `290 changes took ${sent} datagrams`);
    assert.equal(sim.nodes.get(B)!.external.size, 290);
  });

  it('a gap is detected, NACKed with its range, and repaired from the resend queue', () => {
    const sim = pair();
    sim.run(2000);
    let dropped = 0;
    sim.dropIf = (m) => m.type === 'data' && m.senderId === M && dropped++ === 0;
    changes(sim, 0, 30, 5); // each change its own datagram (5 ms > flush delay)
    sim.dropIf = null;
    sim.run(sim.nowMs + 500);
    const b = sim.nodes.get(B)!.snapshot(sim.nowMs);
    const m = sim.nodes.get(M)!.snapshot(sim.nowMs);
    assert.equal(b.counters.lost, 1);
    assert.ok(b.counters.nacksSent >= 1);
    assert.ok(m.counters.resent >= 1);
    assert.equal(m.counters.bulksSent, 1, 'repaired by resend, not by another bulk');
    assert.deepEqual(keysOf(sim.nodes.get(B)!.external.entries()), keysOf(sim.nodes.get(M)!.internal.entries()));
  });

  it('tail loss (the last message lost) is noticed from the keep-alive and repaired', () => {
    const sim = pair();
    sim.run(2000);
    sim.dropIf = (m) => m.type === 'data';
    changes(sim, 0, 1);
    sim.run(sim.nowMs + 10);
    sim.dropIf = null;
    assert.equal(sim.nodes.get(B)!.external.size, 0);
    sim.run(sim.nowMs + 2000);
    assert.equal(sim.nodes.get(B)!.external.size, 1);
  });

  it('converges after a period of 20% loss in both directions', () => {
    const sim = pair();
    sim.run(2000);
    sim.lossRate = 0.2;
    changes(sim, 0, 3000, 1);
    for (let i = 0; i < 3000; i += 7) sim.feed(M, { type: 'local', op: 'delete', entry: tcpEntry(i) });
    sim.run(sim.nowMs + 3000);
    sim.lossRate = 0;
    sim.run(sim.nowMs + 5000);
    const b = sim.nodes.get(B)!;
    const snap = b.snapshot(sim.nowMs);
    assert.ok(snap.counters.lost > 0, 'loss happened');
    assert.deepEqual(keysOf(b.external.entries()), keysOf(sim.nodes.get(M)!.internal.entries()));
    assert.equal(b.resyncComplete(sim.nowMs), true);
  });

  it('a gap older than the resend queue is repaired by a bulk resync', () => {
    const sim = pair({ resendQueueMsgs: 8 });
    sim.run(2000);
    sim.cut.add(B);
    changes(sim, 0, 50, 5);
    for (let i = 0; i < 10; i++) sim.feed(M, { type: 'local', op: 'delete', entry: tcpEntry(i) });
    sim.run(sim.nowMs + 20);
    sim.cut.delete(B);
    sim.run(sim.nowMs + 5000);
    const b = sim.nodes.get(B)!;
    assert.ok(sim.nodes.get(M)!.snapshot(sim.nowMs).counters.bulksSent >= 2);
    assert.deepEqual(keysOf(b.external.entries()), keysOf(sim.nodes.get(M)!.internal.entries()));
    assert.equal(b.external.size, 40);
  });

  it('forged messages (wrong key) change nothing and are dropped as bad-mac', () => {
    const sim = pair();
    sim.run(2000);
    changes(sim, 0, 10);
    sim.run(sim.nowMs + 50);
    const b = sim.nodes.get(B)!;
    const before = keysOf(b.external.entries());
    const forged = encodeMessage(
      { senderId: M, epoch: 100, msgSeq: 999999, streamSeq: 999, ...dataBody([{ op: 'delete', entry: tcpEntry(1) }]) },
      Buffer.alloc(32, 7),
    );
    sim.inject(B, forged);
    const tampered = Buffer.from(sim.wire.at(-1)!.bytes);
    tampered[12] ^= 1; // msgSeq: covered by the MAC, and not a length the codec checks first
    sim.inject(B, tampered);
    assert.equal(sim.codecDrops['bad-mac'], 2);
    sim.run(sim.nowMs + 100);
    assert.deepEqual(keysOf(b.external.entries()), before);
  });

  it('replayed messages change nothing and are dropped as replay', () => {
    const sim = pair();
    sim.run(2000);
    changes(sim, 0, 5);
    sim.run(sim.nowMs + 50);
    sim.feed(M, { type: 'local', op: 'delete', entry: tcpEntry(2) });
    sim.run(sim.nowMs + 50);
    const deleteMsg = sim.wire.filter((w) => w.from === M).at(-1)!.bytes;
    sim.feed(M, { type: 'local', op: 'upsert', entry: tcpEntry(2) });
    sim.run(sim.nowMs + 50);
    const b = sim.nodes.get(B)!;
    assert.equal(b.external.has(tcpEntry(2)), true);
    const before = keysOf(b.external.entries());
    // Replay the old DELETE, and replay an old keep-alive, the whole history even.
    for (const w of sim.wire.filter((x) => x.from === M)) sim.inject(B, w.bytes);
    sim.inject(B, deleteMsg);
    sim.run(sim.nowMs + 100);
    assert.deepEqual(keysOf(b.external.entries()), before);
    assert.ok((b.snapshot(sim.nowMs).counters.drops['replay'] ?? 0) > 0);
  });

  it('messages from an older epoch of the same sender are refused', () => {
    const sim = pair();
    sim.run(2000);
    const old = encodeMessage(
      { senderId: M, epoch: 99, msgSeq: 1_000_000, streamSeq: 1, ...dataBody([{ op: 'upsert', entry: tcpEntry(77) }]) },
      KEY,
    );
    sim.inject(B, old);
    const b = sim.nodes.get(B)!;
    assert.equal(b.external.has(tcpEntry(77)), false);
    assert.equal(b.snapshot(sim.nowMs).counters.drops['stale-epoch'], 1);
  });

  it('takeover: the new master confirms, the old master resyncs from it', () => {
    const sim = pair();
    changes(sim, 0, 40);
    sim.run(2000);
    // B takes over: the shell commits B's external cache, which then becomes its internal one.
    const b = sim.nodes.get(B)!;
    const committed = [...b.external.entries()];
    b.adoptExternal();
    sim.feed(B, { type: 'role', role: 'master', committed: committed.length });
    sim.feed(M, { type: 'role', role: 'backup' });
    const m = sim.nodes.get(M)!;
    assert.equal(m.resyncComplete(sim.nowMs), false);
    sim.run(sim.nowMs + 1000);
    const confirmed = sim.effects.get(M)!.filter((e) => e.type === 'masterConfirmed');
    assert.deepEqual(confirmed, [{ type: 'masterConfirmed', masterId: B, committed: 40 }]);
    assert.equal(m.resyncComplete(sim.nowMs), true);
    assert.deepEqual(keysOf(m.external.entries()), keysOf(b.internal.entries()));
    sim.feed(B, { type: 'local', op: 'upsert', entry: tcpEntry(500) });
    sim.run(sim.nowMs + 100);
    assert.equal(m.external.has(tcpEntry(500)), true);
  });

  it('a backup that hears no master is in sync after the grace period (nothing to sync)', () => {
    const sim = new Sim();
    const b = sim.add({ nodeId: B, epoch: 1, noPeerGraceMs: 3000 });
    sim.run(1000);
    assert.equal(b.resyncComplete(sim.nowMs), false);
    sim.run(3500);
    assert.equal(b.resyncComplete(sim.nowMs), true);
    assert.ok(b.snapshot(sim.nowMs).counters.resyncRequestsSent >= 1);
  });

  it('a restarted master (new epoch) is followed after its bulk; stale entries are swept', () => {
    const sim = pair();
    changes(sim, 0, 20);
    sim.run(2000);
    sim.nodes.delete(M);
    sim.add({ nodeId: M, epoch: 101 });
    // Its kernel dump at start: what it holds now.
    sim.feed(M, { type: 'localMany', changes: [0, 1].map((i) => ({ op: 'upsert' as const, entry: tcpEntry(i) })) });
    sim.feed(M, { type: 'role', role: 'master' });
    sim.run(sim.nowMs + 2000);
    assert.deepEqual(keysOf(sim.nodes.get(B)!.external.entries()), keysOf([tcpEntry(0), tcpEntry(1)]));
  });
});

describe('sync protocol: replays to a restarted receiver', () => {
  it('a recorded CONFIRM replayed after the receiver restarted is refused (stale-clock); no purge is triggered', () => {
    const sim = new Sim();
    const M = 1;
    const B = 2;
    sim.add({ nodeId: M, epoch: 100 });
    sim.add({ nodeId: B, epoch: 100 });
    sim.run(2000);
    sim.feed(M, { type: 'role', role: 'master', committed: 5 });
    sim.run(sim.nowMs + 100);
    const confirm = sim.wire.find((w) => w.from === M && decodeMessage(w.bytes, KEY) && (decodeMessage(w.bytes, KEY) as { type: string }).type === 'confirm')!;
    assert.ok(confirm, 'the takeover sent a CONFIRM');
    assert.ok(sim.effects.get(B)!.some((e) => e.type === 'masterConfirmed'), 'a fresh CONFIRM is honoured');
    // Ten minutes later B restarts (new instance: no replay state) and hears the recording.
    sim.run(sim.nowMs + 600_000);
    sim.nodes.delete(B);
    sim.add({ nodeId: B, epoch: 200 });
    sim.effects.set(B, []);
    sim.inject(B, confirm.bytes);
    const b = sim.nodes.get(B)!;
    assert.equal(sim.effects.get(B)!.some((e) => e.type === 'masterConfirmed'), false);
    assert.equal(b.snapshot(sim.nowMs).counters.drops['stale-clock'], 1);
  });

  it('a recorded stream (keep-alive, bulk) replayed to a restarted receiver does not fill its cache', () => {
    const sim = new Sim();
    const M = 1;
    const B = 2;
    sim.add({ nodeId: M, epoch: 100 });
    sim.feed(M, { type: 'role', role: 'master', committed: 0 });
    for (let i = 0; i < 20; i++) sim.feed(M, { type: 'local', op: 'upsert', entry: tcpEntry(i) });
    sim.add({ nodeId: B, epoch: 100 });
    sim.run(3000);
    assert.equal(sim.nodes.get(B)!.external.size, 20, 'live: the backup syncs');
    const recording = sim.wire.filter((w) => w.from === M).map((w) => w.bytes);
    sim.run(sim.nowMs + 600_000);
    sim.cut.add(M); // the real master is gone; only the recording speaks
    sim.nodes.delete(B);
    const b = sim.add({ nodeId: B, epoch: 300 });
    for (const bytes of recording) sim.inject(B, bytes);
    assert.equal(b.external.size, 0);
    const drops = b.snapshot(sim.nowMs).counters.drops;
    assert.ok((drops['stale-clock'] ?? 0) >= 1 && (drops['unverified-sender'] ?? 0) >= 1, JSON.stringify(drops));
    assert.equal(b.resyncComplete(sim.nowMs), false);
  });
});

describe('sync protocol: a bulk is sent in steps', () => {
  it('no single call sends the whole table; changes made between steps still converge', () => {
    const sim = new Sim();
    const M = 1;
    const B = 2;
    const m = sim.add({ nodeId: M, epoch: 100 });
    sim.feed(M, { type: 'role', role: 'master', committed: 0 });
    for (let i = 0; i < 6000; i++) sim.feed(M, { type: 'local', op: 'upsert', entry: tcpEntry(i) });
    sim.run(100);
    let largest = 0;
    const handle = m.handle.bind(m);
    m.handle = (ev, now) => {
      const out = handle(ev, now);
      largest = Math.max(largest, out.filter((e) => e.type === 'send').length);
      // Between steps: delete some entries already walked or not yet walked, add new ones, change others.
      if (ev.type === 'timeout') {
        const k = Math.floor(now) % 6000;
        out.push(...handle({ type: 'local', op: 'delete', entry: tcpEntry(k) }, now));
        out.push(...handle({ type: 'local', op: 'upsert', entry: tcpEntry(10000 + k) }, now));
        out.push(...handle({ type: 'local', op: 'upsert', entry: tcpEntry((k + 3000) % 6000, 5) }, now));
      }
      return out;
    };
    sim.add({ nodeId: B, epoch: 100 });
    sim.run(3000);
    const b = sim.nodes.get(B)!;
    assert.ok(b.snapshot(sim.nowMs).counters.bulksReceived >= 1);
    assert.ok(largest < 100, `largest burst of sends from one call: ${largest} (6,000 entries are ~220 datagrams)`);
    assert.deepEqual(keysOf(b.external.entries()), keysOf(m.internal.entries()));
  });
});
