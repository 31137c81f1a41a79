// Addresses and links over NETLINK_ROUTE, no `ip` binary on the failover path. One socket for requests; a second
// one, opened on the first watch*, for notifications (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR),
// so replies and events never interleave on one socket.
//
// add/remove are idempotent like keepalived's netlink_ipaddress() treats them: adding an address that is already
// there reports 'exists', removing one that is not there reports 'absent' (EEXIST / EADDRNOTAVAIL).
import type { Clock } from '../clock/clock.js';
import { addRouteFlags, decodeRouteKey, encodeRouteRequest, type RouteKey, type RouteSpec } from './routeCodec.js';
import { decodeRuleKey, encodeRuleRequest, RTM_DELRULE, RTM_NEWRULE, type RuleKey, type RuleSpec } from './ruleCodec.js';
import * as C from './constants.js';
import { VipdNetError } from './errors.js';
import type { NativeNet } from './native.js';
import { NetlinkSocket, type NetlinkMessage, type NetlinkRequest } from './netlink.js';
import {
  decodeAddress,
  decodeLink,
  encodeAddressRequest,
  encodeIfaddrmsg,
  encodeIfinfomsg,
  encodeLinkDelete,
  encodeLinkSetUp,
  encodeMacvlanCreate,
  type AddressInfo,
  type AddressSpec,
  type IpFamily,
  type LinkInfo,
  type MacvlanSpec,
} from './rtnlCodec.js';

export type { AddressInfo, AddressSpec, IpFamily, LinkInfo, MacvlanSpec } from './rtnlCodec.js';
export type { NextHopSpec, RouteKey, RouteSpec } from './routeCodec.js';
export type { RuleKey, RuleSpec } from './ruleCodec.js';

/** A route or rule of protocol keepalived that the kernel reports deleted. */
export type RoutingDeletion = { readonly kind: 'route'; readonly key: RouteKey } | { readonly kind: 'rule'; readonly key: RuleKey };

// linux/rtnetlink.h multicast groups for route and rule changes.
const RTNLGRP_IPV4_ROUTE = 7;
const RTNLGRP_IPV4_RULE = 8;
const RTNLGRP_IPV6_ROUTE = 11;
const RTNLGRP_IPV6_RULE = 19;
/** rtm_protocol / FRA_PROTOCOL of what keepalived (and vipd) install. */
const PROTO_KEEPALIVED = 18;
export { primaryIpv4, linkLocalIpv6 } from './rtnlCodec.js';

export interface LinkEvent {
  kind: 'new' | 'del';
  link: LinkInfo;
}

export interface AddressEvent {
  kind: 'new' | 'del';
  address: AddressInfo;
}

export interface RtnetlinkOptions {
  timeoutMs?: number;
  /** Arms the request timeouts. */
  clock: Clock;
  native?: NativeNet;
}

/** The port the daemon depends on (an in-memory twin can implement it in tests). */
export interface AddressManager {
  addAddress(spec: AddressSpec): Promise<'added' | 'exists'>;
  removeAddress(spec: AddressSpec): Promise<'removed' | 'absent'>;
  listLinks(): Promise<LinkInfo[]>;
  listAddresses(family?: IpFamily): Promise<AddressInfo[]>;
  watchLinks(cb: (ev: LinkEvent) => void): () => void;
  watchAddresses(cb: (ev: AddressEvent) => void): () => void;
  close(): void;
}

const DUMP_RETRIES = 3;

export class Rtnetlink implements AddressManager {
  private readonly requests: NetlinkSocket;
  private events: NetlinkSocket | null = null;
  private readonly linkWatchers = new Set<(ev: LinkEvent) => void>();
  private readonly addressWatchers = new Set<(ev: AddressEvent) => void>();
  private joinedLink = false;
  private joinedAddr = false;
  private errorHandler: ((err: VipdNetError) => void) | null = null;

  constructor(private readonly opts: RtnetlinkOptions) {
    this.requests = new NetlinkSocket(C.NETLINK_ROUTE, { ...opts, rcvbufBytes: 1024 * 1024 });
  }

  async addAddress(spec: AddressSpec): Promise<'added' | 'exists'> {
    return (await this.addAddresses([spec]))[0]!;
  }

