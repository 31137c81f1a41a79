// A virtual-time network for the sync protocol core: every datagram goes through the real codec (MAC
// included), links can drop a fraction of packets (seeded PRNG) or be cut, and the clock jumps to the next
// deadline across nodes (raft's `network`, quinn's `Pair::step`).
import { decodeMessage, encodeMessage, type SyncMessage } from '../../../src/sync/codec.js';
import { SyncProtocol, type SyncEffect, type SyncEvent, type SyncProtocolConfig } from '../../../src/sync/protocol.js';
import type { ConntrackEntry } from '../../../src/conntrack/types.js';

export const KEY = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');

export function tcpEntry(i: number, state = 3): ConntrackEntry {
  const cport = 10000 + (i % 50000);
  const client = `10.1.${(i >> 16) & 255}.${1 + ((i >> 8) & 255) % 250}`;
  const t = (src: string, dst: string, sp: number, dp: number) => ({ src, dst, proto: 6, srcPort: sp, dstPort: dp, icmpId: 0, icmpType: 0, icmpCode: 0 });
  return {
    family: 4,
    orig: t(client, '10.1.0.100', cport, 80 + (i % 7)),
    reply: t(i % 2 ? '10.2.0.11' : '10.2.0.12', client, 80 + (i % 7), cport),
    status: 0x1ae,
    timeoutS: 432000,
    mark: 0,
    zone: 0,
    tcp: { state, wscaleOrig: 7, wscaleReply: 7 },
  };
}

export class Sim {
  nowMs = 0;
  readonly nodes = new Map<number, SyncProtocol>();
  readonly effects = new Map<number, SyncEffect[]>();
  /** Every datagram that crossed (or tried to cross) the wire, for replay tests. */
  readonly wire: Array<{ from: number; bytes: Buffer }> = [];
  lossRate = 0;
  cut = new Set<number>();
  /** Drop exactly the datagrams this predicate selects (after loss). */
  dropIf: ((m: SyncMessage, from: number) => boolean) | null = null;
  codecDrops: Record<string, number> = {};
  private seed = 12345;
  private readonly queue: Array<{ to: number; bytes: Buffer; at: number }> = [];

  add(cfg: SyncProtocolConfig): SyncProtocol {
    const p = new SyncProtocol(cfg);
    this.nodes.set(cfg.nodeId, p);
    this.effects.set(cfg.nodeId, []);
    this.feed(cfg.nodeId, { type: 'start' });
    return p;
  }

  random(): number {
    // xorshift32: deterministic loss patterns.
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed / 0x100000000;
  }

  feed(id: number, ev: SyncEvent): void {
    const p = this.nodes.get(id)!;
    for (const eff of p.handle(ev, this.nowMs)) {
      this.effects.get(id)!.push(eff);
      if (eff.type === 'send') this.transmit(id, eff.msg);
    }
  }

  transmit(from: number, msg: SyncMessage, key = KEY): void {
    const bytes = encodeMessage(msg, key);
    this.wire.push({ from, bytes });
    if (this.cut.has(from)) return;
    if (this.dropIf?.(msg, from)) return;
    for (const to of this.nodes.keys()) {
      if (to === from || this.cut.has(to)) continue;
      if (this.lossRate > 0 && this.random() < this.lossRate) continue;
      this.queue.push({ to, bytes, at: this.nowMs + 1 });
    }
  }

  /** Deliver raw bytes to a node as the shell would: decode (MAC) then feed. */
  inject(to: number, bytes: Buffer, key = KEY): void {
    const m = decodeMessage(bytes, key);
    if ('drop' in m) {
      this.codecDrops[m.drop] = (this.codecDrops[m.drop] ?? 0) + 1;
      return;
    }
    this.feed(to, { type: 'received', msg: m });
  }

  /** Advance virtual time to `untilMs`, delivering datagrams and firing deadlines in order. */
  run(untilMs: number): void {
    for (let guard = 0; guard < 10_000_000; guard++) {
      let next = Infinity;
      for (const q of this.queue) next = Math.min(next, q.at);
      for (const p of this.nodes.values()) {
        const d = p.nextDeadline();
        if (d !== null) next = Math.min(next, d);
      }
      if (next > untilMs) {
        this.nowMs = untilMs;
        return;
      }
      this.nowMs = Math.max(this.nowMs, next);
      const due = this.queue.filter((q) => q.at <= this.nowMs);
      for (const q of due) this.queue.splice(this.queue.indexOf(q), 1);
      for (const q of due) this.inject(q.to, q.bytes);
      for (const [id, p] of this.nodes) {
        const d = p.nextDeadline();
        if (d !== null && d <= this.nowMs) this.feed(id, { type: 'timeout' });
      }
    }
    throw new Error('sim: no progress (deadline loop)');
  }
}

/** Sorted keys of a table, to compare caches. */
export function keysOf(entries: Iterable<ConntrackEntry>): string[] {
  return [...entries].map((e) => `${e.orig.src}:${e.orig.srcPort}>${e.orig.dst}:${e.orig.dstPort}/${e.tcp?.state}`).sort();
}
