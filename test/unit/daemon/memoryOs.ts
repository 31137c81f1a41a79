// In-memory twin of DirectorOs (src/daemon/ports.ts) so that whole Daemons run without root (design.md habit 3:
// memberlist's Transport + MockNetwork). Several MemoryOs hosts share one MemorySegment: their VRRP transports
// exchange the real encoded packets (multicast to every other host's socket on that group, unicast to the host
// whose socket is bound to the destination), never looped back to the sender (IP_MULTICAST_LOOP is 0 on the real
// socket). Every OS touch of every host lands, in order, in the segment's shared trace, so tests can assert
// cross-host orderings such as "the old master kept its VIPs until the new master's first advert".
import { decodeIpv4Advert, decodeIpv6Advert, type DecodedAdvert } from '../../../src/vrrp/codec.js';
import { formatIpv6 } from '../../../src/ip/address.js';
import type { AddressEvent, AddressInfo, AddressSpec, LinkEvent, LinkInfo, RouteSpec, RoutingDeletion, RuleSpec } from '../../../src/net/rtnetlink.js';
import { routeKey } from '../../../src/net/routeCodec.js';
import { ruleKey } from '../../../src/net/ruleCodec.js';
import type { FrameSender, VrrpPacketMeta, VrrpTransport } from '../../../src/net/types.js';
import { VipdNetError } from '../../../src/net/errors.js';
import type { DirectorOs, VrrpSocketSpec } from '../../../src/daemon/ports.js';

export type TraceRecord =
  | { readonly kind: 'vrrp'; readonly host: string; readonly ifname: string; readonly dst: string; readonly packet: Buffer; readonly advert: DecodedAdvert | null }
  | ({ readonly kind: 'addAddress' } & AddressRecord)
  | ({ readonly kind: 'removeAddress' } & AddressRecord)
  | { readonly kind: 'addRoute'; readonly host: string; readonly spec: RouteSpec }
  | { readonly kind: 'removeRoute'; readonly host: string; readonly spec: RouteSpec }
  | { readonly kind: 'addRule'; readonly host: string; readonly spec: RuleSpec }
  | { readonly kind: 'removeRule'; readonly host: string; readonly spec: RuleSpec }
  | { readonly kind: 'frame'; readonly host: string; readonly ifname: string; readonly frame: Buffer; readonly target: string | null }
  | { readonly kind: 'link'; readonly host: string; readonly ifname: string; readonly up: boolean }
  /** Someone else (an operator, a script) deleted an address: see MemoryOs.deleteAddressBehindBack. */
  | { readonly kind: 'foreignRemove'; readonly host: string; readonly ifname: string; readonly address: string };

interface AddressRecord {
  readonly host: string;
  readonly ifindex: number;
  readonly address: string;
  readonly prefixLen: number;
  /** 'added' / 'exists' / 'removed' / 'absent', as rtnetlink reports it. */
  readonly result: string;
}

export type Traced<K extends TraceRecord['kind']> = Extract<TraceRecord, { kind: K }> & { readonly seq: number; readonly atMs: number };

export interface MemoryLinkSpec {
  readonly name: string;
  readonly ifindex: number;
  readonly mac?: string | null;
  readonly mtu?: number;
  /** Up and running (carrier) at start; default true. */
  readonly up?: boolean;
  /** Addresses of the interface itself, "10.1.0.1/24" or "fe80::1/64". */
  readonly addresses?: readonly string[];
  /** Which wire of the segment it is plugged into: only links on the same LAN hear each other (default 'lan0'). */
  readonly lan?: string;
}

/** One broadcast domain. Packets are delivered on a later event-loop turn (setImmediate), like socket I/O. */
export class MemorySegment {
  readonly trace: (TraceRecord & { seq: number; atMs: number })[] = [];
  /** Return true to drop a VRRP packet in flight (loss, partitions). */
  dropRule: ((p: { from: string; to: string; packet: Buffer }) => boolean) | null = null;
  private readonly sockets = new Set<MemoryVrrpTransport>();
  private seq = 0;

  /** `now`: the virtual time each trace record is stamped with (the cluster's clock). */
  constructor(private readonly now: () => number = () => 0) {}

  record(r: TraceRecord): void {
    this.trace.push({ ...r, seq: this.seq++, atMs: this.now() });
  }

  /** Trace records of one kind (optionally one host), in order. */
  of<K extends TraceRecord['kind']>(kind: K, host?: string): Traced<K>[] {
    return this.trace.filter((r): r is Traced<K> => r.kind === kind && (host === undefined || r.host === host));
  }