  async removeAddress(spec: AddressSpec): Promise<'removed' | 'absent'> {
    return (await this.removeAddresses([spec]))[0]!;
  }

  /** Add many addresses with one round trip (batched datagrams). Throws the first non-idempotent error. */
  async addAddresses(specs: readonly AddressSpec[]): Promise<('added' | 'exists')[]> {
    const reqs: NetlinkRequest[] = specs.map((s) => ({
      type: C.RTM_NEWADDR,
      flags: C.NLM_F_CREATE | C.NLM_F_EXCL,
      payload: encodeAddressRequest(s),
    }));
    const results = await this.requests.requestAll(reqs);
    return results.map((r, i) => {
      if (!(r instanceof VipdNetError)) return 'added';
      if (r.sysCode === 'EEXIST') return 'exists';
      throw withInterface(r, specs[i]!, 'add');
    });
  }

  async removeAddresses(specs: readonly AddressSpec[]): Promise<('removed' | 'absent')[]> {
    const reqs: NetlinkRequest[] = specs.map((s) => ({ type: C.RTM_DELADDR, payload: encodeAddressRequest(s) }));
    const results = await this.requests.requestAll(reqs);
    return results.map((r, i) => {
      if (!(r instanceof VipdNetError)) return 'removed';
      if (r.sysCode === 'EADDRNOTAVAIL' || r.sysCode === 'ESRCH') return 'absent';
      throw withInterface(r, specs[i]!, 'remove');
    });
  }

  /**
   * Add a route (keepalived `virtual_routes` / `static_routes`) in its mode (prepend by default, as keepalived);
   * 'exists' when the kernel already has it (EEXIST).
   */
  async addRoute(spec: RouteSpec): Promise<'added' | 'exists'> {
    const [r] = await this.requests.requestAll([{ type: C.RTM_NEWROUTE, flags: addRouteFlags(spec), payload: encodeRouteRequest(spec, 'add') }]);
    if (!(r instanceof VipdNetError)) return 'added';
    if (r.sysCode === 'EEXIST') return 'exists';
    throw described(r, `add route ${spec.type ?? 'unicast'} ${spec.destination}/${spec.prefixLen}`);
  }

  async removeRoute(spec: RouteSpec): Promise<'removed' | 'absent'> {
    const [r] = await this.requests.requestAll([{ type: C.RTM_DELROUTE, payload: encodeRouteRequest(spec, 'delete') }]);
    if (!(r instanceof VipdNetError)) return 'removed';
    if (r.sysCode === 'ESRCH' || r.sysCode === 'ENOENT') return 'absent';
    throw described(r, `remove route ${spec.type ?? 'unicast'} ${spec.destination}/${spec.prefixLen}`);
  }

  /** Add a policy routing rule (keepalived `virtual_rules` / `static_rules`, NLM_F_EXCL like keepalived). */
  async addRule(spec: RuleSpec): Promise<'added' | 'exists'> {
    const [r] = await this.requests.requestAll([{ type: RTM_NEWRULE, flags: C.NLM_F_CREATE | C.NLM_F_EXCL, payload: encodeRuleRequest(spec) }]);
    if (!(r instanceof VipdNetError)) return 'added';
    if (r.sysCode === 'EEXIST') return 'exists';
    throw described(r, `add rule ${ruleText(spec)}`);
  }

  async removeRule(spec: RuleSpec): Promise<'removed' | 'absent'> {
    const [r] = await this.requests.requestAll([{ type: RTM_DELRULE, payload: encodeRuleRequest(spec) }]);
    if (!(r instanceof VipdNetError)) return 'removed';
    if (r.sysCode === 'ENOENT' || r.sysCode === 'ESRCH') return 'absent';
    throw described(r, `remove rule ${ruleText(spec)}`);
  }

