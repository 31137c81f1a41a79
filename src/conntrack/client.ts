// ctnetlink client over the vipd_net addon: full dump, event subscription, pipelined create/update/delete.
// Two sockets: one for requests (ACKs and dumps, matched by sequence number) and one joined to the conntrack
// event groups, so a flood of events never delays the ACKs of a commit. Spawns nothing: no `conntrack` binary.
import * as C from './constants.js';
import { decodeConntrack, newDecodeScratch, encodeCreate, encodeDelete, encodeDumpRequest, encodeSetTimeout, encodeUpdate, type DecodedConntrack } from './codec.js';
import { nlmsg, splitMessages, type NlMsg } from './nlattr.js';
import { NlWriter } from './writer.js';
import { entryKey, type ConntrackEntry, type IpFamily } from './types.js';
import { nativeNet, type NativeNet, type PollHandle } from '../net/native.js';

const EEXIST = 17;
/**
 * Receive buffer per recvmsg: larger than any netlink skb the kernel builds for dumps/events (≤ 32 KB), small
 * enough for the addon's per-call allocation to stay off mmap.
 */
const RECV_BYTES = 64 * 1024;
/** Requests coalesced into one sendmsg: nfnetlink processes every message of the datagram in turn. */
const SEND_BATCH_BYTES = 60 * 1024;
const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 16: 'EBUSY', 17: 'EEXIST', 22: 'EINVAL', 95: 'EOPNOTSUPP', 105: 'ENOBUFS', 11: 'EAGAIN',
};

export class CtNetlinkError extends Error {
  constructor(readonly errno: number, what: string) {
    super(`ctnetlink ${what}: ${ERRNO_NAMES[errno] ?? `errno ${errno}`}`);
  }
  get code(): string {
    return ERRNO_NAMES[this.errno] ?? `E${this.errno}`;
  }
}

export interface CommitResult {
  created: number;
  updated: number;
  failed: number;
  /** errno name → count, for the failures. */
  errors: Record<string, number>;
}

export interface CtEventHandlers {
  onEvent(ev: DecodedConntrack): void;
  /**
   * The kernel dropped events (ENOBUFS on the event socket): the caller should resync with a dump. Called once
   * the event queue has drained, so that the dump starts after the congestion ended.
   */
  onOverrun(): void;
}

/** The narrow port the sync service uses; the in-memory twin lives in test/unit/sync/. */
export interface ConntrackPort {
  dump(family?: IpFamily | 0): Promise<ConntrackEntry[]>;
  /** Create each entry, or update it when it exists. */
  commit(entries: Iterable<ConntrackEntry>, opts?: { timeoutS?: number }): Promise<CommitResult>;
  setTimeouts(entries: Iterable<ConntrackEntry>, timeoutS: number): Promise<CommitResult>;
  delete(entries: Iterable<ConntrackEntry>): Promise<CommitResult>;
  subscribe(handlers: CtEventHandlers): void;
  close(): void;
  /**
   * Optional: encode the create messages of these entries ahead of time (a backup does it as entries arrive),
   * so that the commit at takeover only sends bytes.
   */
  prepare?(entries: Iterable<ConntrackEntry>): void;
  /** Optional: stop reading events while a commit runs (the caller resyncs from a dump afterwards). */
  pauseEvents?(paused: boolean): void;
  /** Event counters, when the port has them. */
  readonly stats?: { overruns: number; eventsReceived: number; eventsDropped: number };
}

export interface CtNetlinkOptions {
  /**
   * Event socket receive buffer (SO_RCVBUFFORCE, falls back to SO_RCVBUF); default 64 MB: a flood of 100k new
   * flows/s must not overrun it while a dump or a bulk runs. Memory is used only while events are queued.
   */
  eventRcvbufBytes?: number;
  /** Upper bound for doubling the event buffer after overruns (default 256 MB). */
  eventRcvbufMaxBytes?: number;
  /** Request socket receive buffer: must hold the ACKs of `window` requests. */
  requestRcvbufBytes?: number;
  /** Requests in flight during commit (bounded so ACKs never overflow the receive buffer). */
  window?: number;
  /** Messages handled per readable callback before yielding to the event loop. */
  drainBatch?: number;
  native?: NativeNet;
}

