// ctnetlink client on the generic netlink socket (src/net/netlink.ts): full dump, event subscription, batched
// create/update/delete. Two sockets: one for requests (ACKs and dumps, matched by sequence number) and one joined
// to the conntrack event groups, so a flood of events never delays the replies of a commit. Spawns nothing: no
// `conntrack` binary.
import type { Clock } from '../clock/clock.js';
import * as C from './constants.js';
import { CONNTRACK_DROP_REASONS, zeroCounts, type ConntrackDropReason } from './drops.js';
import { internalError, VipdError } from '../errors/vipdError.js';
import * as N from '../net/constants.js';
import { errnoName } from '../net/netlinkMsg.js';
import { NlWriter } from '../net/nlattr.js';
import { NetlinkSocket } from '../net/netlink.js';
import type { VipdNetError } from '../net/errors.js';
import type { NativeNet } from '../net/native.js';
import {
  decodeConntrack,
  decodeConntrackRecord,
  encodeDelete,
  encodeDumpRequest,
  encodeSetTimeout,
  encodeUpdate,
  newDecodeScratch,
  type CtEventKind,
} from './codec.js';
import { CreateEncoder } from './createEncoder.js';
import { readRecord, RECORD_MAX, recordLenAt } from './record.js';
import { entryKey, type ConntrackEntry, type IpFamily } from './types.js';

const EEXIST = 17;
const EVENT_KINDS: readonly CtEventKind[] = ['new', 'update', 'destroy'];
const EVENT_GROUPS = [C.NFNLGRP_CONNTRACK_NEW, C.NFNLGRP_CONNTRACK_UPDATE, C.NFNLGRP_CONNTRACK_DESTROY];

/** A failed ctnetlink request; `errno` and `sysCode` ("EPERM", …) say why. */
export class CtNetlinkError extends VipdError<'VIPD_ERR_CONNTRACK'> {
  override name = 'CtNetlinkError';
  readonly sysCode: string;

  constructor(
    readonly errno: number,
    what: string,
  ) {
    super('VIPD_ERR_CONNTRACK', `ctnetlink ${what}: ${errnoName(errno)}`);
    this.sysCode = errnoName(errno);
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
  /**
   * One change as a compact record at rec[off…] (src/conntrack/record.ts; op byte: delete for a destroy). The
   * bytes are valid only during the call: the handler copies what it keeps (no object per kernel event).
   */
  onRecord(kind: CtEventKind, rec: Uint8Array, off: number): void;
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
  /** The same for compact records read in place from a store (the sync cache at takeover): no object per entry. */
  commitRecords(store: RecordStore, refs: Iterable<number>, opts?: { timeoutS?: number }): Promise<CommitResult>;
  setTimeouts(entries: Iterable<ConntrackEntry>, timeoutS: number): Promise<CommitResult>;
  delete(entries: Iterable<ConntrackEntry>): Promise<CommitResult>;
  subscribe(handlers: CtEventHandlers): void;
  close(): void;
  /** Optional: stop receiving events while a commit runs (the caller resyncs from a dump afterwards). */
  pauseEvents?(paused: boolean): void;
  /** Event counters, when the port has them. */
  readonly stats?: {
    overruns: number;
    eventsReceived: number;
    eventsDropped: number;
    /** Kernel messages (events and dump replies) that did not decode, by reason, 0 included. */
    readonly drops?: Readonly<Record<ConntrackDropReason, number>>;
  };
}

/** Compact records (src/conntrack/record.ts) addressed by reference, e.g. the sync cache's slots. */
export interface RecordStore {
  bufferOf(ref: number): Uint8Array;
  offsetOf(ref: number): number;
}

export interface CtNetlinkOptions {
  /** Arms the request and batch timeouts. */
  clock: Clock;
  /**
   * Event socket receive buffer (SO_RCVBUFFORCE, falls back to SO_RCVBUF); default 64 MB: a flood of 100k new
   * flows/s must not overrun it while a dump or a bulk runs. Memory is used only while events are queued.
   */
  eventRcvbufBytes?: number;
  /** Upper bound for doubling the event buffer after overruns (default 256 MB). */
  eventRcvbufMaxBytes?: number;
  /** Request socket receive buffer: must hold the error replies of `window` requests. */
  requestRcvbufBytes?: number;
  /**
   * Request socket: datagrams read per readiness event before yielding to the event loop (default 256, the
   * socket's). A dump datagram holds ~140 entries, so the default lets ~35,000 decode in one turn; a background
   * walk of a big table (the nftables plane's connection count) asks for a few.
   */
  requestMaxPerEvent?: number;
  /** Requests per ACK-less batch (bounded so error replies never overflow the receive buffer). */
  window?: number;
  /** Event datagrams read per readiness event before yielding to the event loop. */
  drainBatch?: number;
  /** Event datagrams per recvmmsg call. */
  eventRecvBatch?: number;
  /** Per-request/batch timeout (default 30 s: a dump of a million entries takes a while). */
  timeoutMs?: number;
  native?: NativeNet;
}

/** nfgenmsg of a dump request, for NetlinkSocket.requestEach (which writes the nlmsghdr itself). */
function dumpPayload(family: IpFamily | 0): Buffer {
  return encodeDumpRequest(0, family).subarray(16);
}

export class CtNetlink implements ConntrackPort {
  private readonly req: NetlinkSocket;
  private ev: NetlinkSocket | null = null;
  private dumpChain: Promise<unknown> = Promise.resolve();
  private readonly writer = new NlWriter();
  private readonly creates = new CreateEncoder();
  private readonly scratch = newDecodeScratch();
  private readonly window: number;
  private eventsPaused = false;
  private closed = false;
  /** Counters for metrics/tests. */
  readonly stats = { overruns: 0, eventsReceived: 0, eventsDropped: 0, drops: zeroCounts(CONNTRACK_DROP_REASONS) };