  /** Decoded adverts a host sent (optionally one VRID), in order. */
  adverts(host: string, vrid?: number): (Traced<'vrrp'> & { advert: DecodedAdvert })[] {
    return this.of('vrrp', host).filter((r): r is Traced<'vrrp'> & { advert: DecodedAdvert } => r.advert !== null && (vrid === undefined || r.advert.vrid === vrid));
  }

  /** @internal */
  attach(t: MemoryVrrpTransport): void {
    this.sockets.add(t);
  }

  /** @internal */
  detach(t: MemoryVrrpTransport): void {
    this.sockets.delete(t);
  }

  /** @internal */
  send(from: MemoryVrrpTransport, packet: Buffer, dst: string): void {
    if (!from.host.carries(from.spec.ifname) || !from.host.bound(from)) return;
    for (const to of this.sockets) {
      if (to.host === from.host || to.spec.family !== from.spec.family || !to.accepts(dst) || !to.carriesProtocol(packet)) continue;
      if (to.host.lanOf(to.spec.ifname) !== from.host.lanOf(from.spec.ifname)) continue;
      if (!to.host.carries(to.spec.ifname) || !to.host.bound(to)) continue;
      if (this.dropRule?.({ from: from.host.name, to: to.host.name, packet })) continue;
      const copy = Buffer.from(packet);
      const meta: VrrpPacketMeta = { ifindex: to.host.ifindexOf(to.spec.ifname), dst };
      if (from.spec.family === 4 && copy.length >= 20) {
        meta.src = `${copy[12]}.${copy[13]}.${copy[14]}.${copy[15]}`;
        meta.hopLimit = copy[8]!;
      } else {
        meta.src = from.spec.src ?? '::';
        meta.hopLimit = from.spec.unicast ? (from.spec.unicastTtl ?? 255) : 255;
      }
      this.carry(from, to, copy, meta);
    }
  }

  /** Put one packet on the wire to `to`: here on the next event-loop turn; the simulator's segment on its clock. */
  protected carry(_from: MemoryVrrpTransport, to: MemoryVrrpTransport, packet: Buffer, meta: VrrpPacketMeta): void {
    setImmediate(() => to.deliver(packet, meta));
  }
}

export interface MemoryOsOptions {
  readonly host: string;
  readonly segment: MemorySegment;
  readonly links: readonly MemoryLinkSpec[];
  /** IPv6 forwarding per interface (the NA R flag); default off. */
  readonly ipv6Forwarding?: Readonly<Record<string, boolean>>;
}

/** What a host's rtnetlink would say, and a recorder of everything the daemon asked of it. */
export class MemoryOs implements DirectorOs {
  readonly name: string;
  readonly segment: MemorySegment;
  /** Awaited before each address add/remove is applied: make netlink slow or fail (throw) from a test. */
  addressGate: ((op: 'add' | 'remove', spec: AddressSpec) => Promise<void> | void) | null = null;
  /** Every VRRP socket the daemon opened, in order (closed ones included). */
  readonly opened: MemoryVrrpTransport[] = [];
  closed = false;
  private readonly links = new Map<string, LinkInfo>();
  private readonly lans = new Map<string, string>();
  private readonly own: AddressInfo[] = [];
  private readonly added: AddressInfo[] = [];
  private readonly routes: RouteSpec[] = [];
  private readonly rules: RuleSpec[] = [];
  private readonly routingWatchers = new Set<(ev: RoutingDeletion) => void>();
  private readonly cutLinks = new Set<string>();
  private readonly linkWatchers = new Set<(ev: LinkEvent) => void>();
  private readonly addressWatchers = new Set<(ev: AddressEvent) => void>();

  constructor(private readonly opts: MemoryOsOptions) {
    this.name = opts.host;
    this.segment = opts.segment;
    for (const l of opts.links) {
      const up = l.up ?? true;
      this.links.set(l.name, {
        ifindex: l.ifindex,
        name: l.name,
        mac: l.mac === undefined ? macFor(opts.host, l.ifindex) : l.mac,
        up,
        running: up,
        lowerUp: up,
        operState: up ? 'up' : 'down',
        mtu: l.mtu ?? 1500,
        flags: 0,
        linkType: 1,
      });
      this.lans.set(l.name, l.lan ?? 'lan0');
      for (const a of l.addresses ?? []) this.own.push(addressInfo(l.ifindex, a));
    }
  }

