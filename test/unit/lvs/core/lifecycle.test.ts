// Reload, stop and ha_suspend (lvs.md §2.7-2.8, §1.2 ha_suspend; keepalived check/ipwrapper.c clear_diff_services,
// clear_diff_rs, migrate_checkers, init_service_rs "Do not re-add failed RS instantly on reload", clear_services,
// clear_service_vs, clear_service_rs, update_vs_notifies; check_api.c update_checker_activity).
import assert from 'node:assert/strict';
import { checkIdOf } from '../../../../src/lvs/core/checkId.js';
import type { LvsTable } from '../../../../src/lvs/model.js';
import { check, config, core, fail, notifiesOf, ok, opsOf, rs, runChecksOf, tcpCheck, vs } from './fixtures.js';

const [A, B, C] = ['10.2.0.11', '10.2.0.12', '10.2.0.13'];
const V = '10.1.0.100';
const id = (a: string) => checkIdOf(tcpCheck(a, 80));
const empty: LvsTable = { services: [] };

describe('lvs core: reload (lvs.md §2.7)', () => {
  it('an unchanged config gives no op, no drop and keeps checker timing', () => {
    const cfg = config([vs(V, 80, [rs(A, 80), rs(B, 80)])]);
    const c = core(cfg);
    c.handle({ type: 'start', table: empty }, 0);
    check(c, id(A), 1000, ok());
    assert.deepEqual(c.reload(cfg, 2000), []);
    assert.equal(c.snapshot(2000).checks.find((k) => k.id === id(A))!.nextRunMs, 11000);
  });

  it('a changed scheduler is one editService; a removed RS is deleted even with inhibit (PR #596) after notify_down', () => {
    const c = core(config([vs(V, 80, [rs(A, 80), rs(B, 80, { inhibitOnFailure: true })])]));
    c.handle({ type: 'start', table: empty }, 0);
    const fx = c.reload(config([vs(V, 80, [rs(A, 80)], { scheduler: 'rr' })]), 500);
    assert.deepEqual(opsOf(fx), ['editService tcp:10.1.0.100:80 rr', `delDest tcp:${V}:80 ${B}:80`]);
    assert.deepEqual(notifiesOf(fx), [`RS ${B}:80 DOWN /down ${B}`]);
    assert.deepEqual(fx.filter((e) => e.type === 'dropCheck'), [{ type: 'dropCheck', checkId: id(B) }]);
  });

  it('a kept RS that had failed is not re-added on reload (init_service_rs, #1720)', () => {
    const cfg = config([vs(V, 80, [rs(A, 80), rs(B, 80)])]);
    const c = core(cfg);
    c.handle({ type: 'start', table: empty }, 0);
    check(c, id(A), 1000, fail());
    assert.deepEqual(opsOf(c.reload(config([vs(V, 80, [rs(A, 80), rs(B, 80), rs(C, 80)])]), 2000)), [`addDest tcp:${V}:80 ${C}:80 w1`]);
  });

  it('a new alpha RS starts down (check_new_rs_state); its checker is armed at 1 s from the reload', () => {
    const c = core(config([vs(V, 80, [rs(A, 80)])]));
    c.handle({ type: 'start', table: empty }, 0);
    check(c, id(A), 1000, ok());
    const alphaC = tcpCheck(C, 80, { alpha: true });
    assert.deepEqual(opsOf(c.reload(config([vs(V, 80, [rs(A, 80), rs(C, 80, { checkers: [alphaC] })])]), 5000)), []);
    assert.equal(c.nextDeadline(), 6000);
    assert.deepEqual(opsOf(check(c, checkIdOf(alphaC), 6000, ok())), [`addDest tcp:${V}:80 ${C}:80 w1`]);
  });

  it('a removed VS leaves the table whole, with its RS notify_down and quorum_down', () => {
    const c = core(config([vs(V, 80, [rs(A, 80)]), vs('10.1.0.101', 80, [rs(B, 80)])]));
    c.handle({ type: 'start', table: empty }, 0);
    const fx = c.reload(config([vs(V, 80, [rs(A, 80)])]), 500);
    assert.deepEqual(opsOf(fx), ['delService tcp:10.1.0.101:80']);
    assert.deepEqual(notifiesOf(fx), [`RS ${B}:80 DOWN /down ${B}`, 'VS TCP:10.1.0.101:80 DOWN /quorum-down']);
  });

  it('a removed VS whose delete failed is still owned: the repair after tableRead deletes it', () => {
    const c = core(config([vs(V, 80, [rs(A, 80)]), vs('10.1.0.101', 80, [rs(B, 80)])]));
    c.handle({ type: 'start', table: empty }, 0);
    const before = c.desired();
    c.reload(config([vs(V, 80, [rs(A, 80)])]), 500);
    assert.deepEqual(opsOf(c.handle({ type: 'tableRead', table: before }, 600)), ['delService tcp:10.1.0.101:80']);
  });
});

