// The runner of one VRRP instance: it turns received packets into core events (through its unit driver,
// which owns the timer and, for sync groups, the group), executes the effects the core returns strictly in the
// order given, on one serial queue, and reports what finished back to the core (connectionsCommitted). It decides
// nothing: which effects are stale, what waits for the connection commit or for a successor, and where the adverts
// go in a batch are the core's rules (src/vrrp/instance.ts). Nothing on the queue waits for the commit or the
// handover (they are core deadlines), so only netlink ACKs are ever awaited between two effects, and a batch of
// adverts alone never waits for those either (enqueue).
import type { AdvertFields, Decoded, ReceivedAdvert } from '../vrrp/codec.js';
import { encodeAdvertPacket, restampIpv4Id } from '../vrrp/advertPacket.js';
import type { AhSession } from '../vrrp/ahSession.js';
import { validateAdvert, type ValidationView } from '../vrrp/validate.js';
import { RepeatAdvert } from '../vrrp/repeatAdvert.js';
import type { VrrpInstance } from '../vrrp/instance.js';
import type { InstanceParams, Vip, VrrpEffect, VrrpEvent, VrrpState } from '../vrrp/types.js';
import type { VrrpPacketMeta } from '../net/types.js';
import type { InstanceMetrics } from '../metrics/registry.js';
import type { TakeoverTimes } from '../metrics/types.js';
import type { Logger } from '../log/logger.js';
import { RateLimitedLog } from '../log/logger.js';
import type { EffectSink, UnitDriver } from './unitDriver.js';
import type { Clock } from '../clock/clock.js';

/** Where this instance sends and what it puts in the IP header. */
export interface AdvertRoute {
  readonly family: 4 | 6;
  readonly sourceAddress: string;
  /** Multicast group, or every unicast peer. */
  readonly destinations: readonly string[];
  readonly unicast: boolean;
  /** IPv4 TTL for unicast (keepalived `unicast_ttl`); multicast is always 255. */
  readonly unicastTtl: number;
  readonly v3ChecksumAsV2: boolean;
}

/** The OS operations a runner needs; the daemon passes real ones, tests pass in-memory twins. */
export interface RunnerIo {
  /**
   * Send one packet (IPv4: whole datagram; IPv6: VRRP message) to dst. The buffer is the runner's: it is re-stamped
   * and sent again next interval, so an implementation that keeps it must copy it.
   */
  sendPacket(packet: Buffer, dst: string): void;
  addVip(vip: Vip): Promise<void>;
  removeVip(vip: Vip): Promise<void>;
  /** keepalived `virtual_routes` then `virtual_rules`: installed after the VIPs, removed (rules first) before them. */
  addRoutes?(): Promise<void>;
  removeRoutes?(): Promise<void>;
  /** Send `count` GARP (IPv4) or unsolicited NA (IPv6) frames for each VIP; returns frames sent. */
  announce(vips: readonly Vip[], count: number): number;
}

export interface RunnerHooks {
  /**
   * Commit synced connections into the kernel (design.md: commit → VIPs → GARP); the core asks for it with
   * `commitConnections` when it becomes MASTER. Absent = no committer (see refreshCommitter).
   */
  commitConnections?(): Promise<void>;
  /** As MASTER, a lower-priority advert was heard (notify_master_rx_lower_pri). */
  masterRxLowerPri?(src: string, priority: number): void;
  /** After a transition's effects have all run (notify scripts, sync role changes, status). */
  afterTransition?(from: VrrpState, to: VrrpState, reason: string): void;
}

export interface RunnerOptions {
  readonly instance: VrrpInstance;
  readonly ifname: string;
  route: AdvertRoute;
  validation: ValidationView;
  readonly io: RunnerIo;
  readonly logger: Logger;
  /** Monotonic time (log rate limits, takeover latency). The runner arms no timer: the unit driver does. */
  readonly clock: Clock;
  readonly metrics?: InstanceMetrics;
  readonly hooks?: RunnerHooks;
  /** The unit (lone instance or sync group) this instance is scheduled in. */
  readonly driver: UnitDriver;
  /** `auth_type AH`: the sequence counter this instance sends with (the daemon screens received adverts with it). */
  readonly ah?: AhSession;
}

