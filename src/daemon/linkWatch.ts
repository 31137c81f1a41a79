// Interfaces and addresses as rtnetlink reports them while the daemon runs:
//   - carrier: an instance's interface going down sends it to FAULT, coming back clears it (unless
//     dont_track_primary); plugins hear every change by name (track_interface);
//   - VIP repair: a VIP deleted behind our back while MASTER is added again and announced;
//   - re-created interfaces: same name, new ifindex — the instances bound to the old index must be rebuilt,
//     which is the lifecycle's job (lifecycle.ts rebind); this file only notices and asks.
import type { Clock } from '../clock/clock.js';
import type { Logger } from '../log/logger.js';
import type { LinkInfo } from '../net/rtnetlink.js';
import { INTERFACE_DOWN, vipAddressSpec, type InstanceTable } from './instances.js';
import type { DirectorOs } from './ports.js';

export interface LinkWatchOptions {
  readonly os: DirectorOs;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly instances: InstanceTable;
  /** These instances' interface came back under a new index (maybe none): rebuild them once it is usable. */
  readonly rebind: (names: readonly string[]) => void;
  /** An address appeared: a rebind waiting for one may be able to go ahead now. */
  readonly addressAdded: () => void;
}

export class LinkWatch {
  /** Carrier by ifindex, as last reported (or as the dump saw it before the first report). */
  private readonly up = new Map<number, boolean>();
  private readonly listeners = new Set<(ifname: string, up: boolean) => void>();
  /**
   * The links as now: the last dump (lifecycle.ts environment()), kept up to date by link events; names → indexes
   * for plugins, VIP repair and the VIPs' `dev` (builder.ts): an interface deleted and created again is found under
   * its new index, not the one it had when its instance was built.
   */
  links: LinkInfo[] = [];

  constructor(private readonly o: LinkWatchOptions) {}

  /** Subscribe to link and address events; returns the unsubscribe. */
  watch(): () => void {
    const unwatchLinks = this.o.os.watchLinks((ev) => {
      this.links = this.links.filter((l) => l.ifindex !== ev.link.ifindex && l.name !== ev.link.name);
      if (ev.kind === 'new') this.links.push(ev.link);
      const up = ev.kind === 'new' && ev.link.up && ev.link.running;
      this.linkChanged(ev.link.ifindex, ev.link.name, up);
      if (ev.kind === 'new') this.linkAppeared(ev.link);
    });
    const unwatchAddresses = this.o.os.watchAddresses((ev) => {
      if (ev.kind === 'del') this.addressDeleted(ev.address.address, ev.address.ifindex);
      // A re-created interface usually gets its addresses just after it appears: try the rebind again then.
      else this.o.addressAdded();
    });
    return () => {
      unwatchLinks();
      unwatchAddresses();
    };
  }

  /** Whether `link` has carrier: the last event about it, else what the dump said (remembered from now on). */
  carrier(link: LinkInfo): boolean {
    const up = this.up.get(link.ifindex) ?? (link.up && link.running);
    this.up.set(link.ifindex, up);
    return up;
  }

  /** For plugins (DaemonControl.linkUp): undefined for an interface the last dump did not have. */
  linkUp(ifname: string): boolean | undefined {
    const link = this.links.find((l) => l.name === ifname);
    return link ? (this.up.get(link.ifindex) ?? (link.up && link.running)) : undefined;
  }

  onLink(cb: (ifname: string, up: boolean) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** `name` from the event itself: a re-created interface's new index is not in the last link dump yet. */
  private linkChanged(ifindex: number, name: string, up: boolean): void {
    if (this.up.get(ifindex) === up) return;
    this.up.set(ifindex, up);
    for (const cb of this.listeners) cb(name, up);
    for (const m of this.o.instances.values()) {
      if (m.link.ifindex !== ifindex || m.cfg.dontTrackPrimary) continue;
      this.o.logger.info(`(${m.cfg.name}) interface ${m.cfg.interface} ${up ? 'up' : 'down'}`);
      if (up) m.runner.faultCleared(INTERFACE_DOWN);
      else m.runner.fault(INTERFACE_DOWN);
    }
  }

  /**
   * An interface of ours was deleted and created again (a VLAN or bond rebuilt, a veth re-plugged): same name,
   * new ifindex. Its instances' sockets are bound to the old index and hear nothing any more, so they restart on
   * the new one, as a reload would restart them (keepalived re-opens its sockets on the new index too).
   */
  private linkAppeared(link: LinkInfo): void {
    const stale = [...this.o.instances.values()].filter((m) => m.link.name === link.name && m.link.ifindex !== link.ifindex);
    // Called even with none: a rebind still pending (interface not usable yet) retries on every new link.
    this.o.rebind(stale.map((m) => m.cfg.name));
  }

  /**
   * An address deleted (by anyone, us included): route it to the instance whose tracked VIP it is, on the
   * interface it lives on; the core re-adds it if it is MASTER (the 'vipRemoved' event). keepalived leaves MASTER
   * instead (keepalived_netlink.c:1230-1233). `no_track` VIPs are left alone, as in keepalived.
   */
  private addressDeleted(address: string, ifindex: number): void {
    for (const m of this.o.instances.values()) {
      const cfgVip = [...m.cfg.vips, ...m.cfg.excludedVips].find((v) => v.address === address);
      if (!cfgVip || cfgVip.noTrack) continue;
      const vip = [...m.instance.params.vips, ...m.instance.params.excludedVips].find((v) => v.address === address);
      // The same address elsewhere (another interface) is not ours to put back.
      if (!vip || vipAddressSpec(vip, m.vipLink, this.links).ifindex !== ifindex) continue;
      m.runner.vipRemoved(address); // the core puts it back if it is MASTER with its VIPs up
    }
  }
}
