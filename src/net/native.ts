// Typed loader for the vipd_net addon (native/vipd_net.c): generic sockets, options, sendmsg/recvmsg with
// ancillary data, and libuv readiness polling. Nothing protocol-shaped lives in the addon.
import { createRequire } from 'node:module';
import { VipdNetError } from './errors.js';

export interface RecvResult {
  data: Buffer;
  /** Raw sockaddr bytes of the sender (family-specific layout). */
  addr: Buffer;
  /** Raw cmsg area (parse with src/net/cmsg.ts). */
  control: Buffer;
  /** msghdr.msg_flags (MSG_TRUNC, MSG_CTRUNC …). */
  flags: number;
}

export interface PollHandle {
  readonly __poll: unique symbol;
}

export interface NativeNet {
  socket(domain: number, type: number, protocol: number): number;
  close(fd: number): void;
  setsockopt(fd: number, level: number, name: number, value: number | Buffer): void;
  getsockopt(fd: number, level: number, name: number, maxLen: number): Buffer;
  bind(fd: number, sockaddr: Buffer): void;
  /** Returns bytes sent, or -1 when the socket buffer is full (EAGAIN). Throws with `code` on other errors. */
  sendmsg(fd: number, data: Buffer, sockaddr: Buffer | null, control: Buffer | null, flags: number): number;
  /** Returns null when nothing is queued. */
  recvmsg(fd: number, maxLen: number, controlLen: number): RecvResult | null;
  /**
   * recvmmsg(2): up to maxMsgs queued datagrams in one system call, [] when nothing is queued. An error after
   * some datagrams were read is reported by the next call. Optional so that test twins may omit it (callers
   * fall back to recvmsg).
   */
  recvmmsg?(fd: number, maxMsgs: number, maxLen: number, controlLen: number): RecvResult[];
  /**
   * recvmmsg(2) without allocation: datagram i lands in buf[i*slotLen, (i+1)*slotLen), info[2i] = its length
   * (capped at slotLen), info[2i+1] = its msg_flags. Returns how many (0 when nothing is queued). No sender
   * address or ancillary data. Optional like recvmmsg.
   */
  recvmmsgInto?(fd: number, buf: Buffer, slotLen: number, info: Int32Array): number;
  ifNameToIndex(name: string): number;
  pollStart(fd: number, onReadable: (status: number) => void): PollHandle;
  pollStop(handle: PollHandle): void;
  pollRef(handle: PollHandle, ref: boolean): void;
  /** SO_ATTACH_FILTER: `program` is an array of 8-byte struct sock_filter (classic BPF), host byte order. */
  attachFilter(fd: number, program: Buffer): void;
  /**
   * setns(CLONE_NEWNET) into the namespace bound at nsPath, then execve(argv[0], argv, environ): the whole process
   * restarts inside it (same pid). Returns only by throwing, with `code` and `syscall` (open, setns or execve).
   * Optional so that the socket test twins may omit it; only `vipd run` with net_namespace calls it.
   */
  execInNetns?(nsPath: string, argv: readonly string[]): never;
  /**
   * vfork() + execve(path, argv, env) in its own session, stdio on /dev/null, uid/gid switched when >= 0
   * (native/vipd_net.c "scripts"). Returns [pid, pidfd]; throws with `code` and `syscall` (execve ENOENT,
   * pidfd_open ENOSYS on Linux < 5.3, ...). Optional so that test twins may omit it.
   */
  spawnScript?(path: string, argv: readonly string[], env: readonly string[], uid: number, gid: number): [number, number];
  /** waitpid(pid, WNOHANG): null while it runs, else [exit code or -1, terminating signal or 0]. */
  reapChild?(pid: number): [number, number] | null;
  // ---- stream sockets without libuv streams (LVS probes, src/net/epollSet.ts). They return -errno instead of
  // throwing: a refused connect is an answer. Optional so that test twins may omit them. ----
  /** connect(2) on a non-blocking socket: 0 when connected at once, -EINPROGRESS to wait for writable, -errno. */
  connect?(fd: number, sockaddr: Buffer): number;
  /** send(2) of data[0, length) without SIGPIPE: bytes sent, or -errno (-EAGAIN: socket buffer full). */
  send?(fd: number, data: Buffer, length: number): number;
  /** recv(2) into buf: bytes read (0 at end of stream), or -errno (-EAGAIN: nothing queued). */
  recvInto?(fd: number, buf: Buffer): number;
  /** epoll_create1(EPOLL_CLOEXEC). */
  epollCreate?(): number;
  /** epoll_ctl(2); `id` is what epollWait reports for the fd. 0 or -errno. */
  epollCtl?(epfd: number, op: number, fd: number, events: number, id: number): number;
  /** epoll_wait(2) with timeout 0: n ready, info[2i] = id, info[2i+1] = events (at most info.length / 2, 256). */
  epollWait?(epfd: number, info: Int32Array): number;
  /**
   * libnftables, dlopen'ed at first use (native/vipd_net.c, "nftables" section): a context with buffered output.
   * Throws with code ENOENT when libnftables.so.1 cannot be loaded. Optional so that test twins may omit it.
   */
  nftOpen?(): NftHandle;
  /** One nft_run_cmd_from_buffer on the thread pool: rc 0 = the whole buffer committed, else none of it. */
  nftRun?(handle: NftHandle, commands: string, outputFlags: number): Promise<NftRunResult>;
  /** Free the context (throws EBUSY while a run is pending; idempotent). */
  nftClose?(handle: NftHandle): void;
}

export interface NftHandle {
  readonly __nft: unique symbol;
}

export interface NftRunResult {
  rc: number;
  output: string;
  error: string;
}

/** The addon with its stream-socket calls (every real build has them). */
export type NativeStreamNet = NativeNet & Required<Pick<NativeNet, 'connect' | 'send' | 'recvInto' | 'epollCreate' | 'epollCtl' | 'epollWait'>>;

let loaded: NativeNet | undefined;

/** The addon, loaded on first use so that pure code and tests never need it. */
export function nativeNet(): NativeNet {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    // dist/src/net/native.js → ../../../build/Release (compiled layout), src/net → ../../build (ts-node layout).
    const candidates = ['../../../build/Release/vipd_net.node', '../../build/Release/vipd_net.node'];
    let lastError: unknown;
    for (const path of candidates) {
      try {
        loaded = require(path) as NativeNet;
        break;
      } catch (err) {
        lastError = err;
      }
    }
    if (!loaded) {
      throw new VipdNetError(
        'VIPD_ERR_NATIVE_UNAVAILABLE',
        `the vipd_net native addon is not built (run \`npm ci\` or \`npm run install\`): ${String(lastError)}`,
      );
    }
  }
  return loaded;
}