  constructor(private readonly opts: CtNetlinkOptions) {
    this.window = opts.window ?? 1024;
    this.req = new NetlinkSocket(N.NETLINK_NETFILTER, {
      clock: opts.clock,
      native: opts.native,
      rcvbufBytes: opts.requestRcvbufBytes ?? 4 << 20,
      timeoutMs: opts.timeoutMs ?? 30_000,
      // Dump datagrams are up to 32 KB (netlink sizes them after our largest read buffer).
      recvBytes: 64 * 1024,
      recvBatch: 8,
      maxPerEvent: opts.requestMaxPerEvent,
    });
  }

  subscribe(handlers: CtEventHandlers): void {
    if (this.ev) throw internalError('ctnetlink: already subscribed');
    const ev = new NetlinkSocket(N.NETLINK_NETFILTER, {
      clock: this.opts.clock,
      native: this.opts.native,
      groups: EVENT_GROUPS,
      rcvbufBytes: this.opts.eventRcvbufBytes ?? 64 << 20,
      rcvbufMaxBytes: this.opts.eventRcvbufMaxBytes ?? 256 << 20,
      // One event per datagram, a few hundred bytes each: small slots, many per system call.
      recvBytes: 8192,
      recvBatch: this.opts.eventRecvBatch ?? 64,
      maxPerEvent: this.opts.drainBatch ?? 1024,
      reuseBuffer: true, // decodeConntrack copies what it keeps
    });
    this.ev = ev;
    const rec = new Uint8Array(RECORD_MAX);
    ev.onEventRaw((buf, start, end, type, flags) => {
      const kind = decodeConntrackRecord(buf, start, end, type, flags, this.scratch, rec, 0);
      if (typeof kind === 'string') {
        this.stats.eventsDropped++;
        this.stats.drops[kind]++;
        return;
      }
      this.stats.eventsReceived++;
      handlers.onRecord(EVENT_KINDS[kind]!, rec, 0);
    });
    // The socket reports an overrun once its queue has drained (see NetlinkSocket.noteOverrun): a dump taken
    // from then on covers everything lost (conntrackd's NetlinkOverrunResync).
    ev.onError((err: VipdNetError) => {
      if (err.code !== 'VIPD_ERR_NETLINK_OVERRUN') return;
      this.stats.overruns = ev.overruns;
      handlers.onOverrun();
    });
  }

  dump(family: IpFamily | 0 = 0): Promise<ConntrackEntry[]> {
    const entries: ConntrackEntry[] = [];
    return this.dumpEach((e) => void entries.push(e), family).then(() => entries);
  }

  /**
   * The whole table, each entry handed to `each` as its datagram is decoded and kept by nobody else: a count
   * over 100,000 entries holds no array of them. Entries arrive a receive batch at a time (8 datagrams of up to
   * 32 KB), so the event loop turns between batches.
   */
  dumpEach(each: (e: ConntrackEntry) => void, family: IpFamily | 0 = 0): Promise<void> {
    // The kernel runs one dump per socket at a time (EBUSY otherwise), so dumps are serialised.
    const run = async (): Promise<void> => {
      const type = (C.NFNL_SUBSYS_CTNETLINK << 8) | C.IPCTNL_MSG_CT_GET;
      await this.req
        .requestEach({ type, payload: dumpPayload(family) }, (m) => {
          const d = decodeConntrack(m, this.scratch);
          if ('drop' in d) this.stats.drops[d.drop]++;
          else each(d.entry);
        })
        .catch((err: VipdNetError) => {
          throw new CtNetlinkError(errnoOf(err), `dump (${err.message})`);
        });
    };
    const p = this.dumpChain.then(run, run);
    this.dumpChain = p.catch(() => undefined);
    return p;
  }