  // ---- DirectorOs -------------------------------------------------------------------------------------

  async listLinks(): Promise<LinkInfo[]> {
    return [...this.links.values()].map((l) => ({ ...l }));
  }

  async listAddresses(): Promise<AddressInfo[]> {
    return [...this.own, ...this.added].map((a) => ({ ...a }));
  }

  async addAddress(spec: AddressSpec): Promise<'added' | 'exists'> {
    await this.addressGate?.('add', spec);
    if (![...this.links.values()].some((l) => l.ifindex === spec.ifindex)) {
      throw new VipdNetError('VIPD_ERR_NETLINK', `add address ${spec.address}: no device with ifindex ${spec.ifindex} (ENODEV)`, { sysCode: 'ENODEV', errno: 19 });
    }
    const exists = this.added.some((a) => sameAddress(a, spec));
    if (!exists) this.added.push(addressInfo(spec.ifindex, `${spec.address}/${spec.prefixLen}`, true));
    const result = exists ? 'exists' : 'added';
    this.segment.record({ kind: 'addAddress', host: this.name, ifindex: spec.ifindex, address: spec.address, prefixLen: spec.prefixLen, result });
    if (!exists) this.emitAddress('new', spec);
    return result;
  }

  async removeAddress(spec: AddressSpec): Promise<'removed' | 'absent'> {
    await this.addressGate?.('remove', spec);
    const i = this.added.findIndex((a) => sameAddress(a, spec));
    if (i >= 0) this.added.splice(i, 1);
    const result = i >= 0 ? 'removed' : 'absent';
    this.segment.record({ kind: 'removeAddress', host: this.name, ifindex: spec.ifindex, address: spec.address, prefixLen: spec.prefixLen, result });
    if (i >= 0) this.emitAddress('del', spec);
    return result;
  }

  async addRoute(spec: RouteSpec): Promise<void> {
    this.routes.push(spec);
    this.segment.record({ kind: 'addRoute', host: this.name, spec });
  }

  async removeRoute(spec: RouteSpec): Promise<void> {
    const i = this.routes.findIndex((r) => JSON.stringify(r) === JSON.stringify(spec));
    if (i >= 0) this.routes.splice(i, 1);
    this.segment.record({ kind: 'removeRoute', host: this.name, spec });
  }

  /** Like the kernel with NLM_F_EXCL: an identical rule is 'exists'. */
  async addRule(spec: RuleSpec): Promise<'added' | 'exists'> {
    const exists = this.rules.some((r) => JSON.stringify(r) === JSON.stringify(spec));
    if (!exists) this.rules.push(spec);
    this.segment.record({ kind: 'addRule', host: this.name, spec });
    return exists ? 'exists' : 'added';
  }

  async removeRule(spec: RuleSpec): Promise<'removed' | 'absent'> {
    const i = this.rules.findIndex((r) => JSON.stringify(r) === JSON.stringify(spec));
    if (i >= 0) this.rules.splice(i, 1);
    this.segment.record({ kind: 'removeRule', host: this.name, spec });
    return i >= 0 ? 'removed' : 'absent';
  }

  watchRoutingDeletions(cb: (ev: RoutingDeletion) => void): () => void {
    this.routingWatchers.add(cb);
    return () => this.routingWatchers.delete(cb);
  }

  /** Someone else (`ip route del` / `ip rule del`) removed one of the daemon's routes or rules: the kernel says so. */
  deleteRoutingBehindBack(what: { route: RouteSpec } | { rule: RuleSpec }): void {
    const list: object[] = 'route' in what ? this.routes : this.rules;
    const spec = 'route' in what ? what.route : what.rule;
    const i = list.findIndex((x) => JSON.stringify(x) === JSON.stringify(spec));
    if (i < 0) throw new Error(`no such ${'route' in what ? 'route' : 'rule'} installed on ${this.name}`);
    list.splice(i, 1);
    const ev: RoutingDeletion = 'route' in what ? { kind: 'route', key: routeKey(what.route) } : { kind: 'rule', key: ruleKey(what.rule) };
    for (const w of [...this.routingWatchers]) w(ev);
  }

  watchLinks(cb: (ev: LinkEvent) => void): () => void {
    this.linkWatchers.add(cb);
    return () => this.linkWatchers.delete(cb);
  }

  watchAddresses(cb: (ev: AddressEvent) => void): () => void {
    this.addressWatchers.add(cb);
    return () => this.addressWatchers.delete(cb);
  }

