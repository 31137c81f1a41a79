// The connection-sync protocol core: no I/O, no clock. The shell (service.ts) feeds events with `now` and
// executes the returned effects; nextDeadline() says when to call again with a timeout (design.md, raft shape).
//
// Reliability follows conntrackd FT-FW (peers.md §1.4): per-message stream sequence numbers, a bounded resend
// queue at the sender, NACK(from,to) from a receiver that sees a gap, keep-alives that carry the highest sequence
// so tail loss is noticed. Differences: a full bulk resync is also a *resync point* (a receiver that cannot be
// repaired jumps to the next BULK_BEGIN and mark-and-sweeps its cache), a sender that no longer holds a NACKed
// range answers with a bulk instead of losing the entries for good, and every message has a per-message msgSeq
// checked against a replay window (the MAC is checked by the codec before this core sees anything).
import type { ConntrackEntry } from '../conntrack/types.js';
import { copyRecord, OP_DELETE, OP_UPSERT, RECORD_MAX, recordLenAt, writeRecord } from '../conntrack/record.js';
import { HEADER_LEN, MAC_LEN, RELIABLE_TYPES, type SyncBody, type SyncMessage, type SyncRecord } from './codec.js';
import { ConnTable } from './table.js';
import { ReceiverState } from './receiver.js';
import type { SyncDropCounts, SyncDropReason } from './drops.js';

export interface SyncProtocolConfig {
  /** This node's id on the sync channel (non-zero u32, e.g. derived from the sync interface address). */
  nodeId: number;
  /** Session number; must grow across restarts (the shell uses wall-clock seconds) so old traffic is refused. */
  epoch: number;
  /** UDP payload budget per datagram. */
  maxDatagramBytes?: number;
  /** How long a change may wait for more changes to share its datagram. */
  flushDelayMs?: number;
  keepaliveMs?: number;
  /** A master not heard from for this long is reported stale. */
  peerTimeoutMs?: number;
  /** Resend an unanswered NACK after this long; after maxNackRetries ask for a bulk resync instead. */
  nackRetryMs?: number;
  maxNackRetries?: number;
  /** Messages kept for retransmission (conntrackd ResendQueueSize counts objects; we count datagrams). */
  resendQueueMsgs?: number;
  /** Out-of-order reliable messages a receiver buffers while it waits for a hole to be filled. */
  reorderBufferMsgs?: number;
  /** Accept a msgSeq at most this far below the highest seen (reordering on the link); older is a replay. */
  replayWindow?: number;
  /** Repeat RESYNC_REQUEST this often while not in sync with a master. */
  resyncRetryMs?: number;
  /** Wait this long for an unsolicited bulk (e.g. after a takeover CONFIRM) before asking for one. */
  joinWaitMs?: number;
  /** Coalesce resync requests arriving within this window into one bulk. */
  bulkCoalesceMs?: number;
  /** With no master heard for this long after start, there is nothing to sync: resyncComplete() is true. */
  noPeerGraceMs?: number;
  ackIntervalMs?: number;
  /**
   * Wall clock = nowMs + wallOffsetMs (the shell sets Date.now() − its monotonic clock; the core reads no
   * clock). Default: a fixed instant, so virtual-time tests agree across nodes.
   */
  wallOffsetMs?: number;
  /** A keep-alive/CONFIRM whose wall stamp differs from ours by more than this is stale (a replay). */
  maxClockSkewMs?: number;
  /**
   * msgSeq and streamSeq are u32 on the wire. Before either reaches this, the sender starts a new epoch (epoch+1,
   * sequences from 1; receivers take it as a restarted peer and get a bulk), so a stream never wraps. Default
   * 2^32 − 2^20 (headroom for what one call sends); small values are for tests.
   */
  seqRollover?: number;
}

export type SyncEvent =
  | { type: 'start' }
  /** A change in this node's kernel table (already filtered). */
  | { type: 'local'; op: 'upsert' | 'delete'; entry: ConntrackEntry }
  /** Several changes at once, in kernel order (the shell batches what one socket read delivered). */
  | { type: 'localMany'; changes: readonly SyncRecord[] }
  /**
   * The same as compact records (src/conntrack/record.ts), as the kernel port reads them (no objects): one burst
   * of events, sent without waiting for more (see handle()).
   */
  | { type: 'localRecords'; count: number; bytes: Uint8Array }
  /** A message that passed decodeMessage() (MAC verified). */
  | { type: 'received'; msg: SyncMessage }
  | { type: 'timeout' }
  /** Role change. For 'master' the shell has already committed the external cache; committed = how many. */
  | { type: 'role'; role: 'master' | 'backup'; committed?: number };

