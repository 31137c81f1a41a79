// In-memory VRRP segment + virtual clock for multi-router scenarios (design.md: raft's `network`,
// quinn's `Pair::step`). Adverts travel as real bytes: encodeAdvert + encodeIpv4Packet on send,
// decodeIpv4Advert + validateAdvert on receive, so the codec and validation are exercised end to end.
import { decodeIpv4Advert, encodeAdvert, encodeIpv4Packet } from '../../src/vrrp/codec.js';
import { VRRP_MCAST_V4 } from '../../src/vrrp/constants.js';
import type { DropReason } from '../../src/vrrp/drops.js';
import { VrrpInstance } from '../../src/vrrp/instance.js';
import { VrrpSyncGroup } from '../../src/vrrp/syncGroup.js';
import type { InstanceParams, VrrpEffect, VrrpEvent, VrrpState } from '../../src/vrrp/types.js';
import { validateAdvert, type ValidationView } from '../../src/vrrp/validate.js';
import { advertFields, validationView, type AuthParams } from '../../src/vrrp/views.js';

export interface RouterSpec {
  readonly name: string;
  readonly address: string;
  readonly instances: readonly InstanceParams[];
  /** Names of instances forming one sync group (they must have inSyncGroup: true). */
  readonly syncGroup?: readonly string[];
  /** v2 auth for every instance of this router. */
  readonly auth?: AuthParams;
}

interface Member { inst: VrrpInstance; view: ValidationView; ipId: number }

export interface TraceEntry { readonly atMs: number; readonly router: string; readonly instance: string; readonly effect: VrrpEffect }

class Router {
  alive = true;
  readonly members = new Map<string, Member>();
  group: VrrpSyncGroup | null = null;
  /** VIP addresses currently configured on this router, per instance (from addVips/removeVips). */
  readonly held = new Map<string, Set<string>>();

  constructor(readonly spec: RouterSpec) { this.build(); }

  build(): void {
    this.members.clear();
    for (const p of this.spec.instances) {
      this.members.set(p.name, {
        inst: new VrrpInstance(p), ipId: 0,
        view: validationView(p, { auth: this.spec.auth }),
      });
    }
    const g = this.spec.syncGroup;
    this.group = g ? new VrrpSyncGroup(`${this.spec.name}-group`, g.map((n) => this.members.get(n)!.inst)) : null;
  }

  handle(instance: string, ev: VrrpEvent, nowMs: number): Array<{ instance: string; effect: VrrpEffect }> {
    const m = this.members.get(instance)!;
    if (this.group && this.group.memberNames().includes(instance)) {
      return this.group.handle(instance, ev, nowMs).flatMap((e) => ('instance' in e ? [e] : []));
    }
    return m.inst.handle(ev, nowMs).map((effect) => ({ instance, effect }));
  }

  nextDeadline(): number | null {
    let min: number | null = null;
    for (const m of this.members.values()) {
      const d = m.inst.nextDeadline();
      if (d !== null && (min === null || d < min)) min = d;
    }
    return min;
  }
}

interface InFlight { readonly at: number; readonly seq: number; readonly from: string; readonly to: string; readonly bytes: Buffer }

export class MemoryNetwork {
  nowMs = 0;
  readonly latencyMs: number;
  readonly trace: TraceEntry[] = [];
  readonly drops: Array<{ atMs: number; router: string; reason: DropReason }> = [];
  private readonly routers = new Map<string, Router>();
  private readonly cuts = new Set<string>();
  private queue: InFlight[] = [];
  private seq = 0;
  /** Return true to drop a packet (one-shot or persistent rules, e.g. random loss). */
  dropRule: ((p: { from: string; to: string; bytes: Buffer }) => boolean) | null = null;

  constructor(opts: { latencyMs?: number } = {}) { this.latencyMs = opts.latencyMs ?? 0.2; }

  addRouter(spec: RouterSpec): void {
    if (this.routers.has(spec.name)) throw new Error(`duplicate router ${spec.name}`);
    this.routers.set(spec.name, new Router(spec));
  }

  /** Deliver `startup` to every instance of the router(s). */
  start(...names: string[]): void {
    for (const n of names.length ? names : [...this.routers.keys()]) {
      const r = this.router(n);
      for (const i of r.members.keys()) this.apply(r, r.handle(i, { type: 'startup' }, this.nowMs));
    }
  }

  /** Inject an event into one instance (fault, priority, shutdown …). */
  inject(router: string, instance: string, ev: VrrpEvent): void {
    const r = this.router(router);
    if (r.alive) this.apply(r, r.handle(instance, ev, this.nowMs));
  }

  /** Graceful stop: shutdown to every instance (masters send priority 0). */
  shutdown(router: string): void {
    const r = this.router(router);
    for (const i of r.members.keys()) this.apply(r, r.handle(i, { type: 'shutdown' }, this.nowMs));
    r.alive = false;
  }

  /** kill -9: no priority 0, VIPs vanish with the box. */
  crash(router: string): void {
    const r = this.router(router);
    r.alive = false;
    r.held.clear();
  }

  /** Fresh process on a crashed/stopped router: new instances, startup. */
  restart(router: string, spec?: Partial<RouterSpec>): void {
    const old = this.router(router);
    const r = new Router({ ...old.spec, ...spec });
    this.routers.set(router, r);
    this.start(router);
  }

  cut(a: string, b: string): void { this.cuts.add(`${a}|${b}`); this.cuts.add(`${b}|${a}`); }
  isolate(a: string): void { for (const b of this.routers.keys()) if (b !== a) this.cut(a, b); }
  recover(): void { this.cuts.clear(); }