  openVrrp(spec: VrrpSocketSpec): VrrpTransport {
    if (!this.links.has(spec.ifname)) throw new VipdNetError('VIPD_ERR_NO_SUCH_INTERFACE', `no such interface ${spec.ifname}`);
    const t = new MemoryVrrpTransport(this, spec);
    this.opened.push(t);
    this.segment.attach(t);
    return t;
  }

  openFrameSender(ifname: string): FrameSender {
    const link = this.links.get(ifname);
    if (!link) throw new VipdNetError('VIPD_ERR_NO_SUCH_INTERFACE', `no such interface ${ifname}`);
    const segment = this.segment;
    const host = this.name;
    let closed = false;
    return {
      ifindex: link.ifindex,
      send: (frame: Buffer): void => {
        if (closed) throw Object.assign(new Error('frame sender closed'), { code: 'VIPD_ERR_CLOSED' });
        // An AF_PACKET socket bound to an index that is gone: sendto() fails with ENXIO.
        if (this.links.get(ifname)?.ifindex !== link.ifindex) throw new VipdNetError('VIPD_ERR_SEND_FAILED', `send on ${ifname}: ENXIO`, { sysCode: 'ENXIO', errno: 6 });
        segment.record({ kind: 'frame', host, ifname, frame: Buffer.from(frame), target: frameTarget(frame) });
      },
      close(): void {
        closed = true;
      },
    };
  }

  ipv6Forwarding(ifname: string): boolean {
    return this.opts.ipv6Forwarding?.[ifname] ?? false;
  }

  close(): void {
    this.closed = true;
    for (const t of this.opened) t.close();
    this.linkWatchers.clear();
    this.addressWatchers.clear();
  }

  // ---- test controls --------------------------------------------------------------------------------

  /**
   * Carrier down, or up (and administratively up), reported to link watchers as rtnetlink would (RTM_NEWLINK).
   * Traffic still flows unless cut(): the priority-0 advert of a FAULTing master stays observable.
   */
  setLink(ifname: string, up: boolean): void {
    const l = this.links.get(ifname);
    if (!l) throw new Error(`no such interface ${ifname}`);
    const next: LinkInfo = { ...l, up: l.up || up, running: up, lowerUp: up, operState: up ? 'up' : 'lowerlayerdown' };
    this.links.set(ifname, next);
    this.segment.record({ kind: 'link', host: this.name, ifname, up });
    for (const cb of [...this.linkWatchers]) cb({ kind: 'new', link: { ...next } });
  }

  /**
   * `ip link del` then the same interface created again (a rebuilt VLAN, a re-plugged veth): watchers hear its
   * addresses and the link go (RTM_DELADDR, RTM_DELLINK), then the link come back with `ifindex` and, separately,
   * its own addresses (RTM_NEWLINK, then RTM_NEWADDR). Sockets bound to the old index hear and send nothing more.
   * With `addressesBack: false` the new interface comes up without its addresses (see addOwnAddress).
   */
  recreateLink(ifname: string, ifindex: number, opts: { addressesBack?: boolean } = {}): void {
    const l = this.links.get(ifname);
    if (!l) throw new Error(`no such interface ${ifname}`);
    const ownHere = this.own.filter((a) => a.ifindex === l.ifindex);
    for (const list of [this.own, this.added]) {
      for (let i = list.length - 1; i >= 0; i--) {
        const a = list[i]!;
        if (a.ifindex !== l.ifindex) continue;
        list.splice(i, 1);
        this.emitAddress('del', { ifindex: a.ifindex, address: a.address, prefixLen: a.prefixLen });
      }
    }
    this.links.delete(ifname);
    this.segment.record({ kind: 'link', host: this.name, ifname, up: false });
    for (const cb of [...this.linkWatchers]) cb({ kind: 'del', link: { ...l, up: false, running: false } });
    const next: LinkInfo = { ...l, ifindex, mac: macFor(this.name, ifindex) };
    this.links.set(ifname, next);
    this.segment.record({ kind: 'link', host: this.name, ifname, up: true });
    for (const cb of [...this.linkWatchers]) cb({ kind: 'new', link: { ...next } });
    if (opts.addressesBack === false) return;
    for (const a of ownHere) this.addOwnAddress(ifname, `${a.address}/${a.prefixLen}`);
  }

