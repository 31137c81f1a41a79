// A master's periodic advert allocates nothing in the core (issue 12): one frozen `sendAdvert` effect per priority,
// one result list per priority for a lone advert, and the instance's scratch list reused only when that shared list
// is returned, so a list the caller still holds is never written again.
import assert from 'node:assert/strict';
import { advertOnly, sendAdvertEffect } from '../../../src/vrrp/sharedEffects.js';
import { VrrpInstance } from '../../../src/vrrp/instance.js';
import type { VrrpEffect } from '../../../src/vrrp/types.js';
import { fields, params } from './params.js';

const master = (name: string, vrid: number) => {
  const i = new VrrpInstance(params({ name, vrid, version: 3, advertIntMs: 100, garp: { ...params().garp, masterDelayMs: 250 } }));
  i.handle({ type: 'startup' }, 0);
  const at = i.nextDeadline()!;
  i.handle({ type: 'timeout' }, at);
  assert.equal(i.state, 'MASTER');
  return { i, at };
};

describe('vrrp/sharedEffects', () => {
  it('sendAdvertEffect: the same frozen object for the same priority, another for another priority', () => {
    const e = sendAdvertEffect(100);
    assert.deepEqual(e, { type: 'sendAdvert', priority: 100 });
    assert.equal(sendAdvertEffect(100), e);
    assert.ok(Object.isFrozen(e), 'shared by every instance: nobody may change it');
    assert.notEqual(sendAdvertEffect(0), e);
    assert.equal(sendAdvertEffect(0).priority, 0);
  });

  it('advertOnly: one list per priority, holding the shared effect', () => {
    const list = advertOnly(150);
    assert.equal(advertOnly(150), list);
    assert.equal(list.length, 1);
    assert.equal(list[0], sendAdvertEffect(150));
    assert.notEqual(advertOnly(151), list);
  });

  it("advertOnly's list is not frozen: V8's for-of over a frozen array allocates an iterator result per element", () => {
    // Every consumer iterates this list once per advert; the readonly type is what keeps it unchanged.
    assert.equal(Object.isFrozen(advertOnly(100)), false);
  });

  describe('VrrpInstance.handle', () => {
    it("returns the shared list for a master's lone periodic advert, the same for every instance at that priority", () => {
      const a = master('VI_A', 51);
      const b = master('VI_B', 52);
      const ra = a.i.handle({ type: 'timeout' }, a.at + 100);
      const rb = b.i.handle({ type: 'timeout' }, b.at + 100);
      assert.equal(ra, advertOnly(100));
      assert.equal(rb, ra);
      assert.equal(a.i.handle({ type: 'timeout' }, a.at + 200), ra, 'every interval');
    });

    it('returns a fresh array for anything else, and consecutive results never alias (the scratch list is not the one returned)', () => {
      const i = new VrrpInstance(params({ version: 3, advertIntMs: 100, garp: { ...params().garp, masterDelayMs: 250 } }));
      const held: { list: readonly VrrpEffect[]; copy: VrrpEffect[] }[] = [];
      const keep = (list: readonly VrrpEffect[]) => (held.push({ list, copy: [...list] }), list);
      keep(i.handle({ type: 'startup' }, 0));
      const at = i.nextDeadline()!;
      const toMaster = keep(i.handle({ type: 'timeout' }, at)); // transition, advert, VIPs, GARPs
      assert.ok(toMaster.length > 1);
      assert.notEqual(toMaster, advertOnly(100));
      // A lone advert in between reuses the scratch list: the next batch must still come back in a new array.
      assert.equal(i.handle({ type: 'timeout' }, at + 100), advertOnly(100));
      assert.equal(i.handle({ type: 'timeout' }, at + 200), advertOnly(100));
      const garp = keep(i.handle({ type: 'timeout' }, at + 250)); // the second GARP burst alone
      assert.deepEqual(garp.map((e) => e.type), ['sendGarp']);
      const stepDown = keep(i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(200, { version: 3, advertIntMs: 100 }) }, at + 260));
      assert.equal(i.state, 'BACKUP');
      assert.ok(stepDown.length > 0);
      assert.equal(new Set(held.map((h) => h.list)).size, held.length, 'every result is its own array');
      for (const h of held) assert.deepEqual(h.list, h.copy, 'a list the caller holds is never written again');
      assert.deepEqual(advertOnly(100), [{ type: 'sendAdvert', priority: 100 }], 'nor is the shared one');
    });
  });
});
