// Two small building blocks shared by every socket wrapper in src/net: opening a socket and applying its options
// with the fd closed again if any step fails, and a readiness-driven reader that drains a socket with recvmsg
// until it would block (libuv tells us "readable" once; we must read everything queued).
import type { NativeNet, PollHandle, RecvResult } from './native.js';
import { fromSyscall } from './errors.js';
import { SOL_SOCKET, SO_BINDTODEVICE } from './constants.js';
import type { Clock, Timer } from '../clock/clock.js';

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
  /** Arms the back-off after a burst of poll errors. */
  clock: Clock;
  maxLen: number;
  controlLen: number;
  onMessage: (msg: RecvResult) => void;
  onError: (err: unknown) => void;
  /**
   * Datagrams per system call (recvmmsg) when the addon has it; 1 = recvmsg. Sockets that receive bursts of
   * small datagrams (netlink events, sync traffic) gain most.
   */
  batch?: number;
  /**
   * Datagrams read per readiness event before yielding to the event loop (default 256). The rest is read on
   * setImmediate, so a flood on one socket cannot keep the loop in this drain while timers (VRRP adverts) wait.
   */
  maxPerEvent?: number;
  /** Called after every drain that emptied the socket's queue (e.g. to report an overrun only then). */
  onIdle?: () => void;
  /**
   * Receive batches into one buffer reused across reads (recvmmsgInto): no allocation per datagram, but
   * `msg.data` is valid only during onMessage, and `addr`/`control` are empty. For sockets whose handler parses
   * each datagram at once (netlink events). Needs batch > 1 and controlLen 0.
   */
  reuseBuffer?: boolean;
  /**
   * With reuseBuffer: called instead of onMessage with the datagram's place in the shared buffer, so not even a
   * RecvResult or a subarray is allocated per datagram.
   */
  onData?: (buf: Buffer, start: number, end: number, flags: number) => void;
  /**
   * Coalesce wake-ups under dense traffic: when a pass that emptied the socket comes less than this many ms after
   * the previous one, the poll is paused and the socket read again this many ms later, so a burst is read in one
   * pass instead of one wake-up per datagram. Sparse traffic is read at once as before. A reader that must not
   * decide on stale input calls drainNow() first (the VRRP unit driver before a Master_Down decision).
   */
  coalesceMs?: number;
}

const EMPTY = Buffer.alloc(0);
/** receiveInto() handed the datagrams to onData itself. */
const RAW_DELIVERED: RecvResult[] = [];

/** After this many poll errors in a row with nothing read between them, re-arm with a delay (no busy loop). */
const POLL_ERROR_BURST = 8;
const POLL_ERROR_BACKOFF_MS = 100;

/**
 * Watches one fd with libuv and drains it on every readiness callback. Not started until start().
 *
 * libuv stops a poll handle for good when the socket reports POLLERR (uv__poll_io: the callback gets UV_EBADF
 * and the watcher is stopped), which is exactly what a netlink receive-buffer overrun (sk_err = ENOBUFS) or an
 * ICMP error on a connected UDP socket raises. So an error status is reported to onError and the poll is
 * re-armed, and the drain that follows consumes the pending socket error through recvmsg.
 */
export class PolledReader {
  private handle: PollHandle | null = null;
  private referenced = true;
  private drainScheduled = false;
  private pollErrorsInRow = 0;
  private rearmTimer: Timer | null = null;
  private readonly batch: number;
  private readonly maxPerEvent: number;
  private rx: { buf: Buffer; info: Int32Array } | null = null;
  private rawDelivered = 0;
  /** Between start() and stop(); the poll handle may be null meanwhile (error back-off, coalescing pause). */
  private active = false;
  /** coalesceMs: when the last pass that emptied the socket ended, and the timer that ends a pause. */
  private lastIdleAt = -Infinity;
  private pauseTimer: Timer | null = null;
  /** The coalescing window in force (opts.coalesceMs until setCoalesceMs changes it). */
  private coalesceMs: number | undefined;
  /** The pass running is the one at the end of a pause (read without the poll). */
  private resuming = false;
  private readonly resume = (): void => {
    this.pauseTimer = null;
    if (!this.active) return;
    this.resuming = true;
    this.drain();
    // drain() normally ends in idle(), which pauses again or goes back to the poll; after an early end (a socket
    // error, the per-event cap) the poll must watch the socket again.
    if (this.active && this.handle === null && this.pauseTimer === null && this.rearmTimer === null) {
      this.resuming = false;
      this.arm();
    }
  };

  constructor(
    private readonly net: NativeNet,
    private readonly fd: number,
    private readonly opts: ReaderOptions,
  ) {
    this.batch = Math.max(1, Math.min(opts.batch ?? 1, 1024));
    this.coalesceMs = opts.coalesceMs;
    this.maxPerEvent = Math.max(1, opts.maxPerEvent ?? 256);
  }

  get running(): boolean {
    return this.active;
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    this.arm();
    // Data may already be queued (poll only reports edges we have not consumed; be safe and drain now).
    this.scheduleDrain(true);
  }

  /** Whether a watched idle socket keeps the process alive. */
  setRef(ref: boolean): void {
    this.referenced = ref;
    if (this.handle) this.net.pollRef(this.handle, ref);
  }

  stop(): void {
    this.active = false;
    this.rearmTimer?.cancel();
    this.rearmTimer = null;
    this.pauseTimer?.cancel();
    this.pauseTimer = null;
    if (!this.handle) return;
    this.net.pollStop(this.handle);
    this.handle = null;
  }

  /**
   * Change the coalescing window (ms; 0 = read every datagram at once). A pause in progress ends on its own
   * timer; the new window applies from the next pass.
   */
  setCoalesceMs(ms: number): void {
    this.coalesceMs = ms;
  }

