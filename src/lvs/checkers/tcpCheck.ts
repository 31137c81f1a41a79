// TCP_CHECK (lvs.md §3.3, keepalived check/check_tcp.c): a non-blocking connect that completes within
// connect_timeout is a success; the socket is closed at once.
import type { CheckerConfig } from '../../config/lvsTypes.js';
import { Attempts, fail, pass } from './attempt.js';
import { errorVerdict, hostPort } from './errno.js';
import { connectTcp } from './socketSetup.js';
import type { Probe, ProbeDeps } from './types.js';

type TcpCheckConfig = Extract<CheckerConfig, { type: 'TCP_CHECK' }>;

export function tcpProbe(cfg: TcpCheckConfig, deps: ProbeDeps): Probe {
  const attempts = new Attempts(deps.clock);
  const target = hostPort(cfg.connectIp, cfg.connectPort);
  return {
    run: () =>
      attempts.run({
        what: `connect to ${target}`,
        timeoutMs: cfg.connectTimeoutMs,
        onTimeout: () => fail('timeout', `connect to ${target}: no answer within ${cfg.connectTimeoutMs} ms`),
        body: (ctl) => {
          const sock = connectTcp(cfg);
          ctl.onSettle(() => sock.destroy());
          sock.once('connect', () => ctl.finish(pass()));
          sock.once('error', (err) => ctl.finish(errorVerdict(`connect to ${target}`, err)));
        },
      }),
    close: () => attempts.close(),
  };
}