export class InstanceRunner implements EffectSink {
  private queue: Promise<void> = Promise.resolve();
  private ipId: number;
  private takeover: { timerFiredMs: number; syncCommittedMs?: number; vipsInstalledMs?: number } | null = null;
  private readonly rateLog: RateLimitedLog;
  private stopped = false;
  /** From `awaitSuccessor` to the STOP `transitionDone`: adverts still go to the core, shutdown() waits. */
  private handingOver: { readonly done: Promise<void>; readonly resolve: () => void } | null = null;
  /** What the core was last told about a connection committer (refreshCommitter). */
  private committerTold: boolean | null = null;
  /** Unicast peers that verify v3 checksums with the multicast group in the pseudo-header. */
  private readonly legacyChecksumPeers = new Set<string>();
  /**
   * The last advert accepted in full (repeatAdvert.ts) and the core event it became: the master's next advert,
   * the same bytes but for the IP id, is fed to the core as that event without decoding it again (receiveRepeat).
   */
  private readonly repeat = new RepeatAdvert();
  private repeatEvent: Extract<VrrpEvent, { type: 'advert' }> | null = null;

  private readonly o: RunnerOptions;
  /**
   * Adverts as last encoded, by destination, for the inputs they were encoded from (compared by identity: a
   * reload replaces params, route and validation; legacy peers are part of the key). A master sends the same
   * bytes every interval but for the IPv4 id, which is re-stamped in place (issue 12). Not used with AH.
   */
  private advertCache: {
    params: InstanceParams;
    route: AdvertRoute;
    validation: ValidationView;
    priority: number;
    legacyPeers: number;
    packets: Map<string, Buffer>;
  } | null = null;

  constructor(opts: RunnerOptions) {
    this.o = { ...opts };
    this.rateLog = new RateLimitedLog(opts.logger);
    // keepalived starts its IP id at a random value and skips 0 (vrrp.c:429-434).
    this.ipId = 1 + Math.floor(Math.random() * 0xfffe);
    opts.driver.attach(this);
  }

  get name(): string {
    return this.o.instance.name;
  }

  get vrid(): number {
    return this.o.instance.params.vrid;
  }

  start(): void {
    this.refreshCommitter();
    this.dispatch({ type: 'startup' });
  }

  /**
   * Tell the core whether a connection committer exists now (at start, and after a reload changed the plugins),
   * so that its next takeover asks for a commit or adds the VIPs at once.
   */
  refreshCommitter(): void {
    const present = this.o.hooks?.commitConnections !== undefined;
    if (present === this.committerTold) return;
    this.committerTold = present;
    this.dispatch({ type: 'connectionCommitter', present });
  }

  /** One of this instance's VIPs was deleted by someone else (the daemon's address watch); the core decides. */
  vipRemoved(address: string): void {
    this.dispatch({ type: 'vipRemoved', address });
  }

  /**
   * Feed one received packet, decoded once by the packet router (packetRouter.ts, vrrp/codec.ts decodeReceived)
   * and matched to this instance's VRID; a decode drop arrives here too, to be counted against this instance.
   * `datagram`: the IPv4 datagram it was decoded from, remembered when accepted so that its repeats can take
   * receiveRepeat's short way; valid during this call only.
   */
  receive(decoded: Decoded<ReceivedAdvert>, meta: VrrpPacketMeta, datagram?: Uint8Array): void {
    // Whatever this packet is, the next one is compared with it only if it is accepted below without notes.
    this.repeat.forget();
    // After shutdown, only a handover still listens (for its successor's advert).
    if (this.stopped && !this.handingOver) return;
    if ('drop' in decoded) return this.dropped(decoded.drop, meta.src);
    const state = this.o.instance.state;
    // keepalived ignores adverts silently in FAULT and INIT (sched.c:1115-1119).
    if (state === 'FAULT' || state === 'INIT') return;
    const verdict = validateAdvert(decoded.ok, this.o.validation);
    if (!verdict.accept) return this.dropped(verdict.reason, decoded.ok.src);
    const fields = decoded.ok.advert;
    // Only configured peers: a spoofed source must not grow this set.
    if (verdict.legacyUnicastChecksum && this.o.route.destinations.includes(decoded.ok.src) && !this.legacyChecksumPeers.has(decoded.ok.src)) {
      // keepalived ≤ 1.3.6 put 224.0.0.18 in the v3 unicast pseudo-header; answer in kind (vrrp.c:1203-1221).
      this.legacyChecksumPeers.add(decoded.ok.src);
      this.o.logger.info(`(${this.name}) Setting unicast VRRPv3 checksum to old version for ${decoded.ok.src}`);
    }
    this.o.metrics?.advertReceived(fields.priority);
    for (const note of verdict.notes) {
      this.o.metrics?.anomaly(note);
      this.rateLog.warn(`note:${note}`, `(${this.name}) advert from ${decoded.ok.src} accepted with ${note}`, this.o.clock.now());
    }
    if (state === 'MASTER' && fields.priority !== 0) this.o.metrics?.splitBrain();
    // The core keeps nothing of the event; its own copy of the fields, so that none points into the socket's buffer.
    const ev: Extract<VrrpEvent, { type: 'advert' }> = {
      type: 'advert',
      src: decoded.ok.src,
      fields: {
        version: fields.version, vrid: fields.vrid, priority: fields.priority, advertIntMs: fields.advertIntMs,
        addresses: fields.addresses, authType: fields.authType,
      },
    };
    if (datagram !== undefined && verdict.notes.length === 0 && !verdict.legacyUnicastChecksum && decoded.ok.ah === undefined) {
      this.repeat.remember(datagram, this.o.validation);
      this.repeatEvent = ev;
    }
    this.dispatch(ev);
  }

