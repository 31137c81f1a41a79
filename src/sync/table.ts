// A connection cache keyed by the original tuple (+zone), like conntrackd's caches (peers.md §1.2). Used twice:
// the *internal* cache (this node's kernel view, what a master streams and bulk-sends) and the *external* cache
// (what peers sent us, kept out of the kernel until we become master).
//
// Entries are kept as compact records (src/conntrack/record.ts) in fixed slots of one growing slab, indexed by
// a chained hash table in typed arrays: no object, string or Map entry per connection. An upsert is a hash, a
// probe and a 48-byte copy; a bulk or a datagram copies the slot bytes out unchanged. The GC sees a few large
// buffers whatever the table holds (at 100,000 entries an object per entry was the largest single cost of
// replication, on the master and on the backups).
//
// The slab is a list of fixed chunks: growing adds a chunk and never copies records. Slots are never moved, so a
// walk by slot index is stable: it visits every entry present for the whole walk once, which is what a bulk
// needs (see protocol.ts sendBulk).
import type { RecordStore } from '../conntrack/client.js';
import type { ConntrackEntry } from '../conntrack/types.js';
import { copyRecord, keyHash, OP_UPSERT, readRecord, RECORD_MAX, recordLenAt, sameKey, writeRecord, type RecordScratch } from '../conntrack/record.js';

/** Bytes per slot: every record fits (IPv4 records use the first 48). */
const SLOT = RECORD_MAX;
/** Slots per chunk (a power of two: slot → chunk is a shift). 384 KB per chunk. */
const CHUNK_BITS = 12;
const CHUNK_SLOTS = 1 << CHUNK_BITS;
const INITIAL_SLOTS = CHUNK_SLOTS;

export class ConnTable implements RecordStore {
  private chunks: Buffer[] = Array.from({ length: INITIAL_SLOTS / CHUNK_SLOTS }, () => Buffer.alloc(CHUNK_SLOTS * SLOT));
  private capacity = INITIAL_SLOTS;
  /** Per slot: next slot in its bucket chain or in the free list; -1 ends a chain. */
  private next = new Int32Array(INITIAL_SLOTS).fill(-1);
  private hashes = new Uint32Array(INITIAL_SLOTS);
  /** Per slot: 1 while a bulk is in progress and the slot was not refreshed since markAll(). */
  private stale = new Uint8Array(INITIAL_SLOTS);
  private staleCount = 0;
  private marking = false;
  private heads = new Int32Array(2 * INITIAL_SLOTS).fill(-1);
  private mask = 2 * INITIAL_SLOTS - 1;
  /** Slots in use or freed are below this; above it the slab is untouched. */
  private highWater = 0;
  private freeHead = -1;
  private count = 0;
  /** Walks in progress that must see every entry added meanwhile (see holdSlots), and the slots freed during them. */
  private holds = 0;
  private deferred: number[] = [];
  private readonly scratch = Buffer.alloc(RECORD_MAX);

  get size(): number {
    return this.count;
  }

  /** The chunk that holds slot s (RecordStore: the port commits slots in place). */
  bufferOf(s: number): Buffer {
    return this.chunks[s >>> CHUNK_BITS]!;
  }

  /** Byte offset of slot s in bufferOf(s). */
  offsetOf(s: number): number {
    return (s & (CHUNK_SLOTS - 1)) * SLOT;
  }

  /** Number of slot indices a walk must cover (slot < slotLimit). */
  get slotLimit(): number {
    return this.highWater;
  }

  /** Whether slot s holds an entry (a freed slot has family 0). */
  live(s: number): boolean {
    return this.chunks[s >>> CHUNK_BITS]![(s & (CHUNK_SLOTS - 1)) * SLOT + 1] !== 0;
  }

  /** Slot of the entry with the key of the record at buf[off…], or -1. */
  find(buf: Uint8Array, off: number): number {
    return this.findHashed(buf, off, keyHash(buf, off));
  }

