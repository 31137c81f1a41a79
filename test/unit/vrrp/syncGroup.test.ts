import assert from 'node:assert/strict';
import { VrrpInstance } from '../../../src/vrrp/instance.js';
import { VrrpSyncGroup, type SyncGroupEffect } from '../../../src/vrrp/syncGroup.js';
import { fields, params } from './params.js';

const T0 = 0;

function group(over: { a?: object; b?: object } = {}): { g: VrrpSyncGroup; a: VrrpInstance; b: VrrpInstance } {
  const a = new VrrpInstance(params({ name: 'VI_A', vrid: 51, inSyncGroup: true, ...over.a }));
  const b = new VrrpInstance(params({ name: 'VI_B', vrid: 52, inSyncGroup: true, ...over.b }));
  const g = new VrrpSyncGroup('VG_1', [a, b]);
  g.handle('VI_A', { type: 'startup' }, T0);
  g.handle('VI_B', { type: 'startup' }, T0);
  return { g, a, b };
}
const groupTransitions = (fx: SyncGroupEffect[]): string[] =>
  fx.flatMap((e) => ('group' in e ? [`${e.effect.from}->${e.effect.to}`] : []));

describe('vrrp/syncGroup', () => {
  it('refuses members not built for a group', () => {
    assert.throws(() => new VrrpSyncGroup('G', [new VrrpInstance(params())]));
  });
  it('starts BACKUP; goes MASTER only when every member wants MASTER', () => {
    const { g, a, b } = group({ b: { priority: 50 } }); // B's master-down is later than A's
    assert.equal(g.state, 'BACKUP');
    const fxA = g.handleTimeouts(a.nextDeadline()!);
    assert.equal(a.state, 'BACKUP'); assert.equal(a.wantState, 'MASTER'); // waits for B
    assert.deepEqual(groupTransitions(fxA), []);
    assert.ok(a.nextDeadline()! > b.nextDeadline()! - 10_000); // A keeps a future deadline (no busy loop)
    const fx = g.handleTimeouts(b.nextDeadline()!);
    assert.equal(a.state, 'MASTER'); assert.equal(b.state, 'MASTER');
    assert.deepEqual(groupTransitions(fx), ['BACKUP->MASTER']);
  });
  it('a member that hears a better master drags the others to BACKUP', () => {
    const { g, a, b } = group();
    g.handleTimeouts(Math.max(a.nextDeadline()!, b.nextDeadline()!));
    assert.equal(g.state, 'MASTER');
    const fx = g.handle('VI_A', { type: 'advert', src: '10.1.0.2', fields: fields(200) }, 10_000);
    assert.equal(a.state, 'BACKUP'); assert.equal(b.state, 'BACKUP');
    assert.ok(fx.some((e) => 'instance' in e && e.instance === 'VI_B' && e.effect.type === 'removeVips'));
    assert.deepEqual(groupTransitions(fx), ['MASTER->BACKUP']);
  });
  it('a member fault drags the others to FAULT (masters send priority 0); recovery brings all back to BACKUP', () => {
    const { g, a, b } = group();
    g.handleTimeouts(Math.max(a.nextDeadline()!, b.nextDeadline()!));
    const fx = g.handle('VI_A', { type: 'fault', reason: 'eth1 down' }, 10_000);
    assert.equal(a.state, 'FAULT'); assert.equal(b.state, 'FAULT');
    assert.ok(fx.some((e) => 'instance' in e && e.instance === 'VI_B' && e.effect.type === 'sendAdvert' && e.effect.priority === 0));
    assert.deepEqual(groupTransitions(fx), ['MASTER->FAULT']);
    const up = g.handle('VI_A', { type: 'faultCleared', reason: 'eth1 down' }, 20_000);
    assert.equal(a.state, 'BACKUP'); assert.equal(b.state, 'BACKUP');
    assert.deepEqual(groupTransitions(up), ['FAULT->BACKUP']);
    assert.deepEqual(b.faultReasons, []);
  });
  it('owners in a group still become master at startup together', () => {
    const { g, a, b } = group({ a: { priority: 255, initialState: 'MASTER' }, b: { priority: 255, initialState: 'MASTER' } });
    assert.equal(a.state, 'MASTER'); assert.equal(b.state, 'MASTER'); assert.equal(g.state, 'MASTER');
  });
});
