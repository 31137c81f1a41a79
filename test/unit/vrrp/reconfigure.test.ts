// Reload (SIGHUP) of a running instance: state kept, only what changed is applied.
import assert from 'node:assert/strict';
import { VrrpInstance } from '../../../src/vrrp/instance.js';
import type { Vip } from '../../../src/vrrp/types.js';
import { kinds, params, VIP } from './params.js';

const T0 = 1_000_000;
const VIP2: Vip = { address: '10.1.0.101', prefixLen: 24, family: 4 };

function master(over = {}): VrrpInstance {
  const i = new VrrpInstance(params(over));
  i.handle({ type: 'startup' }, T0);
  i.handle({ type: 'timeout' }, i.nextDeadline()!);
  assert.equal(i.state, 'MASTER');
  return i;
}

describe('vrrp/instance reconfigure (reload)', () => {
  it('a MASTER adds only the new VIP, GARPs it, and advertises the new list at once — no transition', () => {
    const i = master();
    const now = T0 + 5000;
    const fx = i.handle({ type: 'reconfigure', params: params({ vips: [VIP, VIP2] }) }, now);
    assert.deepEqual(kinds(fx), ['addVips', 'sendGarp', 'sendAdvert']);
    assert.deepEqual(fx.find((e) => e.type === 'addVips'), { type: 'addVips', vips: [VIP2] });
    assert.deepEqual(fx.find((e) => e.type === 'sendGarp'), { type: 'sendGarp', vips: [VIP2], count: 5 });
    assert.equal(i.state, 'MASTER');
    assert.equal(i.nextDeadline(), now + 1000);
  });

  it('a MASTER removes only the VIP that went away', () => {
    const i = master({ vips: [VIP, VIP2] });
    const fx = i.handle({ type: 'reconfigure', params: params({ vips: [VIP2] }) }, T0 + 5000);
    assert.deepEqual(kinds(fx), ['removeVips', 'sendAdvert']);
    assert.deepEqual(fx.find((e) => e.type === 'removeVips'), { type: 'removeVips', vips: [VIP] });
  });

  it('unchanged parameters: nothing but an advert from a MASTER, nothing at all from a BACKUP', () => {
    const m = master();
    assert.deepEqual(kinds(m.handle({ type: 'reconfigure', params: params() }, T0 + 5000)), ['sendAdvert']);
    const b = new VrrpInstance(params());
    b.handle({ type: 'startup' }, T0);
    const deadline = b.nextDeadline();
    assert.deepEqual(kinds(b.handle({ type: 'reconfigure', params: params() }, T0)), []);
    assert.equal(b.state, 'BACKUP');
    assert.equal(b.nextDeadline(), deadline);
  });

  it('keeps a tracker adjustment across a base-priority change', () => {
    const i = master({ priority: 150 });
    i.handle({ type: 'priority', effective: 130 }, T0 + 100); // a tracker took 20 off
    i.handle({ type: 'reconfigure', params: params({ priority: 200 }) }, T0 + 200);
    assert.equal(i.snapshot().effectivePriority, 180);
    assert.equal(i.snapshot().basePriority, 200);
  });

  it('a BACKUP with a new priority re-times its master-down timer with the new skew', () => {
    const b = new VrrpInstance(params({ priority: 100 }));
    b.handle({ type: 'startup' }, T0);
    b.handle({ type: 'reconfigure', params: params({ priority: 200 }) }, T0);
    // v2, 1 s: 3 s + (256-200)/256 s
    assert.equal(b.nextDeadline(), T0 + 3000 + (56 * 1000) / 256);
  });

  it('refuses to change the identity of the virtual router', () => {
    const i = master();
    assert.throws(() => i.handle({ type: 'reconfigure', params: params({ vrid: 52 }) }, T0 + 1), /cannot change vrid/);
  });
});
