// Raw VRRP transports (IP protocol 112, or 51 for keepalived's IPv4 `auth_type AH`, whose adverts are IPsec AH
// datagrams) opened the way keepalived opens them (open_vrrp_send_socket, vrrp.c:2722-2789; open_vrrp_read_socket,
// vrrp.c:2792-2913), one send socket and one receive socket each.
//
// IPv4 send: SOCK_RAW/IPPROTO_RAW. That implies IP_HDRINCL (the codec supplies the whole IPv4 header, TTL 255,
// TOS 0xc0, RFC 5798 §5.1.1.3) and, unlike keepalived's proto-112 + IP_HDRINCL socket, receives nothing, so it
// needs no drop-all BPF filter. IPv6 send: SOCK_RAW/112 with IPV6_CHECKSUM 6 (the kernel computes the VRRP
// checksum with the IPv6 pseudo-header, RFC 5798 §5.2.8) and a drop-all BPF filter, as keepalived does.
// Receive: SOCK_RAW/112, SO_BINDTODEVICE, IP(V6)_MULTICAST_ALL 0 (only groups this socket joined), multicast →
// join the group on the interface and bind() to the group (so unicast VRRP is not seen); unicast → IP(V6)_FREEBIND
// and bind() to unicast_src_ip.
import { nativeNet, type NativeNet, type RecvResult } from './native.js';
import * as C from './constants.js';
import { VipdNetError, fromSyscall, noSuchInterface } from './errors.js';
import { formatIpv4Cached, isIpv6LinkLocal, isIpv6MulticastBytes as isIpv6Multicast, parseIpv4, parseIpv6 } from '../ip/address.js';
import { in6Pktinfo, ipMreqn, ipv6Mreq, parseSockaddr, sockaddrIn, sockaddrIn6 } from './sockaddr.js';
import { buildCmsgs, cmsgSpace, packetInfoFromCmsgs, parseCmsgs } from './cmsg.js';
import { PolledReader, bindToDevice, openSocket } from './socketBase.js';
import type { VrrpPacketMeta, VrrpTransport } from './types.js';
import type { Clock } from '../clock/clock.js';

export const VRRP_GROUP_IPV4 = '224.0.0.18';
export const VRRP_GROUP_IPV6 = 'ff02::12';
/** keepalived sets IP_TOS / IPV6_TCLASS 0xc0 (internetwork control) on its sockets (vrrp_if.c:1294-1319). */
export const VRRP_TOS = 0xc0;

export interface VrrpSocketOptions {
  /** Interface to send on, receive on and bind to (SO_BINDTODEVICE). */
  ifname: string;
  /** Multicast group (default 224.0.0.18 / ff02::12). Ignored in unicast mode. */
  group?: string;
  /** unicast mode: receive socket binds here (IP_FREEBIND), IPv6 sends from here. Required when unicast. */
  unicastSrc?: string;
  unicast: boolean;
  /** IPv4 only: 112 (default) or 51 for keepalived's `auth_type AH`. */
  protocol?: number;
  /** Tests / alternative bindings. Default: the vipd_net addon. */
  native?: NativeNet;
  /** Arms the reader's poll-error back-off. */
  clock: Clock;
}

export interface VrrpSocketOptions6 extends VrrpSocketOptions {
  /** Source for multicast adverts: the interface's link-local address (RFC 5798 §5.1.2.2). Default: kernel's choice. */
  src?: string;
  /** Hop limit for unicast sends (keepalived `unicast_ttl`), default 255. Multicast always uses 255. */
  unicastHopLimit?: number;
}

export interface VrrpSocketCounters {
  sent: number;
  sentBytes: number;
  sendErrors: number;
  received: number;
  receivedBytes: number;
  /** Datagrams larger than the receive buffer (MSG_TRUNC), dropped like keepalived does (sched.c:1035). */
  truncated: number;
  receiveErrors: number;
}

