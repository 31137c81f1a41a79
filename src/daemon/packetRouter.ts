// The receive path from the socket to an instance's runner. Instances on one interface with the same family and
// the same multicast group (or unicast source) share one raw VRRP socket, as keepalived shares them
// (vrrp_scheduler.c); each packet is decoded ONCE here (vrrp/codec.ts decodeReceived: IPv4 header, VRRP
// message), routed by VRID, and handed down decoded: the runner and validation work on that one decode. A repeat
// of the advert an instance last accepted (the master's next advert, IPv4) is not decoded at all: its VRID byte picks
// the instance and the runner recognises the bytes (InstanceRunner.receiveRepeat, vrrp/repeatAdvert.ts).
import { internalError } from '../errors/vipdError.js';
import type { VrrpPacketMeta, VrrpTransport } from '../net/types.js';
import type { VipdMetrics } from '../metrics/registry.js';
import { decodeReceived } from '../vrrp/codec.js';
import type { Managed } from './instances.js';
import type { DirectorOs, VrrpSocketSpec } from './ports.js';
import { AH_IP_PROTOCOL, IPV4_HEADER_LEN, VRRP_HEADER_LEN } from '../vrrp/constants.js';

/**
 * The receive socket's coalescing window for instances whose shortest advert interval is `shortestMs`: a tenth of
 * it, between 2 and 10 ms. What it trades: under dense traffic a priority-0 or preempting advert is read up to
 * this late (a Master_Down decision never is: the unit driver reads the queue first), against one wake-up per
 * window instead of per datagram. 2 ms (the floor) at 10-20 ms adverts, where a backup's Skew_Time is a few ms;
 * 10 ms from 100 ms up, a tenth of the interval and a sixth of a priority-100 backup's Skew_Time (61 ms). At 255
 * instances × 100 ms this took a backup from 345-433 to 100-118 wake-ups a second (bench/RESULTS.md, issue 12).
 */
export function receiveCoalesceMs(shortestMs: number): number {
  return Math.min(10, Math.max(2, Math.floor(shortestMs / 10)));
}

interface SharedSocket {
  readonly transport: VrrpTransport;
  /** Instances by VRID (1..255): an array index per packet, not a hash lookup. */
  readonly byVrid: (Managed[] | undefined)[];
  /** How many VRIDs have an instance (the socket closes at 0). */
  vrids: number;
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
      const byVrid = new Array<Managed[] | undefined>(256).fill(undefined);
      shared = { transport, byVrid, vrids: 0 };
      this.sockets.set(key, shared);
      const { ifname, family } = spec;
      // The socket's own buffer range when it offers one (no Buffer per packet); a Buffer from test twins.
      if (transport.onDatagram) transport.onDatagram((buf, start, end, meta) => this.route(ifname, family, byVrid, buf, start, end, meta));
      else transport.onPacket((packet, meta) => this.route(ifname, family, byVrid, packet, 0, packet.length, meta));
    }
    return shared.transport;
  }

  /** Route this instance's VRID on its socket to it from now on. */
  attach(m: Managed): void {
    const shared = this.sockets.get(m.transportKey);
    // open() always comes first (builder.ts): a missing socket here is a bug in vipd.
    if (!shared) throw internalError(`(${m.cfg.name}) no socket ${m.transportKey} to attach to`);
    const list = shared.byVrid[m.cfg.vrid];
    if (list) list.push(m);
    else {
      shared.byVrid[m.cfg.vrid] = [m];
      shared.vrids++;
    }
    this.tune(shared);
  }

  /** Advert intervals may have changed in place (a reload): every socket's coalescing window follows. */
  retune(): void {
    for (const s of this.sockets.values()) this.tune(s);
  }

  private tune(shared: SharedSocket): void {
    if (!shared.transport.setReceiveCoalescing) return;
    let shortest = Infinity;
    for (const list of shared.byVrid) for (const m of list ?? []) shortest = Math.min(shortest, m.cfg.advertIntMs);
    if (shortest !== Infinity) shared.transport.setReceiveCoalescing(receiveCoalesceMs(shortest));
  }

  /** Stop routing to a stopped instance; its socket closes when no instance uses it any more. */
  detach(m: Managed): void {
    const shared = this.sockets.get(m.transportKey);
    if (!shared) return;
    const before = shared.byVrid[m.cfg.vrid];
    if (!before) return;
    const list = before.filter((o) => o !== m);
    if (list.length) shared.byVrid[m.cfg.vrid] = list;
    else {
      shared.byVrid[m.cfg.vrid] = undefined;
      shared.vrids--;
    }
    if (shared.vrids > 0) this.tune(shared);
    if (shared.vrids === 0) {
      shared.transport.close();
      this.sockets.delete(m.transportKey);
    }
  }

  /** Deliver what every receive socket has queued (UnitDriver: before a late timeout is decided). */
  readQueued(): void {
    for (const s of this.sockets.values()) s.transport.readQueued?.();
  }

  /** One datagram, buf[start, end), valid during this call. */
  private route(
    ifname: string, family: 4 | 6, byVrid: readonly (Managed[] | undefined)[], buf: Buffer, start: number, end: number, meta: VrrpPacketMeta,
  ): void {
    if (family === 4 && end - start >= IPV4_HEADER_LEN + VRRP_HEADER_LEN && buf[start + 9] !== AH_IP_PROTOCOL) {
      // The VRID byte where an IPv4 VRRP header starts: only a byte-for-byte repeat of an advert the instance
      // accepted in full is taken here, so a wrong guess (a malformed header) can only fall through to the decode.
      const one = byVrid[buf[start + ((buf[start]! & 0x0f) << 2) + 1]!];
      if (one !== undefined && one.length === 1 && one[0]!.ah === undefined && one[0]!.runner.receiveRepeat(buf, start, end)) return;
    }
    const packet = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
    const { vrid, decoded } = decodeReceived(packet, family, meta);
    if (vrid === null) {
      this.metrics.dropUnmatched(ifname, 'truncated');
      return;
    }
    const candidates = byVrid[vrid];
    if (!candidates) {
      // keepalived ignores unknown VRIDs without counting (sched.c:1055-1063); we count them.
      this.metrics.dropUnmatched(ifname, 'unknown_vrid', vrid);
      return;
    }
    // Same VRID twice on one socket only in unicast with disjoint peers: pick by source (sched.c:1072-1113).
    const target =
      candidates.length === 1 ? candidates[0] : candidates.find((m) => m.cfg.unicastPeers.some((p) => p.address === meta.src));
    if (target?.ah && !target.ah.admit(decoded, meta)) return;
    target?.runner.receive(decoded, meta, family === 4 ? packet : undefined);
  }
}
