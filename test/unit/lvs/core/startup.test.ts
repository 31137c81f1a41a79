// Startup, the inhibit rewrite and RS state from checkers (lvs.md §2.2-2.4; keepalived check/ipwrapper.c
// init_service_vs, init_service_rs, update_svr_checker_state, perform_svr_state; ipvswrapper.c ipvs_cmd :550-576).
import assert from 'node:assert/strict';
import { checkIdOf } from '../../../../src/lvs/core/checkId.js';
import type { LvsTable } from '../../../../src/lvs/model.js';
import { check, config, core, fail, notifiesOf, ok, opsOf, rs, tcpCheck, vs } from './fixtures.js';

const A = '10.2.0.11';
const B = '10.2.0.12';
const V = '10.1.0.100';
const idA = checkIdOf(tcpCheck(A, 80));
const idB = checkIdOf(tcpCheck(B, 80));
const empty: LvsTable = { services: [] };

describe('lvs core: startup (lvs.md §2.2)', () => {
  it('non-alpha RS go in at full weight before any check (init_service_rs; #2064), and the VS gains quorum (quorum_up runs)', () => {
    const c = core(config([vs(V, 80, [rs(A, 80, { weight: 3 }), rs(B, 80)])]));
    const fx = c.handle({ type: 'start', table: empty }, 0);
    assert.deepEqual(opsOf(fx), ['addService tcp:10.1.0.100:80 wrr', `addDest tcp:${V}:80 ${A}:80 w3`, `addDest tcp:${V}:80 ${B}:80 w1`]);
    // set_quorum_states runs before any RS is alive, so init_service_vs *gains* quorum ("Starting with quorum up").
    assert.deepEqual(notifiesOf(fx), [`VS TCP:${V}:80 UP /quorum-up`]);
    assert.ok(fx.findIndex((e) => e.type === 'apply') < fx.findIndex((e) => e.type === 'quorumTransition'), 'table first, then notifies');
  });

  it('alpha: only inhibit RS are added, at weight 0; no quorum, so no quorum_up', () => {
    const alpha = (a: string, inhibit: boolean) => rs(a, 80, { inhibitOnFailure: inhibit, checkers: [tcpCheck(a, 80, { alpha: true })] });
    const c = core(config([vs(V, 80, [alpha(A, true), alpha(B, false)])]));
    const fx = c.handle({ type: 'start', table: empty }, 0);
    assert.deepEqual(opsOf(fx), ['addService tcp:10.1.0.100:80 wrr', `addDest tcp:${V}:80 ${A}:80 w0`]);
    assert.deepEqual(notifiesOf(fx), []);
  });

  it('rs_init_notifies: RS notifies are sent at startup (init_service_rs)', () => {
    const c = core(config([vs(V, 80, [rs(A, 80)])], { rsInitNotifies: true }));
    assert.deepEqual(notifiesOf(c.handle({ type: 'start', table: empty }, 0)), [`RS ${A}:80 UP /up ${A}`, `VS TCP:${V}:80 UP /quorum-up`]);
  });

  it('a kernel table that already matches is adopted with zero ops (no flap on restart, issue 10)', () => {
    const cfg = config([vs(V, 80, [rs(A, 80, { weight: 3 }), rs(B, 80)])]);
    const table = core(cfg).desired();
    assert.deepEqual(opsOf(core(cfg).handle({ type: 'start', table }, 0)), []);
  });

  it('a drifted kernel table is repaired at start; foreign services stay (lvs.md §9.6)', () => {
    const cfg = config([vs(V, 80, [rs(A, 80, { weight: 3 })])]);
    const want = core(cfg).desired().services[0]!;
    const table: LvsTable = {
      services: [
        { spec: { ...want.spec, scheduler: 'rr' }, dests: [{ ...want.dests[0]!, weight: 1 }, { ...want.dests[0]!, address: '10.9.9.9' }] },
        { spec: { family: 'inet', fwmark: 5, scheduler: 'rr', flags: 0, timeoutS: 0, netmaskBits: 32 }, dests: [] },
      ],
    };
    assert.deepEqual(opsOf(core(cfg).handle({ type: 'start', table }, 0)), ['editService tcp:10.1.0.100:80 wrr', `delDest tcp:${V}:80 10.9.9.9:80`, `editDest tcp:${V}:80 ${A}:80 w3`]);
  });

  it('lvs_flush: every service of the table is deleted (foreign ones too) before ours are added', () => {
    const cfg = config([vs(V, 80, [rs(A, 80)])], { flushAtStart: true });
    const table: LvsTable = { services: [...core(cfg).desired().services, { spec: { family: 'inet', fwmark: 5, scheduler: 'rr', flags: 0, timeoutS: 0, netmaskBits: 32 }, dests: [] }] };
    assert.deepEqual(opsOf(core(cfg).handle({ type: 'start', table }, 0)), [
      'delService tcp:10.1.0.100:80',
      'delService fwm:5',
      'addService tcp:10.1.0.100:80 wrr',
      `addDest tcp:${V}:80 ${A}:80 w1`,
    ]);
  });

  it('tableRead after a failed apply: the core emits what repairs the drift', () => {
    const c = core(config([vs(V, 80, [rs(A, 80)])]));
    c.handle({ type: 'start', table: empty }, 0);
    const svc = c.desired().services[0]!;
    assert.deepEqual(opsOf(c.handle({ type: 'tableRead', table: { services: [{ spec: svc.spec, dests: [] }] } }, 5)), [`addDest tcp:${V}:80 ${A}:80 w1`]);
    assert.deepEqual(opsOf(c.handle({ type: 'tableRead', table: c.desired() }, 6)), []);
  });

  it('desired(): persistence, one-packet, sh flags, DR port and TUN tunnel reach the specs (lvs.md §1.2-1.4)', () => {
    const c = core(
      config([
        vs(V, 53, [rs(A, 5353, { method: { kind: 'DR' } }), rs(B, 53, { method: { kind: 'TUN', tunnel: 'gue', tunnelPort: 6080, checksum: 'csum' } })], {
          scheduler: 'sh',
          schedulerFlags: ['sh-port', 'flag-3'],
          onePacket: true,
          persistence: { timeoutS: 360, netmaskBits: 24, engine: null },
        }),
      ]),
    );
    const [svc] = c.desired().services;
    assert.deepEqual(
      { scheduler: svc!.spec.scheduler, flags: svc!.spec.flags, timeoutS: svc!.spec.timeoutS, netmaskBits: svc!.spec.netmaskBits },
      { scheduler: 'sh', flags: 0x1 | 0x4 | 0x10 | 0x20, timeoutS: 360, netmaskBits: 24 },
    );
    assert.deepEqual(svc!.dests[0], { address: A, port: 53, forward: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0 });
    assert.deepEqual(svc!.dests[1]!.tunnel, { type: 'gue', port: 6080, flags: 1 });
  });

  it('a group VS programs one service per key with the same dests (lvs.md §1.7)', () => {
    const g = vs(V, 80, [rs(A, 80)], {
      id: 'group:web#0',
      keys: [
        { kind: 'address', family: 'inet', protocol: 'TCP', address: V, port: 80 },
        { kind: 'address', family: 'inet', protocol: 'TCP', address: '10.1.0.101', port: 80 },
      ],
    });
    assert.deepEqual(opsOf(core(config([g])).handle({ type: 'start', table: empty }, 0)), [
      'addService tcp:10.1.0.100:80 wrr',
      `addDest tcp:${V}:80 ${A}:80 w1`,
      'addService tcp:10.1.0.101:80 wrr',
      `addDest tcp:10.1.0.101:80 ${A}:80 w1`,
    ]);
  });
});