  private findHashed(buf: Uint8Array, off: number, h: number): number {
    for (let s = this.heads[h & this.mask]!; s !== -1; s = this.next[s]!) {
      if (this.hashes[s] === h && sameKey(this.bufferOf(s), this.offsetOf(s), buf, off)) return s;
    }
    return -1;
  }

  /** Insert or replace by the record at buf[off…] (its op byte is ignored; stored as upsert). Returns the slot, or -1. */
  upsertRecord(buf: Uint8Array, off: number): number {
    const len = recordLenAt(buf, off);
    if (len === 0) return -1; // not a record (callers validate; a slot must never hold one)
    const h = keyHash(buf, off);
    let s = this.findHashed(buf, off, h);
    if (s === -1) {
      s = this.allocSlot();
      this.hashes[s] = h;
      const b = h & this.mask;
      this.next[s] = this.heads[b]!;
      this.heads[b] = s;
      this.count++;
    } else if (this.stale[s]) {
      this.stale[s] = 0;
      this.staleCount--;
    }
    const chunk = this.bufferOf(s);
    const at = this.offsetOf(s);
    copyRecord(buf, off, chunk, at, len);
    chunk[at] = OP_UPSERT;
    return s;
  }

  /** Remove the entry with the key of the record at buf[off…]. */
  deleteRecord(buf: Uint8Array, off: number): boolean {
    const h = keyHash(buf, off);
    const b = h & this.mask;
    let prev = -1;
    for (let s = this.heads[b]!; s !== -1; prev = s, s = this.next[s]!) {
      if (this.hashes[s] !== h || !sameKey(this.bufferOf(s), this.offsetOf(s), buf, off)) continue;
      if (prev === -1) this.heads[b] = this.next[s]!;
      else this.next[prev] = this.next[s]!;
      this.freeSlot(s);
      return true;
    }
    return false;
  }

  private freeSlot(s: number): void {
    if (this.stale[s]) {
      this.stale[s] = 0;
      this.staleCount--;
    }
    this.bufferOf(s)[this.offsetOf(s) + 1] = 0;
    this.count--;
    if (this.holds > 0) {
      this.deferred.push(s);
      return;
    }
    this.next[s] = this.freeHead;
    this.freeHead = s;
  }

