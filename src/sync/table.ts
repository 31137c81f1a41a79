// A pure connection cache keyed by the original tuple (+zone), like conntrackd's caches (peers.md §1.2).
// Used twice: the *internal* cache (this node's kernel view, what a master streams and bulk-sends) and the
// *external* cache (what peers sent us, kept out of the kernel until we become master).
//
// The map holds the entries themselves (no wrapper object per entry: at 100,000 entries every object kept is
// one more for the GC to copy). Bulk mark-and-sweep keeps its marks in a side set that exists only during a bulk.
import { entryKey, type ConntrackEntry } from '../conntrack/types.js';

export class ConnTable {
  private slots = new Map<string, ConntrackEntry>();
  /** Keys not refreshed since markAll(); null when no bulk is in progress. */
  private stale: Set<string> | null = null;
  /** Changes recorded with defer() and not yet applied; every reader applies them first. */
  private pending: Array<{ readonly op: 'upsert' | 'delete'; readonly entry: ConntrackEntry }> = [];

  get size(): number {
    this.settle();
    return this.slots.size;
  }

  /** Changes waiting in defer()'s log. */
  get deferred(): number {
    return this.pending.length;
  }

  /**
   * Record a change to apply later (in order, before anything reads the table). A master's kernel events are
   * streamed at once but need not be *indexed* at once: keying and inserting into a 100,000-entry Map is a
   * large part of the per-event cost, and during a burst of new flows it competes with the streaming. The
   * shell applies the log when the burst is over (settle(max)) or whenever someone reads.
   */
  defer(op: 'upsert' | 'delete', entry: ConntrackEntry): void {
    this.pending.push({ op, entry });
  }

  /** Apply up to `max` deferred changes (all by default); returns how many are left. */
  settle(max = Infinity): number {
    const p = this.pending;
    if (p.length === 0) return 0;
    const n = Math.min(max, p.length);
    for (let i = 0; i < n; i++) {
      const c = p[i]!;
      if (c.op === 'upsert') this.applyUpsert(entryKey(c.entry), c.entry);
      else this.applyDelete(entryKey(c.entry));
    }
    if (n === p.length) this.pending = [];
    else this.pending = p.slice(n);
    return this.pending.length;
  }

  private applyUpsert(key: string, entry: ConntrackEntry): void {
    this.slots.set(key, entry);
    if (this.stale !== null) this.stale.delete(key);
  }

  private applyDelete(key: string): boolean {
    if (this.stale !== null) this.stale.delete(key);
    return this.slots.delete(key);
  }

  /** Lookups by a precomputed entryKey(), for loops that would otherwise build the key several times. */
  getByKey(key: string): ConntrackEntry | undefined {
    this.settle();
    return this.slots.get(key);
  }

  /** `origin` (the sender) is accepted for callers' clarity; the cache does not keep it. */
  upsertByKey(key: string, entry: ConntrackEntry, _origin = 0): void {
    this.settle();
    this.applyUpsert(key, entry);
  }

  keyed(): IterableIterator<[string, ConntrackEntry]> {
    this.settle();
    return this.slots.entries();
  }

  upsert(entry: ConntrackEntry, origin = 0): void {
    this.upsertByKey(entryKey(entry), entry, origin);
  }

  delete(entry: Pick<ConntrackEntry, 'family' | 'orig' | 'zone'>): boolean {
    this.settle();
    return this.applyDelete(entryKey(entry));
  }

  get(entry: Pick<ConntrackEntry, 'family' | 'orig' | 'zone'>): ConntrackEntry | undefined {
    this.settle();
    return this.slots.get(entryKey(entry));
  }

  has(entry: Pick<ConntrackEntry, 'family' | 'orig' | 'zone'>): boolean {
    this.settle();
    return this.slots.has(entryKey(entry));
  }

  /**
   * Live: entries added while iterating are visited, deleted ones are not (Map iteration order). Changes
   * deferred while iterating are applied by the next reader (the iterator itself does not settle them).
   */
  entries(): IterableIterator<ConntrackEntry> {
    this.settle();
    return this.slots.values();
  }

  /** Replace the whole content (after a kernel dump). */
  replaceAll(entries: Iterable<ConntrackEntry>): void {
    this.pending = [];
    this.slots.clear();
    this.stale = null;
    for (const e of entries) this.upsert(e);
  }

  clear(): void {
    this.pending = [];
    this.slots.clear();
    this.stale = null;
  }

  /**
   * Take over `other`'s entries in O(1) (other is left empty) and keep our own entries only where `other` has
   * none for that key. Costs O(our size), not O(other's): at takeover the external cache (100,000 entries)
   * becomes the table, and what we held before is usually small.
   */
  absorb(other: ConnTable): void {
    this.settle();
    other.settle();
    const mine = this.slots;
    this.slots = other.slots;
    other.slots = new Map();
    other.stale = null;
    this.stale = null;
    for (const [k, e] of mine) if (!this.slots.has(k)) this.slots.set(k, e);
  }

  /**
   * Bulk resync begins: every entry is stale until the bulk refreshes it. All origins, not only the bulk's
   * sender: the current master's table is the whole truth, also about what a previous master sent us.
   */
  markAll(): void {
    this.settle();
    this.stale = new Set(this.slots.keys());
  }

  /** Bulk resync ended: drop what the bulk did not refresh (the master no longer has it). Returns how many. */
  sweep(): number {
    this.settle();
    const stale = this.stale;
    this.stale = null;
    if (stale === null) return 0;
    let n = 0;
    for (const k of stale) if (this.slots.delete(k)) n++;
    return n;
  }
}