  /**
   * The short way for the master's advert heard again (repeatAdvert.ts): buf[start, end) is byte for byte the
   * advert last accepted under the same validation view, but for the IP id and header checksum, so it is valid
   * and means the same; it is counted and fed to the core as that advert was. false: take the full way (receive).
   */
  receiveRepeat(buf: Uint8Array, start: number, end: number): boolean {
    const ev = this.repeatEvent;
    if (ev === null || !this.repeat.matches(buf, start, end, this.o.validation)) return false;
    if (this.stopped && !this.handingOver) return true;
    const state = this.o.instance.state;
    if (state === 'FAULT' || state === 'INIT') return true;
    const priority = ev.fields.priority;
    this.o.metrics?.advertReceived(priority);
    if (state === 'MASTER' && priority !== 0) this.o.metrics?.splitBrain();
    this.dispatch(ev);
    return true;
  }

  /** Reload in place: same virtual router, new parameters (VIPs, priority, timers…); no transition. */
  reconfigure(params: InstanceParams, validation: ValidationView, route: AdvertRoute): void {
    this.o.validation = validation;
    this.o.route = route;
    this.dispatch({ type: 'reconfigure', params });
  }

  holdPreempt(held: boolean): void {
    this.dispatch({ type: 'preemptHold', held });
  }

  fault(reason: string): void {
    this.dispatch({ type: 'fault', reason });
  }

  faultCleared(reason?: string): void {
    this.dispatch({ type: 'faultCleared', reason });
  }

  setPriority(effective: number): void {
    this.dispatch({ type: 'priority', effective });
  }

  /** Forward a sync-group decision (syncGoMaster/syncGoBackup/syncFault/syncFaultCleared). */
  syncEvent(ev: Extract<VrrpEvent, { type: 'syncGoMaster' | 'syncGoBackup' | 'syncFault' | 'syncFaultCleared' }>): void {
    this.dispatch(ev);
  }

  /**
   * Priority-0 advert if MASTER, VIPs removed; resolves when every effect has run.
   *
   * With `handover` (the default for SIGTERM), the core keeps the VIPs of a MASTER after the priority-0 advert
   * until the new master has announced itself (plus a grace for its GARP), bounded by about one
   * Master_Down_Interval (`awaitSuccessor`); this resolves once it has released them.
   */
  async shutdown(opts: { handover?: boolean } = {}): Promise<void> {
    this.dispatch({ type: 'shutdown', handover: opts.handover === true });
    this.stopped = true;
    await this.queue;
    if (this.handingOver) await this.handingOver.done;
    await this.queue;
  }

  /** Resolves when every effect queued so far has run (tests, reload). */
  idle(): Promise<void> {
    return this.queue;
  }

  private dropped(reason: string, src: string | undefined): void {
    this.o.metrics?.drop(reason);
    this.rateLog.warn(`drop:${reason}`, `(${this.name}) dropped advert from ${src ?? '?'}: ${reason}`, this.o.clock.now());
  }

  private dispatch(ev: VrrpEvent): void {
    if (this.stopped && !this.handingOver) return;
    this.o.driver.dispatch(this.name, ev);
  }

