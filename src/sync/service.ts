// The connection-sync shell: kernel (ctnetlink port) + protocol core + UDP channel, and the role API the
// daemon calls. This is the only sync code that arms a timer or touches I/O.
//
// Takeover order (design.md; keepalived #2254/#2414): becomeMaster() commits the external cache into the kernel
// and resolves only then — the daemon adds VIPs and sends GARP after it, so no mid-flow packet meets a kernel
// without the flow's entry and is answered with a RST. Demotion: becomeBackup() stops streaming at once, but
// ages out (PurgeTimeout, conntrackd `-t`) the entries it held as master only after the new master's CONFIRM
// (or confirmTimeoutMs), then rebuilds its external cache from the new master's bulk.
//
// Time: one timer, armed with clock.at() at the earliest of three deadlines: the protocol core's
// nextDeadline(), the demotion purge (confirmTimeoutMs after becomeBackup) and the earliest resync wait (the
// preemption hold's bound, see awaitResync).
import type { Clock, Timer } from '../clock/clock.js';
import type { CommitResult, ConntrackPort } from '../conntrack/client.js';
import type { ConntrackDropReason } from '../conntrack/drops.js';
import { entryKey, type ConntrackEntry } from '../conntrack/types.js';
import { copyRecord, OP_DELETE, readRecord, RECORD_MAX, recordLenAt, sameState } from '../conntrack/record.js';
import { decodeMessage, encodeMessage, type SyncMessage, type SyncRecord } from './codec.js';
import { ReplicationFilter, type SyncFilter } from './filter.js';
import { ConnTable } from './table.js';
import { SyncProtocol, type SyncEffect, type SyncEvent, type SyncProtocolConfig } from './protocol.js';
import type { SyncTransport } from './channel.js';
import { totalSyncDrops, type SyncDropCounts, type SyncDropReason } from './drops.js';

/** Reopening the channel on a re-created interface: attempts, one per FOLLOW_RETRY_MS. */
const FOLLOW_RETRIES = 60;
const FOLLOW_RETRY_MS = 1000;
/** Entries handled per event-loop turn when a kernel dump is applied. */
const APPLY_SLICE = 4096;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface ConnSyncService {
  start(): Promise<void>;
  /** Commit the external cache to the kernel; call BEFORE adding VIPs / sending GARP. */
  becomeMaster(): Promise<{ committed: number; ms: number }>;
  /** Stop streaming; purge what we held only after the new master confirms; resync from it. */
  becomeBackup(): Promise<void>;
  /** For sync-aware preemption: true when a full resync from the current master has completed. */
  resyncComplete(): boolean;
  /**
   * Sync-aware preemption: resolves 'in-sync' when a full resync from the current master completes after this
   * call, or 'timeout' once `timeoutMs` have passed (a deadline of this service, not a poll). An abort resolves
   * it early with 'aborted' and forgets the wait.
   */
  awaitResync(timeoutMs: number, signal?: AbortSignal): Promise<'in-sync' | 'timeout' | 'aborted'>;
  /** The sync interface came up: follow it if it was re-created (new index). */
  followInterface?(): void;
  snapshot(): SyncSnapshot;
  stop(): Promise<void>;
}

/** Field names match src/sync/status.ts SyncView, plus detail for status dumps. */
export interface SyncSnapshot {
  role: 'master' | 'backup';
  /** Entries in the cache that matters for the role: internal as master, external as backup. */
  entries: number;
  internalEntries: number;
  externalEntries: number;
  messagesSent: number;
  messagesReceived: number;
  messagesLost: number;
  messagesResent: number;
  nacksSent: number;
  bulksSent: number;
  bulksReceived: number;
  lastFullResyncAtMs: number | null;
  lastCommitDurationMs: number | null;
  lastCommit: (CommitResult & { ms: number }) | null;
  inSync: boolean;
  peerUp: boolean;
  currentMaster: number | null;
  /**
   * Drop reason → count, from the codec (bad-mac, …) and the protocol (replay, stale-epoch, duplicate, …): every
   * reason of src/sync/drops.ts, 0 included (metrics: vipd_conn_sync_drops_total).
   */
  drops: Record<SyncDropReason, number>;
  /** Kernel messages that did not decode, by reason (src/conntrack/drops.ts), when the port counts them. */
  kernelDrops: Record<ConntrackDropReason, number> | null;
  kernelOverruns: number;
  /** Conntrack events read from the kernel, and those that did not decode (null when the port has no counters). */
  kernelEvents: number | null;
  kernelEventsUndecodable: number | null;
  sendErrors: number;
}

