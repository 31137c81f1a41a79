// A generic netlink socket for any protocol (NETLINK_ROUTE, NETLINK_NETFILTER …): Promise-based requests matched
// by sequence number (ACK/ERROR for commands, NLMSG_DONE for multipart dumps), multicast group membership and
// unsolicited event messages through a callback. Message contents are the caller's business (rtnetlink.ts).
//
// Replies and events are told apart by sequence number plus shape: a message belongs to a pending request when
// its seq matches and it is an ERROR/DONE/multipart message, or when this socket has joined no group. Kernel
// notifications caused by our own request carry our seq but are neither, so they reach the event callback.
// Still, prefer one socket for requests and another for events (what rtnetlink.ts does).
import { nativeNet, type NativeNet, type RecvResult } from './native.js';
import * as C from './constants.js';
import { CAP_NET_ADMIN_MESSAGE, VipdNetError, fromSyscall } from './errors.js';
import { readI32Host, readU16Host, readU32Host, sockaddrNl, writeU16Host, writeU32Host } from './sockaddr.js';
import { PolledReader, openSocket } from './socketBase.js';
import type { Clock, Timer } from '../clock/clock.js';
import {
  NLMSG_HDRLEN,
  encodeNlmsg,
  errnoName,
  nlmsgAlign,
  parseNlmsgerr,
  parseNlmsgs,
  type NetlinkErrorPayload,
  type NetlinkMessage,
} from './netlinkMsg.js';

export type { NetlinkMessage } from './netlinkMsg.js';

export interface NetlinkOptions {
  /** Multicast groups to join (group numbers, e.g. RTNLGRP_LINK), for event sockets. */
  groups?: readonly number[];
  /** Receive buffer; event sockets should be large so bursts do not overflow (ENOBUFS). Default 1 MiB. */
  rcvbufBytes?: number;
  /**
   * After an overrun, double the receive buffer up to this (conntrackd's NetlinkBufferSizeMaxGrowth). Default:
   * rcvbufBytes (no growth).
   */
  rcvbufMaxBytes?: number;
  /** Bytes per received datagram (default 256 KiB; event sockets can use less: one event per datagram). */
  recvBytes?: number;
  /** Datagrams per recvmmsg call (default 1). Event sockets that see bursts should read in batches. */
  recvBatch?: number;
  /** Datagrams read per readiness event before yielding to the event loop (default 256). */
  maxPerEvent?: number;
  /**
   * Read batches into one reused buffer (see ReaderOptions.reuseBuffer): event payloads are then valid only
   * during the onEvent callback. For high-rate event sockets whose handler decodes at once.
   */
  reuseBuffer?: boolean;
  /** Per-request timeout, default 5000 ms. */
  timeoutMs?: number;
  /** Arms the request timeouts (and the reader's poll-error back-off). */
  clock: Clock;
  native?: NativeNet;
}

export interface NetlinkRequest {
  type: number;
  /** NLM_F_* flags besides NLM_F_REQUEST (added always) and NLM_F_ACK (added for non-dump requests). */
  flags?: number;
  payload?: Buffer;
}

interface Pending {
  dump: boolean;
  messages: NetlinkMessage[];
  /** Streaming dumps hand each message here instead of collecting them. */
  each: ((m: NetlinkMessage) => void) | null;
  resolve: (m: NetlinkMessage[]) => void;
  reject: (e: VipdNetError) => void;
  timer: Timer;
}

/** An ACK-less batch in flight: requests firstSeq … firstSeq+count-1, then a barrier with seq firstSeq+count. */
interface PendingBatch {
  firstSeq: number;
  count: number;
  /** errno per request (0 = no error reported). */
  results: Int32Array;
  resolve: (r: Int32Array) => void;
  reject: (e: VipdNetError) => void;
  timer: Timer;
}

/** Max bytes per sendmsg when batching requests; far below the default netlink send buffer. */
const BATCH_BYTES = 60 * 1024;
const RECV_BYTES = 256 * 1024;

/** See NetlinkSocket.onEventRaw. */
export type RawEventHandler = (buf: Buffer, start: number, end: number, type: number, flags: number) => void;

const EMPTY = Buffer.alloc(0);