  /** The interface's own address (not a VIP) appears, as `ip addr add` by the operator: RTM_NEWADDR. */
  addOwnAddress(ifname: string, cidr: string): void {
    const ifindex = this.ifindexOf(ifname);
    const a = addressInfo(ifindex, cidr);
    this.own.push(a);
    for (const cb of [...this.addressWatchers]) cb({ kind: 'new', address: { ...a } });
  }

  /** `ip addr del` by someone else: the address goes and watchers hear RTM_DELADDR, as for the daemon's own removals. */
  deleteAddressBehindBack(ifname: string, cidr: string): void {
    const ifindex = this.ifindexOf(ifname);
    const [address, len] = cidr.split('/') as [string, string];
    const spec = { ifindex, address, prefixLen: Number(len) };
    const i = this.added.findIndex((a) => sameAddress(a, spec));
    if (i < 0) throw new Error(`${this.name}: ${cidr} is not on ${ifname}`);
    this.added.splice(i, 1);
    this.segment.record({ kind: 'foreignRemove', host: this.name, ifname, address });
    this.emitAddress('del', spec);
  }

  /** Pull (or plug back) the cable as far as VRRP traffic goes: nothing in or out of this interface. */
  cut(ifname: string, cut = true): void {
    if (cut) this.cutLinks.add(ifname);
    else this.cutLinks.delete(ifname);
  }

  /** Hand a raw packet to this host's VRRP sockets on `ifname` as if it had arrived (synchronously). */
  inject(ifname: string, packet: Buffer, meta: VrrpPacketMeta = {}): void {
    const v4 = packet.length >= 20 && packet[0]! >> 4 === 4;
    const dst = meta.dst ?? (v4 ? `${packet[16]}.${packet[17]}.${packet[18]}.${packet[19]}` : undefined);
    const full: VrrpPacketMeta = {
      ifindex: this.ifindexOf(ifname),
      ...(v4 ? { src: `${packet[12]}.${packet[13]}.${packet[14]}.${packet[15]}`, hopLimit: packet[8]! } : {}),
      ...meta,
      ...(dst !== undefined ? { dst } : {}),
    };
    // VRRP (112) and AH (51) datagrams go to the raw sockets of their protocol; other bytes to every socket, so
    // tests can feed junk to the parsers.
    const typed = v4 && (packet[9] === 112 || packet[9] === 51);
    const targets = this.opened.filter(
      (t) => !t.isClosed && t.spec.ifname === ifname && (dst === undefined || t.accepts(dst)) && (!typed || t.carriesProtocol(packet)),
    );
    if (targets.length === 0) throw new Error(`${this.name}: no open VRRP socket on ${ifname} for ${dst ?? 'that packet'}`);
    for (const t of targets) t.deliver(Buffer.from(packet), full);
  }

  /** Addresses the daemon added and has not removed, as "a.b.c.d/len" (optionally on one interface). */
  vips(ifname?: string): string[] {
    const ifindex = ifname === undefined ? undefined : this.ifindexOf(ifname);
    return this.added.filter((a) => ifindex === undefined || a.ifindex === ifindex).map((a) => `${a.address}/${a.prefixLen}`);
  }

  installedRoutes(): readonly RouteSpec[] {
    return [...this.routes];
  }

  installedRules(): readonly RuleSpec[] {
    return [...this.rules];
  }

  /** VRRP sockets still open. */
  openSockets(): MemoryVrrpTransport[] {
    return this.opened.filter((t) => !t.isClosed);
  }

  /** @internal */
  carries(ifname: string): boolean {
    return !this.cutLinks.has(ifname) && !this.closed;
  }

  /** @internal A socket bound to an interface index that is gone (deleted, or re-created under another) is deaf and mute. */
  bound(t: MemoryVrrpTransport): boolean {
    return this.links.get(t.spec.ifname)?.ifindex === t.ifindex;
  }

  /** @internal */
  lanOf(ifname: string): string {
    return this.lans.get(ifname) ?? 'lan0';
  }

  /** @internal */
  ifindexOf(ifname: string): number {
    const l = this.links.get(ifname);
    if (!l) throw new Error(`no such interface ${ifname}`);
    return l.ifindex;
  }

  /** @internal */
  hasAddress(ifname: string, address: string): boolean {
    const ifindex = this.links.get(ifname)?.ifindex;
    return [...this.own, ...this.added].some((a) => a.ifindex === ifindex && a.address === address);
  }

