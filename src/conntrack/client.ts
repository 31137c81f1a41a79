// ctnetlink client over the vipd_net addon: full dump, event subscription, pipelined create/update/delete.
// Two sockets: one for requests (ACKs and dumps, matched by sequence number) and one joined to the conntrack
// event groups, so a flood of events never delays the ACKs of a commit. Spawns nothing: no `conntrack` binary.
import * as C from './constants.js';
import { decodeConntrack, encodeCreate, encodeDelete, encodeDumpRequest, encodeSetTimeout, encodeUpdate, type DecodedConntrack } from './codec.js';
import { splitMessages, type NlMsg } from './nlattr.js';
import { entryKey, type ConntrackEntry, type IpFamily } from './types.js';
import { nativeNet, type NativeNet, type PollHandle } from '../net/native.js';

const EEXIST = 17;
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
  /** The kernel dropped events (ENOBUFS on the event socket): the caller should resync with a dump. */
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
}

export interface CtNetlinkOptions {
  /** Event socket receive buffer (SO_RCVBUFFORCE, falls back to SO_RCVBUF). conntrackd suggests ≥ 2 MB. */
  eventRcvbufBytes?: number;
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
  private readonly reqPoll: PollHandle;
  private evFd = -1;
  private evPoll: PollHandle | null = null;
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private readonly pending = new Map<number, Pending>();
  private dumpChain: Promise<unknown> = Promise.resolve();
  private readonly window: number;
  private readonly drainBatch: number;
  private closed = false;
  /** Counters for metrics/tests. */
  readonly stats = { overruns: 0, eventsReceived: 0, eventsDropped: 0 };

  constructor(private readonly opts: CtNetlinkOptions = {}) {
    this.n = opts.native ?? nativeNet();
    this.window = opts.window ?? 256;
    this.drainBatch = opts.drainBatch ?? 256;
    this.reqFd = this.openSocket(opts.requestRcvbufBytes ?? 4 << 20);
    this.n.setsockopt(this.reqFd, C.SOL_NETLINK, C.NETLINK_CAP_ACK, 1); // ACKs without the echoed request
    this.reqPoll = this.n.pollStart(this.reqFd, () => this.drainRequests());
    this.n.pollRef(this.reqPoll, false);
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
    this.evFd = this.openSocket(this.opts.eventRcvbufBytes ?? 8 << 20);
    for (const g of [C.NFNLGRP_CONNTRACK_NEW, C.NFNLGRP_CONNTRACK_UPDATE, C.NFNLGRP_CONNTRACK_DESTROY]) {
      this.n.setsockopt(this.evFd, C.SOL_NETLINK, C.NETLINK_ADD_MEMBERSHIP, g);
    }
    this.evPoll = this.n.pollStart(this.evFd, () => this.drainEvents(handlers));
  }

  private drainEvents(h: CtEventHandlers): void {
    for (let i = 0; i < this.drainBatch && !this.closed; i++) {
      let r;
      try {
        r = this.n.recvmsg(this.evFd, 1 << 20, 0);
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOBUFS') {
          // The kernel could not queue events for us: some are lost. conntrackd's NetlinkOverrunResync.
          this.stats.overruns++;
          h.onOverrun();
          continue;
        }
        throw err;
      }
      if (!r) return;
      for (const m of splitMessages(r.data)) {
        const d = decodeConntrack(m);
        if ('drop' in d) {
          this.stats.eventsDropped++;
          continue;
        }
        this.stats.eventsReceived++;
        h.onEvent(d);
      }
    }
  }

  private drainRequests(): void {
    for (let i = 0; i < this.drainBatch && !this.closed; i++) {
      const r = this.n.recvmsg(this.reqFd, 1 << 20, 0);
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
    const d = decodeConntrack(m);
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

  /** Send one request and resolve with its errno (0 = ACK). */
  private request(build: (seq: number) => Buffer): Promise<number> {
    const seq = this.nextSeq();
    return new Promise<number>((resolve) => {
      this.pending.set(seq, { resolve });
      this.n.pollRef(this.reqPoll, true);
      try {
        this.send(build(seq));
      } catch (err) {
        this.pending.delete(seq);
        resolve((err as { errno?: number }).errno ?? 11);
      }
    }).finally(() => {
      if (this.pending.size === 0 && !this.closed) this.n.pollRef(this.reqPoll, false);
    });
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

  /** Run `op` over entries with at most `window` requests in flight. */
  private async pipeline(entries: Iterable<ConntrackEntry>, op: (e: ConntrackEntry) => Promise<'created' | 'updated' | number>): Promise<CommitResult> {
    const res: CommitResult = { created: 0, updated: 0, failed: 0, errors: {} };
    const inflight = new Set<Promise<void>>();
    for (const e of entries) {
      const p: Promise<void> = op(e).then((r) => {
        if (r === 'created') res.created++;
        else if (r === 'updated') res.updated++;
        else if (r !== 0) {
          res.failed++;
          const name = ERRNO_NAMES[r] ?? `E${r}`;
          res.errors[name] = (res.errors[name] ?? 0) + 1;
        }
        inflight.delete(p);
      });
      inflight.add(p);
      if (inflight.size >= this.window) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    return res;
  }

  commit(entries: Iterable<ConntrackEntry>, opts: { timeoutS?: number } = {}): Promise<CommitResult> {
    return this.pipeline(entries, async (e) => {
      const err = await this.request((seq) => encodeCreate(e, seq, { timeoutS: opts.timeoutS }));
      if (err === 0) return 'created';
      if (err !== EEXIST) return err;
      // Already known to this kernel (e.g. the flow reached us before): refresh it without NAT attributes.
      const err2 = await this.request((seq) => encodeUpdate(e, seq, opts.timeoutS ?? e.timeoutS));
      return err2 === 0 ? 'updated' : err2;
    });
  }

  setTimeouts(entries: Iterable<ConntrackEntry>, timeoutS: number): Promise<CommitResult> {
    return this.pipeline(entries, async (e) => {
      const err = await this.request((seq) => encodeSetTimeout(e, seq, timeoutS));
      return err === 0 ? 'updated' : err;
    });
  }

  delete(entries: Iterable<ConntrackEntry>): Promise<CommitResult> {
    return this.pipeline(entries, async (e) => {
      const err = await this.request((seq) => encodeDelete(e, seq));
      return err === 0 ? 'updated' : err;
    });
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