export type SyncEffect =
  | { type: 'send'; msg: SyncMessage }
  /** A bulk from this master completed: our external cache equals its table. */
  | { type: 'resynced'; masterId: number }
  /** Another node confirmed it took over and committed. */
  | { type: 'masterConfirmed'; masterId: number; committed: number };

export interface SyncCounters {
  sent: number;
  resent: number;
  received: number;
  /** Reliable messages found missing (gaps detected), before repair. */
  lost: number;
  nacksSent: number;
  bulksSent: number;
  bulksReceived: number;
  resyncRequestsSent: number;
  /** New epochs started because the sequences were about to wrap (see seqRollover). */
  epochRollovers: number;
  /** Drops by reason (src/sync/drops.ts); a reason never seen is absent. */
  drops: SyncDropCounts;
}

export interface ProtocolSnapshot {
  role: 'master' | 'backup';
  internalEntries: number;
  externalEntries: number;
  currentMaster: number | null;
  inSync: boolean;
  masterStale: boolean;
  lastResyncAtMs: number | null;
  resendQueueMsgs: number;
  nextStreamSeq: number;
  counters: SyncCounters;
}

interface Required_ {
  maxDatagramBytes: number;
  flushDelayMs: number;
  keepaliveMs: number;
  peerTimeoutMs: number;
  nackRetryMs: number;
  maxNackRetries: number;
  resendQueueMsgs: number;
  reorderBufferMsgs: number;
  replayWindow: number;
  resyncRetryMs: number;
  joinWaitMs: number;
  bulkCoalesceMs: number;
  noPeerGraceMs: number;
  ackIntervalMs: number;
  wallOffsetMs: number;
  maxClockSkewMs: number;
  seqRollover: number;
}

export const PROTOCOL_DEFAULTS: Required_ = {
  maxDatagramBytes: 1400,
  flushDelayMs: 2,
  keepaliveMs: 1000, // conntrackd ALIVE_INT
  peerTimeoutMs: 3000,
  nackRetryMs: 100,
  maxNackRetries: 8,
  resendQueueMsgs: 16384,
  reorderBufferMsgs: 8192,
  replayWindow: 4096,
  resyncRetryMs: 1000,
  joinWaitMs: 200,
  bulkCoalesceMs: 20,
  noPeerGraceMs: 3000,
  ackIntervalMs: 500,
  wallOffsetMs: Date.UTC(2025, 0, 1),
  maxClockSkewMs: 120_000,
  seqRollover: 2 ** 32 - 2 ** 20,
};

/** Wire wall-clock stamps: deciseconds since this instant (as the epoch). */
const WALL_BASE_MS = Date.UTC(2024, 0, 1);

/** Datagrams of a bulk sent per step (about 1,700 IPv4 entries, a few ms of encoding and signing). */
const BULK_STEP_DATAGRAMS = 64;

/** Bytes of a DATA datagram that are not records: header, MAC, record count. */
const HEADER_BYTES = HEADER_LEN + MAC_LEN + 2;

/**
 * The last `capacity` reliable messages by stream sequence, in a ring: sequences are consecutive, so message s
 * lives at s mod capacity and overwrites the one `capacity` before it. (A Map with an insert and a delete per
 * datagram kept reallocating its table in the old generation, which kept the GC marking during a flood.)
 */
class ResendRing {
  private readonly seqs: Float64Array;
  private readonly bodies: Array<SyncBody | undefined>;
  private count = 0;
  constructor(readonly capacity: number) {
    const n = Math.max(1, capacity);
    this.seqs = new Float64Array(n).fill(-1);
    this.bodies = new Array<SyncBody | undefined>(n).fill(undefined);
  }
  get size(): number {
    return this.count;
  }
  set(seq: number, body: SyncBody): void {
    const i = seq % this.seqs.length;
    if (this.seqs[i] === -1) this.count++;
    this.seqs[i] = seq;
    this.bodies[i] = body;
  }
  get(seq: number): SyncBody | undefined {
    const i = seq % this.seqs.length;
    return this.seqs[i] === seq ? this.bodies[i] : undefined;
  }
}

