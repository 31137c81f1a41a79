// Per-sender receive state of the sync protocol: stream position, reorder buffer, holes and NACK pacing,
// the msgSeq replay window, and whether a full bulk from this sender has completed. Pure; no clock.
import type { SyncMessage } from './codec.js';
import type { SyncDropReason } from './drops.js';

export interface ReceiverTunables {
  nackRetryMs: number;
  maxNackRetries: number;
  reorderBufferMsgs: number;
  joinWaitMs: number;
  resyncRetryMs: number;
  ackIntervalMs: number;
}

export interface OfferResult {
  /** Messages now deliverable in stream order. */
  deliver: SyncMessage[];
  nacks: Array<[number, number]>;
  /** Sequence numbers newly found missing (the loss counter). */
  newlyMissing: number;
  drop: SyncDropReason | null;
  /** The stream cannot be repaired by NACK: ask for a bulk. */
  wantResync: boolean;
}

const MAX_NACK_RANGES = 32;

export class ReceiverState {
  lastHeardMs: number;
  isMaster = false;
  /** Bulk in progress (BULK_BEGIN delivered, BULK_END not yet). */
  bulkId: number | null = null;
  /** A bulk from this sender completed since we (re)joined its stream. */
  synced = false;
  /** Earliest time a new RESYNC_REQUEST to this sender may go out. */
  resyncAt = 0;
  /**
   * A keep-alive or CONFIRM with a fresh wall-clock stamp has come from this sender+epoch. Until then its
   * stream and its CONFIRM are ignored: a receiver that restarted has no replay state, and a recording of an
   * older session must not rebuild its cache or make it purge what it owns.
   */
  verified = false;
  /** 0 = not attached to the stream: everything but a BULK_BEGIN is ignored until one arrives. */
  private nextExpected = 0;
  /** Highest stream sequence known to exist (seen or announced by a keep-alive). */
  private highestKnown = 0;
  private readonly buffer = new Map<number, SyncMessage>();
  private lastNackAtMs = 0;
  private nackRetries = 0;
  private joinedAtMs: number;
  private ackAtMs = 0;
  private lastAcked = 0;
  private highestMsgSeq = 0;
  /**
   * Which msgSeq of the window (highestMsgSeq − window, highestMsgSeq] were seen: bit (seq mod window). A bitmap
   * as in IPsec: a Set of thousands of numbers, added to and pruned on every datagram, kept the GC marking the
   * old generation all through a flood.
   */
  private seenBits: Uint8Array = new Uint8Array(0);
  private bitsWindow = 0;

  constructor(readonly id: number, readonly epoch: number, nowMs: number, private readonly t: ReceiverTunables) {
    this.lastHeardMs = nowMs;
    this.joinedAtMs = nowMs;
  }

  /** Replay window over msgSeq (as IPsec's anti-replay window): each msgSeq is accepted once. */
  acceptMsgSeq(seq: number, window: number): boolean {
    if (window !== this.bitsWindow) {
      this.bitsWindow = window;
      this.seenBits = new Uint8Array(Math.ceil(window / 8));
    }
    if (seq > this.highestMsgSeq) {
      // The window slides: the positions of the sequences it passes over are free again.
      if (seq - this.highestMsgSeq >= window) this.seenBits.fill(0);
      else for (let s = this.highestMsgSeq + 1; s < seq; s++) this.setSeen(s, false);
      this.highestMsgSeq = seq;
      this.setSeen(seq, true);
      return true;
    }
    if (seq <= this.highestMsgSeq - window || this.wasSeen(seq)) return false;
    this.setSeen(seq, true);
    return true;
  }

  private wasSeen(seq: number): boolean {
    const i = seq % this.bitsWindow;
    return (this.seenBits[i >>> 3]! & (1 << (i & 7))) !== 0;
  }

  private setSeen(seq: number, seen: boolean): void {
    const i = seq % this.bitsWindow;
    if (seen) this.seenBits[i >>> 3]! |= 1 << (i & 7);
    else this.seenBits[i >>> 3]! &= ~(1 << (i & 7));
  }

  inSync(): boolean {
    return this.synced;
  }

  /** Detach from the stream (we were demoted, or must rebuild): wait for the next bulk. */
  unsync(): void {
    this.nextExpected = 0;
    this.buffer.clear();
    this.synced = false;
    this.bulkId = null;
    this.joinedAtMs = -Infinity;
    this.resyncAt = 0;
  }

  /** Whether to keep waiting for a bulk rather than ask for one now. */
  awaitingBulk(nowMs: number, lastHeardWithinMs: number): boolean {
    if (this.nextExpected === 0) return nowMs - this.joinedAtMs < this.t.joinWaitMs;
    return this.bulkId !== null && nowMs - this.lastHeardMs < lastHeardWithinMs;
  }

