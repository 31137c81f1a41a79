// Multi-router VRRP scenarios on virtual time, run by the REAL shell: every router is a MemoryOs host (the
// in-memory OS twin of test/unit/daemon) whose instances are InstanceRunners scheduled by UnitDrivers, exactly as
// the daemon wires them (shared socket per group, VRID dispatch, Announcer for GARP/NA, address watch → vipRemoved),
// all on one VirtualClock. Adverts travel as real bytes (runner encode → VirtualSegment → runner decode + validate),
// so the codec, validation, the core's failover rules and the runner's execution all run in every scenario.
import { VirtualClock } from '../../src/clock/virtualClock.js';
import { Announcer } from '../../src/daemon/announcer.js';
import { InstanceRunner, type AdvertRoute } from '../../src/daemon/instanceRunner.js';
import { decodeReceived } from '../../src/vrrp/codec.js';
import type { Logger, LogLevel } from '../../src/log/logger.js';
import { UnitDriver, groupUnit, soloUnit } from '../../src/daemon/unitDriver.js';
import type { InstanceMetrics } from '../../src/metrics/registry.js';
import type { LinkInfo } from '../../src/net/rtnetlink.js';
import type { VrrpPacketMeta, VrrpTransport } from '../../src/net/types.js';
import { VRRP_MCAST_V4 } from '../../src/vrrp/constants.js';
import { VrrpInstance } from '../../src/vrrp/instance.js';
import { VrrpSyncGroup } from '../../src/vrrp/syncGroup.js';
import type { InstanceParams, Vip, VrrpEffect, VrrpEvent, VrrpState } from '../../src/vrrp/types.js';
import { validationView, type AuthParams } from '../../src/vrrp/views.js';
import { MemoryOs } from '../unit/daemon/memoryOs.js';
import { VirtualSegment } from './virtualSegment.js';

export interface RouterSpec {
  readonly name: string;
  readonly address: string;
  readonly instances: readonly InstanceParams[];
  /** Names of instances forming one sync group (they must have inSyncGroup: true). */
  readonly syncGroup?: readonly string[];
  /** v2 auth for every instance of this router. */
  readonly auth?: AuthParams;
  /** A connection committer (connection sync's place): awaited on takeover before the VIPs go up. */
  readonly commit?: (instance: string) => Promise<void>;
}

export interface TraceEntry { readonly atMs: number; readonly router: string; readonly instance: string; readonly effect: VrrpEffect }
export interface LogEntry { readonly atMs: number; readonly router: string; readonly level: LogLevel; readonly message: string }

const IFNAME = 'eth0';

class Router {
  readonly os: MemoryOs;
  readonly runners = new Map<string, InstanceRunner>();
  readonly instances = new Map<string, VrrpInstance>();
  private readonly drivers = new Set<UnitDriver>();
  crashed = false;
  /** Resolves once every instance has stopped (priority 0 sent, VIPs released). */
  stopped: Promise<void> | null = null;

  constructor(readonly spec: RouterSpec, private readonly net: MemoryNetwork, segment: VirtualSegment) {
    this.os = new MemoryOs({ host: spec.name, segment, links: [{ name: IFNAME, ifindex: 2, addresses: [`${spec.address}/24`] }] });
  }