export class NetlinkSocket {
  private readonly net: NativeNet;
  private readonly fd: number;
  private readonly reader: PolledReader;
  private readonly pending = new Map<number, Pending>();
  private readonly batches = new Set<PendingBatch>();
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private nextSeq: number;
  private joinedGroups = 0;
  private rcvbuf: number;
  private readonly rcvbufMax: number;
  private overrunPending = false;
  private readingPaused = false;
  /** Overruns seen (ENOBUFS or truncated/overrun messages), for counters. */
  overruns = 0;
  private eventHandler: ((msg: NetlinkMessage) => void) | null = null;
  private rawEventHandler: RawEventHandler | null = null;
  private errorHandler: ((err: VipdNetError) => void) | null = null;
  private closed = false;

  constructor(
    readonly protocol: number,
    opts: NetlinkOptions,
  ) {
    this.net = opts.native ?? nativeNet();
    this.clock = opts.clock;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.rcvbuf = opts.rcvbufBytes ?? 1024 * 1024;
    this.rcvbufMax = Math.max(this.rcvbuf, opts.rcvbufMaxBytes ?? this.rcvbuf);
    // Start somewhere arbitrary so replies meant for an earlier socket instance can never match.
    this.nextSeq = (Math.floor(Math.random() * 0x7fffffff) >>> 0) || 1;
    const net = this.net;
    const ctx = { what: `open netlink socket (protocol ${protocol})`, capability: 'admin' as const };
    this.fd = openSocket(net, C.AF_NETLINK, C.SOCK_RAW, protocol, ctx, (fd) => {
      const rcvbuf = this.rcvbuf;
      try {
        net.setsockopt(fd, C.SOL_SOCKET, C.SO_RCVBUFFORCE, rcvbuf);
      } catch {
        net.setsockopt(fd, C.SOL_SOCKET, C.SO_RCVBUF, rcvbuf); // capped by rmem_max without CAP_NET_ADMIN
      }
      // Short ACKs and readable error messages; both are best-effort (older kernels lack them).
      for (const opt of [C.NETLINK_CAP_ACK, C.NETLINK_EXT_ACK]) {
        try {
          net.setsockopt(fd, C.SOL_NETLINK, opt, 1);
        } catch {
          /* optional */
        }
      }
      net.bind(fd, sockaddrNl(0, 0));
      for (const g of opts.groups ?? []) net.setsockopt(fd, C.SOL_NETLINK, C.NETLINK_ADD_MEMBERSHIP, g);
    });
    this.joinedGroups = opts.groups?.length ?? 0;
    try {
      this.reader = new PolledReader(net, this.fd, {
        clock: opts.clock,
        maxLen: opts.recvBytes ?? RECV_BYTES,
        controlLen: 0,
        batch: opts.recvBatch ?? 1,
        maxPerEvent: opts.maxPerEvent,
        reuseBuffer: opts.reuseBuffer,
        onMessage: (m) => this.onDatagram(m),
        onData: opts.reuseBuffer ? (buf, start, end, flags) => this.onDatagramAt(buf, start, end, flags) : undefined,
        onError: (err) => this.onReceiveError(err),
        onIdle: () => this.onIdle(),
      });
      this.reader.start();
      this.updateRef();
    } catch (err) {
      // Do not leak the socket when polling cannot start.
      try {
        net.close(this.fd);
      } catch {
        /* nothing to do */
      }
      throw fromSyscall(err, `watch netlink socket (protocol ${protocol})`, { capability: 'admin' });
    }
  }

  /** Leave a multicast group (NETLINK_DROP_MEMBERSHIP): the kernel stops building events for us. */
  leaveGroup(group: number): void {
    try {
      this.net.setsockopt(this.fd, C.SOL_NETLINK, C.NETLINK_DROP_MEMBERSHIP, group);
    } catch (err) {
      throw fromSyscall(err, `leave netlink group ${group}`, { capability: 'admin' });
    }
    this.joinedGroups = Math.max(0, this.joinedGroups - 1);
  }

  /** Stop (true) or resume (false) reading; what arrives meanwhile stays queued in the socket (or overruns). */
  pauseReading(paused: boolean): void {
    if (this.closed || paused === this.readingPaused) return;
    this.readingPaused = paused;
    if (paused) this.reader.stop();
    else this.reader.start();
  }

