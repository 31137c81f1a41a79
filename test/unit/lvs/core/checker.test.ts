// Checker timing and retry semantics on virtual time (lvs.md §3.1; keepalived tcp_epilog check/check_tcp.c:96-146,
// check_data.c:1376-1384 for the starting state, check_api.c:478-506 for the first run).
import assert from 'node:assert/strict';
import { checkIdOf } from '../../../../src/lvs/core/checkId.js';
import { CheckerState } from '../../../../src/lvs/core/checkerState.js';
import type { CheckerConfig } from '../../../../src/config/lvsTypes.js';
import { check, config, core, fail, miscCheck, notifiesOf, ok, opsOf, rs, runChecksOf, tcpCheck, vs } from './fixtures.js';

const A = '10.2.0.11';
const B = '10.2.0.12';

describe('lvs core: checker timing and retry (lvs.md §3.1)', () => {
  it('first run at exactly 1 s with warmup 0, then every delay_loop (check_api.c:478-506, BOOTSTRAP_DELAY)', () => {
    const c = core(config([vs('10.1.0.100', 80, [rs(A, 80)])]));
    c.handle({ type: 'start', table: { services: [] } }, 0);
    const id = checkIdOf(tcpCheck(A, 80));
    assert.equal(c.nextDeadline(), 1000);
    assert.deepEqual(runChecksOf(c.handle({ type: 'timeout' }, 999)), []);
    assert.deepEqual(runChecksOf(c.handle({ type: 'timeout' }, 1000)), [id]);
    assert.equal(c.nextDeadline(), null, 'no deadline while the probe runs');
    c.handle({ type: 'checkResult', checkId: id, outcome: ok() }, 1003);
    assert.equal(c.nextDeadline(), 11003);
  });

  it('first run at 1 s + random(0..warmup): the injected random decides the jitter', () => {
    const r = rs(A, 80, { checkers: [tcpCheck(A, 80, { warmupMs: 10000 })] });
    const c = core(config([vs('10.1.0.100', 80, [r])]), () => 0.25);
    c.handle({ type: 'start', table: { services: [] } }, 500);
    assert.equal(c.nextDeadline(), 500 + 1000 + 2500);
  });

  it('non-alpha: starts up with retry_it = retry, so the first failure takes it down at once (check_data.c:1378-1384, #2064)', () => {
    const c = core(config([vs('10.1.0.100', 80, [rs(A, 80)])]));
    c.handle({ type: 'start', table: { services: [] } }, 0);
    const fx = check(c, checkIdOf(tcpCheck(A, 80)), 1000, fail());
    assert.deepEqual(opsOf(fx), ['delDest tcp:10.1.0.100:80 10.2.0.11:80']);
    assert.equal(c.nextDeadline(), 11000, 'a DOWN checker goes back to delay_loop');
  });

  it('up and failing after a success: retry_it < retry → re-check after delay_before_retry; the (retry+1)th failure → DOWN (tcp_epilog)', () => {
    const cc = tcpCheck(A, 80, { retry: 2, delayBeforeRetryMs: 3000 });
    const id = checkIdOf(cc);
    const c = core(config([vs('10.1.0.100', 80, [rs(A, 80, { checkers: [cc] })])]));
    c.handle({ type: 'start', table: { services: [] } }, 0);
    check(c, id, 1000, ok()); // resets retry_it
    assert.deepEqual(opsOf(check(c, id, 11000, fail())), []);
    assert.equal(c.nextDeadline(), 14000);
    assert.deepEqual(opsOf(check(c, id, 14000, fail())), []);
    assert.equal(c.nextDeadline(), 17000);
    assert.deepEqual(opsOf(check(c, id, 17000, fail())), ['delDest tcp:10.1.0.100:80 10.2.0.11:80']);
    assert.equal(c.nextDeadline(), 27000);
  });

  it('MISC_CHECK counts its next run from the script\'s start, the others from the answer (check_misc.c:496 last_ran)', () => {
    const mc = { ...miscCheck(A, 80, false), retry: 1, delayBeforeRetryMs: 3000 } as CheckerConfig;
    const id = checkIdOf(mc);
    const c = core(config([vs('10.1.0.100', 80, [rs(A, 80, { checkers: [mc] })])]));
    c.handle({ type: 'start', table: { services: [] } }, 0);
    assert.deepEqual(runChecksOf(c.handle({ type: 'timeout' }, 1000)), [id]);
    c.handle({ type: 'checkResult', checkId: id, outcome: ok() }, 1400); // the script ran 400 ms
    assert.equal(c.nextDeadline(), 11000, 'delay_loop from the start at 1000, not from the exit at 1400');
    assert.deepEqual(runChecksOf(c.handle({ type: 'timeout' }, 11000)), [id]);
    c.handle({ type: 'checkResult', checkId: id, outcome: fail() }, 11250);
    assert.equal(c.nextDeadline(), 14000, 'delay_before_retry from the start too');
    assert.deepEqual(runChecksOf(c.handle({ type: 'timeout' }, 14000)), [id]);
    c.handle({ type: 'checkResult', checkId: id, outcome: fail() }, 30000); // slower than delay_loop: at once
    assert.equal(c.nextDeadline(), 30000);
    // A TCP_CHECK with the same answer times counts from the answer.
    const t = tcpCheck(B, 80);
    const tid = checkIdOf(t);
    const c2 = core(config([vs('10.1.0.100', 80, [rs(B, 80, { checkers: [t] })])]));
    c2.handle({ type: 'start', table: { services: [] } }, 0);
    c2.handle({ type: 'timeout' }, 1000);
    c2.handle({ type: 'checkResult', checkId: tid, outcome: ok() }, 1400);
    assert.equal(c2.nextDeadline(), 11400);
  });

  it('one success between failures resets retry_it', () => {
    const cc = tcpCheck(A, 80, { retry: 1 });
    const id = checkIdOf(cc);
    const c = core(config([vs('10.1.0.100', 80, [rs(A, 80, { checkers: [cc] })])]));
    c.handle({ type: 'start', table: { services: [] } }, 0);
    check(c, id, 1000, ok());
    check(c, id, 11000, fail());
    check(c, id, 12000, ok());
    assert.deepEqual(opsOf(check(c, id, 22000, fail())), [], 'first failure after the reset is a retry again');
    assert.deepEqual(opsOf(check(c, id, 23000, fail())), ['delDest tcp:10.1.0.100:80 10.2.0.11:80']);
  });

  it('down: a single success brings it up (no rise count), checked every delay_loop while down', () => {
    const id = checkIdOf(tcpCheck(A, 80));
    const c = core(config([vs('10.1.0.100', 80, [rs(A, 80)])]));
    c.handle({ type: 'start', table: { services: [] } }, 0);
    check(c, id, 1000, fail());
    check(c, id, 11000, fail());
    assert.equal(c.nextDeadline(), 21000, 'a failing DOWN checker waits delay_loop, not delay_before_retry');
    assert.deepEqual(opsOf(check(c, id, 21000, ok())), ['addDest tcp:10.1.0.100:80 10.2.0.11:80 w1']);
  });

  it('alpha: starts DOWN, so the RS is not added before its first success (check_data.c:1376-1382)', () => {
    const cc = tcpCheck(A, 80, { alpha: true });
    const c = core(config([vs('10.1.0.100', 80, [rs(A, 80, { checkers: [cc] })])]));
    assert.deepEqual(opsOf(c.handle({ type: 'start', table: { services: [] } }, 0)), ['addService tcp:10.1.0.100:80 wrr']);
    assert.deepEqual(opsOf(check(c, checkIdOf(cc), 1000, ok())), ['addDest tcp:10.1.0.100:80 10.2.0.11:80 w1']);
  });

  it("a 'local' error counts as a failed check (issue 10; keepalived reschedules without failing, #1637)", () => {
    const c = core(config([vs('10.1.0.100', 80, [rs(A, 80)])]));
    c.handle({ type: 'start', table: { services: [] } }, 0);
    assert.deepEqual(opsOf(check(c, checkIdOf(tcpCheck(A, 80)), 1000, fail('local'))), ['delDest tcp:10.1.0.100:80 10.2.0.11:80']);
  });

  it('an alpha checker whose first definitive result is a failure runs notify_down once (update_svr_checker_state, !has_run && alpha)', () => {
    const cc = tcpCheck(A, 80, { alpha: true, retry: 0 });
    const c = core(config([vs('10.1.0.100', 80, [rs(A, 80, { checkers: [cc] })])]));
    c.handle({ type: 'start', table: { services: [] } }, 0);
    assert.deepEqual(notifiesOf(check(c, checkIdOf(cc), 1000, fail())), [`RS ${A}:80 DOWN /down ${A}`]);
    assert.deepEqual(notifiesOf(check(c, checkIdOf(cc), 11000, fail())), [], 'only once');
  });

  it('a checker transition is reported with its reason; a result of a probe not asked for is ignored', () => {
    const id = checkIdOf(tcpCheck(A, 80));
    const c = core(config([vs('10.1.0.100', 80, [rs(A, 80)])]));
    c.handle({ type: 'start', table: { services: [] } }, 0);
    assert.deepEqual(c.handle({ type: 'checkResult', checkId: id, outcome: fail() }, 500), []);
    const fx = check(c, id, 1000, fail('timeout'));
    const t = fx.find((e) => e.type === 'checkerTransition');
    assert.ok(t && t.type === 'checkerTransition' && !t.up && t.reason === 'timeout');
  });

  it('CheckerState alone: FILE_CHECK never retries and is never alpha', () => {
    const s = new CheckerState('f', { type: 'FILE_CHECK', source: { file: 'x', line: 1 }, trackFile: 'tf', weight: 0, reverse: false, delayLoopMs: 5000 });
    assert.equal(s.up, true);
    s.schedule(0, () => 0.9);
    assert.equal(s.nextRunMs, 1000);
    s.startRun(1000);
    assert.deepEqual(s.onResult(fail(), 1000), { transition: 'down', firstRunNotify: false });
    assert.equal(s.nextRunMs, 6000);
  });
});

