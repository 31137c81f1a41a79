// TCP_CHECK (lvs.md §3.3, keepalived check/check_tcp.c): a non-blocking connect that completes within
// connect_timeout is a success; the socket is closed at once. Like check_tcp.c: socket, connect, wait for
// writable, close — the connect's error (SO_ERROR) is read only when epoll reports one.
import type { CheckerConfig } from '../../config/lvsTypes.js';
import { ECONNRESET, EPOLLERR, EPOLLET, EPOLLHUP, EPOLLOUT } from '../../net/constants.js';
import { Attempts, fail, pass, type AttemptControl, type AttemptSpec } from './attempt.js';
import { errnoVerdict, hostPort } from './errno.js';
import { CONNECT_IN_PROGRESS, ProbeStream, ProbeTarget, pollStreams, streamDeps } from './probeStream.js';
import type { Probe, ProbeDeps } from './types.js';

type TcpCheckConfig = Extract<CheckerConfig, { type: 'TCP_CHECK' }>;

const PASS = pass();

export function tcpProbe(cfg: TcpCheckConfig, deps: ProbeDeps): Probe {
  const attempts = new Attempts(deps.clock);
  const what = `connect to ${hostPort(cfg.connectIp, cfg.connectPort)}`;
  const target = new ProbeTarget(cfg);
  const timedOut = fail('timeout', `${what}: no answer within ${cfg.connectTimeoutMs} ms`);
  const spec: Omit<AttemptSpec, 'clock'> = {
    what,
    timeoutMs: cfg.connectTimeoutMs,
    onTimeout: () => timedOut,
    beforeTimeout: pollStreams,
    body: (ctl: AttemptControl) => {
      const { native, set } = streamDeps();
      const sockaddr = target.sockaddr(native);
      const stream = ProbeStream.open(target, native, set);
      ctl.onSettle(() => stream.close());
      const rc = stream.connect(sockaddr);
      if (rc === 0) return ctl.finish(PASS);
      if (rc !== CONNECT_IN_PROGRESS) return ctl.finish(errnoVerdict(what, 'connect', -rc));
      const watched = stream.watch(EPOLLOUT | EPOLLET, (events) => {
        if (events & (EPOLLERR | EPOLLHUP)) ctl.finish(errnoVerdict(what, 'connect', stream.pendingError() || ECONNRESET));
        else ctl.finish(PASS);
      });
      if (watched < 0) ctl.finish(errnoVerdict(what, 'epoll_ctl', -watched));
    },
  };
  return {
    run: () => attempts.run(spec),
    close: () => attempts.close(),
  };
}