describe('lvs core: stop (lvs.md §2.8)', () => {
  const sorry = { address: '10.3.0.1', family: 'inet' as const, port: 80, method: { kind: 'NAT' as const }, inhibit: true };

  it('default: the sorry server and every RS in the table are deleted (inhibit cleared), then the service; then stopped', () => {
    const c = core(config([vs(V, 80, [rs(A, 80, { inhibitOnFailure: true }), rs(B, 80)], { sorryServer: sorry })]));
    c.handle({ type: 'start', table: empty }, 0);
    check(c, id(A), 1000, fail()); // A at weight 0, still in the table
    const fx = c.handle({ type: 'stop' }, 2000);
    assert.deepEqual(opsOf(fx), [`delDest tcp:${V}:80 10.3.0.1:80`, `delDest tcp:${V}:80 ${A}:80`, `delDest tcp:${V}:80 ${B}:80`, 'delService tcp:10.1.0.100:80']);
    assert.deepEqual(notifiesOf(fx), [], 'no scripts at stop without omega');
    assert.deepEqual(fx.at(-1), { type: 'stopped' });
    assert.equal(c.nextDeadline(), null);
    assert.deepEqual(c.handle({ type: 'timeout' }, 99999), []);
  });

  it('omega: the alive RS run notify_down and the VS quorum_down at stop', () => {
    const c = core(config([vs(V, 80, [rs(A, 80), rs(B, 80)], { omega: true })]));
    c.handle({ type: 'start', table: empty }, 0);
    check(c, id(A), 1000, fail());
    assert.deepEqual(notifiesOf(c.handle({ type: 'stop' }, 2000)), [`RS ${B}:80 DOWN /down ${B}`, `VS TCP:${V}:80 DOWN /quorum-down`]);
  });

  it("lvs_flush_on_stop VS: one delService per service, no dest ops; lvs_flush_on_stop: every service of the table, foreign ones too", () => {
    const cfg = (flushOnStop: 'vs' | 'all') => config([vs(V, 80, [rs(A, 80)])], { flushOnStop });
    const foreign = { spec: { family: 'inet' as const, fwmark: 9, scheduler: 'rr', flags: 0, timeoutS: 0, netmaskBits: 32 }, dests: [] };
    const c1 = core(cfg('vs'));
    c1.handle({ type: 'start', table: { services: [foreign] } }, 0);
    assert.deepEqual(opsOf(c1.handle({ type: 'stop' }, 1)), ['delService tcp:10.1.0.100:80']);
    const c2 = core(cfg('all'));
    c2.handle({ type: 'start', table: { services: [foreign] } }, 0);
    assert.deepEqual(opsOf(c2.handle({ type: 'stop' }, 1)), ['delService fwm:9', 'delService tcp:10.1.0.100:80']);
  });

  it('vipd_lvs_keep_on_stop: no op at all, just stopped (restart without a flap)', () => {
    const c = core(config([vs(V, 80, [rs(A, 80)])], { keepOnStop: true }));
    c.handle({ type: 'start', table: empty }, 0);
    assert.deepEqual(c.handle({ type: 'stop' }, 1), [{ type: 'stopped' }]);
  });
});

describe('lvs core: ha_suspend (lvs.md §1.2, §3.1 "a disabled checker just re-arms its timer")', () => {
  it('checkers of an ha_suspend VS do not run while its VIP is absent, and run once it is present', () => {
    const c = core(config([vs(V, 80, [rs(A, 80)], { haSuspend: true })]));
    c.handle({ type: 'start', table: empty }, 0);
    assert.deepEqual(runChecksOf(c.handle({ type: 'timeout' }, 1000)), []);
    assert.equal(c.nextDeadline(), 11000);
    c.handle({ type: 'vipPresence', address: V, present: true }, 5000);
    assert.deepEqual(runChecksOf(c.handle({ type: 'timeout' }, 11000)), [id(A)]);
  });

  it('a VIP reported present before start is remembered (the shell tells the core what it holds before the first run)', () => {
    const c = core(config([vs(V, 80, [rs(A, 80)], { haSuspend: true })]));
    c.handle({ type: 'vipPresence', address: V, present: true }, 0);
    c.handle({ type: 'start', table: empty }, 0);
    assert.deepEqual(runChecksOf(c.handle({ type: 'timeout' }, 1000)), [id(A)]);
  });
});
