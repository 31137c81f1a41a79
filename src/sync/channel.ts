// UDP transport of the sync protocol: IPv4/IPv6 multicast on one interface (default) or unicast to a list of
// peers. It moves opaque datagrams; the codec and the protocol live elsewhere.
//
// Sending goes through dgram-as-promised. Receiving uses a socket of the vipd_net addon: Node's dgram can neither
// lift the receive buffer above net.core.rmem_max (SO_RCVBUFFORCE; conntrackd uses 8 MB for the same reason and
// a bulk of 100,000 entries is ~4,000 datagrams arriving at once) nor read a burst in one system call, and the
// only way to reach its fd is a private field (DEP0112). Multicast reception is bound to the group address, not
// the wildcard, so datagrams for the group arriving on another interface are not accepted (conntrackd learnt
// this the hard way: netfilter bugzilla #1819).
import { isIPv6 } from 'node:net';
import DgramAsPromised, { type SocketAsPromised } from 'dgram-as-promised';
import { VipdError } from '../errors/vipdError.js';
import * as C from '../net/constants.js';
import { nativeNet, type NativeNet } from '../net/native.js';
import { openRtnetlink } from '../net/rtnetlink.js';
import { primaryIpv4 } from '../net/rtnlCodec.js';
import { ipMreqn, ipv6Mreq, sockaddrIn, sockaddrIn6 } from '../net/sockaddr.js';
import { PolledReader, openSocket } from '../net/socketBase.js';

export interface SyncTransport {
  /**
   * Deliver every datagram received. `data` may be a view into a buffer the transport reuses: it is valid only
   * during the call, and a handler that keeps bytes copies them (the protocol's reorder buffer does).
   */
  start(onDatagram: (data: Buffer) => void): Promise<void>;
  /**
   * The interface may have been deleted and created again: when its index changed, reopen what was bound to the
   * old one. Returns whether anything was reopened; throws when the new interface cannot be used (yet).
   */
  followInterface?(): boolean;
  /** Queue a datagram for every peer (or the group). Never throws; failures are counted. */
  send(data: Buffer): void;
  close(): Promise<void>;
  readonly stats: { sent: number; sendErrors: number; received: number };
  /** Local address used as source (for the node id). */
  readonly localAddress: string;
}

export interface UdpChannelOptions {
  interface: string;
  /** Multicast group, or null for unicast to `peers`. */
  mcastGroup: string | null;
  peers: readonly string[];
  port: number;
  /**
   * Source address of our datagrams (config `source_address`). Required: use resolveSourceAddress() for the
   * interface's primary address when the config leaves it out.
   */
  sourceAddress: string;
  ttl?: number;
  /** Receive buffer (SO_RCVBUFFORCE as root, else SO_RCVBUF capped by rmem_max). Default 8 MB. */
  rcvbufBytes?: number;
  /** Send buffer (SO_SNDBUF through dgram, capped by wmem_max). Default 4 MB. */
  sndbufBytes?: number;
  /** Datagrams handed to the kernel per event-loop turn, so a bulk does not starve everything else. */
  burst?: number;
  native?: NativeNet;
}

/**
 * The source address for a sync block without `source_address`: the interface's primary IPv4 address (not a
 * secondary one, which is what a VIP in the interface's subnet is), as keepalived picks its VRRP source; for
 * IPv6 the first global non-tentative address, else the link-local one. Asks the kernel (rtnetlink) rather than
 * os.networkInterfaces(), which does not tell primary and secondary (VIP) addresses apart.
 */
export async function resolveSourceAddress(ifname: string, family: 4 | 6, native?: NativeNet): Promise<string> {
  const net = native ?? nativeNet();
  const ifindex = ifname.length > 15 ? 0 : net.ifNameToIndex(ifname);
  if (ifindex === 0) throw new VipdError('VIPD_ERR_NO_SUCH_INTERFACE', `sync: no interface ${ifname}`);
  const rtnl = openRtnetlink({ native: net });
  try {
    const addrs = await rtnl.listAddresses(family);
    let found: string | null;
    if (family === 4) {
      found = primaryIpv4(addrs, ifindex);
    } else {
      const own = addrs.filter((a) => a.family === 6 && a.ifindex === ifindex && !a.tentative);
      found = (own.find((a) => a.scope === C.RT_SCOPE_UNIVERSE) ?? own.find((a) => a.scope === C.RT_SCOPE_LINK))?.address ?? null;
    }
    if (!found) throw new VipdError('VIPD_ERR_SYNC_SOURCE_ADDRESS', `sync: interface ${ifname} has no IPv${family} address (set source_address)`);
    return found;
  } finally {
    rtnl.close();
  }
}

