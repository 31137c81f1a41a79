// The Maglev table against the properties the paper states (Eisenbud et al., NSDI 2016, §3.4 and §5.3): every
// slot filled, shares follow weights, few slots move when a backend leaves, and the same input gives the same
// table (what lets several directors agree without talking).
import assert from 'node:assert/strict';
import { maglevTable, MAGLEV_TABLE_SIZE } from '../../../../src/lvs/nft/maglev.js';

const servers = (n: number, weight = (_i: number) => 1): { id: string; weight: number }[] =>
  Array.from({ length: n }, (_, i) => ({ id: `10.2.${i >> 8}.${(i & 255) + 1}:80`, weight: weight(i) }));

function counts(table: Int32Array, n: number): number[] {
  const c = new Array<number>(n).fill(0);
  for (const x of table) c[x]!++;
  return c;
}

describe('Maglev table (mh on nftables)', () => {
  it('has the IPVS default size, a prime', () => {
    assert.equal(MAGLEV_TABLE_SIZE, 4093);
    for (let d = 2; d * d <= MAGLEV_TABLE_SIZE; d++) assert.notEqual(MAGLEV_TABLE_SIZE % d, 0);
  });

  it('fills every slot with a live server', () => {
    for (const n of [1, 2, 3, 10, 40, 100]) {
      const t = maglevTable(servers(n));
      assert.equal(t.length, MAGLEV_TABLE_SIZE);
      assert.ok(t.every((x) => x >= 0 && x < n), `n=${n}`);
    }
  });

  it('gives each server its weight share within 1% (equal weights, and 3:2:1:1)', () => {
    for (const n of [3, 10, 40]) {
      const c = counts(maglevTable(servers(n)), n);
      for (const x of c) assert.ok(Math.abs(x / MAGLEV_TABLE_SIZE / (1 / n) - 1) < 0.01, `n=${n}: ${c.join(',')}`);
    }
    const w = [3, 2, 1, 1];
    const c = counts(maglevTable(servers(4, (i) => w[i]!)), 4);
    c.forEach((x, i) => assert.ok(Math.abs(x / MAGLEV_TABLE_SIZE / (w[i]! / 7) - 1) < 0.01, c.join(',')));
  });

  it('leaves weight-0 servers out, and is empty when no server has a weight', () => {
    const t = maglevTable(servers(3, (i) => (i === 1 ? 0 : 1)));
    assert.ok(!t.includes(1));
    assert.equal(maglevTable(servers(2, () => 0)).length, 0);
  });

  it('moves few slots of the other servers when one leaves (≤ 3% of the table; a modulo table moves most)', () => {
    for (const n of [5, 10, 40]) {
      const all = servers(n);
      const t = maglevTable(all);
      for (const gone of [0, Math.floor(n / 2), n - 1]) {
        const rest = all.filter((_, i) => i !== gone);
        const t2 = maglevTable(rest);
        let moved = 0;
        for (let s = 0; s < t.length; s++) if (t[s] !== gone && rest[t2[s]!]!.id !== all[t[s]!]!.id) moved++;
        assert.ok(moved / MAGLEV_TABLE_SIZE <= 0.03, `n=${n} gone=${gone}: ${moved} slots moved`);
        // What `jhash mod N` (sh) would do: slot s goes to s mod N, then s mod (N-1).
        let modMoved = 0;
        for (let s = 0; s < t.length; s++) if (s % n !== gone && rest[s % (n - 1)]!.id !== all[s % n]!.id) modMoved++;
        assert.ok(moved * 10 < modMoved, `n=${n}: maglev ${moved} vs modulo ${modMoved}`);
      }
    }
  });

  it('is the same for the same servers in the same order (every director computes the same table)', () => {
    const a = maglevTable(servers(10, (i) => 1 + (i % 3)));
    const b = maglevTable(servers(10, (i) => 1 + (i % 3)).map((s) => ({ ...s })));
    assert.deepEqual(a, b);
  });
});