  /**
   * RTM_DELROUTE / RTM_DELRULE of protocol keepalived (18), on a socket of its own: a director carrying a full
   * routing table sees route churn at a rate that must not overrun the link/address event socket. Returns
   * unsubscribe (which closes the socket).
   */
  watchRoutingDeletions(cb: (ev: RoutingDeletion) => void, onError?: (err: VipdNetError) => void): () => void {
    const sock = new NetlinkSocket(C.NETLINK_ROUTE, { ...this.opts, rcvbufBytes: 4 * 1024 * 1024 });
    for (const g of [RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE]) sock.joinGroup(g);
    sock.onEvent((m) => {
      if (m.type === C.RTM_DELROUTE) {
        // rtm_protocol is byte 5 of struct rtmsg: skip other daemons' routes before decoding anything.
        if (m.payload[5] !== PROTO_KEEPALIVED) return;
        const key = decodeRouteKey(m.payload);
        if (key) cb({ kind: 'route', key });
      } else if (m.type === RTM_DELRULE) {
        const key = decodeRuleKey(m.payload);
        if (key && key.protocol === PROTO_KEEPALIVED) cb({ kind: 'rule', key });
      }
    });
    if (onError) sock.onError(onError);
    return () => sock.close();
  }

  async listLinks(): Promise<LinkInfo[]> {
    const msgs = await this.dump(C.RTM_GETLINK, encodeIfinfomsg());
    return msgs.filter((m) => m.type === C.RTM_NEWLINK).flatMap((m) => decodeLink(m.payload) ?? []);
  }

  /**
   * Create a macvlan (down). 'exists' when an interface of that name is already there (EEXIST): the caller
   * decides whether it can reuse it.
   */
  async createMacvlan(spec: MacvlanSpec): Promise<'created' | 'exists'> {
    try {
      await this.requests.request({ type: C.RTM_NEWLINK, flags: C.NLM_F_CREATE | C.NLM_F_EXCL, payload: encodeMacvlanCreate(spec) });
      return 'created';
    } catch (err) {
      if (err instanceof VipdNetError && err.sysCode === 'EEXIST') return 'exists';
      throw linkError(err, `create macvlan ${spec.name} on ifindex ${spec.parentIfindex}`);
    }
  }

  /** Set (or clear) IFF_UP. */
  async setLinkUp(ifindex: number, up: boolean): Promise<void> {
    try {
      await this.requests.request({ type: C.RTM_NEWLINK, payload: encodeLinkSetUp(ifindex, up) });
    } catch (err) {
      throw linkError(err, `set ifindex ${ifindex} ${up ? 'up' : 'down'}`);
    }
  }

  /** Delete an interface; 'absent' when it is already gone (ENODEV). */
  async deleteLink(ifindex: number): Promise<'removed' | 'absent'> {
    try {
      await this.requests.request({ type: C.RTM_DELLINK, payload: encodeLinkDelete(ifindex) });
      return 'removed';
    } catch (err) {
      if (err instanceof VipdNetError && err.sysCode === 'ENODEV') return 'absent';
      throw linkError(err, `delete ifindex ${ifindex}`);
    }
  }

  async linkByName(name: string): Promise<LinkInfo | null> {
    return (await this.listLinks()).find((l) => l.name === name) ?? null;
  }

  /** Addresses in kernel order (primary before secondaries), optionally of one family. */
  async listAddresses(family?: IpFamily): Promise<AddressInfo[]> {
    const fam = family === 4 ? C.AF_INET : family === 6 ? C.AF_INET6 : C.AF_UNSPEC;
    const msgs = await this.dump(C.RTM_GETADDR, encodeIfaddrmsg(fam, 0, 0, 0, 0));
    return msgs
      .filter((m) => m.type === C.RTM_NEWADDR)
      .flatMap((m) => decodeAddress(m.payload) ?? [])
      .filter((a) => family === undefined || a.family === family);
  }

  /** RTM_NEWLINK/RTM_DELLINK notifications (carrier/admin changes, renames, removal). Returns unsubscribe. */
  watchLinks(cb: (ev: LinkEvent) => void): () => void {
    this.linkWatchers.add(cb);
    const sock = this.eventSocket();
    if (!this.joinedLink) {
      sock.joinGroup(C.RTNLGRP_LINK);
      this.joinedLink = true;
    }
    return () => this.unwatch(() => this.linkWatchers.delete(cb));
  }

  /** RTM_NEWADDR/RTM_DELADDR notifications for IPv4 and IPv6 (e.g. someone deleted our VIP). Returns unsubscribe. */
  watchAddresses(cb: (ev: AddressEvent) => void): () => void {
    this.addressWatchers.add(cb);
    const sock = this.eventSocket();
    if (!this.joinedAddr) {
      sock.joinGroup(C.RTNLGRP_IPV4_IFADDR);
      sock.joinGroup(C.RTNLGRP_IPV6_IFADDR);
      this.joinedAddr = true;
    }
    return () => this.unwatch(() => this.addressWatchers.delete(cb));
  }