/**
 * The UDP payload that fits one frame of the sync interface: its MTU less the IP and UDP headers (conntrackd sizes
 * its messages the same way). On a jumbo-frame sync link a datagram then carries six times the records, and the
 * per-datagram cost (a system call, a pass through both stacks, an HMAC) is paid six times less often. Null
 * when the interface or its MTU cannot be read (the protocol default applies).
 */
export async function datagramBudget(ifname: string, family: 4 | 6, native?: NativeNet): Promise<number | null> {
  const rtnl = openRtnetlink({ native: native ?? nativeNet() });
  try {
    const mtu = (await rtnl.linkByName(ifname))?.mtu ?? null;
    if (mtu === null) return null;
    return Math.min(MAX_UDP_PAYLOAD, mtu - (family === 4 ? 20 : 40) - 8);
  } catch {
    return null;
  } finally {
    rtnl.close();
  }
}

/** The most a datagram of ours may carry (the receive buffer below is 64 KiB). */
const MAX_UDP_PAYLOAD = 65_000;

export class UdpSyncChannel implements SyncTransport {
  private rxFd = -1;
  /** The interface index the receive socket was opened on, and its handler (see followInterface). */
  private rxIfindex = 0;
  private onDatagram: ((data: Buffer) => void) | null = null;
  private reader: PolledReader | null = null;
  private tx: SocketAsPromised | null = null;
  private readonly queue: Buffer[] = [];
  private draining = false;
  private closed = false;
  readonly stats = { sent: 0, sendErrors: 0, received: 0, receiveErrors: 0 };
  readonly localAddress: string;
  private readonly v6: boolean;
  private readonly net: NativeNet;

  constructor(private readonly o: UdpChannelOptions) {
    this.v6 = o.mcastGroup ? isIPv6(o.mcastGroup) : o.peers.some((p) => isIPv6(p));
    if (!o.sourceAddress) throw new VipdError('VIPD_ERR_SYNC_SOURCE_ADDRESS', `sync: no source address for ${o.interface} (set source_address)`);
    if (isIPv6(o.sourceAddress) !== this.v6) {
      throw new VipdError('VIPD_ERR_SYNC_SOURCE_ADDRESS', `sync: source address ${o.sourceAddress} is not IPv${this.v6 ? 6 : 4} like the ${o.mcastGroup ? 'group' : 'peers'}`);
    }
    this.localAddress = o.sourceAddress;
    this.net = o.native ?? nativeNet();
  }