  /** Drain the socket now, outside a readiness callback (a no-op when not started). */
  drainNow(): void {
    if (this.active) this.drain();
  }

  private arm(): void {
    this.handle = this.net.pollStart(this.fd, (status) => this.onReadable(status));
    this.net.pollRef(this.handle, this.referenced);
  }

  private onReadable(status: number): void {
    if (status < 0) {
      // The handle is stopped by libuv now; report, re-arm, then drain (which reads the socket error).
      const err = Object.assign(new Error(`poll failed (${status}); polling re-armed`), { code: 'EPOLL', errno: -status });
      if (this.handle) this.net.pollStop(this.handle);
      this.handle = null;
      this.opts.onError(err);
      if (++this.pollErrorsInRow > POLL_ERROR_BURST) {
        // Something keeps failing without anything to read: do not spin, look again a little later.
        this.pollErrorsInRow = 0;
        this.rearmTimer = this.opts.clock.after(POLL_ERROR_BACKOFF_MS, () => {
          this.rearmTimer = null;
          this.arm();
          this.drain();
        });
        return;
      }
      this.arm();
    }
    this.drain();
  }

  private scheduleDrain(microtask = false): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    const run = (): void => {
      this.drainScheduled = false;
      if (this.active) this.drain();
    };
    if (microtask) queueMicrotask(run);
    else setImmediate(run);
  }

  private receiveInto(max: number): RecvResult[] | null {
    if (!this.rx) this.rx = { buf: Buffer.allocUnsafe(this.batch * this.opts.maxLen), info: new Int32Array(2 * this.batch) };
    const { buf, info } = this.rx;
    const slot = this.opts.maxLen;
    const n = this.net.recvmmsgInto!(this.fd, max < this.batch ? buf.subarray(0, max * slot) : buf, slot, info);
    if (n === 0) return null;
    const onData = this.opts.onData;
    if (onData) {
      this.rawDelivered = n;
      for (let i = 0; i < n && this.active; i++) onData(buf, i * slot, i * slot + info[2 * i]!, info[2 * i + 1]!);
      return RAW_DELIVERED;
    }
    const out = new Array<RecvResult>(n);
    for (let i = 0; i < n; i++) {
      out[i] = { data: buf.subarray(i * slot, i * slot + info[2 * i]!), addr: EMPTY, control: EMPTY, flags: info[2 * i + 1]! };
    }
    return out;
  }

  /**
   * A pass emptied the socket after reading `read` datagrams. With coalesceMs: traffic is dense when this pass
   * came soon after the last one, or, at the end of a pause, when the pause collected anything; then the poll is
   * paused (or stays paused, without a pollStart/pollStop per pause), else it watches the socket.
   */
  private idle(read: number): void {
    this.opts.onIdle?.();
    const window = this.coalesceMs;
    if (window === undefined || window <= 0 || !this.active) return;
    const now = this.opts.clock.now();
    const dense = this.resuming ? read > 0 : now - this.lastIdleAt < window;
    this.resuming = false;
    this.lastIdleAt = now;
    if (this.pauseTimer !== null || this.rearmTimer !== null) return;
    if (dense) {
      if (this.handle) this.net.pollStop(this.handle);
      this.handle = null;
      this.pauseTimer = this.opts.clock.after(window, this.resume);
    } else if (this.handle === null) {
      this.arm(); // a pause that collected nothing: the traffic is sparse again
    }
  }

  private drain(): void {
    let read = 0;
    let lastWasError = false;
    while (this.active) {
      if (read >= this.maxPerEvent) {
        // Fairness: yield to timers and other sockets; continue on the next loop turn.
        this.scheduleDrain();
        return;
      }
      let msgs: RecvResult[] | null;
      let asked = 0;
      try {
        if (this.batch > 1 && this.opts.reuseBuffer && this.opts.controlLen === 0 && this.net.recvmmsgInto) {
          asked = Math.min(this.batch, this.maxPerEvent - read);
          msgs = this.receiveInto(asked);
        } else if (this.batch > 1 && this.net.recvmmsg) {
          msgs = this.net.recvmmsg(this.fd, Math.min(this.batch, this.maxPerEvent - read), this.opts.maxLen, this.opts.controlLen);
          if (msgs.length === 0) msgs = null;
        } else {
          const m = this.net.recvmsg(this.fd, this.opts.maxLen, this.opts.controlLen);
          msgs = m ? [m] : null;
        }
      } catch (err) {
        this.opts.onError(err);
        // A socket error (e.g. ENOBUFS after an overrun) is returned once and cleared: read on after it. Two in a
        // row mean the socket itself fails; stop here (libuv reports readable again if data is queued).
        if (lastWasError) return;
        lastWasError = true;
        read++;
        continue;
      }
      lastWasError = false;
      if (msgs === RAW_DELIVERED) {
        read += this.rawDelivered;
        this.pollErrorsInRow = 0;
        if (!this.active) return;
        // Fewer than asked: recvmmsg (MSG_DONTWAIT) stopped at an empty queue, so the call that would only say
        // EAGAIN is saved (a backup woken per advert made two system calls for one datagram). Anything that
        // arrived since, or a socket error left for the next call, wakes the poll again (libuv's epoll is
        // level-triggered).
        if (this.rawDelivered < asked) return this.idle(read);
        continue;
      }
      if (msgs === null) return this.idle(read);
      this.pollErrorsInRow = 0;
      read += msgs.length;
      for (const m of msgs) {
        this.opts.onMessage(m);
        if (!this.active) return; // stopped by a handler
      }
      if (msgs.length < asked) return this.idle(read); // a short batch from recvmmsgInto: the queue was empty (see above)
    }
  }
}