  /** Join a multicast group after opening (NETLINK_ADD_MEMBERSHIP). */
  joinGroup(group: number): void {
    try {
      this.net.setsockopt(this.fd, C.SOL_NETLINK, C.NETLINK_ADD_MEMBERSHIP, group);
    } catch (err) {
      throw fromSyscall(err, `join netlink group ${group}`, { capability: 'admin' });
    }
    this.joinedGroups++;
  }

  /** Unsolicited messages (group notifications). Registering a handler keeps the process alive. */
  onEvent(cb: ((msg: NetlinkMessage) => void) | null): void {
    this.eventHandler = cb;
    this.updateRef();
  }

  /**
   * Unsolicited messages without a NetlinkMessage object: the handler gets the message's place in the receive
   * buffer (payload = buf[start, end)). With reuseBuffer the bytes are valid only during the call. Replaces
   * onEvent's handler while set. For event sockets that see 100,000 messages a second.
   */
  onEventRaw(cb: RawEventHandler | null): void {
    this.rawEventHandler = cb;
    this.updateRef();
  }

  /** Asynchronous errors: VIPD_ERR_NETLINK_OVERRUN means events were lost (re-list to resync). */
  onError(cb: ((err: VipdNetError) => void) | null): void {
    this.errorHandler = cb;
  }

  /**
   * Send one request. Resolves with the reply messages: [] for a plain ACK, every message of a dump
   * (NLM_F_DUMP) until NLMSG_DONE, or the reply to a GET/ECHO before its ACK. Rejects with VipdNetError
   * VIPD_ERR_NETLINK (errno/sysCode set; EPERM → VIPD_ERR_NO_CAP_NET_ADMIN) or VIPD_ERR_NETLINK_TIMEOUT.
   */
  request(req: NetlinkRequest): Promise<NetlinkMessage[]> {
    return this.requestAll([req]).then((r) => {
      const first = r[0]!;
      if (first instanceof VipdNetError) throw first;
      return first;
    });
  }

  /**
   * A dump (NLM_F_DUMP added) whose reply messages are handed to `each` as they arrive instead of being
   * collected: a 100,000-entry table is decoded while it streams in. Resolves at NLMSG_DONE.
   */
  requestEach(req: NetlinkRequest, each: (msg: NetlinkMessage) => void): Promise<void> {
    if (this.closed) return Promise.reject(new VipdNetError('VIPD_ERR_CLOSED', 'netlink socket is closed'));
    const seq = this.takeSeq();
    const flags = C.NLM_F_REQUEST | C.NLM_F_DUMP | (req.flags ?? 0);
    const wait = this.expect(seq, true, each);
    try {
      this.sendRaw(encodeNlmsg({ type: req.type, flags, seq }, req.payload));
    } catch (err) {
      const p = this.pending.get(seq);
      const e = err instanceof VipdNetError ? err : fromSyscall(err, 'netlink send', { capability: 'admin' });
      if (p) this.finish(seq, p, e);
    }
    return wait.then(() => undefined);
  }

