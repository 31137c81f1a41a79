import assert from 'node:assert/strict';
import { ConnTable } from '../../../src/sync/table.js';
import { entryKey } from '../../../src/conntrack/types.js';
import { tcpEntry } from './sim.js';

describe('sync table', () => {
  it('keys by original tuple: an update replaces, a delete removes', () => {
    const t = new ConnTable();
    t.upsert(tcpEntry(1, 1));
    t.upsert(tcpEntry(1, 3));
    assert.equal(t.size, 1);
    assert.equal(t.get(tcpEntry(1))?.tcp?.state, 3);
    assert.equal(t.delete(tcpEntry(1)), true);
    assert.equal(t.delete(tcpEntry(1)), false);
    assert.equal(t.size, 0);
  });

  it('mark and sweep keeps exactly what a bulk refreshed', () => {
    const t = new ConnTable();
    for (let i = 0; i < 10; i++) t.upsert(tcpEntry(i), 5);
    t.markAll();
    for (let i = 5; i < 12; i++) t.upsert(tcpEntry(i), 6);
    assert.equal(t.sweep(), 5);
    assert.deepEqual([...t.entries()].map((e) => e.orig.srcPort).sort(), [5, 6, 7, 8, 9, 10, 11].map((i) => 10000 + i));
  });
});

describe('sync table (slab and index)', () => {
  it('grows across many chunks, deletes, reuses freed slots, and finds every entry by key', () => {
    const t = new ConnTable();
    const n = 20_000; // several chunks and several index rehashes
    for (let i = 0; i < n; i++) t.upsert(tcpEntry(i));
    assert.equal(t.size, n);
    for (let i = 0; i < n; i += 2) assert.equal(t.delete(tcpEntry(i)), true);
    assert.equal(t.size, n / 2);
    const limit = t.slotLimit;
    for (let i = 0; i < n; i += 2) t.upsert(tcpEntry(n + i)); // fills the freed slots first
    assert.equal(t.slotLimit, limit, 'freed slots were reused before new ones');
    for (let i = 1; i < n; i += 2) assert.equal(t.has(tcpEntry(i)), true, `entry ${i}`);
    for (let i = 0; i < n; i += 2) {
      assert.equal(t.has(tcpEntry(i)), false, `deleted ${i}`);
      assert.equal(t.has(tcpEntry(n + i)), true, `new ${n + i}`);
    }
  });

  it('absorb takes the other table whole and keeps only our entries it lacks', () => {
    const a = new ConnTable();
    const b = new ConnTable();
    for (let i = 0; i < 10; i++) a.upsert(tcpEntry(i, 1));
    for (let i = 5; i < 5000; i++) b.upsert(tcpEntry(i, 3));
    a.absorb(b);
    assert.equal(b.size, 0);
    assert.equal(a.size, 5000);
    assert.equal(a.get(tcpEntry(2))?.tcp?.state, 1, 'ours, absent from the other');
    assert.equal(a.get(tcpEntry(7))?.tcp?.state, 3, 'the other wins where both have it');
  });

  it('a walk by slot sees every entry that stays for the whole walk, whatever is added or removed meanwhile', () => {
    const t = new ConnTable();
    for (let i = 0; i < 6000; i++) t.upsert(tcpEntry(i));
    const seen = new Set<number>();
    for (let s = 0, k = 0; s < t.slotLimit; s++, k++) {
      if (t.live(s)) seen.add(t.entryAt(s).orig.srcPort - 10000);
      if (k % 100 === 0) {
        t.delete(tcpEntry(5999 - k / 100)); // removes entries the walk has not reached yet
        t.upsert(tcpEntry(100_000 + k)); // may land in a freed slot behind the walk
      }
    }
    for (let i = 0; i < 5900; i++) assert.ok(seen.has(i), `entry ${i} present throughout was visited`);
  });
});

describe('sync table against a Map model (random operations)', () => {
  it('agrees with a Map keyed by entryKey after every step of 20,000 random upserts, deletes, bulks and absorbs', () => {
    let seed = 0x2545f491;
    const rnd = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const t = new ConnTable();
    const model = new Map<string, number>(); // key → TCP state
    let marked: Set<string> | null = null;
    for (let step = 0; step < 20_000; step++) {
      const i = rnd(3000);
      const op = rnd(100);
      if (op < 55) {
        const state = 1 + rnd(9);
        t.upsert(tcpEntry(i, state));
        model.set(entryKey(tcpEntry(i)), state);
        marked?.delete(entryKey(tcpEntry(i)));
      } else if (op < 90) {
        assert.equal(t.delete(tcpEntry(i)), model.delete(entryKey(tcpEntry(i))), `delete ${i} at step ${step}`);
        marked?.delete(entryKey(tcpEntry(i)));
      } else if (op < 94 && marked === null) {
        t.markAll();
        marked = new Set(model.keys());
      } else if (op < 98 && marked !== null) {
        const swept = t.sweep();
        for (const k of marked) model.delete(k);
        assert.equal(swept, marked.size, `sweep at step ${step}`);
        marked = null;
      } else if (op < 99) {
        // absorb a small table: theirs wins where both have a key
        const other = new ConnTable();
        for (let k = 0; k < 20; k++) {
          const j = rnd(3000);
          other.upsert(tcpEntry(j, 9));
          model.set(entryKey(tcpEntry(j)), 9);
        }
        t.absorb(other);
        marked = null; // absorb ends any bulk in progress
        assert.equal(other.size, 0);
      }
      if (step % 500 === 0 || step === 19_999) {
        assert.equal(t.size, model.size, `size at step ${step}`);
        const seen = new Map<string, number>();
        for (const e of t.entries()) seen.set(entryKey(e), e.tcp!.state);
        assert.deepEqual([...seen.entries()].sort(), [...model.entries()].sort(), `content at step ${step}`);
      }
    }
  });
});

describe('sync table: holding freed slots during a walk (the commit at takeover)', () => {
  /** Walk a fresh 100-entry table by slot; halfway, delete entries behind the walk and add new ones. */
  const walk = (t: ConnTable, hold: boolean): Set<number> => {
    for (let i = 0; i < 100; i++) t.upsert(tcpEntry(i));
    const release = hold ? t.holdSlots() : () => undefined;
    const seen = new Set<number>();
    for (let s = 0; s < t.slotLimit; s++) {
      if (t.live(s)) seen.add(t.entryAt(s).orig.srcPort - 10000);
      if (s === 50) {
        for (let i = 0; i < 10; i++) t.delete(tcpEntry(i)); // behind the walk
        for (let i = 1000; i < 1010; i++) t.upsert(tcpEntry(i)); // new while walking
      }
    }
    release();
    return seen;
  };

  it('an entry added during a held walk is visited even when entries behind the walk were deleted', () => {
    const t = new ConnTable();
    const seen = walk(t, true);
    for (let i = 1000; i < 1010; i++) assert.ok(seen.has(i), `new entry ${i} visited`);
    const limit = t.slotLimit;
    for (let i = 2000; i < 2010; i++) t.upsert(tcpEntry(i));
    assert.equal(t.slotLimit, limit, 'the slots freed during the walk are reused once it is over');
  });

  it('without the hold the same walk misses them (the hazard the hold prevents)', () => {
    const seen = walk(new ConnTable(), false);
    assert.ok([...Array(10).keys()].some((k) => !seen.has(1000 + k)));
  });
});