/** Records being gathered into one DATA datagram. */
class RecordBatch {
  bytes: Buffer;
  len = 0;
  count = 0;
  readonly capacity: number;
  constructor(maxBytes: number) {
    this.capacity = Math.max(RECORD_MAX, maxBytes); // one record always fits, whatever the datagram budget
    this.bytes = Buffer.allocUnsafe(this.capacity);
  }
  fits(len: number): boolean {
    return this.len + len <= this.capacity;
  }
  add(src: Uint8Array, off: number, len: number, op: number): void {
    copyRecord(src, off, this.bytes, this.len, len);
    this.bytes[this.len] = op;
    this.len += len;
    this.count++;
  }
  /** The DATA body of what was added (an exact-size copy: it may sit in the resend queue), and reset. */
  take(): SyncBody {
    const bytes = Buffer.allocUnsafe(this.len);
    this.bytes.copy(bytes, 0, 0, this.len);
    const body: SyncBody = { type: 'data', count: this.count, bytes };
    this.len = 0;
    this.count = 0;
    return body;
  }
}

export class SyncProtocol {
  readonly internal = new ConnTable();
  readonly external = new ConnTable();
  private readonly cfg: Required_;
  private role: 'master' | 'backup' = 'backup';
  private msgSeq = 0;
  private nextStreamSeq = 1;
  /** Our session number on the wire: the configured epoch, plus one per sequence rollover. */
  private epoch: number;
  private resendQueue: ResendRing;
  private readonly batch: RecordBatch;
  private batchDeadline: number | null = null;
  private bulkDeadline: number | null = null;
  /** A bulk in progress: sent a slice per step so that no single call copies the whole table; `slot` is the walk. */
  private bulk: { id: number; slot: number; count: number; stepAt: number; out: RecordBatch } | null = null;
  /** One record written from an entry object. */
  private readonly scratch = Buffer.alloc(RECORD_MAX);
  private bulkAgain = false;
  private keepaliveAt: number | null = null;
  private resyncAt: number | null = null;
  private startedAtMs: number | null = null;
  private readonly receivers = new Map<number, ReceiverState>();
  private currentMaster: number | null = null;
  private lastResyncAtMs: number | null = null;
  private readonly counters: SyncCounters = {
    sent: 0, resent: 0, received: 0, lost: 0, nacksSent: 0, bulksSent: 0, bulksReceived: 0, resyncRequestsSent: 0, epochRollovers: 0, drops: {},
  };