  /**
   * Many requests with one acknowledgement: each message goes without NLM_F_ACK, so the kernel answers only
   * failures, and an NLMSG_NOOP with NLM_F_ACK follows as a barrier. Netlink processes one socket's requests in
   * order, so when the barrier is acknowledged every earlier request without an error has succeeded. This saves
   * one ACK message (and its receive-buffer space) per request; a 100,000-entry conntrack commit needs no more
   * than a few hundred sendmsg calls.
   *
   * `messages` are complete netlink messages (header included, e.g. built with NlWriter); this call stamps
   * their sequence numbers and clears NLM_F_ACK in place. Resolves with one errno per message (0 = success).
   * Rejects only when the socket is closed, sending fails, the barrier times out, or replies were lost
   * (VIPD_ERR_NETLINK_OVERRUN: the outcome of the batch is unknown).
   */
  sendBatch(messages: readonly Buffer[]): Promise<Int32Array> {
    if (this.closed) return Promise.reject(new VipdNetError('VIPD_ERR_CLOSED', 'netlink socket is closed'));
    const count = messages.length;
    // Contiguous sequence numbers so that replies are matched by range, not by a map entry per request.
    if (this.nextSeq + count + 1 > 0xffffffff) this.nextSeq = 1;
    const firstSeq = this.nextSeq;
    this.nextSeq += count + 1;
    const barrierSeq = firstSeq + count;
    return new Promise<Int32Array>((resolve, reject) => {
      const timer = this.clock.after(this.timeoutMs, () => {
        this.batches.delete(b);
        this.updateRef();
        reject(new VipdNetError('VIPD_ERR_NETLINK_TIMEOUT', `netlink batch of ${count} got no answer in ${this.timeoutMs} ms`));
      });
      const b: PendingBatch = { firstSeq, count, results: new Int32Array(count), resolve, reject, timer };
      this.batches.add(b);
      this.updateRef();
      try {
        let chunk: Buffer[] = [];
        let bytes = 0;
        for (let i = 0; i < count; i++) {
          const m = messages[i]!;
          writeU16Host(m, readU16Host(m, 6) & ~C.NLM_F_ACK, 6);
          writeU32Host(m, firstSeq + i, 8);
          if (bytes + m.length > BATCH_BYTES && chunk.length) {
            this.sendRaw(chunk.length === 1 ? chunk[0]! : Buffer.concat(chunk, bytes));
            chunk = [];
            bytes = 0;
          }
          chunk.push(m);
          bytes += m.length;
        }
        chunk.push(encodeNlmsg({ type: C.NLMSG_NOOP, flags: C.NLM_F_REQUEST | C.NLM_F_ACK, seq: barrierSeq }));
        this.sendRaw(Buffer.concat(chunk));
      } catch (err) {
        timer.cancel();
        this.batches.delete(b);
        this.updateRef();
        reject(err instanceof VipdNetError ? err : fromSyscall(err, 'netlink send', { capability: 'admin' }));
      }
    });
  }

  /**
   * Send many requests in as few datagrams as possible (the kernel processes them in order) and wait for all.
   * Each entry of the result is that request's reply messages or its error; the promise itself only rejects
   * when the socket is closed or sending fails.
   */
  async requestAll(reqs: readonly NetlinkRequest[]): Promise<(NetlinkMessage[] | VipdNetError)[]> {
    if (this.closed) throw new VipdNetError('VIPD_ERR_CLOSED', 'netlink socket is closed');
    const waits: Promise<NetlinkMessage[] | VipdNetError>[] = [];
    const seqs: number[] = [];
    let batch: Buffer[] = [];
    let batchBytes = 0;
    const flush = (): void => {
      if (batch.length === 0) return;
      this.sendRaw(Buffer.concat(batch));
      batch = [];
      batchBytes = 0;
    };
    try {
      for (const r of reqs) {
        const seq = this.takeSeq();
        seqs.push(seq);
        const dump = ((r.flags ?? 0) & C.NLM_F_DUMP) === C.NLM_F_DUMP;
        const flags = C.NLM_F_REQUEST | (r.flags ?? 0) | (dump ? 0 : C.NLM_F_ACK);
        const msg = encodeNlmsg({ type: r.type, flags, seq }, r.payload);
        waits.push(this.expect(seq, dump).catch((e: VipdNetError) => e));
        if (batchBytes + msg.length > BATCH_BYTES) flush();
        batch.push(msg);
        batchBytes += msg.length;
      }
      flush();
    } catch (err) {
      // Sending failed: fail every request of this call that has not been answered.
      const e = err instanceof VipdNetError ? err : fromSyscall(err, 'netlink send', { capability: 'admin' });
      for (const seq of seqs) {
        const p = this.pending.get(seq);
        if (p) this.finish(seq, p, e);
      }
      await Promise.all(waits); // all settled above (errors were caught into values)
      throw e;
    }
    return Promise.all(waits);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.reader.stop();
    try {
      this.net.close(this.fd);
    } catch {
      /* nothing to do */
    }
    const err = new VipdNetError('VIPD_ERR_CLOSED', 'netlink socket closed with the request pending');
    for (const p of this.pending.values()) {
      p.timer.cancel();
      p.reject(err);
    }
    this.pending.clear();
    this.failBatches(err);
  }

  private failBatches(err: VipdNetError): void {
    for (const b of this.batches) {
      b.timer.cancel();
      b.reject(err);
    }
    this.batches.clear();
  }