  state(router: string, instance: string): VrrpState {
    return this.router(router).members.get(instance)!.inst.state;
  }
  instance(router: string, instance: string): VrrpInstance {
    return this.router(router).members.get(instance)!.inst;
  }

  /** Names of live routers where the instance is MASTER. */
  masters(instance: string): string[] {
    return [...this.routers.values()]
      .filter((r) => r.alive && r.members.get(instance)?.inst.state === 'MASTER')
      .map((r) => r.spec.name);
  }
  /** Live routers holding the instance's VIPs. */
  holders(instance: string): string[] {
    return [...this.routers.values()].filter((r) => r.alive && (r.held.get(instance)?.size ?? 0) > 0).map((r) => r.spec.name);
  }

  /** First time at/after `sinceMs` when `router` logged a transition of `instance` to `to`. */
  transitionAt(router: string, instance: string, to: VrrpState, sinceMs = 0): number | null {
    const e = this.trace.find((t) => t.router === router && t.instance === instance && t.atMs >= sinceMs &&
      t.effect.type === 'transition' && t.effect.to === to);
    return e ? e.atMs : null;
  }

  /** Advance virtual time to `untilMs`, jumping from event to event (packet arrival or earliest deadline). */
  runUntil(untilMs: number): void {
    for (let guard = 0; ; guard++) {
      if (guard > 2_000_000) throw new Error('simulation does not progress (deadline not advancing?)');
      const tPkt = this.queue.length ? Math.min(...this.queue.map((p) => p.at)) : Infinity;
      let tDl = Infinity;
      for (const r of this.routers.values()) {
        const d = r.alive ? r.nextDeadline() : null;
        if (d !== null && d < tDl) tDl = d;
      }
      const t = Math.min(tPkt, tDl);
      if (t > untilMs) break;
      if (t < this.nowMs) throw new Error(`time went backwards: ${t} < ${this.nowMs}`);
      this.nowMs = t;
      if (tPkt <= tDl) {
        const due = this.queue.filter((p) => p.at <= t).sort((a, b) => a.seq - b.seq);
        this.queue = this.queue.filter((p) => p.at > t);
        for (const p of due) this.deliver(p);
      } else {
        for (const r of this.routers.values()) {
          if (!r.alive) continue;
          for (const [name, m] of r.members) {
            const d = m.inst.nextDeadline();
            if (d !== null && d <= t) this.apply(r, r.handle(name, { type: 'timeout' }, t));
          }
        }
      }
    }
    this.nowMs = Math.max(this.nowMs, untilMs);
  }
  run(forMs: number): void { this.runUntil(this.nowMs + forMs); }

  private router(name: string): Router {
    const r = this.routers.get(name);
    if (!r) throw new Error(`no router ${name}`);
    return r;
  }

  private apply(r: Router, effects: Array<{ instance: string; effect: VrrpEffect }>): void {
    for (const { instance, effect } of effects) {
      this.trace.push({ atMs: this.nowMs, router: r.spec.name, instance, effect });
      const held = r.held.get(instance) ?? new Set<string>();
      r.held.set(instance, held);
      if (effect.type === 'addVips') for (const v of effect.vips) held.add(v.address);
      if (effect.type === 'removeVips') for (const v of effect.vips) held.delete(v.address);
      if (effect.type === 'sendAdvert') this.send(r, instance, effect.priority);
    }
  }

  private send(r: Router, instance: string, priority: number): void {
    const m = r.members.get(instance)!;
    const p = m.inst.params;
    const fields = advertFields(p, priority, r.spec.auth);
    const dsts = p.unicastPeers.length ? p.unicastPeers : [VRRP_MCAST_V4];
    m.ipId = (m.ipId % 0xffff) + 1; // per-instance id, skipping 0 (keepalived vrrp.c:429-434)
    for (const dst of dsts) {
      const bytes = encodeIpv4Packet({ src: r.spec.address, dst, id: m.ipId, payload: encodeAdvert(fields, { src: r.spec.address, dst }) });
      for (const to of this.routers.values()) {
        if (to === r) continue;
        if (dst !== VRRP_MCAST_V4 && to.spec.address !== dst) continue;
        this.queue.push({ at: this.nowMs + this.latencyMs, seq: this.seq++, from: r.spec.name, to: to.spec.name, bytes });
      }
    }
  }

  private deliver(p: InFlight): void {
    const to = this.router(p.to);
    if (!to.alive || this.cuts.has(`${p.from}|${p.to}`)) return;
    if (this.dropRule?.({ from: p.from, to: p.to, bytes: p.bytes })) return;
    const rx = decodeIpv4Advert(p.bytes);
    if ('drop' in rx) { this.drops.push({ atMs: this.nowMs, router: p.to, reason: rx.drop }); return; }
    // VRID dispatch, as the runner does per socket (keepalived sched.c:1055-1063).
    const target = [...to.members.entries()].find(([, m]) => m.view.vrid === rx.ok.advert.vrid &&
      (m.view.unicast ? !rx.ok.dst.startsWith('224.') : rx.ok.dst.startsWith('224.')));
    if (!target) { this.drops.push({ atMs: this.nowMs, router: p.to, reason: 'unknown_vrid' }); return; }
    const [name, m] = target;
    const v = validateAdvert(rx.ok, m.view);
    if (!v.accept) { this.drops.push({ atMs: this.nowMs, router: p.to, reason: v.reason }); return; }
    this.apply(to, to.handle(name, { type: 'advert', src: rx.ok.src, fields: rx.ok.advert }, this.nowMs));
  }
}
