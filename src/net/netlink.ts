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
import { readI32Host, sockaddrNl } from './sockaddr.js';
import { PolledReader, openSocket } from './socketBase.js';
import {
  encodeNlmsg,
  errnoName,
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
  /** Per-request timeout, default 5000 ms. */
  timeoutMs?: number;
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
  resolve: (m: NetlinkMessage[]) => void;
  reject: (e: VipdNetError) => void;
  timer: NodeJS.Timeout;
}

/** Max bytes per sendmsg when batching requests; far below the default netlink send buffer. */
const BATCH_BYTES = 32 * 1024;
const RECV_BYTES = 256 * 1024;

export class NetlinkSocket {
  private readonly net: NativeNet;
  private readonly fd: number;
  private readonly reader: PolledReader;
  private readonly pending = new Map<number, Pending>();
  private readonly timeoutMs: number;
  private nextSeq: number;
  private joinedGroups = 0;
  private eventHandler: ((msg: NetlinkMessage) => void) | null = null;
  private errorHandler: ((err: VipdNetError) => void) | null = null;
  private closed = false;

  constructor(
    readonly protocol: number,
    opts: NetlinkOptions = {},
  ) {
    this.net = opts.native ?? nativeNet();
    this.timeoutMs = opts.timeoutMs ?? 5000;
    // Start somewhere arbitrary so replies meant for an earlier socket instance can never match.
    this.nextSeq = (Math.floor(Math.random() * 0x7fffffff) >>> 0) || 1;
    const net = this.net;
    const ctx = { what: `open netlink socket (protocol ${protocol})`, capability: 'admin' as const };
    this.fd = openSocket(net, C.AF_NETLINK, C.SOCK_RAW, protocol, ctx, (fd) => {
      const rcvbuf = opts.rcvbufBytes ?? 1024 * 1024;
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
    this.reader = new PolledReader(net, this.fd, {
      maxLen: RECV_BYTES,
      controlLen: 0,
      onMessage: (m) => this.onDatagram(m),
      onError: (err) => this.onReceiveError(err),
    });
    this.reader.start();
    this.updateRef();
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
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  private takeSeq(): number {
    const s = this.nextSeq;
    this.nextSeq = this.nextSeq >= 0xffffffff ? 1 : this.nextSeq + 1;
    return s;
  }

  private expect(seq: number, dump: boolean): Promise<NetlinkMessage[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        this.updateRef();
        const text = `netlink request seq ${seq} got no answer in ${this.timeoutMs} ms`;
        reject(new VipdNetError('VIPD_ERR_NETLINK_TIMEOUT', text));
      }, this.timeoutMs);
      this.pending.set(seq, { dump, messages: [], resolve, reject, timer });
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

  private onDatagram(m: RecvResult): void {
    if ((m.flags & C.MSG_TRUNC) !== 0) {
      this.errorHandler?.(new VipdNetError('VIPD_ERR_NETLINK_OVERRUN', 'netlink message truncated: events lost'));
      return;
    }
    for (const msg of parseNlmsgs(m.data)) {
      if (msg.type === C.NLMSG_NOOP) continue;
      if (msg.type === C.NLMSG_OVERRUN) {
        this.errorHandler?.(new VipdNetError('VIPD_ERR_NETLINK_OVERRUN', 'netlink overrun: events lost'));
        continue;
      }
      const p = this.pending.get(msg.seq);
      const isReplyShape =
        msg.type === C.NLMSG_ERROR || msg.type === C.NLMSG_DONE || (msg.flags & C.NLM_F_MULTI) !== 0;
      if (p && (isReplyShape || this.joinedGroups === 0)) this.onReply(msg.seq, p, msg);
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
    p.messages.push(msg);
  }

  private finish(seq: number, p: Pending, err: VipdNetError | null): void {
    clearTimeout(p.timer);
    this.pending.delete(seq);
    this.updateRef();
    if (err) p.reject(err);
    else p.resolve(p.messages);
  }

  private onReceiveError(err: unknown): void {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOBUFS') {
      // The kernel dropped messages because our receive buffer was full (netlink(7), ENOBUFS).
      const text = 'netlink receive buffer overrun: events lost';
      this.errorHandler?.(new VipdNetError('VIPD_ERR_NETLINK_OVERRUN', text, { sysCode: 'ENOBUFS', cause: err }));
      return;
    }
    this.errorHandler?.(fromSyscall(err, 'netlink receive', { capability: 'admin' }));
  }

  /** Keep the process alive while requests are pending or an event handler is registered. */
  private updateRef(): void {
    if (!this.closed) this.reader.setRef(this.pending.size > 0 || this.eventHandler !== null);
  }
}

export function openNetlink(protocol: number, opts: NetlinkOptions = {}): NetlinkSocket {
  return new NetlinkSocket(protocol, opts);
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