  private takeSeq(): number {
    const s = this.nextSeq;
    this.nextSeq = this.nextSeq >= 0xffffffff ? 1 : this.nextSeq + 1;
    return s;
  }

  private expect(seq: number, dump: boolean, each: ((m: NetlinkMessage) => void) | null = null): Promise<NetlinkMessage[]> {
    return new Promise((resolve, reject) => {
      const timer = this.clock.after(this.timeoutMs, () => {
        this.pending.delete(seq);
        this.updateRef();
        const text = `netlink request seq ${seq} got no answer in ${this.timeoutMs} ms`;
        reject(new VipdNetError('VIPD_ERR_NETLINK_TIMEOUT', text));
      });
      this.pending.set(seq, { dump, messages: [], each, resolve, reject, timer });
      this.updateRef();
    });
  }

  private sendRaw(data: Buffer): void {
    let n: number;
    try {
      n = this.net.sendmsg(this.fd, data, sockaddrNl(0, 0), null, 0);
    } catch (err) {
      throw fromSyscall(err, 'netlink send', { capability: 'admin' });
    }
    if (n < 0) throw new VipdNetError('VIPD_ERR_SEND_WOULD_BLOCK', 'netlink send: socket buffer full');
  }

  /** One datagram in a shared buffer: events go to the raw handler by offset, anything else the usual way. */
  private onDatagramAt(buf: Buffer, start: number, end: number, flags: number): void {
    if ((flags & C.MSG_TRUNC) !== 0) {
      this.noteOverrun();
      return;
    }
    const raw = this.rawEventHandler;
    let off = start;
    while (off + NLMSG_HDRLEN <= end) {
      const len = readU32Host(buf, off);
      if (len < NLMSG_HDRLEN || off + len > end) break;
      const type = readU16Host(buf, off + 4);
      const mflags = readU16Host(buf, off + 6);
      const control = type === C.NLMSG_NOOP || type === C.NLMSG_ERROR || type === C.NLMSG_DONE || type === C.NLMSG_OVERRUN;
      if (raw && !control && (mflags & C.NLM_F_MULTI) === 0) {
        raw(buf, off + NLMSG_HDRLEN, off + len, type, mflags);
      } else {
        this.onDatagram({ data: buf.subarray(off, off + len), addr: EMPTY, control: EMPTY, flags: 0 });
      }
      off += nlmsgAlign(len);
    }
  }

  private onDatagram(m: RecvResult): void {
    if ((m.flags & C.MSG_TRUNC) !== 0) {
      this.noteOverrun();
      return;
    }
    for (const msg of parseNlmsgs(m.data)) {
      if (msg.type === C.NLMSG_NOOP) continue;
      if (msg.type === C.NLMSG_OVERRUN) {
        this.noteOverrun();
        continue;
      }
      if (this.batches.size > 0 && msg.type === C.NLMSG_ERROR && this.onBatchReply(msg)) continue;
      const p = this.pending.get(msg.seq);
      const isReplyShape =
        msg.type === C.NLMSG_ERROR || msg.type === C.NLMSG_DONE || (msg.flags & C.NLM_F_MULTI) !== 0;
      if (p && (isReplyShape || this.joinedGroups === 0)) this.onReply(msg.seq, p, msg);
      else if (this.rawEventHandler) this.rawEventHandler(msg.payload, 0, msg.payload.length, msg.type, msg.flags);
      else this.eventHandler?.(msg);
    }
  }

  private onReply(seq: number, p: Pending, msg: NetlinkMessage): void {
    if (msg.type === C.NLMSG_ERROR) {
      const e = parseNlmsgerr(msg);
      if (e && e.error === 0) this.finish(seq, p, null);
      else this.finish(seq, p, netlinkError(e));
      return;
    }
    if (msg.type === C.NLMSG_DONE) {
      // A dump that failed midway reports a negative errno in NLMSG_DONE's payload.
      const code = msg.payload.length >= 4 ? readI32Host(msg.payload, 0) : 0;
      this.finish(seq, p, code < 0 ? netlinkError({ error: code, request: null }) : null);
      return;
    }
    if (p.each) p.each(msg);
    else p.messages.push(msg);
  }

