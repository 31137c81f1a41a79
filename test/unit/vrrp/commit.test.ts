// Commit before VIPs as a core rule (design.md "commit → VIPs → GARP"): a new MASTER told that a connection
// committer exists asks for the commit, keeps advertising, and adds its VIPs only once the commit is over or
// COMMIT_BOUND_MS has passed. Virtual time: every nowMs is handed in by the test.
import assert from 'node:assert/strict';
import { COMMIT_BOUND_MS } from '../../../src/vrrp/constants.js';
import { VrrpInstance } from '../../../src/vrrp/instance.js';
import type { VrrpEffect } from '../../../src/vrrp/types.js';
import { fields, kinds, logs, params, VIP } from './params.js';

const T0 = 1_000_000;
/** Master_Down_Interval of priority 100 at 1 s adverts: 3 × 1000 + (256 − 100) × 1000 / 256. */
const DOWN = 3609.375;

/** A BACKUP that knows a committer exists, and the batch that made it MASTER. */
function committingMaster(over = {}): { i: VrrpInstance; fx: readonly VrrpEffect[]; at: number; id: number } {
  const i = new VrrpInstance(params(over));
  i.handle({ type: 'connectionCommitter', present: true }, T0);
  i.handle({ type: 'startup' }, T0);
  const at = T0 + DOWN;
  const fx = i.handle({ type: 'timeout' }, at);
  const ask = fx.find((e) => e.type === 'commitConnections');
  assert.ok(ask && ask.type === 'commitConnections', 'commitConnections asked for');
  return { i, fx, at, id: ask.id };
}

/** Deliver timeouts at each deadline up to `until`, collecting every effect. */
function runUntil(i: VrrpInstance, until: number): VrrpEffect[] {
  const out: VrrpEffect[] = [];
  for (let d = i.nextDeadline(); d !== null && d <= until; d = i.nextDeadline()) out.push(...i.handle({ type: 'timeout' }, d));
  return out;
}