  offer(msg: SyncMessage, nowMs: number): OfferResult {
    const res: OfferResult = { deliver: [], nacks: [], newlyMissing: 0, drop: null, wantResync: false };
    const seq = msg.streamSeq;
    if (this.nextExpected === 0 || (msg.type === 'bulkBegin' && seq > this.nextExpected)) {
      if (msg.type !== 'bulkBegin') {
        res.drop = 'awaiting-resync';
        return res;
      }
      // A bulk is a resync point: whatever was missing before it no longer matters.
      for (const k of this.buffer.keys()) if (k < seq) this.buffer.delete(k);
      if (this.nextExpected !== 0) this.synced = false;
      this.nextExpected = seq;
      this.nackRetries = 0;
    }
    if (seq < this.nextExpected || this.buffer.has(seq)) {
      res.drop = 'duplicate';
      return res;
    }
    if (seq > this.nextExpected) {
      if (this.buffer.size >= this.t.reorderBufferMsgs) {
        res.drop = 'reorder-overflow';
        res.wantResync = true;
        return res;
      }
      // Kept beyond this call: DATA bytes may be a view into the transport's reused receive buffer.
      this.buffer.set(seq, msg.type === 'data' ? { ...msg, bytes: Buffer.from(msg.bytes) } : msg);
      const prevHigh = Math.max(this.highestKnown, this.nextExpected - 1);
      if (seq - 1 > prevHigh) {
        res.nacks.push([prevHigh + 1, seq - 1]);
        res.newlyMissing = seq - 1 - prevHigh;
        this.lastNackAtMs = nowMs;
      }
      this.highestKnown = Math.max(this.highestKnown, seq);
      return res;
    }
    res.deliver.push(msg);
    this.nextExpected++;
    for (let m = this.buffer.get(this.nextExpected); m; m = this.buffer.get(this.nextExpected)) {
      this.buffer.delete(this.nextExpected);
      res.deliver.push(m);
      this.nextExpected++;
    }
    this.highestKnown = Math.max(this.highestKnown, this.nextExpected - 1);
    if (!this.hasHoles()) this.nackRetries = 0;
    return res;
  }

  /** A keep-alive announced the sender's highest sequence: NACK a tail we never received. */
  noteHighest(streamSeq: number, nowMs: number): Array<[number, number]> {
    if (this.nextExpected === 0 || streamSeq <= this.highestKnown) return [];
    const from = Math.max(this.highestKnown + 1, this.nextExpected);
    this.highestKnown = streamSeq;
    if (from > streamSeq) return [];
    this.lastNackAtMs = nowMs;
    return [[from, streamSeq]];
  }

  hasHoles(): boolean {
    return this.nextExpected !== 0 && this.highestKnown >= this.nextExpected;
  }

  /** Missing ranges between the stream position and the highest known sequence. */
  holes(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let start = -1;
    for (let s = this.nextExpected; s <= this.highestKnown && out.length < MAX_NACK_RANGES; s++) {
      const have = this.buffer.has(s);
      if (!have && start < 0) start = s;
      if (have && start >= 0) {
        out.push([start, s - 1]);
        start = -1;
      }
    }
    if (start >= 0 && out.length < MAX_NACK_RANGES) out.push([start, this.highestKnown]);
    return out;
  }

  onTimer(nowMs: number): { nacks: Array<[number, number]>; wantResync: boolean; ackUpTo: number | null } {
    const r = { nacks: [] as Array<[number, number]>, wantResync: false, ackUpTo: null as number | null };
    if (this.hasHoles() && nowMs >= this.lastNackAtMs + this.t.nackRetryMs) {
      this.lastNackAtMs = nowMs;
      if (++this.nackRetries > this.t.maxNackRetries) {
        this.nackRetries = 0;
        r.wantResync = true;
      } else {
        r.nacks = this.holes();
      }
    }
    if (this.nextExpected !== 0 && nowMs >= this.ackAtMs) {
      this.ackAtMs = nowMs + this.t.ackIntervalMs;
      if (this.nextExpected - 1 !== this.lastAcked) {
        this.lastAcked = this.nextExpected - 1;
        r.ackUpTo = this.lastAcked;
      }
    }
    return r;
  }

  nextDeadline(): number | null {
    let d: number | null = null;
    if (this.hasHoles()) d = this.lastNackAtMs + this.t.nackRetryMs;
    if (this.nextExpected !== 0 && this.nextExpected - 1 !== this.lastAcked) {
      d = d === null ? this.ackAtMs : Math.min(d, this.ackAtMs);
    }
    return d;
  }
}
