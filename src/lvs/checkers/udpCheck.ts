// UDP_CHECK (lvs.md §3.3, keepalived check/check_udp.c, core/layer4.c:224-447): send the payload (random bytes
// when none is configured); an ICMP error read back is a failure; silence until connect_timeout is a success
// unless `require_reply` is given; a reply is checked against the require_reply pattern and length bounds.
import { randomBytes } from 'node:crypto';
import type { CheckerConfig } from '../../config/lvsTypes.js';
import { SOCK_DGRAM } from '../../net/constants.js';
import { Attempts, fail, pass } from './attempt.js';
import { openDatagram } from './datagram.js';
import { errorVerdict, hostPort } from './errno.js';
import { parseReplyPattern, replyMismatch } from './udpReply.js';
import type { Probe, ProbeDeps } from './types.js';

type UdpCheckConfig = Extract<CheckerConfig, { type: 'UDP_CHECK' }>;

/** keepalived sends a UDP_BUFSIZE (32) byte buffer when no payload is configured (layer4.c:235-239). */
const DEFAULT_PAYLOAD_LEN = 32;

export function udpProbe(cfg: UdpCheckConfig, deps: ProbeDeps): Probe {
  const attempts = new Attempts(deps.clock);
  const target = `udp ${hostPort(cfg.connectIp, cfg.connectPort)}`;
  const pattern = cfg.requireReply !== null ? parseReplyPattern(cfg.requireReply) : null;
  return {
    run: () =>
      attempts.run({
        what: target,
        timeoutMs: cfg.connectTimeoutMs,
        onTimeout: () => (cfg.requireReplyGiven ? fail('timeout', `${target}: no reply within ${cfg.connectTimeoutMs} ms`) : pass()),
        body: (ctl) => {
          if (cfg.requireReply !== null && !pattern) return ctl.finish(fail('local', `${target}: invalid require_reply pattern "${cfg.requireReply}"`));
          const ch = openDatagram(
            { clock: deps.clock, options: cfg, type: SOCK_DGRAM, protocol: 0, port: cfg.connectPort, maxLen: cfg.maxReplyLength + 1, recvErr: true, matchPort: true },
            {
              onMessage: (data) => {
                if (!pattern) return ctl.finish(pass());
                const why = replyMismatch(data, pattern, cfg.minReplyLength, cfg.maxReplyLength);
                ctl.finish(why === null ? pass() : fail('protocol', `${target}: ${why}`));
              },
              onError: (err) => ctl.finish(errorVerdict(target, err)),
            },
          );
          ctl.onSettle(() => ch.close());
          ch.send(cfg.payload ?? randomBytes(DEFAULT_PAYLOAD_LEN));
        },
      }),
    close: () => attempts.close(),
  };
}