  /** Called by the unit driver with this instance's effects, in the order the core produced them. */
  enqueue(effects: readonly VrrpEffect[], eventAtMs: number): void {
    if (effects.length === 0) return;
    // A batch of nothing but adverts (the periodic one) goes on the wire at once, even while an earlier batch
    // still waits for a netlink ACK: the wire must never wait on the OS, or a slow or lost ACK (bounded only by
    // the 5 s netlink timeout) would make a live master silent and its backup take over (split brain). Nothing is
    // reordered within a batch, and an advert-only batch has no effect whose order relative to VIPs matters.
    if (advertsAndLogsOnly(effects)) {
      // Synchronously, without the async execute(): a master's periodic advert is this batch, every interval of
      // every instance, and a Promise with its closures per advert was most of what a master allocated (issue 12).
      try {
        for (const e of effects) {
          if (e.type === 'sendAdvert') this.sendAdvert(e.priority);
          else if (e.type === 'log') this.o.logger.log(e.level, e.message, { instance: this.name });
        }
      } catch (err) {
        this.o.logger.error(`(${this.name}) ${(err as Error).message ?? String(err)}`);
      }
      return;
    }
    this.queue = this.queue
      .then(() => this.execute(effects, eventAtMs))
      .catch((err: unknown) => this.o.logger.error(`(${this.name}) ${(err as Error).message ?? String(err)}`));
  }

  private async execute(effects: readonly VrrpEffect[], eventAtMs: number): Promise<void> {
    // Plugins hear of a transition once its effects have run: at the end of its batch, or at its transitionDone
    // when the batch leaves it open (a commit or a handover still to come).
    let pendingTransition: { from: VrrpState; to: VrrpState; reason: string } | null = null;
    for (const e of effects) {
      switch (e.type) {
        case 'transition':
          if (pendingTransition) this.afterTransition(pendingTransition);
          pendingTransition = e;
          this.o.metrics?.transition(e.from, e.to, e.reason);
          this.takeover = e.to === 'MASTER' ? { timerFiredMs: eventAtMs } : null;
          break;
        case 'transitionDone':
          this.afterTransition(e);
          if (e.to === 'STOP') {
            this.handingOver?.resolve();
            this.handingOver = null;
          }
          break;
        case 'log':
          this.o.logger.log(e.level, e.message, { instance: this.name });
          break;
        case 'sendAdvert':
          this.sendAdvert(e.priority);
          break;
        case 'masterRxLowerPri':
          this.o.hooks?.masterRxLowerPri?.(e.src, e.priority);
          break;
        case 'commitConnections':
          pendingTransition = null;
          this.startCommit(e.id);
          break;
        case 'awaitSuccessor': {
          pendingTransition = null;
          let resolve!: () => void;
          const done = new Promise<void>((r) => (resolve = r));
          this.handingOver = { done, resolve };
          break;
        }
        case 'addVips':
          await this.forEachVip(e.vips, (v) => this.o.io.addVip(v), 'add');
          await this.o.io.addRoutes?.().catch((err: unknown) => this.o.logger.error(`(${this.name}) cannot add virtual routes: ${(err as Error).message}`));
          if (this.takeover) this.takeover.vipsInstalledMs = this.o.clock.now();
          break;
        case 'removeVips':
          await this.o.io.removeRoutes?.().catch((err: unknown) => this.o.logger.error(`(${this.name}) cannot remove virtual routes: ${(err as Error).message}`));
          await this.forEachVip(e.vips, (v) => this.o.io.removeVip(v), 'remove');
          break;
        case 'sendGarp': {
          const sent = this.announce(e.vips, e.count);
          if (this.takeover && sent > 0) {
            const times: TakeoverTimes = { ...this.takeover, firstGarpMs: this.o.clock.now() };
            this.takeover = null;
            this.o.metrics?.takeoverLatency(times);
          }
          break;
        }
      }
    }
    if (pendingTransition) this.afterTransition(pendingTransition);
  }

  private afterTransition(t: { from: VrrpState; to: VrrpState; reason: string }): void {
    this.o.hooks?.afterTransition?.(t.from, t.to, t.reason);
  }

  /**
   * Start the plugins' commit without waiting for it (adverts must go on meanwhile) and report its end to the
   * core, which bounds it (COMMIT_BOUND_MS) and adds the VIPs then. A committer gone since (reload) commits nothing.
   */
  private startCommit(id: number): void {
    const commit = this.o.hooks?.commitConnections;
    const report = (error?: string): void => {
      if (this.takeover) this.takeover.syncCommittedMs = this.o.clock.now();
      this.dispatch({ type: 'connectionsCommitted', id, ...(error !== undefined ? { error } : {}) });
    };
    if (!commit) return report();
    let work: Promise<void>;
    try {
      work = commit();
    } catch (err) {
      work = Promise.reject(err);
    }
    work.then(
      () => report(),
      (err: unknown) => report((err as Error)?.message ?? String(err)),
    );
  }