/** classic BPF "ret #0": accept zero bytes of every packet = drop all (keepalived's send-socket filter). */
const BPF_DROP_ALL = Buffer.from([0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
const MAX_PACKET = 65535;
/**
 * Receive buffer for the shared VRRP socket. The default (~208 KB) holds only a few hundred queued adverts (each
 * costs its skb's truesize, ~0.8 KB): 255 instances at 10 ms arrive at 25,500/s, so a loop 10 ms late would lose
 * adverts in the kernel and the backup would take over from a live master (issue 12). 4 MB rides out ~150 ms.
 */
const VRRP_RCVBUF = 4 * 1024 * 1024;
/**
 * Under dense traffic (passes that empty the socket less than this apart), the receive socket is read at most
 * once per this many ms (PolledReader coalesceMs): 255 instances at 100 ms woke a backup 2,550 times a second, one
 * datagram each, and a wake-up of the event loop costs more than the advert. Sparse traffic (one instance, the
 * failover path) is read at once as before. A priority-0 or higher-priority advert amid dense traffic waits at
 * most this long; a Master_Down decision never does: the unit driver reads the queue first (unitDriver.ts).
 * The default until the packet router sets the socket's own window from its instances' advert intervals
 * (packetRouter.ts receiveCoalesceMs).
 */
export const RECEIVE_COALESCE_MS = 2;
/** Datagrams per recvmmsg: a backlog is read in few system calls. */
const RECV_BATCH = 64;
/**
 * IPv4 receive slot. The largest legal IPv4 advert is 60 (header with options) + 24 (AH) + 8 + 255 × 4 + 8 bytes
 * = 1,120; anything longer than a slot is MSG_TRUNC and dropped as `truncated`, like an oversized datagram before.
 */
const IPV4_SLOT = 4096;

/** Open an IPv4 VRRP transport. Throws VipdNetError (VIPD_ERR_NO_CAP_NET_RAW, VIPD_ERR_NO_SUCH_INTERFACE …). */
export function openVrrpIpv4(opts: VrrpSocketOptions): VrrpSocket {
  return new VrrpSocket(4, opts);
}

/** Open an IPv6 VRRP transport (VRRPv3 over ff02::12). */
export function openVrrpIpv6(opts: VrrpSocketOptions6): VrrpSocket {
  return new VrrpSocket(6, opts);
}

export class VrrpSocket implements VrrpTransport {
  readonly ifindex: number;
  private readonly net: NativeNet;
  private readonly sendFd: number;
  private readonly recvFd: number;
  private readonly reader: PolledReader;
  private readonly counters: VrrpSocketCounters = {
    sent: 0,
    sentBytes: 0,
    sendErrors: 0,
    received: 0,
    receivedBytes: 0,
    truncated: 0,
    receiveErrors: 0,
  };
  private handler: ((packet: Buffer, meta: VrrpPacketMeta) => void) | null = null;
  private rangeHandler: ((buf: Buffer, start: number, end: number, meta: VrrpPacketMeta) => void) | null = null;
  private errorHandler: ((err: VipdNetError) => void) | null = null;
  private sendControl: Buffer | null = null;
  private readonly destinations = new Map<string, { sockaddr: Buffer; flags: number }>();
  private closed = false;
  /** The meta of the IPv4 datagram being delivered, one object reused for all (deliverIpv4). */
  private rxMeta!: Ipv4HeaderMeta;

  constructor(
    readonly family: 4 | 6,
    private readonly opts: VrrpSocketOptions & Partial<VrrpSocketOptions6>,
  ) {
    this.net = opts.native ?? nativeNet();
    const { ifname } = opts;
    if (opts.unicast && !opts.unicastSrc) {
      throw new VipdNetError('VIPD_ERR_INVALID_ADDRESS', `unicast VRRP on ${ifname} needs a unicast source address`);
    }
    this.checkAddresses();
    this.ifindex = ifname.length > 15 ? 0 : this.net.ifNameToIndex(ifname);
    if (this.ifindex === 0) throw noSuchInterface(ifname);
    this.sendFd = family === 4 ? this.openSend4() : this.openSend6();
    try {
      this.recvFd = family === 4 ? this.openRecv4() : this.openRecv6();
    } catch (err) {
      this.net.close(this.sendFd);
      throw err;
    }
    // IPv4 with recvmmsgInto: datagrams land in one reused buffer, no allocation per packet (issue 12). The header
    // carries src, dst and TTL; the interface is the one the socket is bound to, so no IP_PKTINFO is needed.
    const zeroCopy = family === 4 && typeof this.net.recvmmsgInto === 'function';
    this.rxMeta = new Ipv4HeaderMeta(this.ifindex);
    this.reader = new PolledReader(this.net, this.recvFd, {
      clock: opts.clock,
      maxLen: zeroCopy ? IPV4_SLOT : MAX_PACKET,
      batch: RECV_BATCH,
      coalesceMs: RECEIVE_COALESCE_MS,
      controlLen: zeroCopy ? 0 : family === 4 ? 64 : cmsgSpace(20) + cmsgSpace(4) + 32,
      ...(zeroCopy ? { reuseBuffer: true, onData: (buf: Buffer, start: number, end: number, flags: number) => this.deliverIpv4(buf, start, end, flags) } : {}),
      onMessage: (m) => this.deliver(m),
      onError: (err) => {
        this.counters.receiveErrors++;
        this.errorHandler?.(fromSyscall(err, `receive VRRP on ${ifname}`, { ifname }));
      },
    });
  }

  send(packet: Buffer, dst: string): void {
    if (this.closed) throw new VipdNetError('VIPD_ERR_CLOSED', `VRRP socket on ${this.opts.ifname} is closed`);
    let n: number;
    try {
      const to = this.destinations.get(dst) ?? this.destination(dst);
      n = this.net.sendmsg(this.sendFd, packet, to.sockaddr, this.family === 4 ? null : this.ipv6SendControl(), to.flags);
    } catch (err) {
      this.counters.sendErrors++;
      if (err instanceof VipdNetError) throw err;
      const e = fromSyscall(err, `send VRRP to ${dst} on ${this.opts.ifname}`, { ifname: this.opts.ifname });
      throw e.code === 'VIPD_ERR_SOCKET' ? new VipdNetError('VIPD_ERR_SEND_FAILED', e.message, e) : e;
    }
    if (n < 0) {
      this.counters.sendErrors++;
      throw new VipdNetError(
        'VIPD_ERR_SEND_WOULD_BLOCK',
        `send VRRP to ${dst} on ${this.opts.ifname}: socket buffer full, packet dropped`,
        { sysCode: 'EAGAIN' },
      );
    }
    this.counters.sent++;
    this.counters.sentBytes += n;
  }

  /**
   * Where a destination's sockaddr and send flags are, computed once per destination (a master sends to the same
   * one or few every interval; issue 12). Throws on an address that is not of this family (nothing is cached).
   */
  private destination(dst: string): { sockaddr: Buffer; flags: number } {
    let to: { sockaddr: Buffer; flags: number };
    if (this.family === 4) {
      const d = parseIpv4(dst);
      if (!d) throw new VipdNetError('VIPD_ERR_INVALID_ADDRESS', `"${dst}" is not a valid IPv4 address`);
      // MSG_DONTROUTE for the link-local group, like keepalived; unicast peers may be routed.
      to = { sockaddr: sockaddrIn(dst), flags: (d[0]! & 0xf0) === 0xe0 ? C.MSG_DONTROUTE : 0 };
    } else {
      const d = parseIpv6(dst);
      if (!d) throw new VipdNetError('VIPD_ERR_INVALID_ADDRESS', `"${dst}" is not a valid IPv6 address`);
      const scope = isIpv6Multicast(d) || isIpv6LinkLocal(d) ? this.ifindex : 0;
      to = { sockaddr: sockaddrIn6(dst, 0, scope), flags: 0 };
    }
    // Bounded: destinations are the configured group or peers; a runaway caller cannot grow this without end.
    if (this.destinations.size >= 1024) this.destinations.clear();
    this.destinations.set(dst, to);
    return to;
  }

  onPacket(cb: (packet: Buffer, meta: VrrpPacketMeta) => void): void {
    if (this.closed) throw new VipdNetError('VIPD_ERR_CLOSED', `VRRP socket on ${this.opts.ifname} is closed`);
    this.handler = cb;
    this.rangeHandler = null;
    this.reader.start();
  }

  onDatagram(cb: (buf: Buffer, start: number, end: number, meta: VrrpPacketMeta) => void): void {
    if (this.closed) throw new VipdNetError('VIPD_ERR_CLOSED', `VRRP socket on ${this.opts.ifname} is closed`);
    this.rangeHandler = cb;
    this.handler = null;
    this.reader.start();
  }

  /** Read what is queued now (VrrpTransport.readQueued); nothing before onPacket() started the reader. */
  readQueued(): void {
    if (!this.closed) this.reader.drainNow();
  }

  /** The coalescing window under dense traffic (default RECEIVE_COALESCE_MS; the router sets it per socket). */
  setReceiveCoalescing(ms: number): void {
    this.reader.setCoalesceMs(ms);
  }

  /** Asynchronous receive errors (the socket keeps working; they are also counted). */
  onError(cb: (err: VipdNetError) => void): void {
    this.errorHandler = cb;
  }

  /** Whether an idle receive socket keeps the process alive (default true). */
  setRef(ref: boolean): void {
    this.reader.setRef(ref);
  }

  stats(): Readonly<VrrpSocketCounters> {
    return { ...this.counters };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.reader.stop();
    for (const fd of [this.recvFd, this.sendFd]) {
      try {
        this.net.close(fd);
      } catch {
        /* already closed: nothing to do */
      }
    }
  }

  private checkAddresses(): void {
    const parse = this.family === 4 ? parseIpv4 : parseIpv6;
    const kind = this.family === 4 ? 'IPv4' : 'IPv6';
    for (const a of [this.opts.group, this.opts.unicastSrc, this.opts.src]) {
      if (a !== undefined && !parse(a)) {
        throw new VipdNetError('VIPD_ERR_INVALID_ADDRESS', `"${a}" is not a valid ${kind} address`);
      }
    }
  }

  private ctx(what: string): { what: string; ifname: string; capability: 'raw' } {
    return { what: `${what} on ${this.opts.ifname}`, ifname: this.opts.ifname, capability: 'raw' };
  }

  private openSend4(): number {
    const net = this.net;
    return openSocket(net, C.AF_INET, C.SOCK_RAW, C.IPPROTO_RAW, this.ctx('open VRRP send socket'), (fd) => {
      net.setsockopt(fd, C.IPPROTO_IP, C.IP_HDRINCL, 1);
      bindToDevice(net, fd, this.opts.ifname);
      net.setsockopt(fd, C.IPPROTO_IP, C.IP_MULTICAST_IF, ipMreqn(null, this.ifindex));
      net.setsockopt(fd, C.IPPROTO_IP, C.IP_MULTICAST_LOOP, 0);
      net.setsockopt(fd, C.IPPROTO_IP, C.IP_MULTICAST_ALL, 0);
      net.setsockopt(fd, C.IPPROTO_IP, C.IP_TOS, VRRP_TOS);
    });
  }

  private openRecv4(): number {
    const net = this.net;
    const proto = this.opts.protocol ?? C.IPPROTO_VRRP;
    const group = this.opts.group ?? VRRP_GROUP_IPV4;
    return openSocket(net, C.AF_INET, C.SOCK_RAW, proto, this.ctx('open VRRP receive socket'), (fd) => {
      this.growReceiveBuffer(fd);
      bindToDevice(net, fd, this.opts.ifname);
      net.setsockopt(fd, C.IPPROTO_IP, C.IP_MULTICAST_ALL, 0);
      net.setsockopt(fd, C.IPPROTO_IP, C.IP_PKTINFO, 1);
      if (this.opts.unicast) this.bindUnicast(fd, sockaddrIn(this.opts.unicastSrc!), C.IPPROTO_IP, C.IP_FREEBIND);
      else {
        net.setsockopt(fd, C.IPPROTO_IP, C.IP_ADD_MEMBERSHIP, ipMreqn(group, this.ifindex));
        net.bind(fd, sockaddrIn(group));
      }
    });
  }

  private openSend6(): number {
    const net = this.net;
    return openSocket(net, C.AF_INET6, C.SOCK_RAW, C.IPPROTO_VRRP, this.ctx('open VRRP send socket'), (fd) => {
      net.attachFilter(fd, BPF_DROP_ALL);
      net.setsockopt(fd, C.SOL_SOCKET, C.SO_RCVBUF, 0);
      bindToDevice(net, fd, this.opts.ifname);
      net.setsockopt(fd, C.IPPROTO_IPV6, C.IPV6_CHECKSUM, 6);
      net.setsockopt(fd, C.IPPROTO_IPV6, C.IPV6_MULTICAST_IF, this.ifindex);
      net.setsockopt(fd, C.IPPROTO_IPV6, C.IPV6_MULTICAST_LOOP, 0);
      net.setsockopt(fd, C.IPPROTO_IPV6, C.IPV6_MULTICAST_HOPS, 255);
      net.setsockopt(fd, C.IPPROTO_IPV6, C.IPV6_UNICAST_HOPS, this.opts.unicastHopLimit ?? 255);
      net.setsockopt(fd, C.IPPROTO_IPV6, C.IPV6_MULTICAST_ALL, 0);
      net.setsockopt(fd, C.IPPROTO_IPV6, C.IPV6_TCLASS, VRRP_TOS);
    });
  }

  private openRecv6(): number {
    const net = this.net;
    const group = this.opts.group ?? VRRP_GROUP_IPV6;
    return openSocket(net, C.AF_INET6, C.SOCK_RAW, C.IPPROTO_VRRP, this.ctx('open VRRP receive socket'), (fd) => {
      // With IPV6_CHECKSUM set the kernel also verifies received checksums and drops bad packets.
      net.setsockopt(fd, C.IPPROTO_IPV6, C.IPV6_CHECKSUM, 6);
      this.growReceiveBuffer(fd);
      bindToDevice(net, fd, this.opts.ifname);
      net.setsockopt(fd, C.IPPROTO_IPV6, C.IPV6_MULTICAST_ALL, 0);
      net.setsockopt(fd, C.IPPROTO_IPV6, C.IPV6_RECVHOPLIMIT, 1);
      net.setsockopt(fd, C.IPPROTO_IPV6, C.IPV6_RECVPKTINFO, 1);
      if (this.opts.unicast) {
        const src = this.opts.unicastSrc!;
        const scope = isIpv6LinkLocal(parseIpv6(src)!) ? this.ifindex : 0;
        this.bindUnicast(fd, sockaddrIn6(src, 0, scope), C.IPPROTO_IPV6, C.IPV6_FREEBIND);
      } else {
        net.setsockopt(fd, C.IPPROTO_IPV6, C.IPV6_ADD_MEMBERSHIP, ipv6Mreq(group, this.ifindex));
        net.bind(fd, sockaddrIn6(group, 0, this.ifindex));
      }
    });
  }

  /** SO_RCVBUFFORCE (CAP_NET_ADMIN) above net.core.rmem_max, else SO_RCVBUF up to it; never fatal. */
  private growReceiveBuffer(fd: number): void {
    try {
      this.net.setsockopt(fd, C.SOL_SOCKET, C.SO_RCVBUFFORCE, VRRP_RCVBUF);
    } catch {
      try {
        this.net.setsockopt(fd, C.SOL_SOCKET, C.SO_RCVBUF, VRRP_RCVBUF);
      } catch {
        /* the default buffer still works, it only overflows sooner under overload */
      }
    }
  }

  /** keepalived ≥ 2.3.3 sets IP_FREEBIND so the bind works before the address is configured. */
  private bindUnicast(fd: number, sa: Buffer, level: number, freebind: number): void {
    try {
      this.net.setsockopt(fd, level, freebind, 1);
    } catch {
      /* older kernels lack IPV6_FREEBIND: the bind below then needs the address to be present */
    }
    try {
      this.net.bind(fd, sa);
    } catch (err) {
      throw fromSyscall(err, `bind VRRP socket to ${this.opts.unicastSrc} on ${this.opts.ifname}`, {
        ifname: this.opts.ifname,
        address: this.opts.unicastSrc,
        capability: 'raw',
      });
    }
  }

  /** IPV6_PKTINFO with our source (or :: = kernel's choice) and the interface, like vrrp.c:1601-1648. */
  private ipv6SendControl(): Buffer {
    if (!this.sendControl) {
      const src = this.opts.unicast ? this.opts.unicastSrc! : (this.opts.src ?? '::');
      this.sendControl = buildCmsgs([
        { level: C.IPPROTO_IPV6, type: C.IPV6_PKTINFO, data: in6Pktinfo(src, this.ifindex) },
      ]);
    }
    return this.sendControl;
  }

  /**
   * A datagram in the reader's shared buffer: valid only during this call, which is what the receive path needs
   * (decode, validate and the core run synchronously; nothing keeps the bytes).
   */
  private deliverIpv4(buf: Buffer, start: number, end: number, flags: number): void {
    if ((flags & C.MSG_TRUNC) !== 0) {
      this.counters.truncated++;
      return;
    }
    this.counters.received++;
    this.counters.receivedBytes += end - start;
    const meta = this.rxMeta;
    meta.at(buf, start, end);
    if (this.rangeHandler !== null) this.rangeHandler(buf, start, end, meta);
    else this.handler?.(buf.subarray(start, end), meta);
  }

  private deliver(m: RecvResult): void {
    if ((m.flags & C.MSG_TRUNC) !== 0) {
      this.counters.truncated++;
      return;
    }
    this.counters.received++;
    this.counters.receivedBytes += m.data.length;
    const info = packetInfoFromCmsgs(parseCmsgs(m.control));
    const meta: VrrpPacketMeta = {};
    if (info.ifindex !== undefined) meta.ifindex = info.ifindex;
    if (this.family === 4) {
      // Raw IPv4 sockets deliver the header: TTL at byte 8, saddr at 12, daddr at 16.
      if (m.data.length >= 20) {
        meta.src = formatIpv4Cached(m.data, 12);
        meta.dst = formatIpv4Cached(m.data, 16);
        meta.hopLimit = m.data[8]!;
      }
    } else {
      const sa = parseSockaddr(m.addr);
      if (sa && sa.family === 'inet6') meta.src = sa.address;
      if (info.dst !== undefined) meta.dst = info.dst;
      if (info.hopLimit !== undefined) meta.hopLimit = info.hopLimit;
    }
    if (this.rangeHandler !== null) this.rangeHandler(m.data, 0, m.data.length, meta);
    else this.handler?.(m.data, meta);
  }
}

/**
 * What an IPv4 raw socket's datagram says about itself (header saddr, daddr, TTL), read from the header only when
 * asked: a repeated advert (packetRouter.ts) never asks, so the addresses are not formatted per packet. One object
 * per socket, valid while its datagram is being delivered (VrrpTransport.onPacket: handlers keep neither).
 */
class Ipv4HeaderMeta implements VrrpPacketMeta {
  private buf: Buffer | null = null;
  private start = 0;
  /** A header is there (20 bytes at least); else src, dst and hopLimit are unknown, as before. */
  private header = false;

  constructor(readonly ifindex: number) {}

  /** The datagram being delivered is buf[start, end). */
  at(buf: Buffer, start: number, end: number): void {
    this.buf = buf;
    this.start = start;
    this.header = end - start >= 20;
  }

  get src(): string | undefined {
    return this.header ? formatIpv4Cached(this.buf!, this.start + 12) : undefined;
  }

  get dst(): string | undefined {
    return this.header ? formatIpv4Cached(this.buf!, this.start + 16) : undefined;
  }

  get hopLimit(): number | undefined {
    return this.header ? this.buf![this.start + 8] : undefined;
  }
}