  private emitAddress(kind: 'new' | 'del', spec: AddressSpec): void {
    const address = addressInfo(spec.ifindex, `${spec.address}/${spec.prefixLen}`, true);
    for (const cb of [...this.addressWatchers]) cb({ kind, address });
  }
}

export class MemoryVrrpTransport implements VrrpTransport {
  private handler: ((packet: Buffer, meta: VrrpPacketMeta) => void) | null = null;
  private closed = false;
  /** Packets handed to the handler (after delivery), for tests that check routing. */
  received = 0;
  /** Every receive coalescing window the daemon set (setReceiveCoalescing), in order; no pause is simulated. */
  readonly coalescing: number[] = [];

  /** The interface index the socket was bound to when opened. */
  readonly ifindex: number;

  constructor(
    readonly host: MemoryOs,
    readonly spec: VrrpSocketSpec,
  ) {
    this.ifindex = host.ifindexOf(spec.ifname);
  }

  get family(): 4 | 6 {
    return this.spec.family;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(packet: Buffer, dst: string): void {
    if (this.closed) throw Object.assign(new Error('socket closed'), { code: 'VIPD_ERR_CLOSED' });
    const advert = this.spec.family === 4 ? decodeIpv4Advert(packet) : decodeIpv6Advert(packet, { src: this.spec.src ?? '::', dst, hopLimit: 255 });
    this.host.segment.record({
      kind: 'vrrp',
      host: this.host.name,
      ifname: this.spec.ifname,
      dst,
      packet: Buffer.from(packet),
      advert: 'ok' in advert ? advert.ok.advert : null,
    });
    this.host.segment.send(this, packet, dst);
  }

  onPacket(cb: (packet: Buffer, meta: VrrpPacketMeta) => void): void {
    this.handler = cb;
  }

  setReceiveCoalescing(ms: number): void {
    this.coalescing.push(ms);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.segment.detach(this);
  }

  /** @internal A raw IPv4 socket receives only its protocol (112, or 51 for AH); IPv6 ones only VRRP. */
  carriesProtocol(packet: Buffer): boolean {
    return this.spec.family !== 4 || packet.length < 10 || packet[9] === (this.spec.protocol ?? 112);
  }

  /** @internal Would this socket receive a packet sent to `dst`? */
  accepts(dst: string): boolean {
    if (isMulticast(dst)) return !this.spec.unicast && this.spec.group === dst;
    if (this.spec.unicast) return this.spec.src === dst;
    // A multicast-mode raw socket also sees protocol-112 packets sent to one of the host's own addresses.
    return this.host.hasAddress(this.spec.ifname, dst);
  }

  /** @internal */
  deliver(packet: Buffer, meta: VrrpPacketMeta): void {
    if (this.closed || !this.host.carries(this.spec.ifname) || !this.host.bound(this)) return;
    this.received++;
    this.handler?.(packet, meta);
  }
}

function isMulticast(address: string): boolean {
  if (address.includes(':')) return address.toLowerCase().startsWith('ff');
  const first = Number(address.split('.')[0]);
  return first >= 224 && first <= 239;
}

function addressInfo(ifindex: number, cidr: string, secondary = false): AddressInfo {
  const [address, len] = cidr.split('/') as [string, string | undefined];
  const family = address.includes(':') ? 6 : 4;
  const linkLocal = family === 6 && address.toLowerCase().startsWith('fe80');
  return {
    family,
    ifindex,
    address,
    prefixLen: len === undefined ? (family === 4 ? 32 : 128) : Number(len),
    secondary,
    tentative: false,
    flags: 0,
    scope: linkLocal ? 253 : 0,
  };
}

function sameAddress(a: AddressInfo, spec: AddressSpec): boolean {
  return a.ifindex === spec.ifindex && a.address === spec.address && a.prefixLen === spec.prefixLen;
}

function macFor(host: string, ifindex: number): string {
  let h = 0;
  for (const c of host) h = (h * 31 + c.charCodeAt(0)) & 0xffff;
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return ['02', '00', hex(h >> 8), hex(h & 0xff), '00', hex(ifindex & 0xff)].join(':');
}

/** The address a GARP (ARP spa) or unsolicited NA (target) announces, or null for another frame. */
export function frameTarget(frame: Buffer): string | null {
  const ethertype = frame.length >= 14 ? frame.readUInt16BE(12) : 0;
  if (ethertype === 0x0806 && frame.length >= 32) return [...frame.subarray(28, 32)].join('.');
  if (ethertype === 0x86dd && frame.length >= 78) return formatIpv6(frame, 62);
  return null;
}