  async start(onDatagram: (data: Buffer) => void): Promise<void> {
    this.openReceiver(onDatagram);
    const type = this.v6 ? 'udp6' : 'udp4';
    const snd = this.o.sndbufBytes ?? 4 << 20;
    try {
      this.tx = DgramAsPromised.createSocket({ type, reuseAddr: true });
      await this.tx.bind(0, this.localAddress);
      if (this.o.mcastGroup) {
        this.pointMulticastAt(this.tx);
        this.tx.setMulticastTTL(this.o.ttl ?? 1);
        this.tx.setMulticastLoopback(false);
      }
      try {
        this.tx.setSendBufferSize(snd);
      } catch {
        /* keep the default: sending is paced anyway */
      }
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /**
   * The addon socket that receives: group (or our unicast address) and port, large buffer, batched reads into
   * one reused buffer (no allocation per datagram; see SyncTransport.start).
   */
  private openReceiver(onDatagram: (data: Buffer) => void): void {
    const net = this.net;
    const { interface: ifname, mcastGroup: group, port } = this.o;
    const ifindex = ifname.length > 15 ? 0 : net.ifNameToIndex(ifname);
    this.onDatagram = onDatagram;
    const rcv = this.o.rcvbufBytes ?? 8 << 20;
    const ctx = { what: `open sync socket on ${ifname}`, ifname, address: group ?? this.localAddress };
    this.rxFd = openSocket(net, this.v6 ? C.AF_INET6 : C.AF_INET, C.SOCK_DGRAM, 0, ctx, (fd) => {
      net.setsockopt(fd, C.SOL_SOCKET, C.SO_REUSEADDR, 1);
      try {
        net.setsockopt(fd, C.SOL_SOCKET, C.SO_RCVBUFFORCE, rcv);
      } catch {
        net.setsockopt(fd, C.SOL_SOCKET, C.SO_RCVBUF, rcv); // capped by net.core.rmem_max without CAP_NET_ADMIN
      }
      if (this.v6) {
        net.setsockopt(fd, C.SOL_IPV6, C.IPV6_V6ONLY, 1);
        net.bind(fd, sockaddrIn6(group ?? this.localAddress, port, ifindex));
        if (group) {
          net.setsockopt(fd, C.SOL_IPV6, C.IPV6_ADD_MEMBERSHIP, ipv6Mreq(group, ifindex));
          net.setsockopt(fd, C.SOL_IPV6, C.IPV6_MULTICAST_ALL, 0);
        }
      } else {
        net.bind(fd, sockaddrIn(group ?? this.localAddress, port));
        if (group) {
          net.setsockopt(fd, C.SOL_IP, C.IP_ADD_MEMBERSHIP, ipMreqn(group, ifindex, this.localAddress));
          net.setsockopt(fd, C.SOL_IP, C.IP_MULTICAST_ALL, 0);
        }
      }
    });
    this.reader = new PolledReader(net, this.rxFd, {
      maxLen: 65536,
      controlLen: 0,
      batch: 64,
      maxPerEvent: 512,
      reuseBuffer: true,
      onMessage: (m) => {
        // Only without recvmmsgInto (onData gets every datagram otherwise).
        this.stats.received++;
        onDatagram(m.data);
      },
      onData: (buf, start, end) => {
        this.stats.received++;
        onDatagram(buf.subarray(start, end));
      },
      onError: () => void this.stats.receiveErrors++,
    });
    this.reader.start();
    this.rxIfindex = ifindex; // only once open: a failed reopen is tried again on the next link event
  }

  /**
   * A multicast membership and an IPv6 bind scope belong to an interface index: after the sync interface was
   * deleted and created again the receive socket hears nothing, and IPv6 multicast sends still name the old
   * index. Reopen both on the new one (datagrams lost meanwhile are repaired by NACK or a bulk).
   */
  followInterface(): boolean {
    // An IPv4 unicast socket is bound to our address, not to an interface: it hears again once the address is back.
    if (!this.o.mcastGroup && !this.v6) return false;
    const ifname = this.o.interface;
    const now = ifname.length > 15 ? 0 : this.net.ifNameToIndex(ifname);
    if (this.closed || !this.onDatagram || now === 0 || now === this.rxIfindex) return false;
    // The new socket first: when the new interface is not usable yet this throws and the old one stays (the caller
    // tries again later); once it is open, the old one goes.
    const old = { fd: this.rxFd, reader: this.reader };
    this.openReceiver(this.onDatagram);
    old.reader?.stop();
    if (old.fd >= 0) this.net.close(old.fd);
    if (this.tx && this.o.mcastGroup) this.pointMulticastAt(this.tx);
    return true;
  }

  /** Multicast leaves through the sync interface: by our address (IPv4) or by its name, resolved now (IPv6). */
  private pointMulticastAt(tx: SocketAsPromised): void {
    tx.setMulticastInterface(this.v6 ? `::%${this.o.interface}` : this.localAddress);
  }

  send(data: Buffer): void {
    if (this.closed) return;
    this.queue.push(data);
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    const tx = this.tx;
    if (!tx || this.closed) {
      this.draining = false;
      return;
    }
    const dests = this.o.mcastGroup ? [this.o.mcastGroup] : this.o.peers;
    const n = Math.min(this.queue.length, this.o.burst ?? 128);
    for (const data of this.queue.splice(0, n)) {
      for (const d of dests) {
        tx.send(data, this.o.port, d).then(
          () => void this.stats.sent++,
          () => void this.stats.sendErrors++, // lost like any datagram: NACK repairs it
        );
      }
    }
    if (this.queue.length) setImmediate(() => this.drain());
    else this.draining = false;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    this.reader?.stop();
    this.reader = null;
    if (this.rxFd >= 0) {
      try {
        this.net.close(this.rxFd);
      } catch {
        /* nothing to do */
      }
      this.rxFd = -1;
    }
    await this.tx?.close().catch(() => undefined);
    this.tx = null;
  }
}
