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

  get size(): number {
    return this.slots.size;
  }

  /** Lookups by a precomputed entryKey(), for loops that would otherwise build the key several times. */
  getByKey(key: string): ConntrackEntry | undefined {
    return this.slots.get(key);
  }

  /** `origin` (the sender) is accepted for callers' clarity; the cache does not keep it. */
  upsertByKey(key: string, entry: ConntrackEntry, _origin = 0): void {
    this.slots.set(key, entry);
    if (this.stale !== null) this.stale.delete(key);
  }

  keyed(): IterableIterator<[string, ConntrackEntry]> {
    return this.slots.entries();
  }

  upsert(entry: ConntrackEntry, origin = 0): void {
    this.upsertByKey(entryKey(entry), entry, origin);
  }

  delete(entry: Pick<ConntrackEntry, 'family' | 'orig' | 'zone'>): boolean {
    const k = entryKey(entry);
    if (this.stale !== null) this.stale.delete(k);
    return this.slots.delete(k);
  }

  get(entry: Pick<ConntrackEntry, 'family' | 'orig' | 'zone'>): ConntrackEntry | undefined {
    return this.slots.get(entryKey(entry));
  }

  has(entry: Pick<ConntrackEntry, 'family' | 'orig' | 'zone'>): boolean {
    return this.slots.has(entryKey(entry));
  }

  /** Live: entries added while iterating are visited, deleted ones are not (Map iteration order). */
  entries(): IterableIterator<ConntrackEntry> {
    return this.slots.values();
  }

  /** Replace the whole content (after a kernel dump). */
  replaceAll(entries: Iterable<ConntrackEntry>): void {
    this.slots.clear();
    this.stale = null;
    for (const e of entries) this.upsert(e);
  }

  clear(): void {
    this.slots.clear();
    this.stale = null;
  }

  /**
   * Take over `other`'s entries in O(1) (other is left empty) and keep our own entries only where `other` has
   * none for that key. Costs O(our size), not O(other's): at takeover the external cache (100,000 entries)
   * becomes the table, and what we held before is usually small.
   */
  absorb(other: ConnTable): void {
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
    this.stale = new Set(this.slots.keys());
  }

  /** Bulk resync ended: drop what the bulk did not refresh (the master no longer has it). Returns how many. */
  sweep(): number {
    const stale = this.stale;
    this.stale = null;
    if (stale === null) return 0;
    let n = 0;
    for (const k of stale) if (this.slots.delete(k)) n++;
    return n;
  }
}