  async build(): Promise<void> {
    const [link] = (await this.os.listLinks()) as [LinkInfo];
    const logger = this.net.loggerFor(this.spec.name);
    const announcer = new Announcer(this.os, logger, this.net.clock);
    for (const p of this.spec.instances) this.instances.set(p.name, new VrrpInstance(p));
    const group = this.spec.syncGroup;
    const groupDriver = group
      ? new UnitDriver(groupUnit(new VrrpSyncGroup(`${this.spec.name}-group`, group.map((n) => this.instances.get(n)!))), this.net.clock, logger)
      : null;
    const sockets = new Map<string, { transport: VrrpTransport; byVrid: Map<number, InstanceRunner> }>();
    for (const p of this.spec.instances) {
      const instance = this.instances.get(p.name)!;
      const driver = group?.includes(p.name) ? groupDriver! : new UnitDriver(soloUnit(instance), this.net.clock, logger);
      this.drivers.add(driver);
      const route = advertRoute(p);
      const key = route.unicast ? `u:${p.sourceAddress}` : `m:${VRRP_MCAST_V4}`;
      let socket = sockets.get(key);
      if (!socket) {
        const transport = this.os.openVrrp({ family: 4, ifname: IFNAME, unicast: route.unicast, group: VRRP_MCAST_V4, ...(route.unicast ? { src: p.sourceAddress } : {}) });
        const byVrid = new Map<number, InstanceRunner>();
        transport.onPacket((packet, meta) => this.dispatch(byVrid, packet, meta));
        socket = { transport, byVrid };
        sockets.set(key, socket);
      }
      const { transport } = socket;
      const commit = this.spec.commit;
      const runner = new InstanceRunner({
        instance, ifname: IFNAME, route, driver, logger, clock: this.net.clock,
        validation: validationView(p, { auth: this.spec.auth }),
        metrics: this.net.metricsFor(this.spec.name, p),
        ...(commit ? { hooks: { commitConnections: () => commit(p.name) } } : {}),
        io: {
          sendPacket: (packet, dst) => transport.send(packet, dst),
          addVip: async (vip) => void (await this.os.addAddress(addressSpec(vip))),
          removeVip: async (vip) => void (await this.os.removeAddress(addressSpec(vip))),
          announce: (vips, count) => announcer.announce(vips, count, link, [link]),
        },
      });
      // Tap the effect stream between the driver and the runner: the trace is what the runner was told to do.
      driver.attach({ name: p.name, enqueue: (fx, atMs) => (this.net.traced(this.spec.name, p.name, fx, atMs), runner.enqueue(fx, atMs)) });
      this.runners.set(p.name, runner);
      socket.byVrid.set(p.vrid, runner);
    }
    // The daemon's address watch: a VIP of ours deleted on its interface goes to the core as vipRemoved.
    this.os.watchAddresses((ev) => {
      if (ev.kind !== 'del' || ev.address.ifindex !== link.ifindex) return;
      for (const [name, inst] of this.instances) {
        if (allVips(inst.params).some((v) => v.address === ev.address.address)) this.runners.get(name)!.vipRemoved(ev.address.address);
      }
    });
    for (const r of this.runners.values()) r.start();
  }

  /** VRID dispatch per socket, as the daemon's (keepalived sched.c:1055-1063); unknown VRIDs are counted. */
  private dispatch(byVrid: Map<number, InstanceRunner>, packet: Buffer, meta: VrrpPacketMeta): void {
    // Decoded once, as the daemon's packet router does (src/daemon/packetRouter.ts).
    const { vrid, decoded } = decodeReceived(packet, 4, meta);
    const runner = vrid === null ? undefined : byVrid.get(vrid);
    if (!runner) this.net.drops.push({ atMs: this.net.nowMs, router: this.spec.name, reason: 'unknown_vrid' });
    else runner.receive(decoded, meta);
  }

  stop(handover: boolean): void {
    this.stopped = Promise.all([...this.runners.values()].map((r) => r.shutdown({ handover }))).then(() => this.close());
  }

  /** kill -9: nothing more is sent or run, and the VIPs vanish with the box. */
  crash(): void {
    this.crashed = true;
    this.close();
  }

  private close(): void {
    for (const d of this.drivers) d.stop();
    this.os.close();
  }
}

export class MemoryNetwork {
  readonly clock = new VirtualClock(0);
  readonly trace: TraceEntry[] = [];
  readonly logs: LogEntry[] = [];
  readonly drops: Array<{ atMs: number; router: string; reason: string }> = [];
  readonly segment: VirtualSegment;
  /** Return true to drop a packet (one-shot or persistent rules, e.g. random loss). */
  dropRule: ((p: { from: string; to: string; bytes: Buffer }) => boolean) | null = null;
  private readonly routers = new Map<string, Router>();
  private readonly specs = new Map<string, RouterSpec>();
  private readonly cuts = new Set<string>();

  constructor(opts: { latencyMs?: number } = {}) {
    this.segment = new VirtualSegment(this.clock, opts.latencyMs ?? 0.2, (p) =>
      this.cuts.has(`${p.from}|${p.to}`) || (this.dropRule?.({ from: p.from, to: p.to, bytes: p.packet }) ?? false));
  }

  get nowMs(): number {
    return this.clock.now();
  }

  addRouter(spec: RouterSpec): void {
    if (this.specs.has(spec.name)) throw new Error(`duplicate router ${spec.name}`);
    this.specs.set(spec.name, spec);
  }

  /** Boot the router(s): build hosts, runners and drivers, and start every instance. */
  async start(...names: string[]): Promise<void> {
    for (const n of names.length ? names : [...this.specs.keys()]) {
      const r = new Router(this.specs.get(n)!, this, this.segment);
      this.routers.set(n, r);
      await r.build();
    }
  }

  /** Tell one instance something its shell would (fault, faultCleared, priority, preemptHold). */
  inject(router: string, instance: string, ev: VrrpEvent): void {
    const r = this.router(router);
    const runner = r.runners.get(instance)!;
    if (r.crashed) return;
    switch (ev.type) {
      case 'fault': return runner.fault(ev.reason);
      case 'faultCleared': return runner.faultCleared(ev.reason);
      case 'priority': return runner.setPriority(ev.effective);
      case 'preemptHold': return runner.holdPreempt(ev.held);
      default: throw new Error(`sim: no shell path injects '${ev.type}'`);
    }
  }