export interface ConnSyncOptions {
  conntrack: ConntrackPort;
  channel: SyncTransport;
  key: Buffer;
  filter: SyncFilter;
  /** Default: the channel's local IPv4 address as a u32 (stable and readable in captures). */
  nodeId?: number;
  /** Default: deciseconds since 2024-01-01, so a restart always has a larger epoch. */
  epoch?: number;
  protocol?: Omit<SyncProtocolConfig, 'nodeId' | 'epoch'>;
  /** Timeout given to committed entries (conntrackd CommitTimeout); default: each entry's own. */
  commitTimeoutS?: number;
  /** Timeout set on entries we stop owning when demoted (conntrackd PurgeTimeout, default 60 s). */
  purgeTimeoutS?: number;
  /** Purge anyway when the new master's CONFIRM does not arrive within this (default 10 s). */
  confirmTimeoutMs?: number;
  log?: (line: string) => void;
  /** Every timer and clock read of the service (RealClock from the composition root, VirtualClock in tests). */
  clock: Clock;
}

export function nodeIdFromAddress(addr: string): number {
  const p = addr.split('.').map(Number);
  if (p.length === 4 && p.every((x) => Number.isInteger(x) && x >= 0 && x < 256)) {
    return (((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0) || 1;
  }
  let h = 2166136261; // FNV-1a for IPv6 literals
  for (const c of addr) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0 || 1;
}

export function defaultEpoch(nowWallMs: number): number {
  return Math.max(1, Math.floor((nowWallMs - Date.UTC(2024, 0, 1)) / 100)) >>> 0;
}

export class ConnSync implements ConnSyncService {
  private readonly core: SyncProtocol;
  private readonly clock: Clock;
  private timer: Timer | null = null;
  private timerAt: number | null = null;
  private started = false;
  private stopped = false;
  private codecDrops: SyncDropCounts = {};
  private lastFullResyncAtMs: number | null = null;
  private lastCommit: (CommitResult & { ms: number }) | null = null;
  private overrunDump: Timer | null = null;
  private followRetry: Timer | null = null;
  private kernelOverruns = 0;
  /** Demoted, waiting for the new master's CONFIRM; what we owned is aged out at the latest at purgeAtMs. */
  private demotion: { purgeAtMs: number; owned: ConntrackEntry[] } | null = null;
  /** Preemption holds waiting for a full resync (see awaitResync), each bounded by its own deadline. */
  private readonly resyncWaits = new Set<{ untilMs: number; done: (r: 'in-sync' | 'timeout' | 'aborted') => void }>();
  private readonly log: (line: string) => void;
  /** Kernel changes of the current burst, as records (see start()). */
  private local = Buffer.alloc(64 * RECORD_MAX);
  private localLen = 0;
  private localCount = 0;
  private resyncChain: Promise<unknown> = Promise.resolve();
  /** Keys changed by kernel events while a dump's view is being applied (see applyKernelView). */
  private readonly touchedSets = new Set<Set<string>>();
  /** Event journals of dumps in progress (see resyncFromKernel). */
  private readonly journals = new Set<SyncRecord[]>();
  /** The block's filter, compiled once for this service (no module-level cache: filter.ts). */
  private readonly filter: ReplicationFilter;

  constructor(private readonly o: ConnSyncOptions) {
    this.filter = new ReplicationFilter(o.filter);
    this.clock = o.clock;
    this.log = o.log ?? (() => undefined);
    this.core = new SyncProtocol({
      ...o.protocol,
      nodeId: o.nodeId ?? nodeIdFromAddress(o.channel.localAddress),
      epoch: o.epoch ?? defaultEpoch(o.clock.wallNow()),
      // The core reads no clock: its wall clock is the monotonic one plus this offset (freshness of peers).
      wallOffsetMs: o.protocol?.wallOffsetMs ?? o.clock.wallNow() - o.clock.now(),
    });
  }

  /** The protocol core (read-only use: tests and status dumps). */
  get protocol(): SyncProtocol {
    return this.core;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.o.conntrack.subscribe({
      onRecord: (_kind, rec, off) => {
        if (!this.filter.acceptsRecord(rec, off)) return;
        if (this.journals.size || this.touchedSets.size) this.noteDuringDump(rec, off);
        // Events come in bursts (one socket read delivers many): hand the core one batch of records per burst,
        // so the per-event cost is the change itself (a copy), not an object, a clock read and a timer check.
        const len = recordLenAt(rec, off);
        if (this.localLen + len > this.local.length) {
          const bigger = Buffer.alloc(this.local.length * 2);
          this.local.copy(bigger, 0, 0, this.localLen);
          this.local = bigger;
        }
        copyRecord(rec, off, this.local, this.localLen, len);
        this.localLen += len;
        if (this.localCount++ === 0) queueMicrotask(() => this.flushLocal());
      },
      onOverrun: () => this.scheduleOverrunDump(),
    });
    await this.resyncFromKernel();
    await this.o.channel.start((data) => this.onDatagram(data));
    this.feed({ type: 'start' });
  }

  /** A dump is running: its journal and touched-key sets need the change as an object (rare, see resyncOnce). */
  private noteDuringDump(rec: Uint8Array, off: number): void {
    const entry = readRecord(rec, off);
    const op = rec[off] === OP_DELETE ? 'delete' : 'upsert';
    for (const j of this.journals) j.push({ op, entry });
    if (this.touchedSets.size) for (const t of this.touchedSets) t.add(entryKey(entry));
  }

  private flushLocal(): void {
    if (this.localCount === 0) return;
    // The core copies each record out before returning, so the burst buffer is reused.
    const ev: SyncEvent = { type: 'localRecords', count: this.localCount, bytes: this.local.subarray(0, this.localLen) };
    this.localCount = 0;
    this.localLen = 0;
    this.feed(ev);
  }

  private onDatagram(data: Buffer): void {
    if (this.stopped) return;
    const m = decodeMessage(data, this.o.key);
    if ('drop' in m) {
      this.codecDrops[m.drop] = (this.codecDrops[m.drop] ?? 0) + 1;
      return;
    }
    // Defence in depth: a peer with a wider filter must not push flows we were told not to own.
    this.feed({ type: 'received', msg: m.type === 'data' ? this.keepReplicated(m) : m });
  }

  /** The DATA message itself when every record passes our filter (the usual case), else a filtered copy. */
  private keepReplicated(m: Extract<SyncMessage, { type: 'data' }>): SyncMessage {
    const kept: Buffer[] = [];
    for (let i = 0, off = 0; i < m.count; i++) {
      const len = recordLenAt(m.bytes, off);
      if (this.filter.acceptsRecord(m.bytes, off)) kept.push(m.bytes.subarray(off, off + len));
      off += len;
    }
    return kept.length === m.count ? m : { ...m, count: kept.length, bytes: Buffer.concat(kept) };
  }

  private scheduleOverrunDump(): void {
    this.kernelOverruns++;
    this.log(`conntrack sync: kernel event overrun (${this.kernelOverruns}): resyncing from a dump`);
    if (this.overrunDump) return;
    // conntrackd NetlinkOverrunResync: events were lost, so the internal cache is rebuilt from a full dump.
    this.overrunDump = this.clock.after(10, () => {
      this.overrunDump = null;
      this.resyncFromKernel().catch((err) => this.log(`conntrack sync: resync dump after overrun failed: ${String(err)}`));
    });
  }

  /**
   * Rebuild the internal cache from a full dump. Events that arrive while the dump runs are journaled and
   * applied on top: a dump walks the hash table while flows keep coming, so it can miss entries inserted into
   * buckets it already visited, and it may return an entry that an event has since deleted. Serialised: an
   * overrun during a takeover's dump queues a second one.
   */
  private resyncFromKernel(): Promise<void> {
    const run = (): Promise<void> => this.resyncOnce();
    const p = this.resyncChain.then(run, run);
    this.resyncChain = p.catch(() => undefined);
    return p;
  }

  private async resyncOnce(): Promise<void> {
    const journal: SyncRecord[] = [];
    this.journals.add(journal);
    let dumped: ConntrackEntry[];
    const t0 = this.clock.now();
    try {
      dumped = await this.o.conntrack.dump();
    } finally {
      this.journals.delete(journal);
    }
    // From here on, events win over the dump: their keys are skipped when the view is applied.
    const touched = new Set<string>();
    this.touchedSets.add(touched);
    try {
      this.log(`conntrack sync: kernel dump of ${dumped.length} entries in ${(this.clock.now() - t0).toFixed(0)} ms (${journal.length} events meanwhile)`);
      const view = new ConnTable();
      for (let i = 0; i < dumped.length; i++) {
        const e = dumped[i]!;
        if (this.filter.accepts(e)) view.upsert(e);
        if ((i + 1) % APPLY_SLICE === 0) await nextTurn();
      }
      for (const j of journal) {
        if (j.op === 'upsert') view.upsert(j.entry);
        else view.delete(j.entry);
      }
      await this.applyKernelView(view, touched);
    } finally {
      this.touchedSets.delete(touched);
    }
  }

  /**
   * Make the internal cache equal to a kernel view, in slices of APPLY_SLICE entries per event-loop turn (a
   * 100,000-entry diff in one go would hold the loop for a VRRP advert interval and more). Only differences go
   * to the core, as ordinary changes: as master they stream to the backups (after an event overrun that is the
   * handful of lost events, not a bulk); as backup they only update the cache. Keys touched by an event since
   * the dump are left alone: the event is newer than the view.
   */
  private async applyKernelView(view: ConnTable, touched: ReadonlySet<string>): Promise<void> {
    const internal = this.core.internal;
    const gone: SyncRecord[] = [];
    for (let s = 0; s < internal.slotLimit; s++) {
      if (internal.live(s) && view.find(internal.bufferOf(s), internal.offsetOf(s)) === -1) gone.push({ op: 'delete', entry: internal.entryAt(s) });
      if ((s + 1) % APPLY_SLICE === 0) await nextTurn();
    }
    for (let i = 0; i < gone.length; i += APPLY_SLICE) {
      const slice = gone.slice(i, i + APPLY_SLICE).filter((r) => !touched.has(entryKey(r.entry)));
      if (this.stopped) return;
      if (slice.length) this.feed({ type: 'localMany', changes: slice });
      await nextTurn();
    }
    let changes: SyncRecord[] = [];
    for (let s = 0; s < view.slotLimit; s++) {
      if (view.live(s)) {
        const [vb, vo] = [view.bufferOf(s), view.offsetOf(s)];
        const old = internal.find(vb, vo);
        if (old === -1 || !sameState(internal.bufferOf(old), internal.offsetOf(old), vb, vo)) {
          const e = view.entryAt(s);
          if (!touched.has(entryKey(e))) changes.push({ op: 'upsert', entry: e });
        }
      }
      if ((s + 1) % APPLY_SLICE === 0) {
        if (this.stopped) return;
        if (changes.length) this.feed({ type: 'localMany', changes });
        changes = [];
        await nextTurn();
      }
    }
    if (changes.length && !this.stopped) this.feed({ type: 'localMany', changes });
  }

  private feed(ev: SyncEvent): void {
    if (this.stopped) return;
    // Kernel changes still queued happened before whatever this is: the core sees them first.
    if (ev.type !== 'localRecords' && this.localCount > 0) this.flushLocal();
    this.execute(this.core.handle(ev, this.clock.now()));
    this.arm();
  }

  private execute(effects: SyncEffect[]): void {
    for (const eff of effects) {
      switch (eff.type) {
        case 'send':
          this.o.channel.send(encodeMessage(eff.msg, this.o.key));
          break;
        case 'resynced':
          this.lastFullResyncAtMs = this.clock.wallNow();
          this.log(`conntrack sync: full resync from ${eff.masterId} complete (${this.core.external.size} entries)`);
          for (const w of [...this.resyncWaits]) w.done('in-sync');
          break;
        case 'masterConfirmed':
          this.log(`conntrack sync: ${eff.masterId} confirmed takeover (${eff.committed} entries committed)`);
          if (this.demotion) this.purgeOwned();
          break;
      }
    }
  }

  /** The earliest of the core's deadline, the demotion purge and the resync waits. */
  private nextDeadline(): number | null {
    let d = this.core.nextDeadline();
    const consider = (t: number): void => void (d = d === null ? t : Math.min(d, t));
    if (this.demotion) consider(this.demotion.purgeAtMs);
    for (const w of this.resyncWaits) consider(w.untilMs);
    return d;
  }

  private arm(): void {
    const d = this.stopped ? null : this.nextDeadline();
    if (d === this.timerAt) return;
    this.timer?.cancel();
    this.timer = null;
    this.timerAt = d;
    if (d === null) return;
    this.timer = this.clock.at(d, () => {
      this.timer = null;
      this.timerAt = null;
      this.onDeadline();
    });
  }

  /** Whichever deadlines are due: the purge and the resync waits here, the core's through a timeout event. */
  private onDeadline(): void {
    const now = this.clock.now();
    if (this.demotion && now >= this.demotion.purgeAtMs) this.purgeOwned();
    for (const w of [...this.resyncWaits]) if (now >= w.untilMs) w.done('timeout');
    const core = this.core.nextDeadline();
    if (core !== null && core <= now) this.feed({ type: 'timeout' });
    else this.arm();
  }

  awaitResync(timeoutMs: number, signal?: AbortSignal): Promise<'in-sync' | 'timeout' | 'aborted'> {
    if (this.stopped || signal?.aborted) return Promise.resolve('aborted');
    return new Promise((resolve) => {
      const wait = {
        untilMs: this.clock.now() + timeoutMs,
        done: (r: 'in-sync' | 'timeout' | 'aborted') => {
          if (!this.resyncWaits.delete(wait)) return;
          signal?.removeEventListener('abort', onAbort);
          resolve(r);
        },
      };
      const onAbort = (): void => {
        wait.done('aborted');
        this.arm();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.resyncWaits.add(wait);
      this.arm();
    });
  }

  async becomeMaster(): Promise<{ committed: number; ms: number }> {
    const t0 = this.clock.now();
    if (this.demotion) {
      this.demotion = null;
      this.arm();
    }
    // Walked lazily while the commit runs: the port sends a window, awaits the kernel, takes the next, so
    // filtering and encoding are spread over the commit's own round trips instead of one long loop before it.
    const filter = this.filter;
    const external = this.core.external;
    function* replicated(): Generator<number> {
      for (let s = 0; s < external.slotLimit; s++) {
        if (external.live(s) && filter.acceptsRecord(external.bufferOf(s), external.offsetOf(s))) yield s;
      }
    }
    // Our own kernel reports every committed entry back as an event; reading 100,000 of them would compete
    // with the commit, and the dump right after the commit covers them anyway.
    this.o.conntrack.pauseEvents?.(true);
    // The old master's stream may still change the cache while the commit walks it: a new entry must not take a
    // freed slot behind the walk (it would never be committed), nor a slot the commit still refers to.
    const releaseSlots = external.holdSlots();
    let res: CommitResult;
    try {
      res = await this.o.conntrack.commitRecords(external, replicated(), { timeoutS: this.o.commitTimeoutS });
    } finally {
      releaseSlots();
      this.o.conntrack.pauseEvents?.(false);
    }
    const ms = this.clock.now() - t0;
    this.lastCommit = { ...res, ms };
    const committed = res.created + res.updated;
    this.log(`conntrack sync: committed ${committed} entries in ${ms.toFixed(1)} ms` + (res.failed ? ` (${res.failed} failed: ${JSON.stringify(res.errors)})` : ''));
    // The kernel now holds the committed flows: our stream (and the bulk to the backups) starts from them. The
    // external cache becomes the internal one in O(what we held before); the dump below corrects the rest.
    this.flushLocal();
    this.core.adoptExternal();
    this.feed({ type: 'role', role: 'master', committed });
    this.resyncFromKernel().catch((err) => this.log(`conntrack sync: dump after takeover failed: ${String(err)}`));
    return { committed, ms };
  }

  async becomeBackup(): Promise<void> {
    if (this.core.snapshot(this.clock.now()).role === 'backup' && !this.demotion) {
      this.feed({ type: 'role', role: 'backup' });
      return;
    }
    const owned = [...this.core.internal.entries()];
    this.demotion = { purgeAtMs: this.clock.now() + (this.o.confirmTimeoutMs ?? 10_000), owned };
    this.feed({ type: 'role', role: 'backup' });
  }

  /** conntrackd `-t`: let the flows we no longer carry expire soon instead of lingering for days. */
  private purgeOwned(): void {
    const d = this.demotion;
    if (!d) return;
    this.demotion = null;
    this.o.conntrack.setTimeouts(d.owned, this.o.purgeTimeoutS ?? 60).then(
      (r) => this.log(`conntrack sync: aged out ${r.updated} entries we no longer own`),
      (err) => this.log(`conntrack sync: purge failed: ${String(err)}`),
    );
  }

  resyncComplete(): boolean {
    return this.core.resyncComplete(this.clock.now());
  }

  /**
   * See SyncTransport.followInterface: after the sync interface came back (possibly re-created). When the new
   * interface is not usable yet (its address comes a moment after the link), try again every second for a minute.
   */
  followInterface(attempt = 0): void {
    this.followRetry?.cancel();
    this.followRetry = null;
    if (this.stopped) return;
    try {
      if (this.o.channel.followInterface?.()) this.log(`conntrack sync: interface re-created: channel reopened on it`);
    } catch (err) {
      if (attempt === 0) this.log(`conntrack sync: cannot reopen the channel on the re-created interface yet: ${String(err)}`);
      if (attempt < FOLLOW_RETRIES) {
        this.followRetry = this.clock.after(FOLLOW_RETRY_MS, () => this.followInterface(attempt + 1));
      } else {
        this.log(`conntrack sync: channel still not reopened after ${FOLLOW_RETRIES} attempts: ${String(err)}`);
      }
    }
  }

  snapshot(): SyncSnapshot {
    const s = this.core.snapshot(this.clock.now());
    const drops = totalSyncDrops(s.counters.drops, this.codecDrops);
    const kernelDrops = this.o.conntrack.stats?.drops;
    return {
      role: s.role,
      entries: s.role === 'master' ? s.internalEntries : s.externalEntries,
      internalEntries: s.internalEntries,
      externalEntries: s.externalEntries,
      messagesSent: s.counters.sent,
      messagesReceived: s.counters.received,
      messagesLost: s.counters.lost,
      messagesResent: s.counters.resent,
      nacksSent: s.counters.nacksSent,
      bulksSent: s.counters.bulksSent,
      bulksReceived: s.counters.bulksReceived,
      lastFullResyncAtMs: this.lastFullResyncAtMs,
      lastCommitDurationMs: this.lastCommit?.ms ?? null,
      lastCommit: this.lastCommit,
      inSync: s.inSync,
      peerUp: s.role === 'master' || (s.currentMaster !== null && !s.masterStale),
      currentMaster: s.currentMaster,
      drops,
      kernelDrops: kernelDrops ? { ...kernelDrops } : null,
      kernelOverruns: this.kernelOverruns,
      kernelEvents: this.o.conntrack.stats?.eventsReceived ?? null,
      kernelEventsUndecodable: this.o.conntrack.stats?.eventsDropped ?? null,
      sendErrors: this.o.channel.stats.sendErrors,
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.timer?.cancel();
    this.overrunDump?.cancel();
    this.followRetry?.cancel();
    this.demotion = null;
    for (const w of [...this.resyncWaits]) w.done('aborted');
    await this.o.channel.close();
    this.o.conntrack.close();
  }
}
