// The LVS shell's runner on virtual time: the core's effects executed in order, one timer armed for the core's
// deadline, probes kept per checkId, refused operations re-read and repaired (with a back-off when the kernel
// keeps refusing), applies serial, stop in keepalived's order or keeping the table.
import assert from 'node:assert/strict';
import { destId } from '../../../../src/lvs/model.js';
import { harness, settle } from './harness.js';
import { rs, script, vs } from './fakes.js';
import { zeroStats } from '../memoryDataPlane.js';

const RS1 = rs('10.2.0.11', 80, 3, { notifyDown: script('/usr/local/bin/rs-down.sh web1'), notifyUp: script('/usr/local/bin/rs-up.sh') });
const RS2 = rs('10.2.0.12', 80, 1);
const VS1 = vs('10.1.0.100', 80, [RS1, RS2], { quorum: 2, quorumDown: script('/usr/local/bin/quorum-down.sh'), quorumUp: script('/usr/local/bin/quorum-up.sh') });
const VS2 = vs('10.1.0.101', 443, [rs('10.2.0.11', 80, 1)]);

describe('lvs shell: runner', () => {
  it('start: reads the table, hands it to the core, programs it, runs one probe per checkId and arms the deadline', async () => {
    const h = harness([VS1, VS2]);
    await h.runner.start();
    await settle(h);
    assert.equal(h.plane.reads, 1);
    assert.equal(h.core.events[0]!.ev.type, 'start');
    assert.deepEqual(h.plane.log, [
      'addService tcp:10.1.0.100:80', 'addDest tcp:10.1.0.100:80 → 10.2.0.11:80', 'addDest tcp:10.1.0.100:80 → 10.2.0.12:80',
      'addService tcp:10.1.0.101:443', 'addDest tcp:10.1.0.101:443 → 10.2.0.11:80',
    ]);
    // 10.2.0.11:80 is a real server of both virtual servers: one checkId, one probe.
    assert.equal(h.probes.created, 2);
    assert.deepEqual([...h.probes.runs].sort(), ['10.2.0.11:80', '10.2.0.12:80']);
    assert.equal(h.clock.nextDeadline(), h.core.nextDeadline());
    assert.equal(h.core.nextDeadline(), 1000);
  });

  it('re-arms its one timer at every deadline and feeds `timeout`; probes are kept, not re-created', async () => {
    const h = harness([VS1]);
    await h.runner.start();
    await settle(h);
    await h.clock.advanceAsync(1000);
    await settle(h);
    await h.clock.advanceAsync(1000);
    await settle(h);
    assert.equal(h.core.events.filter((e) => e.ev.type === 'timeout').length, 2);
    assert.deepEqual(h.core.events.filter((e) => e.ev.type === 'timeout').map((e) => e.nowMs), [1000, 2000]);
    assert.equal(h.probes.created, 2);
    assert.equal(h.probes.runs.length, 6);
    assert.equal(h.clock.pending(), 1, 'one timer, not one per deadline');
    assert.equal(h.clock.nextDeadline(), 3000);
  });

  it('a failed check: keepalived log lines, delDest, notify_down script, FIFO lines; recovery: addDest, notify_up, UP', async () => {
    const h = harness([VS1]);
    await h.runner.start();
    await settle(h);
    h.probes.fail('10.2.0.11:80');
    await h.clock.advanceAsync(1000);
    await settle(h);
    assert.ok(h.logger.lines.includes('info TCP_CHECK on service [10.2.0.11]:tcp:80 failed. (refused: connect ECONNREFUSED)'), h.logger.lines.join('\n'));
    assert.ok(h.logger.lines.includes('info Removing service [10.2.0.11]:tcp:80 from VS [10.1.0.100]:tcp:80'));
    assert.ok(h.logger.lines.includes('info Lost quorum 2-0=2 > 1 for VS [10.1.0.100]:tcp:80'));
    assert.equal(h.plane.log.at(-1), 'delDest tcp:10.1.0.100:80 → 10.2.0.11:80');
    assert.deepEqual(h.fifo, ['RS [10.2.0.11]:tcp:80 [10.1.0.100]:tcp:80 DOWN\n', 'VS [10.1.0.100]:tcp:80 DOWN\n']);
    assert.deepEqual(h.spawner.runs.map((r) => r.argv.join(' ')), ['/usr/local/bin/rs-down.sh web1', '/usr/local/bin/quorum-down.sh']);
    assert.equal(h.counters.checkFailures.get('refused'), 1);
    assert.equal(h.counters.transitions.get('check_refused'), 1);

    h.probes.heal('10.2.0.11:80');
    await h.clock.advanceAsync(1000);
    await settle(h);
    assert.ok(h.logger.lines.includes('info TCP connection to [10.2.0.11]:tcp:80 success.'));
    assert.ok(h.logger.lines.includes('info Adding service [10.2.0.11]:tcp:80 to VS [10.1.0.100]:tcp:80'));
    assert.ok(h.logger.lines.includes('info Gained quorum 2+0=2 <= 4 for VS [10.1.0.100]:tcp:80'));
    assert.deepEqual(h.fifo.slice(2), ['RS [10.2.0.11]:tcp:80 [10.1.0.100]:tcp:80 UP\n', 'VS [10.1.0.100]:tcp:80 UP\n']);
    assert.deepEqual(h.spawner.runs.slice(2).map((r) => r.argv.join(' ')), ['/usr/local/bin/rs-up.sh', '/usr/local/bin/quorum-up.sh']);
    for (const r of h.spawner.runs) r.exit({ code: 0, signal: null });
  });

  it('an inhibit_on_failure real server is "Disabling service … of VS"', async () => {
    const inhibit = vs('10.1.0.100', 80, [rs('10.2.0.11', 80, 1, { inhibitOnFailure: true }), RS2]);
    const h = harness([inhibit]);
    await h.runner.start();
    await settle(h);
    h.probes.fail('10.2.0.11:80');
    await h.clock.advanceAsync(1000);
    await settle(h);
    assert.ok(h.logger.lines.includes('info Disabling service [10.2.0.11]:tcp:80 of VS [10.1.0.100]:tcp:80'), h.logger.lines.join('\n'));
  });

  it('a refused operation: counted by reason, the table re-read and handed back (tableRead), the drift repaired', async () => {
    const h = harness([VS1]);
    h.plane.refuseNext(1); // the addService of the start
    await h.runner.start();
    await settle(h);
    assert.equal(h.counters.dataplaneErrors.get('ipvs_refused'), 1);
    assert.equal(h.plane.reads, 2, 'start read + repair read');
    const kinds = h.core.events.map((e) => e.ev.type);
    assert.deepEqual(kinds.filter((k) => k === 'start' || k === 'tableRead'), ['start', 'tableRead']);
    assert.equal(h.counters.driftRepairs, 1);
    // The repair's apply put the service in; its dests had gone in (the plane refused only one op… onto no service).
    assert.ok(h.plane.services.has('tcp:10.1.0.100:80'));
    assert.deepEqual([...h.plane.services.get('tcp:10.1.0.100:80')!.dests.keys()].sort(), [destId(RS1), destId(RS2)].sort());
    assert.ok(h.logger.lines.some((l) => l.startsWith('warn memory: addService tcp:10.1.0.100:80 refused')));
  });

  it('a kernel that keeps refusing is re-read on a doubling back-off, not in a loop', async () => {
    const h = harness([VS1]);
    h.plane.refuseNext(Infinity);
    await h.runner.start();
    await settle(h);
    assert.equal(h.plane.reads, 2, 'start read, then one immediate repair read');
    const readsAt: number[] = [];
    let last = h.plane.reads;
    for (let t = 0; t < 16_000; t += 250) {
      await h.clock.advanceAsync(250);
      await settle(h);
      if (h.plane.reads !== last) readsAt.push(h.clock.now());
      last = h.plane.reads;
    }
    // Back-off 1 s, 2 s, 4 s, 8 s from each failed repair (probes' own check cycles add no reads).
    assert.deepEqual(readsAt, [1000, 3000, 7000, 15000]);
    assert.ok(h.counters.driftRepairs <= 6);
    h.plane.refuseNext(0);
    await h.clock.advanceAsync(16_000);
    await settle(h);
    const repaired = h.plane.reads;
    await h.clock.advanceAsync(60_000);
    await settle(h);
    assert.equal(h.plane.reads, repaired, 'once an apply succeeds, no more re-reads');
    assert.ok(h.plane.services.has('tcp:10.1.0.100:80'));
  });

  it('applies are serial and in order even when the kernel is slow', async () => {
    const h = harness([VS1]);
    await h.runner.start();
    await settle(h);
    let open!: () => void;
    h.plane.gate = new Promise<void>((r) => (open = r));
    h.probes.fail('10.2.0.11:80');
    h.probes.fail('10.2.0.12:80');
    await h.clock.advanceAsync(1000);
    await h.clock.advanceAsync(0);
    assert.equal(h.plane.inApply, 1, 'the first delDest waits in the kernel, the second waits its turn');
    h.plane.gate = null;
    open();
    await settle(h);
    assert.equal(h.plane.maxConcurrentApplies, 1);
    assert.deepEqual(h.plane.log.slice(-2), ['delDest tcp:10.1.0.100:80 → 10.2.0.11:80', 'delDest tcp:10.1.0.100:80 → 10.2.0.12:80']);
  });

  it('an apply that throws is logged, counted (apply_failed) and repaired like a refused one', async () => {
    const h = harness([VS1]);
    await h.runner.start();
    await settle(h);
    const realApply = h.plane.apply.bind(h.plane);
    let throwOnce = true;
    h.plane.apply = async (ops) => {
      if (throwOnce) {
        throwOnce = false;
        throw new Error('socket closed');
      }
      return realApply(ops);
    };
    h.probes.fail('10.2.0.11:80');
    await h.clock.advanceAsync(1000);
    await settle(h);
    assert.equal(h.counters.dataplaneErrors.get('apply_failed'), 1);
    assert.equal(h.counters.driftRepairs, 1, 'an apply that threw is repaired like a refused one');
    assert.ok(!h.plane.services.get('tcp:10.1.0.100:80')!.dests.has('10.2.0.11:80'));
  });

  it('dropCheck closes the probe; the answer of a dropped, hung probe is not fed to the core', async () => {
    const h = harness([VS1]);
    await h.runner.start();
    await settle(h);
    h.probes.hang.add('10.2.0.12:80');
    await h.clock.advanceAsync(1000);
    await settle(h);
    const before = h.core.events.length;
    await h.runner.reload((now) => h.core.reload({ ...h.cfg, virtualServers: [vs('10.1.0.100', 80, [RS1], { quorum: 1 })] }, now));
    await settle(h);
    assert.equal(h.probes.closed, 1);
    assert.equal(h.plane.log.at(-1), 'delDest tcp:10.1.0.100:80 → 10.2.0.12:80');
    h.probes.hung.get('10.2.0.12:80')!();
    await settle(h);
    assert.ok(!h.core.events.slice(before).some((e) => e.ev.type === 'checkResult' && e.ev.checkId === 'tcp:10.2.0.12:80'));
  });

  it('the late answer of a dropped probe does not clear the in-flight mark of its replacement (one run at a time)', async () => {
    const h = harness([VS1]);
    await h.runner.start();
    await settle(h);
    const target = '10.2.0.12:80';
    const id = 'tcp:10.2.0.12:80';
    h.probes.hang.add(target);
    await h.clock.advanceAsync(1000);
    await settle(h);
    const releaseOld = h.probes.hung.get(target)!;
    // A reload drops the check and asks for it again (same id): a new probe runs and hangs too.
    await h.runner.reload(() => [{ type: 'dropCheck', checkId: id }, { type: 'runCheck', checkId: id }]);
    await settle(h);
    const runs = () => h.probes.runs.filter((t) => t === target).length;
    const before = runs();
    releaseOld(); // the closed probe answers late
    await settle(h);
    await h.runner.reload(() => [{ type: 'runCheck', checkId: id }]);
    await settle(h);
    assert.equal(runs(), before, 'the replacement is still running: no second concurrent run');
  });

  it('a probe whose run() throws synchronously answers a local failure (the check is not stuck in flight)', async () => {
    const h = harness([VS1]);
    await h.runner.start();
    await settle(h);
    h.probes.throwing.add('10.2.0.12:80');
    await h.clock.advanceAsync(1000);
    await settle(h);
    const results = h.core.events.filter((e) => e.ev.type === 'checkResult' && e.ev.checkId === 'tcp:10.2.0.12:80').map((e) => e.ev);
    const last = results.at(-1) as { outcome: { ok: boolean; reason?: string } };
    assert.equal(last.outcome.ok, false);
    assert.equal(last.outcome.reason, 'local');
    h.probes.throwing.delete('10.2.0.12:80');
    await h.clock.advanceAsync(1000);
    await settle(h);
    assert.equal((h.core.events.at(-1)!.ev as { outcome?: { ok: boolean } }).outcome?.ok ?? null, true);
  });

  it('stop: the core\'s stop applied (dests, then the service), probes closed, timer gone, plane closed', async () => {
    const h = harness([VS1]);
    await h.runner.start();
    await settle(h);
    await h.runner.stop();
    assert.deepEqual(h.plane.log.slice(-3), [
      'delDest tcp:10.1.0.100:80 → 10.2.0.11:80', 'delDest tcp:10.1.0.100:80 → 10.2.0.12:80', 'delService tcp:10.1.0.100:80',
    ]);
    assert.equal(h.plane.services.size, 0);
    assert.equal(h.probes.closed, 2);
    assert.equal(h.clock.pending(), 0);
    assert.ok(h.plane.closed);
  });

  it('stop keeping the table (vipd_lvs_keep_on_stop): nothing removed, the plane closed', async () => {
    const h = harness([VS1]);
    await h.runner.start();
    await settle(h);
    const ops = h.plane.log.length;
    await h.runner.stop({ keepTable: true });
    assert.equal(h.plane.log.length, ops);
    assert.equal(h.plane.services.size, 1);
    assert.ok(h.plane.closed);
    assert.ok(h.logger.lines.some((l) => l.includes('vipd_lvs_keep_on_stop: leaving the virtual servers')));
  });

  it('counters for metrics: the last table is cached and re-read at most every N ms, behind the applies', async () => {
    const h = harness([VS1]);
    await h.runner.start();
    await settle(h);
    const reads = h.plane.reads;
    await h.runner.refreshCounters(5000);
    assert.equal(h.plane.reads, reads, 'fresh enough');
    await h.clock.advanceAsync(5000);
    await settle(h);
    await h.runner.refreshCounters(5000);
    assert.equal(h.plane.reads, reads + 1);
    assert.equal(h.runner.lastTable()!.atMs, 5000);
  });

  it('counters for metrics: a plane that counts connections apart has them merged into every table remembered', async () => {
    const h = harness([VS1]);
    let counts = new Map([['tcp:10.1.0.100:80', new Map([['10.2.0.11:80', { active: 3, inactive: 1 }]])]]);
    let calls = 0;
    (h.plane as { connections?: () => Promise<typeof counts> }).connections = async () => (calls++, counts);
    // What the plane's read() says (nftables: 0 for both).
    h.plane.counters.set('tcp:10.1.0.100:80', { service: zeroStats(), dests: new Map([['10.2.0.11:80', { stats: zeroStats(), activeConns: 0, inactiveConns: 0, persistentConns: 0 }]]) });
    await h.runner.start();
    await settle(h);
    assert.equal(calls, 0, 'not at start: only at the metrics\' pace');
    await h.clock.advanceAsync(5000);
    await h.runner.refreshCounters(5000);
    const dest = () => h.runner.lastTable()!.table.counters.get('tcp:10.1.0.100:80')!.dests.get('10.2.0.11:80');
    assert.equal(calls, 1);
    assert.deepEqual([dest()?.activeConns, dest()?.inactiveConns], [3, 1]);
    counts = new Map();
    await h.clock.advanceAsync(5000);
    await h.runner.refreshCounters(5000);
    assert.equal(calls, 2);
    assert.deepEqual([dest()?.activeConns, dest()?.inactiveConns], [0, 0]);
  });
});
