// The receive path from the socket to an instance's runner. Instances on one interface with the same family and
// the same multicast group (or unicast source) share one raw VRRP socket, as keepalived shares them
// (vrrp_scheduler.c); each packet is decoded ONCE here (vrrp/codec.ts decodeReceived: IPv4 header, VRRP
// message), routed by VRID, and handed down decoded: the runner and validation work on that one decode.
import { internalError } from '../errors/vipdError.js';
import type { VrrpPacketMeta, VrrpTransport } from '../net/types.js';
import type { VipdMetrics } from '../metrics/registry.js';
import { decodeReceived } from '../vrrp/codec.js';
import type { Managed } from './instances.js';
import type { DirectorOs, VrrpSocketSpec } from './ports.js';

interface SharedSocket {
  readonly transport: VrrpTransport;
  readonly byVrid: Map<number, Managed[]>;
}

export class PacketRouter {
  private readonly sockets = new Map<string, SharedSocket>();

  constructor(
    private readonly os: DirectorOs,
    private readonly metrics: VipdMetrics,
  ) {}

  /** The socket for `key`, opened on first use; the caller sends on it and then attach()es its instance. */
  open(key: string, spec: VrrpSocketSpec): VrrpTransport {
    let shared = this.sockets.get(key);
    if (!shared) {
      const transport = this.os.openVrrp(spec);
      const byVrid = new Map<number, Managed[]>();
      shared = { transport, byVrid };
      this.sockets.set(key, shared);
      transport.onPacket((packet, meta) => this.route(spec.ifname, spec.family, byVrid, packet, meta));
    }
    return shared.transport;
  }

  /** Route this instance's VRID on its socket to it from now on. */
  attach(m: Managed): void {
    const shared = this.sockets.get(m.transportKey);
    // open() always comes first (builder.ts): a missing socket here is a bug in vipd.
    if (!shared) throw internalError(`(${m.cfg.name}) no socket ${m.transportKey} to attach to`);
    const list = shared.byVrid.get(m.cfg.vrid) ?? [];
    list.push(m);
    shared.byVrid.set(m.cfg.vrid, list);
  }

  /** Stop routing to a stopped instance; its socket closes when no instance uses it any more. */
  detach(m: Managed): void {
    const shared = this.sockets.get(m.transportKey);
    if (!shared) return;
    const list = (shared.byVrid.get(m.cfg.vrid) ?? []).filter((o) => o !== m);
    if (list.length) shared.byVrid.set(m.cfg.vrid, list);
    else shared.byVrid.delete(m.cfg.vrid);
    if (shared.byVrid.size === 0) {
      shared.transport.close();
      this.sockets.delete(m.transportKey);
    }
  }

  /** Deliver what every receive socket has queued (UnitDriver: before a late timeout is decided). */
  readQueued(): void {
    for (const s of this.sockets.values()) s.transport.readQueued?.();
  }

  private route(ifname: string, family: 4 | 6, byVrid: Map<number, Managed[]>, packet: Buffer, meta: VrrpPacketMeta): void {
    const { vrid, decoded } = decodeReceived(packet, family, meta);
    if (vrid === null) {
      this.metrics.dropUnmatched(ifname, 'truncated');
      return;
    }
    const candidates = byVrid.get(vrid);
    if (!candidates) {
      // keepalived ignores unknown VRIDs without counting (sched.c:1055-1063); we count them.
      this.metrics.dropUnmatched(ifname, 'unknown_vrid', vrid);
      return;
    }
    // Same VRID twice on one socket only in unicast with disjoint peers: pick by source (sched.c:1072-1113).
    const target =
      candidates.length === 1 ? candidates[0] : candidates.find((m) => m.cfg.unicastPeers.some((p) => p.address === meta.src));
    if (target?.ah && !target.ah.admit(decoded, meta)) return;
    target?.runner.receive(decoded, meta);
  }
}