  constructor(private readonly base: SyncProtocolConfig) {
    this.cfg = { ...PROTOCOL_DEFAULTS, ...Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) } as Required_;
    this.batch = new RecordBatch(this.cfg.maxDatagramBytes - HEADER_BYTES);
    this.resendQueue = new ResendRing(this.cfg.resendQueueMsgs);
    this.epoch = base.epoch >>> 0;
  }

  get nodeId(): number {
    return this.base.nodeId;
  }

  handle(ev: SyncEvent, nowMs: number): SyncEffect[] {
    const out: SyncEffect[] = [];
    if (this.msgSeq >= this.cfg.seqRollover || this.nextStreamSeq >= this.cfg.seqRollover) this.newEpoch(nowMs, out);
    switch (ev.type) {
      case 'start':
        this.startedAtMs = nowMs;
        this.keepaliveAt = nowMs;
        this.resyncAt = nowMs;
        break;
      case 'local':
        this.onLocal(ev.op, ev.entry, nowMs, out);
        break;
      case 'localMany':
        for (const c of ev.changes) this.onLocal(c.op, c.entry, nowMs, out);
        break;
      case 'localRecords':
        for (let i = 0, off = 0; i < ev.count; i++) off += this.onLocalRecord(ev.bytes, off, nowMs, out);
        // A burst read from the kernel goes out whole, its last datagram too: waiting flushDelayMs for more would
        // only leave those changes unreplicated for longer (conntrackd also flushes at the end of each loop).
        if (this.role === 'master') this.flushBatch(out);
        break;
      case 'received':
        this.onReceived(ev.msg, nowMs, out);
        break;
      case 'role':
        this.onRole(ev.role, ev.committed ?? 0, nowMs, out);
        break;
      case 'timeout':
        break;
    }
    this.onTimers(nowMs, out);
    return out;
  }

  nextDeadline(): number | null {
    let d: number | null = null;
    const consider = (t: number | null): void => {
      if (t !== null && (d === null || t < d)) d = t;
    };
    consider(this.batchDeadline);
    consider(this.bulkDeadline);
    consider(this.bulk?.stepAt ?? null);
    consider(this.keepaliveAt);
    if (this.role === 'backup' && !this.syncedWithMaster()) consider(this.resyncAt);
    if (this.role === 'backup') {
      for (const r of this.receivers.values()) if (r.isMaster) consider(r.nextDeadline());
    }
    return d;
  }

  /** For sync-aware preemption: a master owns the truth; a backup is done when a bulk from the master completed. */
  resyncComplete(nowMs: number): boolean {
    if (this.role === 'master') return true;
    if (this.syncedWithMaster()) return true;
    const heardMaster = [...this.receivers.values()].some((r) => r.isMaster);
    return !heardMaster && this.startedAtMs !== null && nowMs - this.startedAtMs >= this.cfg.noPeerGraceMs;
  }

  snapshot(nowMs: number): ProtocolSnapshot {
    const m = this.currentMaster !== null ? this.receivers.get(this.currentMaster) : undefined;
    return {
      role: this.role,
      internalEntries: this.internal.size,
      externalEntries: this.external.size,
      currentMaster: this.currentMaster,
      inSync: this.resyncComplete(nowMs),
      masterStale: m ? nowMs - m.lastHeardMs > this.cfg.peerTimeoutMs : false,
      lastResyncAtMs: this.lastResyncAtMs,
      resendQueueMsgs: this.resendQueue.size,
      nextStreamSeq: this.nextStreamSeq,
      counters: { ...this.counters, drops: { ...this.counters.drops } },
    };
  }

  private syncedWithMaster(): boolean {
    if (this.currentMaster === null) return false;
    return this.receivers.get(this.currentMaster)?.inSync() ?? false;
  }

  private drop(reason: SyncDropReason): void {
    this.counters.drops[reason] = (this.counters.drops[reason] ?? 0) + 1;
  }

  // ---------------------------------------------------------------- sending

  private stamp(body: SyncBody, streamSeq: number): SyncMessage {
    this.msgSeq = (this.msgSeq + 1) >>> 0;
    return { senderId: this.base.nodeId, epoch: this.epoch, msgSeq: this.msgSeq, streamSeq, ...body } as SyncMessage;
  }

  /**
   * The sequences are about to wrap: continue as a new session. Receivers see a larger epoch, start a fresh
   * receive state (replay window, stream position) and wait for a bulk, which a master sends at once; the
   * keep-alive first lets them trust the new epoch (see ReceiverState.verified).
   */
  private newEpoch(nowMs: number, out: SyncEffect[]): void {
    this.epoch = (this.epoch + 1) >>> 0;
    this.msgSeq = 0;
    this.nextStreamSeq = 1;
    this.resendQueue = new ResendRing(this.cfg.resendQueueMsgs);
    this.bulk = null;
    this.bulkAgain = false;
    this.counters.epochRollovers++;
    this.sendControl({ type: 'keepalive', role: this.role, wallDs: this.wallDs(nowMs) }, out);
    this.keepaliveAt = nowMs + this.cfg.keepaliveMs;
    if (this.role === 'master') this.scheduleBulk(nowMs);
  }

  private wallDs(nowMs: number): number {
    return Math.max(0, Math.floor((nowMs + this.cfg.wallOffsetMs - WALL_BASE_MS) / 100)) >>> 0;
  }

  /** Within maxClockSkewMs of our wall clock (u32 deciseconds; absent = an old peer or a forged short form). */
  private fresh(wallDs: number | undefined, nowMs: number): boolean {
    if (wallDs === undefined) return false;
    return Math.abs(wallDs - this.wallDs(nowMs)) * 100 <= this.cfg.maxClockSkewMs;
  }

  private sendControl(body: SyncBody, out: SyncEffect[]): void {
    this.counters.sent++;
    out.push({ type: 'send', msg: this.stamp(body, this.nextStreamSeq - 1) });
  }

  private sendReliable(body: SyncBody, out: SyncEffect[]): void {
    const seq = this.nextStreamSeq++;
    // Bounded: the oldest message is forgotten; a NACK for it is answered with a bulk resync.
    this.resendQueue.set(seq, body);
    this.counters.sent++;
    out.push({ type: 'send', msg: this.stamp(body, seq) });
  }

  private onLocal(op: 'upsert' | 'delete', entry: ConntrackEntry, nowMs: number, out: SyncEffect[]): void {
    writeRecord(op === 'upsert' ? OP_UPSERT : OP_DELETE, entry, this.scratch, 0);
    this.onLocalRecord(this.scratch, 0, nowMs, out);
  }

  /** One change as a record at buf[off…] (its op byte says upsert or delete); returns the record's length. */
  private onLocalRecord(buf: Uint8Array, off: number, nowMs: number, out: SyncEffect[]): number {
    const op = buf[off]!;
    const len = recordLenAt(buf, off);
    if (op === OP_DELETE) this.internal.deleteRecord(buf, off);
    else this.internal.upsertRecord(buf, off);
    if (this.role !== 'master') return len;
    if (this.batch.count > 0 && !this.batch.fits(len)) this.flushBatch(out);
    this.batch.add(buf, off, len, op);
    if (this.batchDeadline === null) this.batchDeadline = nowMs + this.cfg.flushDelayMs;
    return len;
  }

  private flushBatch(out: SyncEffect[]): void {
    this.batchDeadline = null;
    if (this.batch.count === 0) return;
    this.sendReliable(this.batch.take(), out);
  }

  private scheduleBulk(nowMs: number): void {
    if (this.bulk) {
      this.bulkAgain = true; // one more after the running one: it may have passed what the asker misses
      return;
    }
    if (this.bulkDeadline === null) this.bulkDeadline = nowMs + this.cfg.bulkCoalesceMs;
  }

  /**
   * After the commit at takeover: the external cache becomes the internal one (conntrackd flushes both caches
   * after `-c`, primary-backup.sh), in O(entries we held before) instead of a copy of 100,000 entries on the
   * takeover path. The kernel dump that follows corrects whatever the commit did not create.
   */
  adoptExternal(): void {
    this.internal.absorb(this.external);
  }

  /**
   * BULK_BEGIN, the whole internal cache as upserts, BULK_END — all reliable, all repairable by NACK. Sent in
   * steps of BULK_STEP_DATAGRAMS (nextDeadline() asks to be called again at once), so a 100,000-entry bulk never
   * holds the event loop for the whole encode-and-sign. The cache is walked live: a change made meanwhile is
   * either seen by the walk or streamed as an ordinary change after it; in stream order both end right.
   */
  private sendBulk(nowMs: number, out: SyncEffect[]): void {
    this.bulkDeadline = null;
    this.flushBatch(out);
    // A fresh wall stamp first: a receiver that has not verified us yet (it just started) accepts the bulk.
    this.sendControl({ type: 'keepalive', role: this.role, wallDs: this.wallDs(nowMs) }, out);
    this.keepaliveAt = nowMs + this.cfg.keepaliveMs;
    const bulkId = nowMs >>> 0;
    this.sendReliable({ type: 'bulkBegin', bulkId }, out);
    this.bulk = { id: bulkId, slot: 0, count: 0, stepAt: nowMs, out: new RecordBatch(this.cfg.maxDatagramBytes - HEADER_BYTES) };
    this.stepBulk(nowMs, out);
  }

  private stepBulk(nowMs: number, out: SyncEffect[]): void {
    const b = this.bulk;
    if (!b) return;
    this.flushBatch(out); // changes made since the last step go first
    const t = this.internal;
    let datagrams = 0;
    for (; b.slot < t.slotLimit; b.slot++) {
      if (!t.live(b.slot)) continue;
      const buf = t.bufferOf(b.slot);
      const off = t.offsetOf(b.slot);
      const len = recordLenAt(buf, off);
      if (b.out.count > 0 && !b.out.fits(len)) {
        this.sendReliable(b.out.take(), out);
        if (++datagrams >= BULK_STEP_DATAGRAMS) {
          b.stepAt = nowMs;
          return;
        }
      }
      b.out.add(buf, off, len, OP_UPSERT);
      b.count++;
    }
    if (b.out.count) this.sendReliable(b.out.take(), out);
    this.sendReliable({ type: 'bulkEnd', bulkId: b.id, count: b.count }, out);
    this.counters.bulksSent++;
    this.bulk = null;
    if (this.bulkAgain) {
      this.bulkAgain = false;
      this.scheduleBulk(nowMs);
    }
  }

  private onRole(role: 'master' | 'backup', committed: number, nowMs: number, out: SyncEffect[]): void {
    if (role === this.role) return;
    this.role = role;
    if (role === 'master') {
      this.currentMaster = this.base.nodeId;
      this.sendControl({ type: 'confirm', committed, wallDs: this.wallDs(nowMs) }, out);
      this.scheduleBulk(nowMs);
    } else {
      this.batch.take();
      this.batchDeadline = null;
      this.bulkDeadline = null;
      this.bulk = null;
      this.bulkAgain = false;
      if (this.currentMaster === this.base.nodeId) this.currentMaster = null;
      // What we held as master is not a peer's truth: rebuild from the new master's bulk.
      for (const r of this.receivers.values()) r.unsync();
      this.resyncAt = nowMs;
    }
    this.keepaliveAt = nowMs;
  }

  private resend(from: number, to: number, nowMs: number, out: SyncEffect[]): void {
    const last = this.nextStreamSeq - 1;
    const hi = Math.min(to, last);
    let missing = false;
    for (let s = from; s <= hi; s++) {
      const body = this.resendQueue.get(s);
      if (!body) {
        missing = true;
        continue;
      }
      this.counters.sent++;
      this.counters.resent++;
      out.push({ type: 'send', msg: this.stamp(body, s) });
    }
    // Part of the range is gone from the queue: only a full resync can repair the receiver now.
    if (missing) this.scheduleBulk(nowMs);
  }

  // ---------------------------------------------------------------- receiving

  private onReceived(msg: SyncMessage, nowMs: number, out: SyncEffect[]): void {
    if (msg.senderId === this.base.nodeId) return this.drop('own-message');
    let r = this.receivers.get(msg.senderId);
    if (r && msg.epoch < r.epoch) return this.drop('stale-epoch');
    if (!r || msg.epoch > r.epoch) {
      // New peer or restarted peer: a fresh session; its old stream means nothing now.
      r = new ReceiverState(msg.senderId, msg.epoch, nowMs, this.cfg);
      this.receivers.set(msg.senderId, r);
    }
    if (!r.acceptMsgSeq(msg.msgSeq, this.cfg.replayWindow)) return this.drop('replay');
    // A sender is trusted once a fresh wall stamp came from it (see ReceiverState.verified).
    if ((msg.type === 'keepalive' || msg.type === 'confirm') && !this.fresh(msg.wallDs, nowMs)) return this.drop('stale-clock');
    if (msg.type === 'keepalive' || msg.type === 'confirm') r.verified = true;
    if (!r.verified && RELIABLE_TYPES.has(msg.type)) return this.drop('unverified-sender');

    this.counters.received++;
    r.lastHeardMs = nowMs;

    if (RELIABLE_TYPES.has(msg.type)) {
      r.isMaster = true;
      if (this.role === 'backup') this.currentMaster = msg.senderId;
      return this.onReliable(r, msg, nowMs, out);
    }
    switch (msg.type) {
      case 'keepalive':
        r.isMaster = msg.role === 'master';
        if (r.isMaster && this.role === 'backup') {
          this.currentMaster = msg.senderId;
          // Tail loss: the master has sent more than we received.
          const tail = r.noteHighest(msg.streamSeq, nowMs);
          for (const [from, to] of tail) this.counters.lost += to - from + 1;
          this.emitNacks(r, tail, out);
        }
        break;
      case 'confirm':
        r.isMaster = true;
        if (this.role === 'backup') this.currentMaster = msg.senderId;
        out.push({ type: 'masterConfirmed', masterId: msg.senderId, committed: msg.committed });
        break;
      case 'nack':
        if (msg.targetId === this.base.nodeId && msg.targetEpoch === this.epoch) this.resend(msg.from, msg.to, nowMs, out);
        break;
      case 'resyncRequest':
        if (this.role === 'master' && (msg.targetId === 0 || msg.targetId === this.base.nodeId)) this.scheduleBulk(nowMs);
        break;
      case 'ack':
        break;
    }
  }

  private onReliable(r: ReceiverState, msg: SyncMessage, nowMs: number, out: SyncEffect[]): void {
    const res = r.offer(msg, nowMs);
    if (res.drop) this.drop(res.drop);
    this.counters.lost += res.newlyMissing;
    if (this.role === 'backup') this.emitNacks(r, res.nacks, out);
    if (res.wantResync && this.role === 'backup') this.requestResync(r.id, nowMs, out);
    for (const m of res.deliver) this.apply(r, m, nowMs, out);
  }

  private apply(r: ReceiverState, m: SyncMessage, nowMs: number, out: SyncEffect[]): void {
    switch (m.type) {
      case 'data':
        for (let i = 0, off = 0; i < m.count; i++) {
          if (m.bytes[off] === OP_DELETE) this.external.deleteRecord(m.bytes, off);
          else this.external.upsertRecord(m.bytes, off);
          off += recordLenAt(m.bytes, off);
        }
        break;
      case 'bulkBegin':
        this.external.markAll();
        r.bulkId = m.bulkId;
        break;
      case 'bulkEnd':
        if (r.bulkId === m.bulkId) {
          this.external.sweep();
          r.bulkId = null;
          r.synced = true;
          this.counters.bulksReceived++;
          this.lastResyncAtMs = nowMs;
          out.push({ type: 'resynced', masterId: r.id });
        }
        break;
      default:
        break;
    }
  }

  private emitNacks(r: ReceiverState, ranges: Array<[number, number]>, out: SyncEffect[]): void {
    for (const [from, to] of ranges) {
      this.counters.nacksSent++;
      this.sendControl({ type: 'nack', targetId: r.id, targetEpoch: r.epoch, from, to }, out);
    }
  }

  // ---------------------------------------------------------------- timers

  private onTimers(nowMs: number, out: SyncEffect[]): void {
    if (this.batchDeadline !== null && nowMs >= this.batchDeadline) this.flushBatch(out);
    if (this.bulk && nowMs >= this.bulk.stepAt) this.stepBulk(nowMs, out);
    if (this.bulkDeadline !== null && nowMs >= this.bulkDeadline && this.role === 'master') this.sendBulk(nowMs, out);
    if (this.keepaliveAt !== null && nowMs >= this.keepaliveAt) {
      this.sendControl({ type: 'keepalive', role: this.role, wallDs: this.wallDs(nowMs) }, out);
      this.keepaliveAt = nowMs + this.cfg.keepaliveMs;
    }
    for (const r of this.receivers.values()) {
      if (this.role !== 'backup' || !r.isMaster) continue;
      const t = r.onTimer(nowMs);
      this.emitNacks(r, t.nacks, out);
      if (t.wantResync) this.requestResync(r.id, nowMs, out);
      if (t.ackUpTo !== null) this.sendControl({ type: 'ack', targetId: r.id, targetEpoch: r.epoch, upTo: t.ackUpTo }, out);
    }
    // Nobody's stream in sync yet (just started, or just demoted): ask whoever is master.
    if (this.role === 'backup' && this.resyncAt !== null && nowMs >= this.resyncAt && !this.syncedWithMaster()) {
      const known = this.currentMaster !== null ? this.receivers.get(this.currentMaster) : undefined;
      if (known && known.awaitingBulk(nowMs, this.cfg.resyncRetryMs)) {
        this.resyncAt = nowMs + Math.min(this.cfg.joinWaitMs, this.cfg.resyncRetryMs);
      } else {
        this.requestResync(known ? known.id : 0, nowMs, out);
        this.resyncAt = nowMs + this.cfg.resyncRetryMs;
      }
    }
  }

  private requestResync(targetId: number, nowMs: number, out: SyncEffect[]): void {
    const r = this.receivers.get(targetId);
    if (r) {
      if (nowMs < r.resyncAt) return; // one request per resyncRetryMs per master, however many triggers
      r.resyncAt = nowMs + this.cfg.resyncRetryMs;
    }
    this.counters.resyncRequestsSent++;
    this.sendControl({ type: 'resyncRequest', targetId }, out);
  }
}
