// The nftables data plane (issue 11; lvs.md §7): the DataPlane port (model.ts) on vipd's own nftables table,
// for kernels without IPVS. It keeps its own model of the table (services with their real servers sorted by
// destId), turns each apply() batch into the commands of the services it touches (ruleset.ts) and commits them
// as ONE libnftables transaction: either the whole batch takes effect or none of it. A refused batch is retried
// service by service so that one bad service does not block the others.
// Health semantics like IPVS (lvs.md §0.7, §7.3): weight 0 leaves a server out of the scheduler (conntrack keeps
// its flows); a deleted server is removed AND its conntrack entries are deleted, as IPVS drops its connections.
// lvs_method DR services live in a netdev table of their own (dr.ts), hooked on the director's links
// (drTopology.ts); the same transaction carries both tables' commands.
import type { Clock } from '../../clock/clock.js';
import { CtNetlink } from '../../conntrack/client.js';
import type { ConntrackEntry } from '../../conntrack/types.js';
import { VipdError } from '../../errors/vipdError.js';
import type { ApplyResult, ConnectionCounts, DataPlane, DataPlaneCounters, DestSpec, LvsOp, ReadTable, ServiceKey, ServiceSpec } from '../model.js';
import { destId, serviceId } from '../model.js';
import { LibNftables, type NftRunner } from './libnft.js';
import { countSetElements, drConnectionCounts, NatConnTally } from './connCount.js';
import { drTableRef } from './dr.js';
import { entryOfDest } from './entryOfDest.js';
import { DrLinks, type DrChange } from './drLinks.js';
import type { DrTopology } from './drTopology.js';
import { NFT_DROP_REASONS, readTableFromJson, type NftDropReason } from './readback.js';
import { drOptions, isDrService, serviceTransition, skeletonCommands, tableRef, type RulesetOptions, type ServiceState } from './ruleset.js';
import { nftDrFits, nftSupports, nftSupportsForward } from './schedulers.js';

/** What the plane needs from conntrack: delete the entries a predicate selects (CtNetlink.flush). */
export interface ConntrackFlusher {
  flush(select: (e: ConntrackEntry) => boolean): Promise<unknown>;
  close(): void;
}

/** What the connection count needs from conntrack: the table streamed an entry at a time (CtNetlink.dumpEach). */
export interface ConntrackWalker {
  dumpEach(each: (e: ConntrackEntry) => void): Promise<void>;
  close(): void;
}

/**
 * A count is not redone before COUNT_SPACING × its last duration has passed: at most a tenth of the time goes
 * to counting however often metrics are scraped (100,000 DR flows take seconds to list: bench/RESULTS.md).
 */
export const COUNT_SPACING = 10;

/** Conntrack dump datagrams (~140 entries each) the count decodes per event-loop turn. */
const COUNT_DATAGRAMS_PER_TURN = 4;

export interface NftPlaneOptions {
  /** Bounds the conntrack requests. */
  clock: Clock;
  /** Table name in family inet (default "vipd"). */
  table?: string;
  /** Masquerade towards real servers that do not route back through the director (vipd extension). */
  sourceNat?: boolean;
  /** Leave the table in place at close() (keepalived's services stay too when asked: vipd_lvs_keep_on_stop). */
  keepOnClose?: boolean;
  /** Default: libnftables through the addon, opened at construction (throws VIPD_ERR_NFT_UNAVAILABLE). */
  nft?: NftRunner;
  /** Default: a ctnetlink client, opened at the first deletion; null = never flush (tests without conntrack). */
  conntrack?: ConntrackFlusher | null;
  /**
   * Connection counts (connections()): a ctnetlink socket of its own for NAT (default: opened at the first count),
   * so that a count never delays the conntrack flush of a deletion; null = no NAT counts.
   */
  conntrackCounts?: ConntrackWalker | null;
  /**
   * Connection counts, DR: a libnftables context of its own (default: opened at the first count of a DR
   * service), so that listing big flow sets never delays a change on the plane's context.
   */
  nftCounts?: NftRunner;
  /** DR's view of the links (default: rtnetlink dumps, opened at the first DR change). */
  drTopology?: DrTopology;
  /** A DR real server became unreachable (no connected network holds it) or reachable again: for the log. */
  onDrReachability?: (destId: string, reachable: boolean) => void;
}

