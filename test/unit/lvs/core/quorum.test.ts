// Quorum, hysteresis, sorry server and weight changes (lvs.md §2.5-2.6; keepalived check/ipwrapper.c
// update_quorum_state, perform_quorum_state, perform_svr_state, update_svr_wgt; check_misc.c:373-386).
import assert from 'node:assert/strict';
import { checkIdOf } from '../../../../src/lvs/core/checkId.js';
import type { LvsTable } from '../../../../src/lvs/model.js';
import type { CheckerConfig } from '../../../../src/config/lvsTypes.js';
import { check, config, core, fail, miscCheck, notifiesOf, ok, opsOf, rs, tcpCheck, vs } from './fixtures.js';

const [A, B, C] = ['10.2.0.11', '10.2.0.12', '10.2.0.13'];
const V = '10.1.0.100';
const S = '10.3.0.1';
const id = (a: string) => checkIdOf(tcpCheck(a, 80));
const empty: LvsTable = { services: [] };
const sorry = (inhibit = false) => ({ address: S, family: 'inet' as const, port: 80, method: { kind: 'NAT' as const }, inhibit });

describe('lvs core: quorum (lvs.md §2.5)', () => {
  it('quorum counts weight, with a hysteresis band: lose below quorum − h, gain at quorum + h', () => {
    // weights 2+2+2, quorum 4, hysteresis 1: up at start (6 ≥ 5); 4 is still ≥ 3; 2 < 3 → lost; back to 4 < 5 → still down; 6 → gained.
    const c = core(config([vs(V, 80, [rs(A, 80, { weight: 2 }), rs(B, 80, { weight: 2 }), rs(C, 80, { weight: 2 })], { quorum: 4, hysteresis: 1 })]));
    assert.deepEqual(notifiesOf(c.handle({ type: 'start', table: empty }, 0)), [`VS TCP:${V}:80 UP /quorum-up`]);
    assert.deepEqual(notifiesOf(check(c, id(A), 1000, fail())), [`RS ${A}:80 DOWN /down ${A}`]);
    assert.deepEqual(notifiesOf(check(c, id(B), 1000, fail())), [`RS ${B}:80 DOWN /down ${B}`, `VS TCP:${V}:80 DOWN /quorum-down`]);
    assert.deepEqual(notifiesOf(check(c, id(A), 11000, ok())), [`RS ${A}:80 UP /up ${A}`]);
    assert.deepEqual(notifiesOf(check(c, id(B), 11000, ok())), [`RS ${B}:80 UP /up ${B}`, `VS TCP:${V}:80 UP /quorum-up`]);
    assert.equal(c.snapshot(11000).virtualServers[0]!.liveWeight, 6);
  });

  it('without a sorry server, losing quorum only notifies: the live RS stay in the table', () => {
    const c = core(config([vs(V, 80, [rs(A, 80), rs(B, 80)], { quorum: 2 })]));
    c.handle({ type: 'start', table: empty }, 0);
    const fx = check(c, id(A), 1000, fail());
    assert.deepEqual(opsOf(fx), [`delDest tcp:${V}:80 ${A}:80`]);
    assert.deepEqual(c.desired().services[0]!.dests.map((d) => d.address), [B]);
  });

  it('sorry server: quorum lost → the live RS leave, then the sorry server comes (weight 1); regained → it leaves, the RS come back', () => {
    const c = core(config([vs(V, 80, [rs(A, 80), rs(B, 80)], { quorum: 2, sorryServer: sorry() })]));
    c.handle({ type: 'start', table: empty }, 0);
    const lost = check(c, id(A), 1000, fail());
    assert.deepEqual(opsOf(lost), [`delDest tcp:${V}:80 ${A}:80`, `delDest tcp:${V}:80 ${B}:80`, `addDest tcp:${V}:80 ${S}:80 w1`]);
    assert.deepEqual(notifiesOf(lost), [`RS ${A}:80 DOWN /down ${A}`, `VS TCP:${V}:80 DOWN /quorum-down sorry`]);
    const back = check(c, id(A), 11000, ok());
    assert.deepEqual(opsOf(back), [`delDest tcp:${V}:80 ${S}:80`, `addDest tcp:${V}:80 ${A}:80 w1`, `addDest tcp:${V}:80 ${B}:80 w1`]);
  });

  it('while the sorry server serves, RS flips change state and notify but not the table; applied when quorum returns', () => {
    const c = core(config([vs(V, 80, [rs(A, 80), rs(B, 80), rs(C, 80)], { quorum: 3, sorryServer: sorry() })]));
    c.handle({ type: 'start', table: empty }, 0);
    check(c, id(A), 1000, fail()); // quorum lost, sorry in
    const fx = check(c, id(B), 1000, fail());
    assert.deepEqual(opsOf(fx), []);
    assert.deepEqual(notifiesOf(fx), [`RS ${B}:80 DOWN /down ${B}`]);
    check(c, id(A), 11000, ok()); // 2 < 3: still down
    assert.deepEqual(c.desired().services[0]!.dests.map((d) => d.address), [S]);
    assert.deepEqual(opsOf(check(c, id(B), 11000, ok())), [`delDest tcp:${V}:80 ${S}:80`, `addDest tcp:${V}:80 ${A}:80 w1`, `addDest tcp:${V}:80 ${B}:80 w1`, `addDest tcp:${V}:80 ${C}:80 w1`]);
  });

  it('starting with quorum down and a sorry server: the sorry server goes in and quorum_down runs ("Starting with quorum down")', () => {
    const alpha = (a: string) => rs(a, 80, { checkers: [tcpCheck(a, 80, { alpha: true })] });
    const c = core(config([vs(V, 80, [alpha(A)], { sorryServer: sorry() })]));
    const fx = c.handle({ type: 'start', table: empty }, 0);
    assert.deepEqual(opsOf(fx), ['addService tcp:10.1.0.100:80 wrr', `addDest tcp:${V}:80 ${S}:80 w1`]);
    assert.deepEqual(notifiesOf(fx), [`VS TCP:${V}:80 DOWN /quorum-down sorry`]);
  });

  it('sorry_server_inhibit: added at weight 0 up front and toggled 0↔1 (init_service_vs; lvs.md §2.2 step 4)', () => {
    const c = core(config([vs(V, 80, [rs(A, 80)], { sorryServer: sorry(true) })]));
    assert.deepEqual(opsOf(c.handle({ type: 'start', table: empty }, 0)), ['addService tcp:10.1.0.100:80 wrr', `addDest tcp:${V}:80 ${A}:80 w1`, `addDest tcp:${V}:80 ${S}:80 w0`]);
    assert.deepEqual(opsOf(check(c, id(A), 1000, fail())), [`delDest tcp:${V}:80 ${A}:80`, `editDest tcp:${V}:80 ${S}:80 w1`]);
    assert.deepEqual(opsOf(check(c, id(A), 11000, ok())), [`editDest tcp:${V}:80 ${S}:80 w0`, `addDest tcp:${V}:80 ${A}:80 w1`]);
  });

  it('inhibit RS with a sorry server: quorum loss sets the live RS to weight 0 before the sorry server comes', () => {
    const c = core(config([vs(V, 80, [rs(A, 80, { inhibitOnFailure: true }), rs(B, 80, { inhibitOnFailure: true })], { quorum: 2, sorryServer: sorry() })]));
    c.handle({ type: 'start', table: empty }, 0);
    assert.deepEqual(opsOf(check(c, id(A), 1000, fail())), [`editDest tcp:${V}:80 ${A}:80 w0`, `editDest tcp:${V}:80 ${B}:80 w0`, `addDest tcp:${V}:80 ${S}:80 w1`]);
  });
});