  /** An error or ACK for a request of an ACK-less batch, or its barrier. */
  private onBatchReply(msg: NetlinkMessage): boolean {
    for (const b of this.batches) {
      const i = msg.seq - b.firstSeq;
      if (i < 0 || i > b.count) continue;
      const e = parseNlmsgerr(msg);
      const errno = e ? -e.error : C.EINVAL;
      if (i < b.count) {
        b.results[i] = errno;
        return true;
      }
      b.timer.cancel();
      this.batches.delete(b);
      this.updateRef();
      if (errno === 0) b.resolve(b.results);
      else b.reject(netlinkError(e));
      return true;
    }
    return false;
  }

  private finish(seq: number, p: Pending, err: VipdNetError | null): void {
    p.timer.cancel();
    this.pending.delete(seq);
    this.updateRef();
    if (err) p.reject(err);
    else p.resolve(p.messages);
  }

  private onReceiveError(err: unknown): void {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOBUFS') {
      // The kernel dropped messages because our receive buffer was full (netlink(7), ENOBUFS).
      this.noteOverrun();
      return;
    }
    if (code === 'EPOLL') return; // POLLERR: the reader re-armed its poll; the socket error itself follows.
    this.errorHandler?.(fromSyscall(err, 'netlink receive', { capability: 'admin' }));
  }

  /**
   * Messages were lost. Replies to our requests may be among them, so pending requests fail now (waiting would
   * only end in a timeout). Listeners hear about it once the queue has drained (onIdle): the kernel reports
   * ENOBUFS once and then drops silently until the queue is emptied (netlink_overrun, NETLINK_S_CONGESTED), so
   * a re-list started after the drain covers everything lost. conntrackd's NetlinkOverrunResync does the same.
   */
  private noteOverrun(): void {
    this.overruns++;
    this.overrunPending = true;
    this.growReceiveBuffer();
    if (this.pending.size > 0 || this.batches.size > 0) {
      const err = new VipdNetError('VIPD_ERR_NETLINK_OVERRUN', 'netlink receive buffer overrun: replies lost');
      for (const [seq, p] of this.pending) this.finish(seq, p, err);
      this.failBatches(err);
      this.updateRef();
    }
  }

  private onIdle(): void {
    if (!this.overrunPending) return;
    this.overrunPending = false;
    const text = 'netlink receive buffer overrun: events lost';
    this.errorHandler?.(new VipdNetError('VIPD_ERR_NETLINK_OVERRUN', text, { sysCode: 'ENOBUFS' }));
  }

  /** Double the receive buffer after an overrun, up to rcvbufMaxBytes (conntrackd NetlinkBufferSizeMaxGrowth). */
  private growReceiveBuffer(): void {
    if (this.rcvbuf >= this.rcvbufMax) return;
    this.rcvbuf = Math.min(this.rcvbufMax, this.rcvbuf * 2);
    try {
      this.net.setsockopt(this.fd, C.SOL_SOCKET, C.SO_RCVBUFFORCE, this.rcvbuf);
    } catch {
      /* not privileged: stay at the current size */
    }
  }

  /** Keep the process alive while requests are pending or an event handler is registered. */
  private updateRef(): void {
    if (!this.closed) {
      this.reader.setRef(this.pending.size > 0 || this.batches.size > 0 || this.eventHandler !== null || this.rawEventHandler !== null);
    }
  }
}

export function openNetlink(protocol: number, opts: NetlinkOptions): NetlinkSocket {
  return new NetlinkSocket(protocol, opts);
}

/** The error a request answered with `errno` rejects with (for callers of sendBatch, which reports errnos). */
export function errnoError(errno: number): VipdNetError {
  return netlinkError({ error: -errno, request: null });
}

function netlinkError(e: NetlinkErrorPayload | null): VipdNetError {
  const errno = e ? -e.error : 0;
  const sysCode = errnoName(errno);
  const text = e?.extAckMessage ? `${sysCode}: ${e.extAckMessage}` : sysCode;
  if (errno === C.EPERM || errno === C.EACCES) {
    return new VipdNetError('VIPD_ERR_NO_CAP_NET_ADMIN', `netlink request refused (${text}): ${CAP_NET_ADMIN_MESSAGE}`, {
      sysCode,
      errno,
    });
  }
  return new VipdNetError('VIPD_ERR_NETLINK', `netlink request failed: ${text}`, { sysCode, errno });
}