  private sendAdvert(priority: number): void {
    const p = this.o.instance.params;
    const r = this.o.route;
    // AH: one sequence number per advert, whatever the number of unicast peers (keepalived vrrp_update_pkt).
    const seq = this.o.ah?.nextSendSequence(this.o.instance.state);
    const cache = seq === undefined ? this.cacheFor(p, priority) : null;
    for (const dst of r.destinations) {
      const cached = cache?.get(dst);
      if (cached !== undefined) {
        this.ipId = this.ipId >= 0xffff ? 1 : this.ipId + 1;
        if (r.family === 4) restampIpv4Id(cached, this.ipId);
        try {
          this.o.io.sendPacket(cached, dst);
        } catch (err) {
          this.rateLog.warn(`send:${dst}`, `(${this.name}) cannot send advert to ${dst}: ${(err as Error).message}`, this.o.clock.now());
        }
        continue;
      }
      try {
        this.ipId = this.ipId >= 0xffff ? 1 : this.ipId + 1;
        // Encoded only when the cache has no packet for this destination (the inputs changed): not per advert.
        const fields: AdvertFields = {
          version: p.version,
          vrid: p.vrid,
          priority,
          advertIntMs: p.advertIntMs,
          addresses: p.vips.map((v) => v.address),
          authType: this.o.validation.authType,
          authData: this.o.validation.authData,
        };
        const packet = encodeAdvertPacket(fields, {
          src: r.sourceAddress,
          dst,
          v3ChecksumAsV2: r.v3ChecksumAsV2,
          ...(this.legacyChecksumPeers.has(dst) ? { checksumDst: '224.0.0.18' } : {}),
          id: this.ipId,
          ttl: r.unicast ? r.unicastTtl : 255,
          ...(seq !== undefined ? { ah: { key: this.o.validation.authData, seq, unicast: r.unicast } } : {}),
        });
        cache?.set(dst, packet);
        this.o.io.sendPacket(packet, dst);
      } catch (err) {
        this.rateLog.warn(`send:${dst}`, `(${this.name}) cannot send advert to ${dst}: ${(err as Error).message}`, this.o.clock.now());
      }
    }
    // keepalived counts logical adverts, one per interval, not one per unicast peer (vrrp.c:1705-1761).
    this.o.metrics?.advertSent(priority);
  }

  /** The advert cache for these inputs, emptied when any of them changed. */
  private cacheFor(params: InstanceParams, priority: number): Map<string, Buffer> {
    const c = this.advertCache;
    const r = this.o.route;
    const v = this.o.validation;
    const legacyPeers = this.legacyChecksumPeers.size;
    if (c && c.params === params && c.route === r && c.validation === v && c.priority === priority && c.legacyPeers === legacyPeers) {
      return c.packets;
    }
    this.advertCache = { params, route: r, validation: v, priority, legacyPeers, packets: new Map() };
    return this.advertCache.packets;
  }

  private async forEachVip(vips: readonly Vip[], op: (v: Vip) => Promise<void>, what: string): Promise<void> {
    await Promise.all(
      vips.map((v) =>
        op(v).catch((err: unknown) =>
          this.o.logger.error(`(${this.name}) cannot ${what} VIP ${v.address}/${v.prefixLen}: ${(err as Error).message}`),
        ),
      ),
    );
  }

  private announce(vips: readonly Vip[], count: number): number {
    try {
      const sent = this.o.io.announce(vips, count);
      if (this.o.route.family === 4) this.o.metrics?.garpSent(sent);
      else this.o.metrics?.naSent(sent);
      return sent;
    } catch (err) {
      this.rateLog.warn('garp', `(${this.name}) cannot send gratuitous ARP/NA: ${(err as Error).message}`, this.o.clock.now());
      return 0;
    }
  }
}

/** A batch with nothing but adverts and log lines (the periodic advert): no closure, no Promise to decide it. */
function advertsAndLogsOnly(effects: readonly VrrpEffect[]): boolean {
  for (const e of effects) if (e.type !== 'sendAdvert' && e.type !== 'log') return false;
  return true;
}