interface Pending {
  resolve(v: number): void;
  dump?: { entries: ConntrackEntry[]; resolve(v: ConntrackEntry[]): void; reject(e: Error): void };
}

function sockaddrNl(groups = 0): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16LE(C.AF_NETLINK, 0);
  b.writeUInt32LE(groups, 8);
  return b;
}

export class CtNetlink implements ConntrackPort {
  private readonly n: NativeNet;
  private readonly reqFd: number;
  private reqPoll: PollHandle;
  private evFd = -1;
  private evRcvbuf = 0;
  private overrunPending = false;
  private evPoll: PollHandle | null = null;
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private readonly pending = new Map<number, Pending>();
  private dumpChain: Promise<unknown> = Promise.resolve();
  private readonly outbox: Array<{ seq: number; buf: Buffer }> = [];
  private readonly writer = new NlWriter();
  private readonly scratch = newDecodeScratch();
  private readonly prepared = new WeakMap<ConntrackEntry, Buffer>();
  private handlers: CtEventHandlers | null = null;
  private readonly window: number;
  private readonly drainBatch: number;
  private closed = false;
  /** Counters for metrics/tests. */
  readonly stats = { overruns: 0, eventsReceived: 0, eventsDropped: 0 };

  constructor(private readonly opts: CtNetlinkOptions = {}) {
    this.n = opts.native ?? nativeNet();
    this.window = opts.window ?? 1024;
    this.drainBatch = opts.drainBatch ?? 256;
    this.reqFd = this.openSocket(opts.requestRcvbufBytes ?? 4 << 20);
    this.n.setsockopt(this.reqFd, C.SOL_NETLINK, C.NETLINK_CAP_ACK, 1); // ACKs without the echoed request
    this.reqPoll = this.startRequestPoll();
  }

  private openSocket(rcvbuf: number): number {
    const fd = this.n.socket(C.AF_NETLINK, C.SOCK_RAW, C.NETLINK_NETFILTER);
    try {
      this.n.setsockopt(fd, C.SOL_SOCKET, C.SO_RCVBUFFORCE, rcvbuf);
    } catch {
      this.n.setsockopt(fd, C.SOL_SOCKET, C.SO_RCVBUF, rcvbuf);
    }
    this.n.bind(fd, sockaddrNl());
    return fd;
  }

  subscribe(handlers: CtEventHandlers): void {
    if (this.evFd >= 0) throw new Error('ctnetlink: already subscribed');
    this.evRcvbuf = this.opts.eventRcvbufBytes ?? 64 << 20;
    this.evFd = this.openSocket(this.evRcvbuf);
    for (const g of [C.NFNLGRP_CONNTRACK_NEW, C.NFNLGRP_CONNTRACK_UPDATE, C.NFNLGRP_CONNTRACK_DESTROY]) {
      this.n.setsockopt(this.evFd, C.SOL_NETLINK, C.NETLINK_ADD_MEMBERSHIP, g);
    }
    this.handlers = handlers;
    this.startEventPoll(handlers);
  }

  /**
   * libuv stops a poll handle when the socket reports POLLERR (uv__poll_io → UV_EBADF), and an event overrun
   * sets exactly that (sk_err = ENOBUFS). Without a restart the subscription would go silent after the
   * first overrun, so an error status re-arms the poll and lets drainEvents() consume the error.
   */
  private startEventPoll(h: CtEventHandlers): void {
    this.evPoll = this.n.pollStart(this.evFd, (status) => {
      if (status < 0 && !this.closed) {
        if (this.evPoll) this.n.pollStop(this.evPoll);
        this.evPoll = null;
        this.startEventPoll(h);
      }
      this.drainEvents(h);
    });
  }

