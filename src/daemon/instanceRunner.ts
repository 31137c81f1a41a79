// The runner of one VRRP instance: it turns received packets into core events (through its unit driver,
// which owns the timer and, for sync groups, the group) and executes the effects the core returns, strictly
// in order: advert → (connection commit) → VIPs → GARP (keepalived vrrp.c:1885-1954). Effects run on one
// serial queue so a slow netlink ACK can never reorder a takeover.
import type { AdvertFields, Decoded, ReceivedAdvert } from '../vrrp/codec.js';
import { encodeAdvertPacket } from '../vrrp/advertPacket.js';
import type { AhSession } from '../vrrp/ahSession.js';
import { validateAdvert, type ValidationView } from '../vrrp/validate.js';
import type { VrrpInstance } from '../vrrp/instance.js';
import type { InstanceParams, Vip, VrrpEffect, VrrpEvent, VrrpState } from '../vrrp/types.js';
import type { VrrpPacketMeta } from '../net/types.js';
import type { InstanceMetrics } from '../metrics/registry.js';
import type { TakeoverTimes } from '../metrics/types.js';
import type { Logger } from '../log/logger.js';
import { RateLimitedLog } from '../log/logger.js';
import type { EffectSink, UnitDriver } from './unitDriver.js';
import { withinMs, type Clock } from '../clock/clock.js';

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
  /** Send one packet (IPv4: whole datagram; IPv6: VRRP message) to dst. */
  sendPacket(packet: Buffer, dst: string): void;
  addVip(vip: Vip): Promise<void>;
  removeVip(vip: Vip): Promise<void>;
  /** keepalived `virtual_routes`: installed after the VIPs, removed before them. Errors are logged by the caller. */
  addRoutes?(): Promise<void>;
  removeRoutes?(): Promise<void>;
  /** Send `count` GARP (IPv4) or unsolicited NA (IPv6) frames for each VIP; returns frames sent. */
  announce(vips: readonly Vip[], count: number): number;
}

export interface RunnerHooks {
  /** Before the VIPs go up on becoming MASTER: commit synced connections (design.md: commit → VIPs → GARP). */
  beforeVipsAdded?(): Promise<void>;
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
  /** Monotonic time and the runner's timers (handover wait, commit bound). */
  readonly clock: Clock;
  readonly metrics?: InstanceMetrics;
  readonly hooks?: RunnerHooks;
  /** The unit (lone instance or sync group) this instance is scheduled in. */
  readonly driver: UnitDriver;
  /** `auth_type AH`: the sequence counter this instance sends with (the daemon screens received adverts with it). */
  readonly ah?: AhSession;
}

/** After the successor's first advert: time for its VIP add and GARP to reach the clients. */
const HANDOVER_GRACE_MS = 30;
/** Upper bound on the connection commit before the VIPs go up anyway (100,000 entries commit in < 0.5 s). */
const COMMIT_BOUND_MS = 10_000;

export class InstanceRunner implements EffectSink {
  private queue: Promise<void> = Promise.resolve();
  private ipId: number;
  private takeover: { timerFiredMs: number; syncCommittedMs?: number; vipsInstalledMs?: number } | null = null;
  private readonly rateLog: RateLimitedLog;
  private stopped = false;
  /** Set while a stopping MASTER waits for its successor (make-before-break, see shutdown()). */
  private handover: { seen: Promise<string>; resolve: (src: string) => void } | null = null;
  /** Unicast peers that verify v3 checksums with the multicast group in the pseudo-header. */
  private readonly legacyChecksumPeers = new Set<string>();

