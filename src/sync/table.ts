// A pure connection cache keyed by the original tuple (+zone), like conntrackd's caches (peers.md §1.2).
// Used twice: the *internal* cache (this node's kernel view, what a master streams and bulk-sends) and the
// *external* cache (what peers sent us, kept out of the kernel until we become master).
import { entryKey, type ConntrackEntry } from '../conntrack/types.js';

interface Slot {
  entry: ConntrackEntry;
  /** Sender that last wrote the entry (0 for the internal cache). */
  origin: number;
  /** Set by markOrigin() at a bulk start; cleared by a refresh; what is still marked at the bulk end is swept. */
  stale: boolean;
}

export class ConnTable {
  private slots = new Map<string, Slot>();

  get size(): number {
    return this.slots.size;
  }

  /** Lookups by a precomputed entryKey(), for loops that would otherwise build the key several times. */
  getByKey(key: string): ConntrackEntry | undefined {
    return this.slots.get(key)?.entry;
  }

  upsertByKey(key: string, entry: ConntrackEntry, origin = 0): void {
    this.slots.set(key, { entry, origin, stale: false });
  }

  *keyed(): IterableIterator<[string, ConntrackEntry]> {
    for (const [k, s] of this.slots) yield [k, s.entry];
  }

  upsert(entry: ConntrackEntry, origin = 0): void {
    this.slots.set(entryKey(entry), { entry, origin, stale: false });
  }

  delete(entry: Pick<ConntrackEntry, 'family' | 'orig' | 'zone'>): boolean {
    return this.slots.delete(entryKey(entry));
  }

  get(entry: Pick<ConntrackEntry, 'family' | 'orig' | 'zone'>): ConntrackEntry | undefined {
    return this.slots.get(entryKey(entry))?.entry;
  }

  has(entry: Pick<ConntrackEntry, 'family' | 'orig' | 'zone'>): boolean {
    return this.slots.has(entryKey(entry));
  }

  *entries(): IterableIterator<ConntrackEntry> {
    for (const s of this.slots.values()) yield s.entry;
  }

  /** Replace the whole content (after a kernel dump). */
  replaceAll(entries: Iterable<ConntrackEntry>, origin = 0): void {
    this.slots.clear();
    for (const e of entries) this.upsert(e, origin);
  }

  clear(): void {
    this.slots.clear();
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
    for (const [k, s] of mine) if (!this.slots.has(k)) this.slots.set(k, s);
  }

  /**
   * Bulk resync begins: every entry is stale until the bulk refreshes it. All origins, not only the bulk's
   * sender: the current master's table is the whole truth, also about what a previous master sent us.
   */
  markAll(): void {
    for (const s of this.slots.values()) s.stale = true;
  }

  /** Bulk resync ended: drop what the bulk did not refresh (the master no longer has it). Returns how many. */
  sweep(): number {
    let n = 0;
    for (const [k, s] of this.slots) {
      if (s.stale) {
        this.slots.delete(k);
        n++;
      }
    }
    return n;
  }
}
