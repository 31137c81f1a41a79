// A datagram socket for UDP_CHECK, DNS_CHECK and PING_CHECK, opened by the vipd_net addon so that fwmark and
// bind_if apply (node:dgram has neither) and ICMP errors can be read: IP_RECVERR makes an unconnected socket
// report "port/host unreachable" as a receive error (ip(7)), which is how keepalived's UDP check sees a refusal
// (core/layer4.c:420-447). Only datagrams from the target are delivered.
import type { Clock } from '../../clock/clock.js';
import { canonicalAddress } from '../../ip/address.js';
import { nativeNet, type NativeNet } from '../../net/native.js';
import { PolledReader } from '../../net/socketBase.js';
import { parseSockaddr, sockaddrIn, sockaddrIn6 } from '../../net/sockaddr.js';
import { AF_INET6, IPPROTO_IPV6, IPV6_RECVERR, IP_RECVERR, SOL_IP } from '../../net/constants.js';
import { applyNativeOptions, familyOf, type SocketOptions } from './socketSetup.js';

export interface DatagramHandlers {
  /** A datagram from the target (for raw IPv4 sockets: with its IP header). */
  onMessage(data: Buffer): void;
  /** A receive error: an ICMP error (ECONNREFUSED, EHOSTUNREACH …) or a socket failure. */
  onError(err: unknown): void;
}

export interface DatagramChannel {
  send(data: Buffer): void;
  close(): void;
}

export interface DatagramSpec {
  readonly clock: Clock;
  readonly options: SocketOptions;
  readonly type: number;
  readonly protocol: number;
  /** Destination port (0 for ICMP). */
  readonly port: number;
  readonly maxLen: number;
  /** Whether to ask for ICMP errors (UDP, DNS). */
  readonly recvErr: boolean;
  /** Check the sender's port too (UDP, DNS; ICMP sockets report port 0 or the echo id). */
  readonly matchPort: boolean;
}

/** Opens, configures and starts reading; throws the syscall error (the probe reports it as 'local'). */
export function openDatagram(spec: DatagramSpec, h: DatagramHandlers, native: NativeNet = nativeNet()): DatagramChannel {
  const o = spec.options;
  const family = familyOf(o.connectIp);
  const target = canonicalAddress(o.connectIp) ?? o.connectIp;
  const dest = family === AF_INET6 ? sockaddrIn6(o.connectIp, spec.port, o.bindIf && /^fe80:/i.test(o.connectIp) ? native.ifNameToIndex(o.bindIf) : 0) : sockaddrIn(o.connectIp, spec.port);
  const fd = native.socket(family, spec.type, spec.protocol);
  let reader: PolledReader | null = null;
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    reader?.stop();
    native.close(fd);
  };
  try {
    if (spec.recvErr) {
      if (family === AF_INET6) native.setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, 1);
      else native.setsockopt(fd, SOL_IP, IP_RECVERR, 1);
    }
    applyNativeOptions(native, fd, o, family);
    reader = new PolledReader(native, fd, {
      clock: spec.clock,
      maxLen: spec.maxLen,
      controlLen: 0,
      onMessage: (m) => {
        const from = parseSockaddr(m.addr);
        if (!from || (from.family !== 'inet' && from.family !== 'inet6')) return;
        if (from.address !== target || (spec.matchPort && from.port !== spec.port)) return;
        h.onMessage(m.data);
      },
      // libuv's poll error is followed by a drain that reads the real socket error; report only that one.
      onError: (err) => {
        if ((err as { code?: unknown }).code !== 'EPOLL') h.onError(err);
      },
    });
    reader.start();
  } catch (err) {
    close();
    throw err;
  }
  return {
    send: (data) => {
      if (closed) return;
      native.sendmsg(fd, data, dest, null, 0);
    },
    close,
  };
}