describe('lvs core: shared checkers (issue 10, lvs.md §9.10)', () => {
  it('an identical checker of one RS in two virtual servers runs once and feeds both', () => {
    const c = core(config([vs('10.1.0.100', 80, [rs(A, 80), rs(B, 80)]), vs('10.1.0.101', 80, [rs(A, 80)])]));
    c.handle({ type: 'start', table: { services: [] } }, 0);
    const asked = runChecksOf(c.handle({ type: 'timeout' }, 1000));
    assert.deepEqual(asked, [checkIdOf(tcpCheck(A, 80)), checkIdOf(tcpCheck(B, 80))]);
    const fx = c.handle({ type: 'checkResult', checkId: asked[0]!, outcome: fail() }, 1000);
    assert.deepEqual(opsOf(fx), ['delDest tcp:10.1.0.100:80 10.2.0.11:80', 'delDest tcp:10.1.0.101:80 10.2.0.11:80']);
  });

  it('checkIds ignore the source line but differ on any probe option', () => {
    assert.equal(checkIdOf(tcpCheck(A, 80)), checkIdOf({ ...tcpCheck(A, 80), source: { file: 'other.conf', line: 99 } }));
    assert.notEqual(checkIdOf(tcpCheck(A, 80)), checkIdOf(tcpCheck(A, 80, { connectTimeoutMs: 3000 })));
    assert.match(checkIdOf(tcpCheck(A, 80)), /^TCP_CHECK 10\.2\.0\.11:80 [0-9a-f]{12}$/);
  });
});