  private drainEvents(h: CtEventHandlers): void {
    for (let i = 0; i < this.drainBatch && !this.closed; i++) {
      let r;
      try {
        r = this.n.recvmsg(this.evFd, RECV_BYTES, 0);
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOBUFS') {
          // The kernel could not queue events for us: some are lost. conntrackd's NetlinkOverrunResync.
          // The kernel reports ENOBUFS once, then drops events silently until our queue has been emptied
          // (netlink_overrun / NETLINK_S_CONGESTED). So the caller is told only when the queue is empty: a dump
          // taken from then on covers everything lost, and a later loss raises a fresh ENOBUFS.
          this.stats.overruns++;
          this.growEventBuffer();
          this.overrunPending = true;
          continue;
        }
        throw err;
      }
      if (!r) {
        if (this.overrunPending) {
          this.overrunPending = false;
          h.onOverrun();
        }
        return;
      }
      for (const m of splitMessages(r.data)) {
        const d = decodeConntrack(m, this.scratch);
        if ('drop' in d) {
          this.stats.eventsDropped++;
          continue;
        }
        this.stats.eventsReceived++;
        h.onEvent(d);
      }
    }
  }

  /** Double the event socket's buffer after an overrun, up to a bound (conntrackd NetlinkBufferSizeMaxGrowth). */
  private growEventBuffer(): void {
    const max = this.opts.eventRcvbufMaxBytes ?? 256 << 20;
    if (this.evRcvbuf >= max) return;
    this.evRcvbuf = Math.min(max, this.evRcvbuf * 2);
    try {
      this.n.setsockopt(this.evFd, C.SOL_SOCKET, C.SO_RCVBUFFORCE, this.evRcvbuf);
    } catch {
      /* not privileged: stay at the current size */
    }
  }

  private startRequestPoll(): PollHandle {
    const h = this.n.pollStart(this.reqFd, (status) => {
      if (status < 0 && !this.closed) {
        // See startEventPoll: re-arm after POLLERR (e.g. ENOBUFS when ACKs overflowed).
        this.n.pollStop(this.reqPoll);
        this.reqPoll = this.startRequestPoll();
      }
      this.drainRequests();
    });
    this.n.pollRef(h, this.pending.size > 0);
    return h;
  }

  private drainRequests(): void {
    for (let i = 0; i < this.drainBatch && !this.closed; i++) {
      let r;
      try {
        r = this.n.recvmsg(this.reqFd, RECV_BYTES, 0);
      } catch (err) {
        // Lost replies: whoever waits on them would wait forever, so fail them all.
        if ((err as { code?: string }).code !== 'ENOBUFS') throw err;
        for (const [seq, p] of this.pending) {
          this.pending.delete(seq);
          if (p.dump) p.dump.reject(new CtNetlinkError(105, 'dump'));
          else p.resolve(105);
        }
        continue;
      }
      if (!r) return;
      for (const m of splitMessages(r.data)) this.onReply(m);
    }
  }

  private onReply(m: NlMsg): void {
    const p = this.pending.get(m.seq);
    if (!p) return;
    if (m.type === C.NLMSG_ERROR) {
      const err = m.payload.length >= 4 ? -m.payload.readInt32LE(0) : 22;
      this.pending.delete(m.seq);
      if (p.dump) p.dump.reject(new CtNetlinkError(err, 'dump'));
      else p.resolve(err);
      return;
    }
    if (!p.dump) return;
    if (m.type === C.NLMSG_DONE) {
      this.pending.delete(m.seq);
      p.dump.resolve(p.dump.entries);
      return;
    }
    const d = decodeConntrack(m, this.scratch);
    if (!('drop' in d)) p.dump.entries.push(d.entry);
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0 || 1;
    return this.seq;
  }

  private send(buf: Buffer): void {
    const dst = sockaddrNl();
    if (this.n.sendmsg(this.reqFd, buf, dst, null, 0) < 0) throw new CtNetlinkError(11, 'send');
  }

  /** Send one request and resolve with its errno (0 = ACK). Requests made in one turn share a sendmsg. */
  private request(build: (seq: number) => Buffer, before: Buffer[] = []): Promise<number> {
    const seq = this.nextSeq();
    return new Promise<number>((resolve) => {
      this.pending.set(seq, { resolve });
      this.n.pollRef(this.reqPoll, true);
      for (const b of before) this.outbox.push({ seq: b.readUInt32LE(8), buf: b });
      this.outbox.push({ seq, buf: build(seq) });
      if (this.outbox.length === before.length + 1) queueMicrotask(() => this.flushOutbox());
    }).finally(() => {
      if (this.pending.size === 0 && !this.closed) this.n.pollRef(this.reqPoll, false);
    });
  }

  private flushOutbox(): void {
    const items = this.outbox.splice(0);
    for (let i = 0; i < items.length; ) {
      let bytes = 0;
      let j = i;
      while (j < items.length && (j === i || bytes + items[j]!.buf.length <= SEND_BATCH_BYTES)) bytes += items[j++]!.buf.length;
      const chunk = items.slice(i, j);
      try {
        this.send(chunk.length === 1 ? chunk[0]!.buf : Buffer.concat(chunk.map((c) => c.buf), bytes));
      } catch (err) {
        for (const c of chunk) {
          const p = this.pending.get(c.seq);
          this.pending.delete(c.seq);
          p?.resolve((err as { errno?: number }).errno ?? 11);
        }
      }
      i = j;
    }
  }

  dump(family: IpFamily | 0 = 0): Promise<ConntrackEntry[]> {
    // The kernel runs one dump per socket at a time (EBUSY otherwise), so dumps are serialised.
    const run = (): Promise<ConntrackEntry[]> => {
      const seq = this.nextSeq();
      return new Promise<ConntrackEntry[]>((resolve, reject) => {
        this.pending.set(seq, { resolve: () => undefined, dump: { entries: [], resolve, reject } });
        this.n.pollRef(this.reqPoll, true);
        this.send(encodeDumpRequest(seq, family));
      }).finally(() => {
        if (this.pending.size === 0 && !this.closed) this.n.pollRef(this.reqPoll, false);
      });
    };
    const p = this.dumpChain.then(run, run);
    this.dumpChain = p.catch(() => undefined);
    return p;
  }

  /**
   * Send many requests with a single ACK: each message goes without NLM_F_ACK (the kernel then answers only
   * failures), followed by an NLMSG_NOOP with NLM_F_ACK as a barrier. Netlink processes a socket's requests in
   * order, so when the barrier is acknowledged every earlier request without an error has succeeded. This
   * halves the syscalls and avoids 100,000 ACK messages at a takeover commit.
   */
  private async batch(msgs: Buffer[]): Promise<number[]> {
    const results = new Array<number>(msgs.length).fill(0);
    const seqs: number[] = [];
    const bufs: Buffer[] = [];
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i]!;
      m.writeUInt16LE(m.readUInt16LE(6) & ~C.NLM_F_ACK, 6);
      const seq = m.readUInt32LE(8);
      seqs.push(seq);
      this.pending.set(seq, { resolve: (err) => (results[i] = err) });
      bufs.push(m);
    }
    try {
      const barrier = await this.request((seq) => nlmsg(C.NLMSG_NOOP, C.NLM_F_REQUEST | C.NLM_F_ACK, seq, Buffer.alloc(0)), bufs);
      if (barrier !== 0) for (let i = 0; i < results.length; i++) if (results[i] === 0 && this.pending.has(seqs[i]!)) results[i] = barrier;
    } finally {
      for (const s of seqs) this.pending.delete(s);
    }
    return results;
  }

  private async chunked(
    entries: Iterable<ConntrackEntry>,
    build: (e: ConntrackEntry, seq: number) => Buffer,
    onResult: (e: ConntrackEntry, errno: number) => void,
  ): Promise<void> {
    let chunk: ConntrackEntry[] = [];
    const flush = async (): Promise<void> => {
      const msgs = chunk.map((e) => build(e, this.nextSeq()));
      const res = await this.batch(msgs);
      chunk.forEach((e, i) => onResult(e, res[i]!));
      chunk = [];
    };
    for (const e of entries) {
      chunk.push(e);
      if (chunk.length >= this.window) await flush();
    }
    if (chunk.length) await flush();
  }

  private static count(res: CommitResult, errno: number, ok: 'created' | 'updated'): void {
    if (errno === 0) {
      res[ok]++;
      return;
    }
    res.failed++;
    const name = ERRNO_NAMES[errno] ?? `E${errno}`;
    res.errors[name] = (res.errors[name] ?? 0) + 1;
  }

  prepare(entries: Iterable<ConntrackEntry>): void {
    for (const e of entries) if (!this.prepared.has(e)) this.prepared.set(e, encodeCreate(e, 0, {}, this.writer));
  }

  pauseEvents(paused: boolean): void {
    if (!this.handlers || this.closed) return;
    if (paused && this.evPoll) {
      this.n.pollStop(this.evPoll);
      this.evPoll = null;
    } else if (!paused && !this.evPoll) {
      this.startEventPoll(this.handlers);
    }
  }

  async commit(entries: Iterable<ConntrackEntry>, opts: { timeoutS?: number } = {}): Promise<CommitResult> {
    const res: CommitResult = { created: 0, updated: 0, failed: 0, errors: {} };
    const existing: ConntrackEntry[] = [];
    const build = (e: ConntrackEntry, seq: number): Buffer => {
      const pre = opts.timeoutS === undefined ? this.prepared.get(e) : undefined;
      if (!pre) return encodeCreate(e, seq, { timeoutS: opts.timeoutS }, this.writer);
      this.prepared.delete(e);
      pre.writeUInt32LE(seq, 8);
      return pre;
    };
    await this.chunked(
      entries,
      build,
      (e, err) => (err === EEXIST ? existing.push(e) : CtNetlink.count(res, err, 'created')),
    );
    // Already known to this kernel (e.g. the flow reached us before): refresh without NAT attributes, which
    // the kernel refuses on existing entries.
    await this.chunked(
      existing,
      (e, seq) => encodeUpdate(e, seq, opts.timeoutS ?? e.timeoutS, this.writer),
      (_e, err) => CtNetlink.count(res, err, 'updated'),
    );
    return res;
  }

  async setTimeouts(entries: Iterable<ConntrackEntry>, timeoutS: number): Promise<CommitResult> {
    const res: CommitResult = { created: 0, updated: 0, failed: 0, errors: {} };
    await this.chunked(entries, (e, seq) => encodeSetTimeout(e, seq, timeoutS, this.writer), (_e, err) => CtNetlink.count(res, err, 'updated'));
    return res;
  }

  async delete(entries: Iterable<ConntrackEntry>): Promise<CommitResult> {
    const res: CommitResult = { created: 0, updated: 0, failed: 0, errors: {} };
    await this.chunked(entries, (e, seq) => encodeDelete(e, seq, this.writer), (_e, err) => CtNetlink.count(res, err, 'updated'));
    return res;
  }

  /** Delete every entry the predicate selects (dump, then delete one by one). */
  async flush(select: (e: ConntrackEntry) => boolean): Promise<CommitResult> {
    const all = await this.dump();
    const seen = new Set<string>();
    return this.delete(all.filter((e) => select(e) && !seen.has(entryKey(e)) && seen.add(entryKey(e))));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.n.pollStop(this.reqPoll);
    this.n.close(this.reqFd);
    if (this.evPoll) this.n.pollStop(this.evPoll);
    if (this.evFd >= 0) this.n.close(this.evFd);
    for (const p of this.pending.values()) {
      if (p.dump) p.dump.reject(new Error('ctnetlink: closed'));
      else p.resolve(9);
    }
    this.pending.clear();
  }
}
