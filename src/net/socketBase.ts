// Two small building blocks shared by every socket wrapper in src/net: opening a socket and applying its options
// with the fd closed again if any step fails, and a readiness-driven reader that drains a socket with recvmsg
// until it would block (libuv tells us "readable" once; we must read everything queued).
import type { NativeNet, PollHandle, RecvResult } from './native.js';
import { fromSyscall } from './errors.js';
import { SOL_SOCKET, SO_BINDTODEVICE } from './constants.js';

export interface SocketErrorContext {
  what: string;
  ifname?: string;
  address?: string;
  capability?: 'raw' | 'admin';
}

/**
 * socket() then `setup(fd)`; any error closes the fd and is rethrown as a VipdNetError whose message names the
 * capability (EPERM/EACCES), the interface (ENODEV) or the address (EADDRNOTAVAIL).
 */
export function openSocket(
  net: NativeNet,
  domain: number,
  type: number,
  protocol: number,
  ctx: SocketErrorContext,
  setup: (fd: number) => void = () => undefined,
): number {
  let fd = -1;
  try {
    fd = net.socket(domain, type, protocol);
    setup(fd);
    return fd;
  } catch (err) {
    if (fd >= 0) {
      try {
        net.close(fd);
      } catch {
        /* closing a half-set-up socket cannot fail in a way we could act on */
      }
    }
    throw fromSyscall(err, ctx.what, ctx);
  }
}

/** SO_BINDTODEVICE takes the NUL-terminated interface name. */
export function bindToDevice(net: NativeNet, fd: number, ifname: string): void {
  net.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${ifname}\0`, 'utf8'));
}

export interface ReaderOptions {
  maxLen: number;
  controlLen: number;
  onMessage: (msg: RecvResult) => void;
  onError: (err: unknown) => void;
}

/** Watches one fd with libuv and drains it on every readiness callback. Not started until start(). */
export class PolledReader {
  private handle: PollHandle | null = null;
  private referenced = true;

  constructor(
    private readonly net: NativeNet,
    private readonly fd: number,
    private readonly opts: ReaderOptions,
  ) {}

  get running(): boolean {
    return this.handle !== null;
  }

  start(): void {
    if (this.handle) return;
    this.handle = this.net.pollStart(this.fd, (status) => this.onReadable(status));
    this.net.pollRef(this.handle, this.referenced);
    // Data may already be queued (poll only reports edges we have not consumed; be safe and drain now).
    queueMicrotask(() => this.drain());
  }

  /** Whether a watched idle socket keeps the process alive. */
  setRef(ref: boolean): void {
    this.referenced = ref;
    if (this.handle) this.net.pollRef(this.handle, ref);
  }

  stop(): void {
    if (!this.handle) return;
    this.net.pollStop(this.handle);
    this.handle = null;
  }

  private onReadable(status: number): void {
    if (status < 0) {
      this.opts.onError(Object.assign(new Error(`poll failed (${status})`), { code: 'EPOLL', errno: -status }));
      return;
    }
    this.drain();
  }

  private drain(): void {
    while (this.handle) {
      let msg: RecvResult | null;
      try {
        msg = this.net.recvmsg(this.fd, this.opts.maxLen, this.opts.controlLen);
      } catch (err) {
        // One error per readiness event; if data is still queued, libuv reports readable again.
        this.opts.onError(err);
        return;
      }
      if (msg === null) return;
      this.opts.onMessage(msg);
    }
  }
}
