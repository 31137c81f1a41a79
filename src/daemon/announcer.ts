// Gratuitous ARP / unsolicited NA on AF_PACKET sockets (one per interface, opened at start-up so a missing
// capability shows then and the first takeover pays nothing). No process is spawned.
import { buildGratuitousArp, buildUnsolicitedNa } from '../net/arp.js';
import type { LinkInfo } from '../net/rtnetlink.js';
import type { FrameSender } from '../net/types.js';
import { parseMac } from '../ip/address.js';
import type { Vip } from '../vrrp/types.js';
import type { Logger } from '../log/logger.js';
import type { DirectorOs } from './ports.js';
import type { Clock } from '../clock/clock.js';

export class Announcer {
  private readonly frameSenders = new Map<string, FrameSender>();
  private readonly forwarding = new Map<string, { on: boolean; atMs: number }>();

  constructor(
    private readonly os: DirectorOs,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  /**
   * `count` rounds of one GARP/NA per VIP (keepalived vrrp_send_link_update). Frames are built once per call; a
   * failing frame is logged and the others still go out.
   */
  announce(vips: readonly Vip[], count: number, link: LinkInfo, links: readonly LinkInfo[]): number {
    const frames: { sender: FrameSender; frame: Buffer; vip: string }[] = [];
    for (const vip of vips) {
      const out = vip.dev ? (links.find((l) => l.name === vip.dev) ?? link) : link;
      const mac = out.mac ? parseMac(out.mac) : null;
      if (!mac) continue; // no link-layer address (e.g. a tunnel): nothing to announce, like IFF_NOARP
      const sender = this.open(out.name, out.ifindex);
      const frame =
        vip.family === 4 ? buildGratuitousArp(mac, vip.address) : buildUnsolicitedNa(mac, vip.address, { router: this.routerFlag(out.name) });
      frames.push({ sender, frame, vip: vip.address });
    }
    let sent = 0;
    let lastError: unknown = null;
    for (let i = 0; i < count; i++) {
      for (const f of frames) {
        try {
          f.sender.send(f.frame);
          sent++;
        } catch (err) {
          lastError = err;
        }
      }
    }
    if (lastError) this.logger.warn(`some gratuitous ARP/NA frames were not sent: ${(lastError as Error).message}`);
    return sent;
  }

  /**
   * The frame socket of `ifname`. Given the interface's current `ifindex`, one bound to another index (the
   * interface was deleted and created again) is replaced: AF_PACKET stays bound to the index, not the name.
   */
  open(ifname: string, ifindex?: number): FrameSender {
    let sender = this.frameSenders.get(ifname);
    if (sender && ifindex !== undefined && sender.ifindex !== ifindex) {
      this.close(ifname);
      sender = undefined;
    }
    if (!sender) {
      sender = this.os.openFrameSender(ifname);
      this.frameSenders.set(ifname, sender);
    }
    return sender;
  }

  /** NA Router flag = IPv6 forwarding on the interface, re-read at most every 5 s like keepalived (not per frame). */
  private routerFlag(ifname: string): boolean {
    const now = this.clock.now();
    const cached = this.forwarding.get(ifname);
    if (cached && now - cached.atMs < 5000) return cached.on;
    const on = this.os.ipv6Forwarding(ifname);
    this.forwarding.set(ifname, { on, atMs: now });
    return on;
  }
  close(ifname: string): void {
    this.frameSenders.get(ifname)?.close();
    this.frameSenders.delete(ifname);
  }

  closeAll(): void {
    for (const s of this.frameSenders.values()) s.close();
    this.frameSenders.clear();
  }
}
