// One epoll set for many short-lived stream sockets (the LVS probes: thousands of connections a second). libuv
// watches the set's fd through ONE uv_poll; each socket is registered once, edge-triggered, and leaves the set
// when it is closed (close(2) drops it from every epoll set: no EPOLL_CTL_DEL). Per socket that is one
// epoll_ctl, where a libuv stream or uv_poll costs three to five (uv_poll_init alone checks the fd with an
// ADD/DEL pair and sets O_NONBLOCK again). keepalived's scheduler does the same with its own epoll (scheduler.c).
//
// Registrations are known by an id, not by the fd: an fd number is reused at once after close, and an event
// read for a socket closed in the same batch must not reach the socket that took its number.
import { nativeNet, type NativeNet, type NativeStreamNet, type PollHandle } from './native.js';
import { EPOLL_CTL_ADD } from './constants.js';

export type ReadinessHandler = (events: number) => void;

/** Ids wrap below 2^31 (the addon carries them as int32); 0 is never used. */
const MAX_ID = 0x7fffffff;

export class EpollSet {
  private epfd = -1;
  private poll: PollHandle | null = null;
  private readonly handlers = new Map<number, ReadinessHandler>();
  private nextId = 1;
  /** Pairs (id, events) of one epoll_wait; 128 events per call. */
  private readonly ready = new Int32Array(256);
  /** Handler failures (a bug in a handler, never in the kernel's answer): counted, the others still run. */
  handlerErrors = 0;

  constructor(private readonly native: NativeStreamNet) {}

  /**
   * Watch `fd` for `events` (EPOLL* bits, usually with EPOLLET). Returns the registration id (> 0), or -errno
   * when epoll_ctl refused. The caller closes the fd after forget(id): that is what removes it from the set.
   */
  add(fd: number, events: number, handler: ReadinessHandler): number {
    this.open();
    const id = this.nextId;
    this.nextId = id >= MAX_ID ? 1 : id + 1;
    const rc = this.native.epollCtl(this.epfd, EPOLL_CTL_ADD, fd, events, id);
    if (rc < 0) return rc;
    this.handlers.set(id, handler);
    if (this.handlers.size === 1) this.native.pollRef(this.poll!, true);
    return id;
  }

  /** No more events for this registration (then close the fd). */
  forget(id: number): void {
    if (this.handlers.delete(id) && this.handlers.size === 0 && this.poll) this.native.pollRef(this.poll, false);
  }

  /** Take the events already queued now, outside libuv's turn (a timer about to declare a timeout asks first). */
  pollNow(): void {
    if (this.poll && this.handlers.size > 0) this.drain();
  }

  /** How many sockets are watched (tests). */
  get size(): number {
    return this.handlers.size;
  }

  private open(): void {
    if (this.poll) return;
    this.epfd = this.native.epollCreate();
    this.poll = this.native.pollStart(this.epfd, this.drain);
    // An idle set keeps nothing alive; a watched socket does (a probe in flight is work the process waits for).
    this.native.pollRef(this.poll, false);
  }

  private readonly drain = (): void => {
    const ready = this.ready;
    for (;;) {
      const n = this.native.epollWait(this.epfd, ready);
      for (let i = 0; i < n; i++) {
        const handler = this.handlers.get(ready[2 * i]!);
        if (!handler) continue; // forgotten earlier in this batch
        try {
          handler(ready[2 * i + 1]!);
        } catch {
          this.handlerErrors++;
        }
      }
      if (n < ready.length / 2) return;
    }
  };
}

let shared: EpollSet | null = null;

/** The process's set over the real addon, created on first use; null when the addon lacks the stream calls. */
export function sharedEpollSet(native: NativeNet = nativeNet()): EpollSet | null {
  if (!shared) {
    if (!native.connect || !native.send || !native.recvInto || !native.epollCreate || !native.epollCtl || !native.epollWait) return null;
    shared = new EpollSet(native as NativeStreamNet);
  }
  return shared;
}
