// DNS_CHECK (lvs.md §3.3, keepalived check/check_dns.c): one UDP query (RD=1, random id, the configured type and
// name); the first reply with our id and QR set decides: RCODE 0 passes, any other RCODE fails. Other datagrams
// are ignored as keepalived ignores them, so a server that only ever answers wrongly ends in a timeout whose
// detail says what was ignored.
import { randomInt } from 'node:crypto';
import type { CheckerConfig } from '../../config/lvsTypes.js';
import { SOCK_DGRAM } from '../../net/constants.js';
import { Attempts, fail, pass } from './attempt.js';
import { openDatagram } from './datagram.js';
import { classifyReply, encodeQuery, rcodeName } from './dnsMessage.js';
import { errorVerdict, hostPort } from './errno.js';
import type { Probe, ProbeDeps } from './types.js';

type DnsCheckConfig = Extract<CheckerConfig, { type: 'DNS_CHECK' }>;

/** keepalived's receive buffer (DNS_BUFFER_SIZE); a longer reply is truncated, the header is all we read. */
const MAX_REPLY = 768;

export function dnsProbe(cfg: DnsCheckConfig, deps: ProbeDeps): Probe {
  const attempts = new Attempts(deps.clock);
  const target = `dns ${hostPort(cfg.connectIp, cfg.connectPort)}`;
  let ignored: string[] = [];
  return {
    run: () => {
      ignored = [];
      return attempts.run({
        what: target,
        timeoutMs: cfg.connectTimeoutMs,
        onTimeout: () =>
          fail('timeout', `${target}: no answer to ${cfg.queryType} ${cfg.name} within ${cfg.connectTimeoutMs} ms${ignored.length ? ` (ignored replies: ${[...new Set(ignored)].join(', ')})` : ''}`),
        body: (ctl) => {
          const id = randomInt(0, 0x10000);
          const ch = openDatagram(
            { clock: deps.clock, options: cfg, type: SOCK_DGRAM, protocol: 0, port: cfg.connectPort, maxLen: MAX_REPLY, recvErr: true, matchPort: true },
            {
              onMessage: (data) => {
                const v = classifyReply(data, id);
                if (v.kind === 'ok') ctl.finish(pass());
                else if (v.kind === 'rcode') ctl.finish(fail('protocol', `${target}: ${cfg.queryType} ${cfg.name} answered ${rcodeName(v.rcode)}`));
                else ignored.push(v.why);
              },
              onError: (err) => ctl.finish(errorVerdict(target, err)),
            },
          );
          ctl.onSettle(() => ch.close());
          ch.send(encodeQuery(id, cfg.queryType, cfg.name));
        },
      });
    },
    close: () => attempts.close(),
  };
}
