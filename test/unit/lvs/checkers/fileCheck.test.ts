import assert from 'node:assert/strict';
import { VirtualClock } from '../../../../src/clock/virtualClock.js';
import { createProbe } from '../../../../src/lvs/checkers/factory.js';
import type { ProbeOutcome } from '../../../../src/lvs/checkers/types.js';
import { fileCheck } from './fixtures.js';

async function check(value: number | undefined, weight: number, reverse = false): Promise<ProbeOutcome> {
  return createProbe(fileCheck('state', weight, reverse), { clock: new VirtualClock(), trackFileValue: (n) => (n === 'state' ? value : undefined) }).run();
}

const view = (o: ProbeOutcome) => (o.ok ? { ok: true, weight: o.weight } : { ok: false, reason: o.reason });

// Rules from keepalived trackers/track_file.c:777-800 and check/check_file.c:180-225.
describe('lvs/checkers FILE_CHECK', () => {
  it('weight 0: zero is up, non-zero is a fault; reverse swaps them', async () => {
    assert.deepEqual(view(await check(0, 0)), { ok: true, weight: undefined });
    assert.deepEqual(view(await check(3, 0)), { ok: false, reason: 'file' });
    assert.deepEqual(view(await check(0, 0, true)), { ok: false, reason: 'file' });
    assert.deepEqual(view(await check(-1, 0, true)), { ok: true, weight: undefined });
  });

  it('weight N: value × N is the weight change; reverse negates it', async () => {
    assert.deepEqual(view(await check(5, 10)), { ok: true, weight: 50 });
    assert.deepEqual(view(await check(5, 10, true)), { ok: true, weight: -50 });
    assert.deepEqual(view(await check(-3, 2)), { ok: true, weight: -6 });
  });

  it('a product at or below −2^31 is a fault', async () => {
    assert.deepEqual(view(await check(-(2 ** 30), 2)), { ok: false, reason: 'file' });
    assert.deepEqual(view(await check(-(2 ** 30), 1)), { ok: true, weight: -(2 ** 30) });
  });

  it('an unknown file value is a local failure', async () => {
    assert.deepEqual(view(await check(undefined, 1)), { ok: false, reason: 'local' });
  });
});