  private readonly o: RunnerOptions;

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
    this.dispatch({ type: 'startup' });
  }

  /**
   * Feed one received packet, decoded once by the packet router (packetRouter.ts, vrrp/codec.ts decodeReceived)
   * and matched to this instance's VRID; a decode drop arrives here too, to be counted against this instance.
   */
  receive(decoded: Decoded<ReceivedAdvert>, meta: VrrpPacketMeta): void {
    if (this.stopped) {
      if (this.handover) this.watchHandover(decoded);
      return;
    }
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
    this.dispatch({ type: 'advert', src: decoded.ok.src, fields });
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

  /** Priority-0 advert if MASTER, VIPs removed; resolves when every effect has run. */
  /**
   * Priority-0 advert if MASTER, VIPs removed; resolves when every effect has run.
   *
   * With `handover` (the default for SIGTERM), a MASTER keeps answering for its VIPs after the priority-0
   * advert until the new master has announced itself (plus a short grace for its GARP), bounded by one
   * Master_Down_Interval: make-before-break instead of keepalived's break-before-make, so a planned stop
   * loses no client packets. RFC 5798 §6.4.3 only asks for the priority-0 advert and leaving MASTER.
   */
  async shutdown(opts: { handover?: boolean } = {}): Promise<void> {
    if (opts.handover && this.o.instance.state === 'MASTER') {
      let resolve!: (src: string) => void;
      const seen = new Promise<string>((r) => (resolve = r));
      this.handover = { seen, resolve };
    }
    this.dispatch({ type: 'shutdown' });
    this.stopped = true;
    await this.queue;
    this.handover = null;
  }

  /** Resolves when every effect queued so far has run (tests, reload). */
  idle(): Promise<void> {
    return this.queue;
  }

  /** While handing over: the first valid advert with a non-zero priority is the new master. */
  private watchHandover(decoded: Decoded<ReceivedAdvert>): void {
    if ('drop' in decoded || decoded.ok.advert.priority === 0) return;
    if (!validateAdvert(decoded.ok, this.o.validation).accept) return;
    this.handover?.resolve(decoded.ok.src);
  }

  private async awaitHandover(): Promise<void> {
    const p = this.o.instance.params;
    // A backup takes over within skew (< one interval) of our priority-0 advert; Master_Down bounds it anyway.
    const maxMs = (p.downTimerAdverts + 1) * p.advertIntMs + 100;
    const src = await withinMs(this.o.clock, maxMs, this.handover!.seen);
    if (src === 'timeout') {
      this.o.logger.info(`(${this.name}) no new master within ${maxMs} ms, releasing VIPs`);
      return;
    }
    // The new master sends its advert first, then (commits connections,) adds the VIPs and sends GARP
    // (keepalived vrrp.c:1885-1954): give it one advert interval, at least HANDOVER_GRACE_MS.
    await this.o.clock.sleep(Math.max(HANDOVER_GRACE_MS, p.advertIntMs));
    this.o.logger.info(`(${this.name}) ${src} took over, releasing VIPs`);
  }

  private dropped(reason: string, src: string | undefined): void {
    this.o.metrics?.drop(reason);
    this.rateLog.warn(`drop:${reason}`, `(${this.name}) dropped advert from ${src ?? '?'}: ${reason}`, this.o.clock.now());
  }

  private dispatch(ev: VrrpEvent): void {
    if (this.stopped) return;
    this.o.driver.dispatch(this.name, ev);
  }

  /** Called by the unit driver with this instance's effects, in the order the core produced them. */
  enqueue(effects: readonly VrrpEffect[], eventAtMs: number): void {
    if (effects.length === 0) return;
    // Adverts never wait behind a takeover still committing connections or waiting for netlink ACKs: a silent
    // master is a dead master to its peers after ~3 intervals (35 ms at 10 ms adverts). Batches with nothing
    // but adverts and logs run at once; everything that touches VIPs keeps its order on the queue.
    if (effects.every((e) => e.type === 'sendAdvert' || e.type === 'log' || e.type === 'masterRxLowerPri')) {
      this.execute(effects, eventAtMs).catch((err: unknown) => this.o.logger.error(`(${this.name}) ${(err as Error).message ?? String(err)}`));
      return;
    }
    // So do the adverts ahead of a batch's first VIP effect (a takeover's first advert; the priority 0 of a
    // master that faults or stops, RFC 5798 §6.4.3): they precede this batch's VIPs either way, and a priority 0
    // held behind a pending commit would cost the backup a Master_Down_Interval instead of the skew.
    const firstVip = effects.findIndex((e) => e.type === 'addVips' || e.type === 'removeVips' || e.type === 'sendGarp');
    const early = effects.filter((e, i) => e.type === 'sendAdvert' && i < firstVip);
    if (early.length) this.execute(early, eventAtMs).catch((err: unknown) => this.o.logger.error(`(${this.name}) ${(err as Error).message ?? String(err)}`));
    const rest = early.length ? effects.filter((e) => !early.includes(e)) : effects;
    this.queue = this.queue
      .then(() => this.execute(rest, eventAtMs))
      .catch((err: unknown) => this.o.logger.error(`(${this.name}) ${(err as Error).message ?? String(err)}`));
  }

  private async execute(effects: readonly VrrpEffect[], eventAtMs: number): Promise<void> {
    let pendingTransition: { from: VrrpState; to: VrrpState; reason: string } | null = null;
    for (const e of effects) {
      switch (e.type) {
        case 'transition':
          if (pendingTransition) this.o.hooks?.afterTransition?.(pendingTransition.from, pendingTransition.to, pendingTransition.reason);
          pendingTransition = e;
          this.o.metrics?.transition(e.from, e.to, e.reason);
          if (e.to === 'MASTER') this.takeover = { timerFiredMs: eventAtMs };
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
        case 'addVips':
          // A batch queued behind a slow one may be stale: never add VIPs we no longer own.
          if (this.o.instance.state !== 'MASTER') {
            this.o.logger.info(`(${this.name}) no longer MASTER, not adding VIPs`);
            this.takeover = null;
            break;
          }
          if (this.takeover && this.o.hooks?.beforeVipsAdded) {
            await this.commitBeforeVips();
            this.takeover.syncCommittedMs = this.o.clock.now();
            if (this.o.instance.state !== 'MASTER') {
              this.o.logger.info(`(${this.name}) lost MASTER while committing connections, not adding VIPs`);
              this.takeover = null;
              break;
            }
          }
          await this.forEachVip(e.vips, (v) => this.o.io.addVip(v), 'add');
          await this.o.io.addRoutes?.().catch((err: unknown) => this.o.logger.error(`(${this.name}) cannot add virtual routes: ${(err as Error).message}`));
          if (this.takeover) this.takeover.vipsInstalledMs = this.o.clock.now();
          break;
        case 'removeVips':
          this.takeover = null;
          if (this.handover) await this.awaitHandover();
          await this.o.io.removeRoutes?.().catch((err: unknown) => this.o.logger.error(`(${this.name}) cannot remove virtual routes: ${(err as Error).message}`));
          await this.forEachVip(e.vips, (v) => this.o.io.removeVip(v), 'remove');
          break;
        case 'sendGarp': {
          if (this.o.instance.state !== 'MASTER') break; // stale: announcing VIPs we gave up would misdirect clients
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
    if (pendingTransition) this.o.hooks?.afterTransition?.(pendingTransition.from, pendingTransition.to, pendingTransition.reason);
  }

  /** The plugins' commit, bounded: a lost netlink ACK must not keep the VIPs down forever. */
  private async commitBeforeVips(): Promise<void> {
    try {
      const r = await withinMs(this.o.clock, COMMIT_BOUND_MS, this.o.hooks!.beforeVipsAdded!().then(() => 'done' as const));
      if (r === 'timeout') this.o.logger.error(`(${this.name}) connection commit still running after ${COMMIT_BOUND_MS} ms; adding the VIPs anyway`);
    } catch (err) {
      this.o.logger.error(`(${this.name}) connection commit failed, adding the VIPs anyway: ${(err as Error).message}`);
    }
  }

  private sendAdvert(priority: number): void {
    const p = this.o.instance.params;
    const r = this.o.route;
    const fields: AdvertFields = {
      version: p.version,
      vrid: p.vrid,
      priority,
      advertIntMs: p.advertIntMs,
      addresses: p.vips.map((v) => v.address),
      authType: this.o.validation.authType,
      authData: this.o.validation.authData,
    };
    // AH: one sequence number per advert, whatever the number of unicast peers (keepalived vrrp_update_pkt).
    const seq = this.o.ah?.nextSendSequence(this.o.instance.state);
    for (const dst of r.destinations) {
      try {
        this.ipId = this.ipId >= 0xffff ? 1 : this.ipId + 1;
        const packet = encodeAdvertPacket(fields, {
          src: r.sourceAddress,
          dst,
          v3ChecksumAsV2: r.v3ChecksumAsV2,
          ...(this.legacyChecksumPeers.has(dst) ? { checksumDst: '224.0.0.18' } : {}),
          id: this.ipId,
          ttl: r.unicast ? r.unicastTtl : 255,
          ...(seq !== undefined ? { ah: { key: this.o.validation.authData, seq, unicast: r.unicast } } : {}),
        });
        this.o.io.sendPacket(packet, dst);
      } catch (err) {
        this.rateLog.warn(`send:${dst}`, `(${this.name}) cannot send advert to ${dst}: ${(err as Error).message}`, this.o.clock.now());
      }
    }
    // keepalived counts logical adverts, one per interval, not one per unicast peer (vrrp.c:1705-1761).
    this.o.metrics?.advertSent(priority);
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
