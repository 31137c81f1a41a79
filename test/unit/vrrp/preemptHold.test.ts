// Sync-aware preemption: a held BACKUP accepts a lower-priority master instead of preempting it.
import assert from 'node:assert/strict';
import { VrrpInstance } from '../../../src/vrrp/instance.js';
import { fields, params } from './params.js';

const T0 = 1_000_000;

describe('vrrp/instance preemptHold', () => {
  it('while held, a lower-priority advert resets the master-down timer (no preemption); released, it does not', () => {
    const b = new VrrpInstance(params({ priority: 150 }));
    b.handle({ type: 'startup' }, T0);
    b.handle({ type: 'preemptHold', held: true }, T0);
    b.handle({ type: 'advert', src: '10.1.0.2', fields: fields(100) }, T0 + 1000);
    const armed = b.nextDeadline();
    assert.ok(armed !== null && armed > T0 + 4000, 'timer re-armed by the accepted advert');
    assert.equal(b.snapshot().masterAddress, '10.1.0.2');

    b.handle({ type: 'preemptHold', held: false }, T0 + 1500);
    b.handle({ type: 'advert', src: '10.1.0.2', fields: fields(100) }, T0 + 2000);
    assert.equal(b.nextDeadline(), armed, 'lower advert discarded: the timer runs on and we preempt when it fires');
    b.handle({ type: 'timeout' }, armed!);
    assert.equal(b.state, 'MASTER');
  });

  it('never delays a takeover when no master is heard', () => {
    const b = new VrrpInstance(params({ priority: 150 }));
    b.handle({ type: 'startup' }, T0);
    b.handle({ type: 'preemptHold', held: true }, T0);
    b.handle({ type: 'timeout' }, b.nextDeadline()!);
    assert.equal(b.state, 'MASTER');
  });
});