describe('lvs core: inhibit_on_failure (lvs.md §2.3, ipvs_cmd ipvswrapper.c:550-576)', () => {
  it('a failure edits the RS to weight 0 instead of deleting it; recovery edits it back', () => {
    const c = core(config([vs(V, 80, [rs(A, 80, { inhibitOnFailure: true, weight: 5 }), rs(B, 80)])]));
    c.handle({ type: 'start', table: empty }, 0);
    assert.deepEqual(opsOf(check(c, idA, 1000, fail())), [`editDest tcp:${V}:80 ${A}:80 w0`]);
    assert.deepEqual(opsOf(check(c, idA, 11000, ok())), [`editDest tcp:${V}:80 ${A}:80 w5`]);
  });
});

describe('lvs core: RS state from its checkers (lvs.md §2.4)', () => {
  const two = () => rs(A, 80, { checkers: [tcpCheck(A, 80), tcpCheck(A, 8080)] });
  const id8080 = checkIdOf(tcpCheck(A, 8080));

  it('the first failing checker takes the RS down (notify_down); a second failing one changes nothing', () => {
    const c = core(config([vs(V, 80, [two(), rs(B, 80)])]));
    c.handle({ type: 'start', table: empty }, 0);
    const fx = check(c, idA, 1000, fail());
    assert.deepEqual(opsOf(fx), [`delDest tcp:${V}:80 ${A}:80`]);
    assert.deepEqual(notifiesOf(fx), [`RS ${A}:80 DOWN /down ${A}`]);
    const fx2 = check(c, id8080, 1000, fail());
    assert.deepEqual([...opsOf(fx2), ...notifiesOf(fx2)], []);
  });

  it('the RS comes back only when the last failing checker recovers', () => {
    const c = core(config([vs(V, 80, [two(), rs(B, 80)])]));
    c.handle({ type: 'start', table: empty }, 0);
    check(c, idA, 1000, fail());
    check(c, id8080, 1000, fail());
    assert.deepEqual(opsOf(check(c, idA, 11000, ok())), [], 'one checker still failing');
    const fx = check(c, id8080, 11000, ok());
    assert.deepEqual(opsOf(fx), [`addDest tcp:${V}:80 ${A}:80 w1`]);
    assert.deepEqual(notifiesOf(fx), [`RS ${A}:80 UP /up ${A}`]);
  });

  it('an RS without checkers is alive from the start and stays', () => {
    const c = core(config([vs(V, 80, [rs(A, 80, { checkers: [] })])]));
    assert.deepEqual(opsOf(c.handle({ type: 'start', table: empty }, 0)), ['addService tcp:10.1.0.100:80 wrr', `addDest tcp:${V}:80 ${A}:80 w1`]);
    assert.equal(c.nextDeadline(), null);
  });
});

export { idB };