describe('vrrp/instance: commit before VIPs', () => {
  it('becoming MASTER with a committer: advert first, then the commit; no VIP and no GARP yet', () => {
    const { i, fx } = committingMaster();
    assert.deepEqual(kinds(fx), ['transition', 'sendAdvert', 'commitConnections']);
    assert.deepEqual(logs(fx), ['(VI_1) Receive advertisement timeout (nothing heard for 3609 ms, timer 3609 ms)', '(VI_1) Entering MASTER STATE']);
    assert.equal(i.state, 'MASTER');
    assert.equal(i.snapshot().waiting, 'commit');
  });

  it('connectionsCommitted → VIPs, GARP burst, then the transition is complete', () => {
    const { i, at, id } = committingMaster();
    const fx = i.handle({ type: 'connectionsCommitted', id }, at + 40);
    assert.deepEqual(fx, [
      { type: 'addVips', vips: [VIP] },
      { type: 'sendGarp', vips: [VIP], count: 5 },
      { type: 'transitionDone', from: 'BACKUP', to: 'MASTER', reason: 'master-down' },
    ]);
    assert.equal(i.snapshot().waiting, null);
    // garp_master_delay counts from the first burst, i.e. from the commit's end.
    const second = runUntil(i, at + 40 + 5000).filter((e) => e.type === 'sendGarp');
    assert.equal(second.length, 1);
  });

  it('adverts go on while the commit runs; no GARP for VIPs that are not up, even on a lower-priority advert', () => {
    const { i, at } = committingMaster();
    const fx = runUntil(i, at + 3000);
    assert.deepEqual(kinds(fx), ['sendAdvert', 'sendAdvert', 'sendAdvert']);
    const rx = i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(50) }, at + 3100);
    assert.deepEqual(kinds(rx), ['masterRxLowerPri', 'sendAdvert']);
  });

  it('the bound: still running after COMMIT_BOUND_MS → logged, VIPs and GARP anyway; the late answer is ignored', () => {
    const { i, at, id } = committingMaster();
    assert.equal(COMMIT_BOUND_MS, 10_000);
    const before = runUntil(i, at + COMMIT_BOUND_MS - 1);
    assert.ok(!before.some((e) => e.type === 'addVips'));
    const fx = runUntil(i, at + COMMIT_BOUND_MS);
    assert.ok(logs(fx).includes('(VI_1) connection commit still running after 10000 ms; adding the VIPs anyway'));
    assert.deepEqual(kinds(fx).filter((k) => k !== 'sendAdvert'), ['addVips', 'sendGarp', 'transitionDone']);
    assert.deepEqual(i.handle({ type: 'connectionsCommitted', id }, at + COMMIT_BOUND_MS + 5), []);
  });

  it('a failed commit is logged and the VIPs go up anyway', () => {
    const { i, at, id } = committingMaster();
    const fx = i.handle({ type: 'connectionsCommitted', id, error: 'ENOBUFS' }, at + 10);
    assert.deepEqual(logs(fx), ['(VI_1) connection commit failed, adding the VIPs anyway: ENOBUFS']);
    assert.deepEqual(kinds(fx), ['addVips', 'sendGarp', 'transitionDone']);
  });

  it('an answer for another commit (wrong id) changes nothing', () => {
    const { i, at, id } = committingMaster();
    assert.deepEqual(i.handle({ type: 'connectionsCommitted', id: id + 1 }, at + 10), []);
    assert.equal(i.snapshot().waiting, 'commit');
  });

  it('losing MASTER during the commit: logged, VIPs never added, no GARP, the late answer ignored', () => {
    const { i, at, id } = committingMaster();
    const fx = i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(200) }, at + 500);
    assert.equal(i.state, 'BACKUP');
    assert.deepEqual(kinds(fx), ['transition', 'removeVips']);
    assert.ok(logs(fx).includes('(VI_1) lost MASTER while committing connections, not adding VIPs'));
    assert.deepEqual(i.handle({ type: 'connectionsCommitted', id }, at + 600), []);
    assert.ok(!runUntil(i, at + 3000).some((e) => e.type === 'addVips' || e.type === 'sendGarp'));
  });

  it('a fault during the commit: priority 0 at once, nothing added', () => {
    const { i, at } = committingMaster();
    const fx = i.handle({ type: 'fault', reason: 'eth0 down' }, at + 500);
    assert.deepEqual(kinds(fx), ['transition', 'sendAdvert', 'removeVips']);
    assert.deepEqual(fx.find((e) => e.type === 'sendAdvert'), { type: 'sendAdvert', priority: 0 });
  });

  it('a VIP-less shutdown during the commit releases at once, even with handover (nothing to hand over)', () => {
    const { i, at } = committingMaster();
    const fx = i.handle({ type: 'shutdown', handover: true }, at + 500);
    assert.deepEqual(kinds(fx), ['transition', 'sendAdvert', 'removeVips']);
    assert.equal(i.nextDeadline(), null);
  });

  it('a reload during the commit changes no VIP yet; the commit\'s end adds the new list', () => {
    const { i, at, id } = committingMaster();
    const vip2 = { address: '10.1.0.101', prefixLen: 24, family: 4 as const };
    const fx = i.handle({ type: 'reconfigure', params: params({ vips: [VIP, vip2] }) }, at + 100);
    assert.deepEqual(kinds(fx), ['sendAdvert']);
    const done = i.handle({ type: 'connectionsCommitted', id }, at + 200);
    assert.deepEqual(done.find((e) => e.type === 'addVips'), { type: 'addVips', vips: [VIP, vip2] });
  });

  it('no committer (or one that went away): VIPs in the takeover batch itself', () => {
    const i = new VrrpInstance(params());
    i.handle({ type: 'connectionCommitter', present: true }, T0);
    i.handle({ type: 'connectionCommitter', present: false }, T0);
    i.handle({ type: 'startup' }, T0);
    assert.deepEqual(kinds(i.handle({ type: 'timeout' }, T0 + DOWN)), ['transition', 'sendAdvert', 'addVips', 'sendGarp']);
  });
});

describe('vrrp/instance: VIP repair', () => {
  function master(): VrrpInstance {
    const i = new VrrpInstance(params());
    i.handle({ type: 'startup' }, T0);
    i.handle({ type: 'timeout' }, T0 + DOWN);
    return i;
  }

  it('MASTER: a VIP removed behind our back is added again and announced once', () => {
    const fx = master().handle({ type: 'vipRemoved', address: '10.1.0.100' }, T0 + 5000);
    assert.deepEqual(logs(fx), ['(VI_1) VIP 10.1.0.100 was removed by someone else while MASTER; adding it back']);
    assert.deepEqual(fx.filter((e) => e.type !== 'log'), [{ type: 'addVips', vips: [VIP] }, { type: 'sendGarp', vips: [VIP], count: 1 }]);
  });

  it('not ours, not MASTER, or not up yet (committing): left alone', () => {
    assert.deepEqual(master().handle({ type: 'vipRemoved', address: '10.1.0.77' }, T0 + 5000), []);
    const b = new VrrpInstance(params());
    b.handle({ type: 'startup' }, T0);
    assert.deepEqual(b.handle({ type: 'vipRemoved', address: '10.1.0.100' }, T0 + 10), []);
    const { i, at } = committingMaster();
    assert.deepEqual(i.handle({ type: 'vipRemoved', address: '10.1.0.100' }, at + 10), []);
  });
});
