// PING_CHECK (lvs.md §3.3, keepalived check/check_ping.c): one ICMP/ICMPv6 echo request, success when the echo
// reply arrives within connect_timeout. Like keepalived we prefer an unprivileged ping socket (SOCK_DGRAM,
// IPPROTO_ICMP: the kernel owns the id and filters replies for us); when net.ipv4.ping_group_range excludes us
// we fall back to a raw socket (CAP_NET_RAW) and match id, sequence and source ourselves.
import { randomBytes, randomInt } from 'node:crypto';
import type { CheckerConfig } from '../../config/lvsTypes.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, SOCK_DGRAM, SOCK_RAW } from '../../net/constants.js';
import { Attempts, fail, pass } from './attempt.js';
import { openDatagram, type DatagramChannel, type DatagramHandlers } from './datagram.js';
import { errorVerdict } from './errno.js';
import { buildEchoRequest, parseEchoReply } from './icmpEcho.js';
import { familyOf } from './socketSetup.js';
import { AF_INET6 } from '../../net/constants.js';
import type { Probe, ProbeDeps } from './types.js';

type PingCheckConfig = Extract<CheckerConfig, { type: 'PING_CHECK' }>;

const PAYLOAD_LEN = 56; // ping(8)'s default

export function pingProbe(cfg: PingCheckConfig, deps: ProbeDeps): Probe {
  const attempts = new Attempts(deps.clock);
  const v6 = familyOf(cfg.connectIp) === AF_INET6;
  const target = `ping ${cfg.connectIp}`;
  let seq = randomInt(0, 0x10000);
  return {
    run: () =>
      attempts.run({
        what: target,
        timeoutMs: cfg.connectTimeoutMs,
        onTimeout: () => fail('timeout', `${target}: no echo reply within ${cfg.connectTimeoutMs} ms`),
        body: (ctl) => {
          seq = (seq + 1) & 0xffff;
          const id = randomInt(0, 0x10000);
          let raw = false;
          const handlers: DatagramHandlers = {
            onMessage: (data) => {
              const reply = parseEchoReply(data, v6, raw && !v6);
              // A ping socket rewrites the id to its own "port"; only the raw socket sees (and must check) ours.
              if (reply && reply.seq === seq && (!raw || reply.id === id)) ctl.finish(pass());
            },
            onError: (err) => ctl.finish(errorVerdict(target, err)),
          };
          const open = (type: number): DatagramChannel =>
            openDatagram(
              { clock: deps.clock, options: cfg, type, protocol: v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, port: 0, maxLen: 65535, recvErr: false, matchPort: false },
              handlers,
            );
          let ch: DatagramChannel;
          try {
            ch = open(SOCK_DGRAM);
          } catch (err) {
            const code = (err as { code?: unknown }).code;
            if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EPROTONOSUPPORT') throw err;
            raw = true;
            ch = open(SOCK_RAW);
          }
          ctl.onSettle(() => ch.close());
          ch.send(buildEchoRequest(v6, id, seq, randomBytes(PAYLOAD_LEN)));
        },
      }),
    close: () => attempts.close(),
  };
}
