// The in-memory OS twin's broadcast domain (test/unit/daemon/memoryOs.ts) on virtual time: MemorySegment's own
// filtering (family, protocol, group or bound unicast address, LAN, carrier, bound ifindex), but each packet arrives
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

  /** Arrives `latencyMs` later on the virtual clock, judged on arrival: a cut made in flight loses it. */
  protected override carry(from: MemoryVrrpTransport, to: MemoryVrrpTransport, packet: Buffer, meta: VrrpPacketMeta): void {
    this.clock.after(this.latencyMs, () => {
      if (this.lose({ from: from.host.name, to: to.host.name, packet })) return;
      to.deliver(packet, meta);
    });
  }
}
