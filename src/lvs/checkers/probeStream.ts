// A probe's TCP connection as keepalived makes it (check_tcp.c tcp_connect, layer4.c socket_connect): a
// non-blocking socket from the vipd_net addon with the checker's options (fwmark, bind_if, bindto/bind_port,
// socketSetup.ts), connect(2), readiness from the process's shared epoll set (src/net/epollSet.ts), close(2).
// No node:net stream: at thousands of checks a second its objects and libuv bookkeeping cost more than the
// check (issue 10's bench). A successful TCP_CHECK is socket, connect, epoll_ctl, close: four system calls.
import { EpollSet, sharedEpollSet } from '../../net/epollSet.js';
import { nativeNet, type NativeStreamNet } from '../../net/native.js';
import { readI32Host, sockaddrIn, sockaddrIn6 } from '../../net/sockaddr.js';
import { AF_INET6, EINPROGRESS, SOCK_STREAM, SOL_SOCKET } from '../../net/constants.js';
import { applyNativeOptions, familyOf, type SocketOptions } from './socketSetup.js';
import { VipdNetError } from '../../net/errors.js';

const SO_ERROR = 4;

/** Where a probe connects: the sockaddr is built once (per run only for a link-local target, whose interface index may change). */
export class ProbeTarget {
  readonly family: number;
  private fixed: Buffer | null = null;

  constructor(
    readonly options: SocketOptions,
    readonly port: number = options.connectPort,
  ) {
    this.family = familyOf(options.connectIp);
  }

  /** Throws an invalid-address error (a 'local' failure of the run). */
  sockaddr(native: NativeStreamNet): Buffer {
    if (this.fixed) return this.fixed;
    const o = this.options;
    if (this.family !== AF_INET6) return (this.fixed = sockaddrIn(o.connectIp, this.port));
    // A link-local target is reached through bind_if (keepalived requires it, check_api.c:177-188).
    if (o.bindIf && /^fe80:/i.test(o.connectIp)) return sockaddrIn6(o.connectIp, this.port, native.ifNameToIndex(o.bindIf));
    return (this.fixed = sockaddrIn6(o.connectIp, this.port));
  }
}

/** The addon and the shared epoll set, or a thrown VIPD_ERR_NATIVE_UNAVAILABLE (a 'local' failure). */
export function streamDeps(): { native: NativeStreamNet; set: EpollSet } {
  const native = nativeNet();
  const set = sharedEpollSet(native);
  if (!set) throw new VipdNetError('VIPD_ERR_NATIVE_UNAVAILABLE', 'the vipd_net addon lacks the stream-socket calls (rebuild it: `npm rebuild`)');
  return { native: native as NativeStreamNet, set };
}

/** A probe's beforeTimeout: events already queued for probe sockets are handled before a timeout is declared. */
export function pollStreams(): void {
  try {
    sharedEpollSet()?.pollNow();
  } catch {
    // No addon: no probe socket is open either.
  }
}

export class ProbeStream {
  private id = 0;
  private closed = false;

  private constructor(
    readonly fd: number,
    private readonly native: NativeStreamNet,
    private readonly set: EpollSet,
  ) {}

  /** socket(2) and the checker's options; throws the syscall error (bind, SO_BINDTODEVICE …). */
  static open(target: ProbeTarget, native: NativeStreamNet, set: EpollSet): ProbeStream {
    const fd = native.socket(target.family, SOCK_STREAM, 0);
    const o = target.options;
    if (o.fwmark !== null || o.bindIf !== null || o.bindTo !== null || o.bindPort !== null) {
      try {
        applyNativeOptions(native, fd, o, target.family);
      } catch (err) {
        native.close(fd);
        throw err;
      }
    }
    return new ProbeStream(fd, native, set);
  }

  /** 0: connected; -EINPROGRESS: watch for EPOLLOUT; other -errno: failed. */
  connect(sockaddr: Buffer): number {
    return this.native.connect(this.fd, sockaddr);
  }

  /** Events for this socket (EPOLL* bits, edge-triggered with EPOLLET): 0, or -errno when epoll_ctl refused. */
  watch(events: number, handler: (events: number) => void): number {
    const id = this.set.add(this.fd, events, handler);
    if (id < 0) return id;
    this.id = id;
    return 0;
  }

  /** The connect's (or the connection's) pending error after EPOLLERR (SO_ERROR); 0 when none. */
  pendingError(): number {
    try {
      return readI32Host(this.native.getsockopt(this.fd, SOL_SOCKET, SO_ERROR, 4), 0);
    } catch (err) {
      return (err as { errno?: number }).errno ?? 0;
    }
  }

  send(data: Buffer, length: number): number {
    return this.native.send(this.fd, data, length);
  }

  recv(into: Buffer): number {
    return this.native.recvInto(this.fd, into);
  }

  /** Idempotent. close(2) also takes the socket out of the epoll set. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.id) this.set.forget(this.id);
    this.native.close(this.fd);
  }
}

export const CONNECT_IN_PROGRESS = -EINPROGRESS;