describe('lvs core: weight changes (lvs.md §2.6, update_svr_wgt)', () => {
  const misc = (a: string) => rs(a, 80, { weight: 1, checkers: [miscCheck(a, 80, true)] });
  const mid = (a: string) => checkIdOf(miscCheck(a, 80, true));

  it('MISC_CHECK misc_dynamic: a success carrying a weight edits the dest and feeds the quorum', () => {
    const c = core(config([vs(V, 80, [misc(A)], { quorum: 1 })]));
    c.handle({ type: 'start', table: empty }, 0);
    assert.deepEqual(opsOf(check(c, mid(A), 1000, ok(7))), [`editDest tcp:${V}:80 ${A}:80 w7`]);
    assert.equal(c.snapshot(1000).virtualServers[0]!.liveWeight, 7);
    assert.deepEqual(opsOf(check(c, mid(A), 11000, ok(7))), [], 'same weight: no op');
  });

  it('weight 0 from misc_dynamic empties the live weight: quorum lost with the RS still alive', () => {
    const c = core(config([vs(V, 80, [misc(A)], { quorum: 1, sorryServer: sorry() })]));
    c.handle({ type: 'start', table: empty }, 0);
    const fx = check(c, mid(A), 1000, ok(0));
    assert.deepEqual(notifiesOf(fx), [`VS TCP:${V}:80 DOWN /quorum-down sorry`]);
    assert.deepEqual(opsOf(fx), [`delDest tcp:${V}:80 ${A}:80`, `addDest tcp:${V}:80 ${S}:80 w1`]);
  });

  it('a failure resets the dynamic weight to the configured one (lvs.md §3.3 MISC_CHECK)', () => {
    const c = core(config([vs(V, 80, [misc(A), rs(B, 80, { checkers: [] })])]));
    c.handle({ type: 'start', table: empty }, 0);
    check(c, mid(A), 1000, ok(7));
    check(c, mid(A), 11000, fail());
    const snap = c.snapshot(11000).virtualServers[0]!.realServers[0]!;
    assert.deepEqual([snap.up, snap.effectiveWeight, snap.inTable], [false, 1, false]);
    assert.deepEqual(opsOf(check(c, mid(A), 21000, ok())), [`addDest tcp:${V}:80 ${A}:80 w1`]);
  });
  it('misc_dynamic exit 0 (a success carrying no weight) puts the configured weight back (check_misc.c:371-396)', () => {
    const c = core(config([vs(V, 80, [rs(A, 80, { weight: 4, checkers: [miscCheck(A, 80, true)] })])]));
    c.handle({ type: 'start', table: empty }, 0);
    assert.deepEqual(opsOf(check(c, mid(A), 1000, ok(7))), [`editDest tcp:${V}:80 ${A}:80 w7`]);
    assert.deepEqual(opsOf(check(c, mid(A), 11000, ok())), [`editDest tcp:${V}:80 ${A}:80 w4`]);
  });

  it('FILE_CHECK: the probe\'s weight (value × weight) is an offset on the configured weight (check_file.c)', () => {
    const file: CheckerConfig = { type: 'FILE_CHECK', source: { file: 'x', line: 1 }, trackFile: 'tf', weight: 2, reverse: false, delayLoopMs: 10000 };
    const c = core(config([vs(V, 80, [rs(A, 80, { weight: 5, checkers: [file] })])]));
    c.handle({ type: 'start', table: empty }, 0);
    assert.deepEqual(opsOf(check(c, checkIdOf(file), 1000, ok(6))), [`editDest tcp:${V}:80 ${A}:80 w11`]);
    assert.deepEqual(opsOf(check(c, checkIdOf(file), 11000, ok(-4))), [`editDest tcp:${V}:80 ${A}:80 w1`]);
  });
});