  /**
   * Until the returned release is called, freed slots are not reused: an entry added meanwhile lands past every
   * slot a walk has already passed, so a walk by slot index that reads slotLimit as it goes sees it. The commit at
   * takeover needs this (it walks the external cache while the old master's stream may still change it); a bulk
   * does not (what it misses is streamed after it anyway).
   */
  holdSlots(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds > 0) return;
      for (const s of this.deferred) {
        this.next[s] = this.freeHead;
        this.freeHead = s;
      }
      this.deferred = [];
    };
  }

  private allocSlot(): number {
    if (this.freeHead !== -1) {
      const s = this.freeHead;
      this.freeHead = this.next[s]!;
      return s;
    }
    if (this.highWater >= this.capacity) this.grow();
    return this.highWater++;
  }

  /** Twice the slots: new chunks (records stay where they are), larger index arrays, a rehash of the buckets. */
  private grow(): void {
    const cap = this.capacity * 2;
    while (this.chunks.length * CHUNK_SLOTS < cap) this.chunks.push(Buffer.alloc(CHUNK_SLOTS * SLOT));
    this.capacity = cap;
    const next = new Int32Array(cap).fill(-1);
    next.set(this.next);
    this.next = next;
    const hashes = new Uint32Array(cap);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const stale = new Uint8Array(cap);
    stale.set(this.stale);
    this.stale = stale;
    // Rehash the live slots into twice as many buckets; the free list keeps its links.
    this.heads = new Int32Array(2 * cap).fill(-1);
    this.mask = 2 * cap - 1;
    for (let s = 0; s < this.highWater; s++) {
      if (!this.live(s)) continue;
      const b = this.hashes[s]! & this.mask;
      this.next[s] = this.heads[b]!;
      this.heads[b] = s;
    }
  }

  // ------------------------------------------------------------ entry-object API (tests, rare paths)

  upsert(entry: ConntrackEntry, _origin = 0): void {
    writeRecord(OP_UPSERT, entry, this.scratch, 0);
    this.upsertRecord(this.scratch, 0);
  }

  delete(entry: ConntrackEntry): boolean {
    writeRecord(OP_UPSERT, entry, this.scratch, 0);
    return this.deleteRecord(this.scratch, 0);
  }

  get(entry: ConntrackEntry): ConntrackEntry | undefined {
    writeRecord(OP_UPSERT, entry, this.scratch, 0);
    const s = this.find(this.scratch, 0);
    return s === -1 ? undefined : this.entryAt(s);
  }

  has(entry: ConntrackEntry): boolean {
    writeRecord(OP_UPSERT, entry, this.scratch, 0);
    return this.find(this.scratch, 0) !== -1;
  }

  /** The entry in slot s as an object. */
  entryAt(s: number, sc?: RecordScratch): ConntrackEntry {
    return readRecord(this.bufferOf(s), this.offsetOf(s), sc);
  }

  /** Live walk by slot (see the file comment), materialising each entry. */
  *entries(sc?: RecordScratch): IterableIterator<ConntrackEntry> {
    for (let s = 0; s < this.highWater; s++) if (this.live(s)) yield this.entryAt(s, sc);
  }

  /** Replace the whole content. */
  replaceAll(entries: Iterable<ConntrackEntry>): void {
    this.clear();
    for (const e of entries) this.upsert(e);
  }

  clear(): void {
    for (const c of this.chunks) c.fill(0);
    this.next.fill(-1);
    this.heads.fill(-1);
    this.stale.fill(0);
    this.staleCount = 0;
    this.marking = false;
    this.highWater = 0;
    this.freeHead = -1;
    this.count = 0;
    this.deferred = [];
  }

  /**
   * Take over `other`'s entries in O(1) (other is left empty) and keep our own entries only where `other` has
   * none for that key. Costs O(our size), not O(other's): at takeover the external cache (100,000 entries)
   * becomes the table, and what we held before is usually small.
   */
  absorb(other: ConnTable): void {
    const mine = new ConnTable();
    mine.swapWith(this);
    this.swapWith(other);
    this.marking = false;
    this.stale.fill(0);
    this.staleCount = 0;
    for (let s = 0; s < mine.highWater; s++) {
      if (mine.live(s) && this.find(mine.bufferOf(s), mine.offsetOf(s)) === -1) this.upsertRecord(mine.bufferOf(s), mine.offsetOf(s));
    }
  }

  private swapWith(o: ConnTable): void {
    const fields = ['chunks', 'capacity', 'next', 'hashes', 'stale', 'staleCount', 'marking', 'heads', 'mask', 'highWater', 'freeHead', 'count', 'deferred'] as const;
    for (const f of fields) {
      const t = this[f];
      (this as unknown as Record<string, unknown>)[f] = o[f];
      (o as unknown as Record<string, unknown>)[f] = t;
    }
  }

  /**
   * Bulk resync begins: every entry is stale until the bulk refreshes it. All origins, not only the bulk's
   * sender: the current master's table is the whole truth, also about what a previous master sent us.
   */
  markAll(): void {
    this.marking = true;
    this.staleCount = 0;
    for (let s = 0; s < this.highWater; s++) {
      const st = this.live(s) ? 1 : 0;
      this.stale[s] = st;
      this.staleCount += st;
    }
  }

  /** Bulk resync ended: drop what the bulk did not refresh (the master no longer has it). Returns how many. */
  sweep(): number {
    if (!this.marking) return 0;
    this.marking = false;
    let n = 0;
    for (let s = 0; s < this.highWater && this.staleCount > 0; s++) {
      if (this.stale[s] && this.deleteRecord(this.bufferOf(s), this.offsetOf(s))) n++;
    }
    this.stale.fill(0);
    this.staleCount = 0;
    return n;
  }
}