  /** Send `build(e)` for every item in ACK-less batches of `window`; report each item's errno. */
  private async chunked<T>(entries: Iterable<T>, build: (e: T) => Buffer, onResult: (e: T, errno: number) => void): Promise<void> {
    let chunk: T[] = [];
    let msgs: Buffer[] = [];
    const flush = async (): Promise<void> => {
      const items = chunk;
      const out = msgs;
      chunk = [];
      msgs = [];
      let res: Int32Array;
      try {
        res = await this.req.sendBatch(out);
      } catch (err) {
        // Unknown outcome (replies lost, timeout, closed): count the whole batch as failed with that reason.
        const errno = errnoOf(err);
        for (const e of items) onResult(e, errno);
        return;
      }
      for (let i = 0; i < items.length; i++) onResult(items[i]!, res[i]!);
    };
    for (const e of entries) {
      chunk.push(e);
      msgs.push(build(e));
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
    const name = errnoName(errno);
    res.errors[name] = (res.errors[name] ?? 0) + 1;
  }

  /**
   * Leaving the event groups (rather than only not reading) means the kernel does not even build the events of
   * our own commit: nf_conntrack_eventmask_report() skips groups without listeners. Falls back to not reading
   * when the membership cannot change.
   */
  pauseEvents(paused: boolean): void {
    const ev = this.ev;
    if (!ev || this.closed || paused === this.eventsPaused) return;
    this.eventsPaused = paused;
    try {
      for (const g of EVENT_GROUPS) {
        if (paused) ev.leaveGroup(g);
        else ev.joinGroup(g);
      }
    } catch {
      ev.pauseReading(paused);
    }
  }

  async commit(entries: Iterable<ConntrackEntry>, opts: { timeoutS?: number } = {}): Promise<CommitResult> {
    const res: CommitResult = { created: 0, updated: 0, failed: 0, errors: {} };
    const existing: ConntrackEntry[] = [];
    const build = (e: ConntrackEntry): Buffer => this.creates.encode(e, { timeoutS: opts.timeoutS });
    await this.chunked(entries, build, (e, err) => (err === EEXIST ? existing.push(e) : CtNetlink.count(res, err, 'created')));
    // Already known to this kernel (e.g. the flow reached us before): refresh without NAT attributes, which
    // the kernel refuses on existing entries.
    await this.chunked(
      existing,
      (e) => encodeUpdate(e, 0, opts.timeoutS ?? e.timeoutS, this.writer),
      (_e, err) => CtNetlink.count(res, err, 'updated'),
    );
    return res;
  }

  async commitRecords(store: RecordStore, refs: Iterable<number>, opts: { timeoutS?: number } = {}): Promise<CommitResult> {
    const res: CommitResult = { created: 0, updated: 0, failed: 0, errors: {} };
    const existing: number[] = [];
    const create = { timeoutS: opts.timeoutS };
    await this.chunked(
      refs,
      (ref) => this.creates.encodeRecord(store.bufferOf(ref), store.offsetOf(ref), create),
      (ref, err) => (err === EEXIST ? existing.push(ref) : CtNetlink.count(res, err, 'created')),
    );
    // As in commit(): entries this kernel already holds are refreshed without NAT attributes. A record the store
    // dropped meanwhile (its family byte cleared) is skipped.
    const stillThere = existing.filter((ref) => recordLenAt(store.bufferOf(ref), store.offsetOf(ref)) !== 0);
    await this.chunked(
      stillThere,
      (ref) => {
        const e = readRecord(store.bufferOf(ref), store.offsetOf(ref));
        return encodeUpdate(e, 0, opts.timeoutS ?? e.timeoutS, this.writer);
      },
      (_ref, err) => CtNetlink.count(res, err, 'updated'),
    );
    return res;
  }

  async setTimeouts(entries: Iterable<ConntrackEntry>, timeoutS: number): Promise<CommitResult> {
    const res: CommitResult = { created: 0, updated: 0, failed: 0, errors: {} };
    await this.chunked(entries, (e) => encodeSetTimeout(e, 0, timeoutS, this.writer), (_e, err) => CtNetlink.count(res, err, 'updated'));
    return res;
  }

  async delete(entries: Iterable<ConntrackEntry>): Promise<CommitResult> {
    const res: CommitResult = { created: 0, updated: 0, failed: 0, errors: {} };
    await this.chunked(entries, (e) => encodeDelete(e, 0, this.writer), (_e, err) => CtNetlink.count(res, err, 'updated'));
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
    this.req.close();
    this.ev?.close();
  }
}

/** errno for a failed batch: the kernel's, or ENOBUFS (replies lost), ETIMEDOUT, EBADF (socket closed). */
function errnoOf(err: unknown): number {
  const e = err as Partial<VipdNetError>;
  if (typeof e.errno === 'number' && e.errno > 0) return e.errno;
  switch (e.code) {
    case 'VIPD_ERR_NETLINK_OVERRUN':
      return N.ENOBUFS;
    case 'VIPD_ERR_NETLINK_TIMEOUT':
      return 110;
    case 'VIPD_ERR_CLOSED':
      return 9;
    default:
      return N.EINVAL;
  }
}
