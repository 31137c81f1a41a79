// A recording stand-in for the vipd_net addon: unit tests check which socket calls a wrapper makes (the
// keepalived-equivalent option set) and how it maps errno failures, without root or the addon.
import type { NativeNet, PollHandle, RecvResult } from '../../../src/net/native.js';

export interface Call {
  fn: string;
  args: unknown[];
}

export class FakeNative implements NativeNet {
  readonly calls: Call[] = [];
  readonly queues = new Map<number, RecvResult[]>();
  readonly pollers = new Map<number, (status: number) => void>();
  readonly sent: { fd: number; data: Buffer; sockaddr: Buffer | null; control: Buffer | null; flags: number }[] = [];
  readonly closed = new Set<number>();
  /** Throw this error from the first call whose "fn:detail" matches. */
  failOn: { match: (c: Call) => boolean; error: Error } | null = null;
  interfaces = new Map<string, number>([['eth0', 2]]);
  sendResult = -2; // -2: return the data length
  private nextFd = 10;

  private record(fn: string, ...args: unknown[]): void {
    const c = { fn, args };
    this.calls.push(c);
    if (this.failOn && this.failOn.match(c)) {
      const e = this.failOn.error;
      this.failOn = null;
      throw e;
    }
  }

  socket(domain: number, type: number, protocol: number): number {
    this.record('socket', domain, type, protocol);
    return this.nextFd++;
  }
  close(fd: number): void {
    this.record('close', fd);
    this.closed.add(fd);
  }
  setsockopt(fd: number, level: number, name: number, value: number | Buffer): void {
    this.record('setsockopt', fd, level, name, value);
  }
  getsockopt(fd: number, level: number, name: number, maxLen: number): Buffer {
    this.record('getsockopt', fd, level, name, maxLen);
    return Buffer.alloc(0);
  }
  bind(fd: number, sockaddr: Buffer): void {
    this.record('bind', fd, sockaddr);
  }
  sendmsg(fd: number, data: Buffer, sockaddr: Buffer | null, control: Buffer | null, flags: number): number {
    this.record('sendmsg', fd, data, sockaddr, control, flags);
    this.sent.push({ fd, data, sockaddr, control, flags });
    return this.sendResult === -2 ? data.length : this.sendResult;
  }
  recvmsg(fd: number, _maxLen: number, _controlLen: number): RecvResult | null {
    return this.queues.get(fd)?.shift() ?? null;
  }
  ifNameToIndex(name: string): number {
    return this.interfaces.get(name) ?? 0;
  }
  pollStart(fd: number, onReadable: (status: number) => void): PollHandle {
    this.record('pollStart', fd);
    this.pollers.set(fd, onReadable);
    return { fd } as unknown as PollHandle;
  }
  pollStop(handle: PollHandle): void {
    const fd = (handle as unknown as { fd: number }).fd;
    this.record('pollStop', fd);
    this.pollers.delete(fd);
  }
  pollRef(_handle: PollHandle, _ref: boolean): void {}
  attachFilter(fd: number, program: Buffer): void {
    this.record('attachFilter', fd, program);
  }

  /** Queue a datagram on fd and signal readiness. */
  deliver(fd: number, msg: RecvResult): void {
    const q = this.queues.get(fd) ?? [];
    q.push(msg);
    this.queues.set(fd, q);
    this.pollers.get(fd)?.(0);
  }

  /** setsockopt calls on fd as [level, name, value-as-number-or-hex]. */
  optionsOf(fd: number): [number, number, number | string][] {
    return this.calls
      .filter((c) => c.fn === 'setsockopt' && c.args[0] === fd)
      .map((c) => {
        const v = c.args[3];
        return [c.args[1] as number, c.args[2] as number, Buffer.isBuffer(v) ? v.toString('hex') : (v as number)];
      });
  }
}

export function sysError(code: string, errno: number, syscall = 'socket'): Error {
  return Object.assign(new Error(`${syscall}: ${code}`), { code, errno, syscall });
}
