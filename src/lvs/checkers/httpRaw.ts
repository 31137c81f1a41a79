// HTTP_GET's exchange for one url on a raw probe socket (probeStream.ts), as keepalived's check_http.c does it:
// connect, wait for writable, send the request, read the reply through one 4 KiB buffer (keepalived's
// GET_BUFFER_LENGTH) until the reply decides (HttpReplyReader) or the server closes. The socket is watched
// edge-triggered for both directions from the start, so a successful check costs socket, connect, epoll_ctl,
// send, recv (one per segment of the reply, plus one at the end unless Content-Length says it is complete),
// close — and no libuv stream.
import { EAGAIN, ECONNRESET, EPOLLERR, EPOLLET, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDHUP } from '../../net/constants.js';
import type { HttpUrlConfig } from '../../config/lvsTypes.js';
import type { AttemptControl, Verdict } from './attempt.js';
import { errnoVerdict } from './errno.js';
import { HttpReplyReader } from './httpExchange.js';
import { CONNECT_IN_PROGRESS, ProbeStream, streamDeps, type ProbeTarget } from './probeStream.js';

/** One url of a checker, prepared once per probe: the request bytes never change between runs. */
export interface PreparedUrl {
  readonly url: HttpUrlConfig;
  readonly regex: RegExp | null;
  /** "GET http://10.2.0.11:80/health", for details. */
  readonly what: string;
  readonly request: Buffer;
}

/** The process's receive buffer: every read is parsed (and what is kept, copied) before the next one. */
const RECV = Buffer.allocUnsafe(4096);
const WATCH = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

/** Runs one url; `done` gets its verdict once (not at all when the run settles first: the socket is closed then). */
export function fetchRaw(target: ProbeTarget, u: PreparedUrl, ctl: AttemptControl, done: (v: Verdict) => void): void {
  const { native, set } = streamDeps();
  const sockaddr = target.sockaddr(native);
  const stream = ProbeStream.open(target, native, set);
  const reader = new HttpReplyReader(u.url, u.regex, u.what);
  let sent = 0;
  let over = false;
  const finish = (v: Verdict | null): void => {
    if (over) return;
    over = true;
    stream.close();
    if (v) done(v);
  };
  ctl.onSettle(() => finish(null));

  const write = (): boolean => {
    const req = u.request;
    const n = stream.send(sent === 0 ? req : req.subarray(sent), req.length - sent);
    if (n === -EAGAIN) return false;
    if (n < 0) {
      finish(errnoVerdict(u.what, 'send', -n));
      return false;
    }
    sent += n;
    return sent === req.length;
  };

  const read = (): void => {
    for (;;) {
      const n = stream.recv(RECV);
      if (n > 0) {
        ctl.progress();
        const v = reader.push(RECV.subarray(0, n));
        if (v) return finish(v);
        continue;
      }
      if (n === 0) return finish(reader.end());
      if (n !== -EAGAIN) return finish(errnoVerdict(u.what, 'recv', -n));
      return; // edge-triggered: drained, the next segment brings the next event
    }
  };

  const onEvents = (events: number): void => {
    if (over) return;
    if (sent < u.request.length) {
      if (sent === 0 && events & EPOLLERR) return finish(errnoVerdict(u.what, 'connect', stream.pendingError() || ECONNRESET));
      if (!(events & EPOLLOUT)) return;
      if (sent === 0) ctl.progress(); // connected: the request gets a full connect_timeout
      if (!write()) return;
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) read();
  };

  const rc = stream.connect(sockaddr);
  if (rc !== 0 && rc !== CONNECT_IN_PROGRESS) return finish(errnoVerdict(u.what, 'connect', -rc));
  // Registered after connect: epoll reports the connect's completion even if it came first.
  const watched = stream.watch(WATCH, onEvents);
  if (watched < 0) finish(errnoVerdict(u.what, 'epoll_ctl', -watched));
}