  /** Graceful stop (SIGTERM): masters send priority 0; with handover they keep the VIPs until a successor shows. */
  shutdown(router: string, opts: { handover?: boolean } = {}): void {
    this.router(router).stop(opts.handover === true);
  }

  /** Resolves when a router's graceful stop has finished (every VIP released, sockets closed). */
  stopped(router: string): Promise<void> {
    return this.router(router).stopped ?? Promise.reject(new Error(`${router} is not stopping`));
  }

  crash(router: string): void {
    this.router(router).crash();
  }

  /** Fresh process on a crashed or stopped router: new host state, new instances, startup. */
  async restart(router: string, spec?: Partial<RouterSpec>): Promise<void> {
    this.specs.set(router, { ...this.specs.get(router)!, ...spec });
    await this.start(router);
  }

  cut(a: string, b: string): void { this.cuts.add(`${a}|${b}`); this.cuts.add(`${b}|${a}`); }
  isolate(a: string): void { for (const b of this.specs.keys()) if (b !== a) this.cut(a, b); }
  recover(): void { this.cuts.clear(); }

  state(router: string, instance: string): VrrpState {
    return this.instance(router, instance).state;
  }
  instance(router: string, instance: string): VrrpInstance {
    return this.router(router).instances.get(instance)!;
  }
  host(router: string): MemoryOs {
    return this.router(router).os;
  }

  /** Names of running routers where the instance is MASTER. */
  masters(instance: string): string[] {
    return [...this.routers.values()]
      .filter((r) => !r.crashed && r.instances.get(instance)?.state === 'MASTER')
      .map((r) => r.spec.name);
  }
  /** Routers (not crashed) whose interface carries one of the instance's VIPs. */
  holders(instance: string): string[] {
    return [...this.routers.values()].filter((r) => !r.crashed && this.holds(r, instance)).map((r) => r.spec.name);
  }

  /** First time at/after `sinceMs` when `router` logged a transition of `instance` to `to`. */
  transitionAt(router: string, instance: string, to: VrrpState, sinceMs = 0): number | null {
    const e = this.trace.find((t) => t.router === router && t.instance === instance && t.atMs >= sinceMs &&
      t.effect.type === 'transition' && t.effect.to === to);
    return e ? e.atMs : null;
  }

  /** Advance virtual time to `untilMs`; every timer, packet and runner step due on the way runs at its instant. */
  async runUntil(untilMs: number): Promise<void> {
    await this.clock.advanceAsync(Math.max(0, untilMs - this.clock.now()));
  }
  run(forMs: number): Promise<void> { return this.runUntil(this.nowMs + forMs); }

  /** @internal */
  traced(router: string, instance: string, effects: readonly VrrpEffect[], atMs: number): void {
    for (const effect of effects) this.trace.push({ atMs, router, instance, effect });
  }

  /** @internal */
  loggerFor(router: string): Logger {
    const log = (level: LogLevel, message: string): void => void this.logs.push({ atMs: this.nowMs, router, level, message });
    return { log, debug: (m) => log('debug', m), info: (m) => log('info', m), warn: (m) => log('warn', m), error: (m) => log('error', m) };
  }

  /** @internal Only drops are recorded; every other figure is the metrics layer's business. */
  metricsFor(router: string, p: InstanceParams): InstanceMetrics {
    const none = (): void => undefined;
    return {
      key: { name: p.name, ifname: IFNAME, vrid: p.vrid },
      drop: (reason) => void this.drops.push({ atMs: this.nowMs, router, reason }),
      advertSent: none, advertReceived: none, transition: none, anomaly: none, garpSent: none, naSent: none, takeoverLatency: none, splitBrain: none,
    };
  }

  private holds(r: Router, instance: string): boolean {
    const p = r.instances.get(instance)?.params;
    const held = new Set(r.os.vips().map((cidr) => cidr.split('/')[0]));
    return p !== undefined && allVips(p).some((v) => held.has(v.address));
  }

  private router(name: string): Router {
    const r = this.routers.get(name);
    if (!r) throw new Error(`no router ${name}`);
    return r;
  }
}

function allVips(p: InstanceParams): Vip[] {
  return [...p.vips, ...p.excludedVips];
}

function advertRoute(p: InstanceParams): AdvertRoute {
  const unicast = p.unicastPeers.length > 0;
  return { family: 4, sourceAddress: p.sourceAddress, destinations: unicast ? p.unicastPeers : [VRRP_MCAST_V4], unicast, unicastTtl: 255, v3ChecksumAsV2: false };
}

function addressSpec(vip: Vip) {
  return { ifindex: 2, address: vip.address, prefixLen: vip.prefixLen };
}
