import { strict as assert } from 'node:assert';
import { median, percentile } from '../../../bench/lvs/stats.js';
import { weightChanges } from '../../../bench/lvs/weightChanges.js';

describe('bench/lvs helpers', () => {
  it('median: odd count, even count (mean of the middle two), unsorted input, none', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  it('percentile is nearest-rank: p99 of 1..100 is 99, p50 is 50, p100 the maximum', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(percentile(xs, 0.99), 99);
    assert.equal(percentile(xs, 0.5), 50);
    assert.equal(percentile(xs, 1), 100);
    assert.equal(percentile([7, 3, 5], 0.5), 5);
    assert.equal(percentile([7], 0.01), 7);
    assert.ok(Number.isNaN(percentile([], 0.5)));
  });

  it('does not reorder its input', () => {
    const xs = [3, 1, 2];
    percentile(xs, 0.5);
    median(xs);
    assert.deepEqual(xs, [3, 1, 2]);
  });

  it('weightChanges: pairs to 0 and back on one server, services strided by 7919', () => {
    const c = weightChanges(6, 1000, 10);
    assert.deepEqual(c, [
      { service: 0, real: 0, toZero: true },
      { service: 0, real: 0, toZero: false },
      { service: 919, real: 1, toZero: true },
      { service: 919, real: 1, toZero: false },
      { service: 838, real: 2, toZero: true },
      { service: 838, real: 2, toZero: false },
    ]);
  });

  it('weightChanges: offset workloads of 50 pairs on 1,000 services touch disjoint services', () => {
    const a = new Set(weightChanges(100, 1000, 10, 0).map((c) => c.service));
    const b = new Set(weightChanges(100, 1000, 10, 500).map((c) => c.service));
    assert.equal(a.size, 50);
    assert.equal(b.size, 50);
    for (const s of a) assert.ok(!b.has(s), `service ${s} in both`);
  });
});