  /** Event-socket errors; VIPD_ERR_NETLINK_OVERRUN means notifications were lost: re-list to resync. */
  onError(cb: ((err: VipdNetError) => void) | null): void {
    this.errorHandler = cb;
  }

  close(): void {
    this.requests.close();
    this.events?.close();
    this.events = null;
    this.linkWatchers.clear();
    this.addressWatchers.clear();
  }

  /** A dump, retried when the kernel flags it inconsistent (NLM_F_DUMP_INTR: the table changed mid-dump). */
  private async dump(type: number, payload: Buffer): Promise<NetlinkMessage[]> {
    for (let attempt = 1; ; attempt++) {
      const msgs = await this.requests.request({ type, flags: C.NLM_F_DUMP, payload });
      const interrupted = msgs.some((m) => (m.flags & C.NLM_F_DUMP_INTR) !== 0);
      if (!interrupted || attempt >= DUMP_RETRIES) return msgs;
    }
  }

  private eventSocket(): NetlinkSocket {
    if (!this.events) {
      const sock = new NetlinkSocket(C.NETLINK_ROUTE, { ...this.opts, rcvbufBytes: 4 * 1024 * 1024 });
      sock.onEvent((m) => this.dispatch(m));
      sock.onError((e) => this.errorHandler?.(e));
      this.events = sock;
    }
    return this.events;
  }

  private unwatch(remove: () => void): void {
    remove();
    if (this.linkWatchers.size === 0 && this.addressWatchers.size === 0 && this.events) {
      this.events.close();
      this.events = null;
      this.joinedLink = false;
      this.joinedAddr = false;
    }
  }

  private dispatch(m: NetlinkMessage): void {
    if (m.type === C.RTM_NEWLINK || m.type === C.RTM_DELLINK) {
      const link = decodeLink(m.payload);
      if (!link) return;
      const ev: LinkEvent = { kind: m.type === C.RTM_NEWLINK ? 'new' : 'del', link };
      for (const w of [...this.linkWatchers]) w(ev);
    } else if (m.type === C.RTM_NEWADDR || m.type === C.RTM_DELADDR) {
      const address = decodeAddress(m.payload);
      if (!address) return;
      const ev: AddressEvent = { kind: m.type === C.RTM_NEWADDR ? 'new' : 'del', address };
      for (const w of [...this.addressWatchers]) w(ev);
    }
  }
}

export function openRtnetlink(opts: RtnetlinkOptions): Rtnetlink {
  return new Rtnetlink(opts);
}

function ruleText(spec: RuleSpec): string {
  const from = spec.from ? `${spec.from.address}/${spec.from.prefixLen}` : 'all';
  return `pref ${spec.priority ?? '-'} from ${from}${spec.to ? ` to ${spec.to.address}/${spec.to.prefixLen}` : ''} ${spec.action}${spec.table !== undefined ? ` ${spec.table}` : ''}`;
}

function described(err: VipdNetError, what: string): VipdNetError {
  return new VipdNetError(err.code, `${what}: ${err.message}`, { sysCode: err.sysCode, errno: err.errno, cause: err });
}

function linkError(err: unknown, what: string): VipdNetError {
  if (!(err instanceof VipdNetError)) return new VipdNetError('VIPD_ERR_NETLINK', `${what}: ${String(err)}`, { cause: err });
  return new VipdNetError(err.code, `${what}: ${err.message}`, { sysCode: err.sysCode, errno: err.errno, cause: err });
}

function withInterface(err: VipdNetError, spec: AddressSpec, verb: string): VipdNetError {
  const what = `${verb} address ${spec.address}/${spec.prefixLen} on ifindex ${spec.ifindex}`;
  if (err.sysCode === 'ENODEV') {
    return new VipdNetError('VIPD_ERR_NO_SUCH_INTERFACE', `${what}: interface ${spec.ifindex} does not exist`, {
      sysCode: err.sysCode,
      errno: err.errno,
      cause: err,
    });
  }
  return new VipdNetError(err.code, `${what}: ${err.message}`, { sysCode: err.sysCode, errno: err.errno, cause: err });
}