function byDestId(a: DestSpec, b: DestSpec): number {
  const x = destId(a);
  const y = destId(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export { entryOfDest };

export class NftPlane implements DataPlane {
  readonly name = 'nftables';
  /** Listing entries that did not parse, by reason (for metrics). */
  readonly drops: Record<NftDropReason, number> = Object.fromEntries(NFT_DROP_REASONS.map((r) => [r, 0])) as Record<NftDropReason, number>;
  /** Transactions committed, refused, and conntrack flushes that failed (for metrics and tests). */
  readonly activity = { transactions: 0, refused: 0, conntrackFlushFailures: 0, drRefreshes: 0 };
  private readonly opts: RulesetOptions;
  private readonly nft: NftRunner;
  private conntrack: ConntrackFlusher | null | undefined;
  /** What the kernel holds, as far as this plane knows; null until loaded (first read or apply). */
  private model: Map<string, ServiceState> | null = null;
  private skeletonDone = false;
  private readonly dr: DrLinks;
  private refreshQueued = false;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private walker: ConntrackWalker | null | undefined;
  private nftCounts: NftRunner | undefined;
  /** The count running (later callers share it) and the last one (reused until its spacing has passed). */
  private counting: Promise<ConnectionCounts> | null = null;
  private lastCount: { counts: ConnectionCounts; nextAtMs: number } | null = null;
  /** Connection counts done, their last duration and what they walked (for tests and the cost figures). */
  readonly countActivity = { counts: 0, failures: 0, lastMs: 0, conntrackEntries: 0, drFlows: 0 };

  /** DataPlane counters: nftables has no refusal that counts as done; listing entries that did not parse. */
  stats(): DataPlaneCounters {
    return { tolerated: {}, malformedReplies: { ...this.drops }, unreachableRealServers: this.dr.unreachable.size };
  }

  constructor(private readonly options: NftPlaneOptions) {
    this.opts = { table: options.table ?? 'vipd', sourceNat: options.sourceNat ?? false };
    this.nft = options.nft ?? LibNftables.open();
    this.conntrack = options.conntrack;
    this.walker = options.conntrackCounts;
    this.nftCounts = options.nftCounts;
    this.dr = new DrLinks(options.clock, options.drTopology, options.onDrReachability);
  }

  /** DR real servers (destId) no connected network of this director holds: not forwarded to, not scheduled. */
  get drUnreachable(): ReadonlySet<string> {
    return this.dr.unreachable;
  }

  /** Plane calls run one at a time: apply and read share the model. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  read(): Promise<ReadTable> {
    return this.serial(() => this.load());
  }

  /** List vipd's counters and rebuild the table; the model becomes what the kernel holds (adoption). */
  private async load(): Promise<ReadTable> {
    const res = await this.nft.run(`list counters table ${tableRef(this.opts)}`, { json: true });
    let table: ReadTable;
    if (res.rc !== 0) {
      if (!/No such file or directory/.test(res.error)) throw new VipdError('VIPD_ERR_NFT_REFUSED', `nft list counters: ${res.error.trim()}`);
      table = { services: [], counters: new Map() };
    } else {
      table = { services: [], counters: new Map() };
    }
    const drTable = drOptions(this.opts).drTable;
    const dr = await this.nft.run(`list counters table ${drTableRef({ drTable })}`, { json: true });
    if (dr.rc !== 0 && !/No such file or directory/.test(dr.error)) throw new VipdError('VIPD_ERR_NFT_REFUSED', `nft list counters: ${dr.error.trim()}`);
    if (res.rc === 0 || dr.rc === 0) {
      const more = dr.rc === 0 ? [{ json: dr.output, family: 'netdev', table: drTable }] : [];
      table = readTableFromJson(res.rc === 0 ? res.output : '{"nftables": []}', this.opts.table, (r) => this.drops[r]++, more);
    }
    this.model = new Map(table.services.map((s) => [serviceId(s.spec), { spec: s.spec, dests: [...s.dests].sort(byDestId) }]));
    this.skeletonDone = false; // re-asserted (identically) with the next change
    this.dr.reset();
    // An adopted DR table follows the director's addressing from now on, not only from its next change.
    if (!this.closed && [...this.model.values()].some(isDrService)) this.dr.watch(() => this.queueDrRefresh());
    return table;
  }

  apply(ops: readonly LvsOp[]): Promise<ApplyResult> {
    return this.serial(() => this.applyNow(ops));
  }

  private async applyNow(ops: readonly LvsOp[]): Promise<ApplyResult> {
    const failed: { op: LvsOp; error: VipdError }[] = [];
    if (this.closed) return { failed: ops.map((op) => ({ op, error: new VipdError('VIPD_ERR_NFT_REFUSED', 'the nftables data plane is closed') })) };
    if (!this.model) {
      try {
        await this.load();
      } catch (err) {
        return { failed: ops.map((op) => ({ op, error: err as VipdError })) };
      }
    }
    const before = this.model!;
    const next = new Map(before);
    const opsOf = new Map<string, LvsOp[]>(); // touched service → its ops (for per-service retry)
    const removed: { svc: ServiceKey; dest: DestSpec }[] = [];
    for (const op of ops) {
      const id = serviceId(op.service);
      const error = this.step(next, op, removed);
      if (error) failed.push({ op, error });
      else opsOf.set(id, [...(opsOf.get(id) ?? []), op]);
    }
    const touched = [...opsOf.keys()];
    this.dr.forget(removed.map((r) => destId(r.dest)));
    let change: DrChange = { o: this.opts, drHead: [], commit: () => undefined };
    if (touched.some((id) => isDrService(before.get(id) ?? null) || isDrService(next.get(id) ?? null))) {
      try {
        change = await this.dr.change(this.opts, touched.map((id) => next.get(id) ?? null));
        this.dr.watch(() => this.queueDrRefresh());
      } catch (err) {
        const error = err instanceof VipdError ? err : new VipdError('VIPD_ERR_NFT_REFUSED', `DR: the director's links could not be listed: ${String(err)}`);
        return { failed: [...failed, ...touched.flatMap((id) => (opsOf.get(id) ?? []).map((op) => ({ op, error })))] };
      }
    }
    const { o, drHead } = change;
    const body = touched.flatMap((id) => serviceTransition(o, before.get(id) ?? null, next.get(id) ?? null));
    if (!body.length) return { failed };
    const head = [...(this.skeletonDone ? [] : skeletonCommands(this.opts)), ...drHead];
    const res = await this.nft.run([...head, ...body].join('\n'));
    if (res.rc === 0) {
      this.activity.transactions++;
      this.model = next;
      this.skeletonDone = true;
      change.commit();
    } else {
      this.activity.refused++;
      // Find the services the kernel refuses; the others go in one by one.
      const committed = new Set<string>();
      for (const id of touched) {
        const cmds = [...skeletonCommands(this.opts), ...drHead, ...serviceTransition(o, before.get(id) ?? null, next.get(id) ?? null)];
        const one = await this.nft.run(cmds.join('\n'));
        if (one.rc === 0) {
          this.activity.transactions++;
          this.skeletonDone = true;
          change.commit(); // (the devices are hooked; chains of a refused service are re-read with the table)
          committed.add(id);
          const st = next.get(id);
          if (st) this.model!.set(id, st);
          else this.model!.delete(id);
        } else {
          const error = new VipdError('VIPD_ERR_NFT_REFUSED', `nftables refused the change of ${id}: ${one.error.trim()}`);
          for (const op of opsOf.get(id) ?? []) failed.push({ op, error });
        }
      }
      // Whatever was refused may come from a table changed behind our back: reload before the next change.
      if (committed.size < touched.length) this.model = null;
      removed.splice(0, removed.length, ...removed.filter((r) => committed.has(serviceId(r.svc))));
    }
    await this.flushConntrack(removed);
    return { failed };
  }

  /** Apply one op to the working model; the refusal, if any. keepalived's tolerances (model.ts) hold. */
  private step(next: Map<string, ServiceState>, op: LvsOp, removed: { svc: ServiceKey; dest: DestSpec }[]): VipdError | null {
    const id = serviceId(op.service);
    const cur = next.get(id);
    switch (op.op) {
      case 'addService':
      case 'editService': {
        if (op.op === 'editService' && !cur) return new VipdError('VIPD_ERR_NFT_NO_SUCH_SERVICE', `no virtual service ${id} to edit`);
        const why = nftSupports(op.service.scheduler, op.service.flags) ?? (op.service.peName ? `persistence engine "${op.service.peName}" is not implemented on nftables` : null);
        if (why) return new VipdError('VIPD_ERR_NFT_UNSUPPORTED', `${id}: ${why}`);
        next.set(id, { spec: op.service, dests: cur?.dests ?? [] });
        return null;
      }
      case 'delService':
        if (cur) {
          next.delete(id);
          for (const dest of cur.dests) removed.push({ svc: cur.spec, dest });
        }
        return null;
      case 'addDest':
      case 'editDest': {
        if (!cur) return new VipdError('VIPD_ERR_NFT_NO_SUCH_SERVICE', `no virtual service ${id} for real server ${destId(op.dest)}`);
        const others = cur.dests.filter((d) => destId(d) !== destId(op.dest));
        const why =
          nftSupportsForward(op.dest.forward) ??
          this.familyMismatch(cur.spec, op.dest) ??
          nftDrFits(cur.spec, op.dest.forward, others.map((d) => d.forward));
        if (why) return new VipdError('VIPD_ERR_NFT_UNSUPPORTED', `${id} real server ${destId(op.dest)}: ${why}`);
        next.set(id, { spec: cur.spec, dests: [...others, op.dest].sort(byDestId) });
        return null;
      }
      case 'delDest': {
        const gone = cur?.dests.find((d) => destId(d) === destId(op.dest));
        if (cur && gone) {
          next.set(id, { spec: cur.spec, dests: cur.dests.filter((d) => d !== gone) });
          removed.push({ svc: cur.spec, dest: gone });
        }
        return null;
      }
    }
  }

  /** Links or addresses changed: refresh the DR chains once the current plane call is done (coalesced). */
  private queueDrRefresh(): void {
    if (this.refreshQueued || this.closed) return;
    this.refreshQueued = true;
    void this.serial(async () => {
      this.refreshQueued = false;
      await this.refreshDr();
    }).catch(() => undefined);
  }

  /**
   * Re-resolve every DR real server's device and hook new links: rewrites only the forward chains whose device
   * changed (and their service chains, whose scheduling depends on it); sends nothing when nothing did.
   */
  async refreshDr(): Promise<void> {
    if (this.closed || !this.model) return;
    const ids = [...this.model.keys()].filter((id) => isDrService(this.model!.get(id)!));
    if (!ids.length) return;
    const states = ids.map((id) => this.model!.get(id)!);
    const change = await this.dr.change(this.opts, states);
    const body = states.flatMap((st) => serviceTransition(change.o, st, st));
    if (!body.length && !change.drHead.length) return change.commit();
    const res = await this.nft.run([...(this.skeletonDone ? [] : skeletonCommands(this.opts)), ...change.drHead, ...body].join('\n'));
    if (res.rc !== 0) {
      this.activity.refused++;
      this.model = null; // re-read before the next change
      return;
    }
    this.activity.transactions++;
    this.activity.drRefreshes++;
    this.skeletonDone = true;
    change.commit();
  }

  private familyMismatch(s: ServiceSpec, d: DestSpec): string | null {
    const v6 = d.address.includes(':');
    if (v6 === (s.family === 'inet6') && (d.family === undefined || d.family === s.family)) return null;
    return 'a real server of the other address family needs TUN, which nftables does not do';
  }

  /** IPVS drops a deleted server's connections: delete their conntrack entries (one dump for the batch). */
  private async flushConntrack(removed: readonly { svc: ServiceKey; dest: DestSpec }[]): Promise<void> {
    if (!removed.length || this.conntrack === null) return;
    try {
      this.conntrack ??= new CtNetlink({ clock: this.options.clock });
      await this.conntrack.flush((e) => removed.some((r) => entryOfDest(r.svc, r.dest, e)));
    } catch {
      this.activity.conntrackFlushFailures++;
    }
  }

  /**
   * Active/inactive connections per real server with IPVS's meaning (connCount.ts): NAT from one conntrack dump,
   * DR from one listing of the flow sets. Outside the plane's queue (applies neither wait for it nor make it
   * wait), on sockets and a libnftables context of its own; over the model as it is when the count starts.
   * Spaced (COUNT_SPACING): within the spacing the last counts are returned again. A part that fails (conntrack
   * or libnftables unavailable) keeps its last counts and is counted in countActivity.failures.
   */
  connections(): Promise<ConnectionCounts> {
    const now = this.options.clock.now();
    if (this.counting) return this.counting;
    if (this.lastCount && now < this.lastCount.nextAtMs) return Promise.resolve(this.lastCount.counts);
    const job = this.countNow(now).finally(() => (this.counting = null));
    this.counting = job;
    return job;
  }

  private async countNow(startMs: number): Promise<ConnectionCounts> {
    const states = this.closed || !this.model ? [] : [...this.model.values()];
    const nat = states.filter((st) => !isDrService(st) && st.dests.length);
    const dr = states.filter((st) => isDrService(st) && st.dests.length);
    const out = new Map<string, Map<string, { active: number; inactive: number }>>();
    if (nat.length && this.walker !== null) {
      const tally = new NatConnTally(nat);
      try {
        // A few datagrams (~560 entries) per event-loop turn: over 100,000 entries the longest stall measured was
        // tens of ms instead of 220 ms in one turn (bench/RESULTS.md).
        this.walker ??= new CtNetlink({ clock: this.options.clock, requestMaxPerEvent: COUNT_DATAGRAMS_PER_TURN });
        await this.walker.dumpEach((e) => tally.add(e));
        tally.result(out);
        this.countActivity.conntrackEntries = tally.seen;
      } catch {
        this.countActivity.failures++;
        this.keepLastCounts(nat, out);
      }
    }
    if (dr.length && !this.closed) {
      try {
        this.nftCounts ??= LibNftables.open();
        const res = await this.nftCounts.run(`list sets table ${drTableRef(drOptions(this.opts))}`, { json: true });
        if (res.rc !== 0) throw new VipdError('VIPD_ERR_NFT_REFUSED', res.error);
        const elements = countSetElements(res.output);
        drConnectionCounts(dr, elements, out);
        this.countActivity.drFlows = [...elements.values()].reduce((a, n) => a + n, 0);
      } catch {
        this.countActivity.failures++;
        this.keepLastCounts(dr, out);
      }
    }
    const ms = this.options.clock.now() - startMs;
    this.countActivity.counts++;
    this.countActivity.lastMs = ms;
    this.lastCount = { counts: out, nextAtMs: startMs + COUNT_SPACING * ms };
    return out;
  }

  /** A part of the count failed: its services keep the counts of the last count that had them (stale, not 0). */
  private keepLastCounts(states: readonly ServiceState[], out: Map<string, Map<string, { active: number; inactive: number }>>): void {
    for (const st of states) {
      const last = this.lastCount?.counts.get(serviceId(st.spec));
      if (last) out.set(serviceId(st.spec), new Map(last));
    }
  }

  close(): Promise<void> {
    return this.serial(async () => {
      if (this.closed) return;
      this.closed = true;
      if (!this.options.keepOnClose) {
        const t = tableRef(this.opts);
        const d = drTableRef(drOptions(this.opts));
        // `add` first so that the delete cannot fail on a table that is already gone.
        await this.nft.run(`add table ${t}\ndelete table ${t}\nadd table ${d}\ndelete table ${d}`);
      }
      this.dr.close();
      this.conntrack?.close();
      this.walker?.close();
      this.nftCounts?.close();
      this.nft.close();
    });
  }
}
