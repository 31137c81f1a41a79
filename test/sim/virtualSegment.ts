// The in-memory OS twin's broadcast domain (test/unit/daemon/memoryOs.ts) on virtual time: the same filtering as
// MemorySegment (family, group or bound unicast address, LAN, carrier, bound ifindex), but each packet arrives
// `latencyMs` later on the simulation's VirtualClock instead of on the next event-loop turn, and every trace record
// is stamped with virtual time. Delivery order is deterministic: the clock fires ties in scheduling order.
import type { VirtualClock } from '../../src/clock/virtualClock.js';
import type { VrrpPacketMeta } from '../../src/net/types.js';
import { MemorySegment, type MemoryVrrpTransport, type TraceRecord } from '../unit/daemon/memoryOs.js';

export interface InFlight {
  readonly from: string;
  readonly to: string;
  readonly packet: Buffer;
}

export class VirtualSegment extends MemorySegment {
  private readonly attached = new Set<MemoryVrrpTransport>();
  private n = 0;

  constructor(
    private readonly clock: VirtualClock,
    private readonly latencyMs: number,
    /** Return true to lose the packet (cuts, loss patterns). */
    private readonly lose: (p: InFlight) => boolean,
  ) {
    super();
  }

  override record(r: TraceRecord): void {
    this.trace.push({ ...r, seq: this.n++, atMs: this.clock.now() });
  }

  override attach(t: MemoryVrrpTransport): void {
    this.attached.add(t);
  }

  override detach(t: MemoryVrrpTransport): void {
    this.attached.delete(t);
  }

  override send(from: MemoryVrrpTransport, packet: Buffer, dst: string): void {
    if (!from.host.carries(from.spec.ifname) || !from.host.bound(from)) return;
    for (const to of this.attached) {
      if (to.host === from.host || to.spec.family !== from.spec.family || !to.accepts(dst)) continue;
      if (to.host.lanOf(to.spec.ifname) !== from.host.lanOf(from.spec.ifname)) continue;
      const copy = Buffer.from(packet);
      const meta: VrrpPacketMeta = { ifindex: to.host.ifindexOf(to.spec.ifname), dst };
      if (from.spec.family === 4 && copy.length >= 20) {
        meta.src = `${copy[12]}.${copy[13]}.${copy[14]}.${copy[15]}`;
        meta.hopLimit = copy[8]!;
      } else {
        meta.src = from.spec.src ?? '::';
        meta.hopLimit = 255;
      }
      this.clock.after(this.latencyMs, () => {
        // Judged on arrival: a cut made while the packet is in flight loses it, as on a real wire.
        if (this.lose({ from: from.host.name, to: to.host.name, packet: copy })) return;
        to.deliver(copy, meta);
      });
    }
  }
}
