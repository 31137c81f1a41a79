// SIGTERM make-before-break as a core rule: a stopping MASTER sends priority 0 at once (RFC 5798 §6.4.3) but keeps
// its VIPs until the successor's first advert plus a grace (one advert interval, at least 30 ms), or until about
// one Master_Down_Interval ((down_timer_adverts + 1) intervals + 100 ms) has passed with nobody taking over.
import assert from 'node:assert/strict';
import { VrrpInstance } from '../../../src/vrrp/instance.js';
import type { VrrpEffect } from '../../../src/vrrp/types.js';
import { fields, kinds, logs, params } from './params.js';

const T0 = 2_000_000;

function masterOf(over = {}): { i: VrrpInstance; at: number } {
  const i = new VrrpInstance(params(over));
  i.handle({ type: 'startup' }, T0);
  const at = i.nextDeadline()!;
  i.handle({ type: 'timeout' }, at);
  assert.equal(i.state, 'MASTER');
  return { i, at };
}

function stopWithHandover(over = {}): { i: VrrpInstance; fx: readonly VrrpEffect[]; t: number } {
  const { i, at } = masterOf(over);
  const t = at + 500;
  return { i, fx: i.handle({ type: 'shutdown', handover: true }, t), t };
}

describe('vrrp/instance: shutdown with handover', () => {
  it('priority 0 at once, VIPs kept, the wait bounded by (3 + 1) intervals + 100 ms', () => {
    const { i, fx, t } = stopWithHandover();
    assert.deepEqual(kinds(fx), ['transition', 'sendAdvert', 'awaitSuccessor']);
    assert.deepEqual(fx.find((e) => e.type === 'sendAdvert'), { type: 'sendAdvert', priority: 0 });
    assert.deepEqual(fx.find((e) => e.type === 'awaitSuccessor'), { type: 'awaitSuccessor', untilMs: t + 4100 });
    assert.deepEqual(logs(fx), ['(VI_1) sent 0 priority']);
    assert.equal(i.state, 'STOP');
    assert.equal(i.snapshot().waiting, 'successor');
    assert.equal(i.nextDeadline(), t + 4100);
  });

  it('the successor\'s first advert starts the grace; the VIPs go when it is over', () => {
    const { i, t } = stopWithHandover();
    assert.deepEqual(i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(100) }, t + 700), []);
    assert.equal(i.nextDeadline(), t + 700 + 1000, 'grace = one advert interval');
    assert.deepEqual(i.handle({ type: 'timeout' }, t + 1699), []);
    const fx = i.handle({ type: 'timeout' }, t + 1700);
    assert.deepEqual(logs(fx), ['(VI_1) 10.1.0.2 took over, releasing VIPs', '(VI_1) removing VIPs.']);
    assert.deepEqual(kinds(fx), ['removeVips', 'transitionDone']);
    assert.deepEqual(fx.at(-1), { type: 'transitionDone', from: 'MASTER', to: 'STOP', reason: 'shutdown' });
    assert.equal(i.nextDeadline(), null);
    assert.deepEqual(i.handle({ type: 'timeout' }, t + 9000), [], 'terminal afterwards');
  });

  it('neither a priority-0 advert, our own echo nor a later advert moves the release', () => {
    const { i, t } = stopWithHandover();
    i.handle({ type: 'advert', src: '10.1.0.3', fields: fields(0) }, t + 100);
    i.handle({ type: 'advert', src: '10.1.0.1', fields: fields(100) }, t + 200);
    assert.equal(i.nextDeadline(), t + 4100);
    i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(100) }, t + 300);
    i.handle({ type: 'advert', src: '10.1.0.3', fields: fields(150) }, t + 400);
    assert.equal(i.nextDeadline(), t + 1300);
  });

  it('nobody takes over: released at the bound, logged', () => {
    const { i, t } = stopWithHandover();
    assert.deepEqual(i.handle({ type: 'timeout' }, t + 4099), []);
    const fx = i.handle({ type: 'timeout' }, t + 4100);
    assert.deepEqual(logs(fx), ['(VI_1) no new master within 4100 ms, releasing VIPs', '(VI_1) removing VIPs.']);
    assert.deepEqual(kinds(fx), ['removeVips', 'transitionDone']);
  });

  it('VRRPv3 at 10 ms: grace 30 ms, bound 140 ms', () => {
    const { i, fx, t } = stopWithHandover({ version: 3, advertIntMs: 10 });
    assert.deepEqual(fx.find((e) => e.type === 'awaitSuccessor'), { type: 'awaitSuccessor', untilMs: t + 140 });
    i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(100, { version: 3, advertIntMs: 10 }) }, t + 5);
    assert.equal(i.nextDeadline(), t + 35);
  });

  it('other events while handing over change nothing (STOP is terminal)', () => {
    const { i, t } = stopWithHandover();
    for (const ev of [{ type: 'fault', reason: 'x' }, { type: 'priority', effective: 200 }, { type: 'vipRemoved', address: '10.1.0.100' }, { type: 'shutdown' }] as const) {
      assert.deepEqual(i.handle(ev, t + 10), []);
    }
    assert.equal(i.nextDeadline(), t + 4100);
  });

  it('without handover, or from BACKUP, nothing waits', () => {
    const { i } = masterOf();
    assert.deepEqual(kinds(i.handle({ type: 'shutdown' }, T0 + 9000)), ['transition', 'sendAdvert', 'removeVips']);
    const b = new VrrpInstance(params());
    b.handle({ type: 'startup' }, T0);
    assert.deepEqual(kinds(b.handle({ type: 'shutdown', handover: true }, T0 + 10)), ['transition']);
    assert.equal(b.nextDeadline(), null);
  });
});
