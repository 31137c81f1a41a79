import assert from 'node:assert/strict';
import { ConnTable } from '../../../src/sync/table.js';
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
