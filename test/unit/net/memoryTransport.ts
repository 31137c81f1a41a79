// In-memory twin of VrrpTransport (src/net/types.ts) for daemon/runner tests: transports attached to one
// MemoryLan see each other's packets (never their own: IP_MULTICAST_LOOP is 0 on the real socket), with
// the same meta the real IPv4 transport derives from the header. Links can be cut to simulate loss.
import type { VrrpPacketMeta, VrrpTransport } from '../../../src/net/types.js';

export class MemoryLan {
  private readonly members = new Set<MemoryTransport>();
  /** Packets in flight are delivered on a microtask unless `sync` is set (then inside send()). */
  sync = false;

  attach(name: string, family: 4 | 6 = 4, ifindex = 2): MemoryTransport {
    const t = new MemoryTransport(this, name, family, ifindex);
    this.members.add(t);
    return t;
  }

  /** @internal */
  detach(t: MemoryTransport): void {
    this.members.delete(t);
  }

  /** @internal */
  broadcast(from: MemoryTransport, packet: Buffer, dst: string): void {
    for (const m of this.members) {
      if (m === from || m.family !== from.family || m.cut || from.cut) continue;
      const copy = Buffer.from(packet);
      const meta: VrrpPacketMeta = { ifindex: m.ifindex, dst };
      if (from.family === 4 && copy.length >= 20) {
        meta.src = `${copy[12]}.${copy[13]}.${copy[14]}.${copy[15]}`;
        meta.hopLimit = copy[8]!;
      } else {
        meta.src = from.name;
        meta.hopLimit = 255;
      }
      const deliver = (): void => m.receive(copy, meta);
      if (this.sync) deliver();
      else queueMicrotask(deliver);
    }
  }
}

export class MemoryTransport implements VrrpTransport {
  readonly sent: { packet: Buffer; dst: string }[] = [];
  /** When true, nothing goes out or comes in (cable pulled). */
  cut = false;
  private handler: ((packet: Buffer, meta: VrrpPacketMeta) => void) | null = null;
  private closed = false;

  constructor(
    private readonly lan: MemoryLan,
    readonly name: string,
    readonly family: 4 | 6,
    readonly ifindex: number,
  ) {}

  send(packet: Buffer, dst: string): void {
    if (this.closed) throw Object.assign(new Error('closed'), { code: 'VIPD_ERR_CLOSED' });
    this.sent.push({ packet: Buffer.from(packet), dst });
    this.lan.broadcast(this, packet, dst);
  }

  onPacket(cb: (packet: Buffer, meta: VrrpPacketMeta) => void): void {
    this.handler = cb;
  }

  close(): void {
    this.closed = true;
    this.lan.detach(this);
  }

  /** @internal */
  receive(packet: Buffer, meta: VrrpPacketMeta): void {
    if (!this.closed) this.handler?.(packet, meta);
  }
}
