// UDP transport of the sync protocol, on dgram-as-promised: IPv4/IPv6 multicast on one interface (default) or
// unicast to a list of peers. It moves opaque datagrams; the codec and the protocol live elsewhere.
// Multicast reception is bound to the group address, not the wildcard, so datagrams for the group arriving on
// another interface are not accepted (conntrackd learnt this the hard way: netfilter bugzilla #1819).
import { networkInterfaces } from 'node:os';
import { isIPv6 } from 'node:net';
import DgramAsPromised, { type SocketAsPromised } from 'dgram-as-promised';
import { nativeNet } from '../net/native.js';

const SOL_SOCKET = 1;
const SO_SNDBUFFORCE = 32;
const SO_RCVBUFFORCE = 33;

export interface SyncTransport {
  start(onDatagram: (data: Buffer, from: string) => void): Promise<void>;
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
  sourceAddress?: string | null;
  ttl?: number;
  /** Socket buffers; conntrackd's example config uses 1249280 and says the ~100 KB default is too small. */
  rcvbufBytes?: number;
  sndbufBytes?: number;
  /** Datagrams handed to the kernel per event-loop turn, so a bulk does not starve everything else. */
  burst?: number;
}

/** The interface's first address of the wanted family (its primary address, not a VIP added later). */
export function interfaceAddress(ifname: string, family: 4 | 6): string | null {
  const list = networkInterfaces()[ifname] ?? [];
  const a = list.find((x) => (family === 4 ? x.family === 'IPv4' : x.family === 'IPv6' && x.scopeid === 0));
  return a ? a.address : null;
}

function forceBuffer(s: SocketAsPromised, opt: number, bytes: number, fallback: () => void): void {
  // Node only sets SO_RCVBUF/SO_SNDBUF, capped by net.core.rmem_max; as root, *FORCE lifts the cap.
  const fd = (s.socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  try {
    if (typeof fd !== 'number' || fd < 0) throw new Error('no fd');
    nativeNet().setsockopt(fd, SOL_SOCKET, opt, bytes);
  } catch {
    try {
      fallback();
    } catch {
      /* keep the default */
    }
  }
}

export class UdpSyncChannel implements SyncTransport {
  private rx: SocketAsPromised | null = null;
  private tx: SocketAsPromised | null = null;
  private readonly queue: Buffer[] = [];
  private draining = false;
  private closed = false;
  readonly stats = { sent: 0, sendErrors: 0, received: 0 };
  readonly localAddress: string;
  private readonly v6: boolean;

  constructor(private readonly o: UdpChannelOptions) {
    this.v6 = o.mcastGroup ? isIPv6(o.mcastGroup) : o.peers.some((p) => isIPv6(p));
    const local = o.sourceAddress ?? interfaceAddress(o.interface, this.v6 ? 6 : 4);
    if (!local) throw new Error(`sync: interface ${o.interface} has no IPv${this.v6 ? 6 : 4} address`);
    this.localAddress = local;
  }

  async start(onDatagram: (data: Buffer, from: string) => void): Promise<void> {
    const type = this.v6 ? 'udp6' : 'udp4';
    const onMessage = (msg: Buffer, rinfo: { address: string }): void => {
      this.stats.received++;
      onDatagram(msg, rinfo.address);
    };
    const rcv = this.o.rcvbufBytes ?? 8 << 20;
    const snd = this.o.sndbufBytes ?? 4 << 20;
    if (this.o.mcastGroup) {
      // Permanent 'message' listener (the constructor callback): recv() would miss datagrams between awaits.
      this.rx = DgramAsPromised.createSocket({ type, reuseAddr: true }, onMessage);
      await this.rx.bind(this.o.port, this.o.mcastGroup);
      const mif = this.v6 ? `::%${this.o.interface}` : this.localAddress;
      this.rx.addMembership(this.o.mcastGroup, mif);
      forceBuffer(this.rx, SO_RCVBUFFORCE, rcv, () => this.rx!.setRecvBufferSize(rcv));
      this.tx = DgramAsPromised.createSocket({ type, reuseAddr: true });
      await this.tx.bind(0, this.localAddress);
      this.tx.setMulticastInterface(mif);
      this.tx.setMulticastTTL(this.o.ttl ?? 1);
      this.tx.setMulticastLoopback(false);
    } else {
      this.rx = DgramAsPromised.createSocket({ type, reuseAddr: true }, onMessage);
      await this.rx.bind(this.o.port, this.localAddress);
      forceBuffer(this.rx, SO_RCVBUFFORCE, rcv, () => this.rx!.setRecvBufferSize(rcv));
      this.tx = this.rx;
    }
    forceBuffer(this.tx, SO_SNDBUFFORCE, snd, () => this.tx!.setSendBufferSize(snd));
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
    const socks = new Set([this.rx, this.tx].filter((s): s is SocketAsPromised => s !== null));
    for (const s of socks) await s.close().catch(() => undefined);
  }
}
