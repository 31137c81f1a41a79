import assert from 'node:assert/strict';
import { VrrpInstance } from '../../../src/vrrp/instance.js';
import { fields, kinds, logs, params, VIP } from './params.js';

const T0 = 1_000_000;

function backup(over = {}): VrrpInstance {
  const i = new VrrpInstance(params(over));
  i.handle({ type: 'startup' }, T0);
  return i;
}
function master(over = {}): VrrpInstance {
  const i = backup(over);
  i.handle({ type: 'timeout' }, i.nextDeadline()!);
  assert.equal(i.state, 'MASTER');
  return i;
}

describe('vrrp/instance', () => {
  describe('startup', () => {
    it('non-owner: removes stale VIPs, enters BACKUP, arms Master_Down_Interval', () => {
      const i = new VrrpInstance(params());
      assert.equal(i.nextDeadline(), null);
      const fx = i.handle({ type: 'startup' }, T0);
      assert.deepEqual(kinds(fx), ['removeVips', 'transition']);
      assert.deepEqual(fx.find((e) => e.type === 'transition'), { type: 'transition', from: 'INIT', to: 'BACKUP', reason: 'startup' });
      assert.ok(logs(fx).includes('(VI_1) Entering BACKUP STATE (init)'));
      assert.equal(i.nextDeadline(), T0 + 3609.375);
    });
    it('owner with state MASTER: master at once — advert, VIPs, GARP burst, in that order', () => {
      const i = new VrrpInstance(params({ priority: 255, initialState: 'MASTER' }));
      const fx = i.handle({ type: 'startup' }, T0);
      assert.deepEqual(kinds(fx), ['transition', 'sendAdvert', 'addVips', 'sendGarp']);
      assert.deepEqual(fx.find((e) => e.type === 'sendAdvert'), { type: 'sendAdvert', priority: 255 });
      assert.deepEqual(fx.find((e) => e.type === 'sendGarp'), { type: 'sendGarp', vips: [VIP], count: 5 });
      assert.ok(logs(fx).includes('(VI_1) Entering MASTER STATE'));
      assert.equal(i.snapshot().lastTransition?.reason, 'owner-startup');
      assert.equal(i.nextDeadline(), T0 + 1000);
    });
    it('priority 255 with state BACKUP waits like everyone else', () => {
      const i = backup({ priority: 255 });
      assert.equal(i.state, 'BACKUP');
      assert.equal(i.nextDeadline(), T0 + 3000 + 1000 / 256);
    });
    it('startup with a pending fault goes to FAULT and arms nothing', () => {
      const i = new VrrpInstance(params());
      assert.deepEqual(i.handle({ type: 'fault', reason: 'eth0 down' }, T0), []);
      const fx = i.handle({ type: 'startup' }, T0);
      assert.equal(i.state, 'FAULT');
      assert.deepEqual(kinds(fx), ['transition', 'removeVips']);
      assert.equal(i.nextDeadline(), null);
    });
    it('rejects an impossible base priority (local config error)', () => {
      assert.throws(() => new VrrpInstance(params({ priority: 0 })));
      assert.throws(() => new VrrpInstance(params({ priority: 256 })));
    });
  });

  describe('BACKUP', () => {
    it('Master_Down expiry → MASTER with keepalived wording and order', () => {
      const i = backup();
      assert.deepEqual(i.handle({ type: 'timeout' }, T0 + 3000), []); // not yet due: no-op
      const fx = i.handle({ type: 'timeout' }, T0 + 3609.375);
      assert.deepEqual(kinds(fx), ['transition', 'sendAdvert', 'addVips', 'sendGarp']);
      assert.deepEqual(logs(fx), ['(VI_1) Receive advertisement timeout (nothing heard for 3609 ms, timer 3609 ms)', '(VI_1) Entering MASTER STATE']);
      assert.equal(i.snapshot().lastTransition?.reason, 'master-down');
    });
    it('the timeout line says how long nothing was heard and how late the decision came (a stalled backup)', () => {
      const i = backup();
      i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(150) }, T0 + 2000);
      // Master_Down_Interval for priority 100 at 1 s: 3 × 1000 + (256 − 100) × 1000 / 256 = 3609.375 ms.
      const fx = i.handle({ type: 'timeout' }, T0 + 2000 + 3609.375 + 40);
      assert.deepEqual(logs(fx), [
        '(VI_1) Receive advertisement timeout (nothing heard for 3649 ms, timer 3609 ms, decided 40 ms late)',
        '(VI_1) Entering MASTER STATE',
      ]);
    });
    describe('Master_Down right after a stall of this process (a paused machine pauses the master too)', () => {
      // Priority 100 at 1 s: Master_Down_Interval 3609.375 ms; the last advert heard at T0 + 2000.
      const heard = T0 + 2000;
      const due = heard + 3609.375;
      const waiting = () => {
        const i = backup();
        i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(150) }, heard);
        return i;
      };
      it('a stall of at least one advert interval inside the wait defers the decision by one advert interval, once', () => {
        const i = waiting();
        const stall = { endMs: due + 5, lengthMs: 1200 };
        const fx = i.handle({ type: 'timeout', stall }, due + 5);
        assert.equal(i.state, 'BACKUP');
        assert.deepEqual(logs(fx), ['(VI_1) Master_Down deferred 1000 ms: this process did not run for 1200 ms, the master may have been paused with it']);
        assert.equal(i.nextDeadline(), due + 5 + 1000);
        // The master really is gone: the next decision is taken, the same stall grants nothing twice.
        const fx2 = i.handle({ type: 'timeout', stall }, due + 1005);
        assert.equal(i.state, 'MASTER');
        assert.match(logs(fx2)[0]!, /Receive advertisement timeout \(nothing heard for 4614 ms, timer 4614 ms\)/);
      });
      it('an advert heard during the grace re-arms a full Master_Down and a later stall may defer again', () => {
        const i = waiting();
        i.handle({ type: 'timeout', stall: { endMs: due, lengthMs: 1500 } }, due);
        i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(150) }, due + 300);
        assert.equal(i.nextDeadline(), due + 300 + 3609.375);
        i.handle({ type: 'timeout', stall: { endMs: due + 300 + 3609.375, lengthMs: 1100 } }, due + 300 + 3609.375);
        assert.equal(i.state, 'BACKUP', 'deferred again: a new wait');
      });
      it('a decision that comes long after the stall (a busy backup) still waits one interval from the decision', () => {
        const i = waiting();
        i.handle({ type: 'timeout', stall: { endMs: heard + 100, lengthMs: 1500 } }, due + 40);
        assert.equal(i.state, 'BACKUP');
        assert.equal(i.nextDeadline(), due + 40 + 1000);
      });
      it('no deferral for a stall shorter than the advert interval or one that ended before the last advert', () => {
        for (const [what, stall, at] of [
          ['shorter than an interval', { endMs: due, lengthMs: 999 }, due],
          ['ended before the advert', { endMs: heard - 1, lengthMs: 5000 }, due],
        ] as const) {
          const i = waiting();
          i.handle({ type: 'timeout', stall }, at);
          assert.equal(i.state, 'MASTER', what);
        }
      });
      it('a sync group member is deferred the same way (its want state stays BACKUP)', () => {
        const i = waiting();
        const fx = i.handle({ type: 'timeout', stall: { endMs: due, lengthMs: 2000 } }, due);
        assert.equal(fx.length, 1);
        const g = new VrrpInstance(params({ inSyncGroup: true }));
        g.handle({ type: 'startup' }, T0);
        g.handle({ type: 'advert', src: '10.1.0.2', fields: fields(150) }, heard);
        const gfx = g.handle({ type: 'timeout', stall: { endMs: due, lengthMs: 2000 } }, due);
        assert.deepEqual(logs(gfx), ['(VI_1) Master_Down deferred 1000 ms: this process did not run for 2000 ms, the master may have been paused with it']);
        assert.equal(g.wantState, 'BACKUP');
      });
    });
    it('accepts higher and equal priority: resets the timer and records the master', () => {
      const i = backup();
      assert.deepEqual(kinds(i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(150) }, T0 + 2000)), []);
      assert.equal(i.nextDeadline(), T0 + 2000 + 3609.375);
      i.handle({ type: 'advert', src: '10.1.0.3', fields: fields(100) }, T0 + 3000);
      assert.equal(i.nextDeadline(), T0 + 3000 + 3609.375);
      const s = i.snapshot();
      assert.equal(s.masterAddress, '10.1.0.3'); assert.equal(s.masterPriority, 100);
    });
    it('lower priority with preempt: discarded, timer not reset (RFC 5798 §6.4.2)', () => {
      const i = backup();
      const fx = i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(50) }, T0 + 2000);
      assert.deepEqual(logs(fx), ['(VI_1) received lower priority (50) advert from 10.1.0.2 - discarding']);
      assert.equal(i.nextDeadline(), T0 + 3609.375);
    });
    it('lower priority with nopreempt: accepted', () => {
      const i = backup({ preempt: false });
      i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(50) }, T0 + 2000);
      assert.equal(i.nextDeadline(), T0 + 2000 + 3609.375);
    });
    it('priority 0 → master after skew only', () => {
      const i = backup();
      const fx = i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(0) }, T0 + 100);
      assert.deepEqual(logs(fx), ['(VI_1) Backup received priority 0 advertisement']);
      assert.equal(i.nextDeadline(), T0 + 100 + 609.375);
      i.handle({ type: 'timeout' }, i.nextDeadline()!);
      assert.equal(i.state, 'MASTER');
      assert.equal(i.snapshot().lastTransition?.reason, 'master-released');
    });
    it('v3 adopts the master\'s interval and reverts to its own when it becomes master', () => {
      const i = backup({ version: 3, advertIntMs: 1000 });
      const fx = i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(200, { version: 3, advertIntMs: 100 }) }, T0);
      assert.ok(logs(fx).some((l) => l.includes('mine=1000 milli-sec, rcved=100 milli-sec')));
      assert.equal(i.snapshot().masterAdverIntMs, 100);
      assert.equal(i.nextDeadline(), T0 + 300 + (156 * 100) / 256); // skew from OUR priority 100
      i.handle({ type: 'timeout' }, i.nextDeadline()!);
      assert.equal(i.state, 'MASTER');
      assert.equal(i.snapshot().masterAdverIntMs, 1000);
    });
    it('v2 never adopts an interval (mismatches are dropped by validation)', () => {
      const i = backup();
      i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(200, { advertIntMs: 2000 }) }, T0);
      assert.equal(i.snapshot().masterAdverIntMs, 1000);
    });
    it('preempt_delay: lower adverts accepted until the delay expires, then discarded', () => {
      const i = backup({ preemptDelayMs: 10_000 });
      i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(50) }, T0 + 1000);
      assert.equal(i.nextDeadline(), T0 + 1000 + 3609.375);
      i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(50) }, T0 + 10_000);
      assert.equal(i.nextDeadline(), T0 + 10_000 + 3609.375);
      const fx = i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(50) }, T0 + 11_001);
      assert.ok(logs(fx)[0]?.includes('discarding'));
      assert.equal(i.nextDeadline(), T0 + 10_000 + 3609.375);
    });
    it('priority change re-times the running Master_Down timer from now', () => {
      const i = backup();
      i.handle({ type: 'priority', effective: 200 }, T0 + 1000);
      assert.equal(i.nextDeadline(), T0 + 1000 + 3000 + (56 * 1000) / 256);
      assert.equal(i.snapshot().effectivePriority, 200);
    });
    it('ignores an echo of its own advert', () => {
      const i = backup();
      i.handle({ type: 'advert', src: '10.1.0.1', fields: fields(200) }, T0 + 1000);
      assert.equal(i.nextDeadline(), T0 + 3609.375);
    });
  });

  describe('MASTER', () => {
    it('advert timer: one advert per interval, re-armed from the send time', () => {
      const i = master({ garp: { ...params().garp, masterDelayMs: 0 } });
      const t = i.nextDeadline()!;
      assert.deepEqual(i.handle({ type: 'timeout' }, t), [{ type: 'sendAdvert', priority: 100 }]);
      assert.equal(i.nextDeadline(), t + 1000);
      // a late runner gets one advert, not a catch-up burst
      assert.deepEqual(kinds(i.handle({ type: 'timeout' }, t + 3500)), ['sendAdvert']);
      assert.equal(i.nextDeadline(), t + 4500);
    });
    it('second GARP burst after garp_master_delay, refresh every garp_master_refresh', () => {
      const i = backup({ garp: { masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 60_000, masterRefreshRepeat: 2, lowerPrioDelayMs: 0, lowerPrioRepeat: 0 } });
      const tm = i.nextDeadline()!;
      i.handle({ type: 'timeout' }, tm);
      let t = tm; const garps: Array<[number, number]> = [];
      while (t < tm + 130_000) {
        t = i.nextDeadline()!;
        for (const e of i.handle({ type: 'timeout' }, t)) if (e.type === 'sendGarp') garps.push([t - tm, e.count]);
      }
      assert.deepEqual(garps.slice(0, 3), [[5000, 5], [60_000, 2], [120_000, 2]]);
    });
    it('higher priority → BACKUP: VIPs removed, no priority-0 advert', () => {
      const i = master();
      const fx = i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(150) }, T0 + 5000);
      assert.deepEqual(kinds(fx), ['transition', 'removeVips']);
      assert.ok(logs(fx).includes('(VI_1) Master received advert from 10.1.0.2 with higher priority 150, ours 100'));
      assert.ok(logs(fx).includes('(VI_1) Entering BACKUP STATE'));
      assert.equal(i.snapshot().masterAddress, '10.1.0.2');
      assert.equal(i.nextDeadline(), T0 + 5000 + 3609.375);
    });
    it('higher_prio_send_advert sends one advert before yielding', () => {
      const i = master({ higherPrioSendAdvert: true });
      assert.deepEqual(kinds(i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(150) }, T0 + 5000)), ['sendAdvert', 'transition', 'removeVips']);
    });
    it('equal priority: higher source address wins, lower loses (unsigned compare)', () => {
      const i = master();
      const fx = i.handle({ type: 'advert', src: '10.1.0.0', fields: fields(100) }, T0 + 5000);
      assert.equal(i.state, 'MASTER');
      assert.ok(logs(fx).includes('(VI_1) Received advert from 10.1.0.0 with lower priority 100, ours 100, forcing new election'));
      i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(100) }, T0 + 6000);
      assert.equal(i.state, 'BACKUP');
    });
    it('lower priority → immediate advert + GARP burst, second burst after the delay', () => {
      const i = master();
      const fx = i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(50) }, T0 + 5000);
      assert.deepEqual(kinds(fx), ['masterRxLowerPri', 'sendAdvert', 'sendGarp']);
      assert.deepEqual(fx.find((e) => e.type === 'masterRxLowerPri'), { type: 'masterRxLowerPri', src: '10.1.0.2', priority: 100 });
      assert.equal(i.nextDeadline(), T0 + 6000); // advert timer re-armed after the send
      let sawSecond = false;
      for (let n = 0; n < 10 && !sawSecond; n++) {
        const t = i.nextDeadline()!;
        sawSecond = i.handle({ type: 'timeout' }, t).some((e) => e.type === 'sendGarp' && t === T0 + 10_000);
      }
      assert.ok(sawSecond);
    });
    it('lower_prio_no_advert: GARPs only; lower_prio_repeat 0: nothing but the log', () => {
      assert.deepEqual(kinds(master({ lowerPrioNoAdvert: true }).handle({ type: 'advert', src: '10.1.0.2', fields: fields(50) }, T0 + 5000)), ['masterRxLowerPri', 'sendGarp']);
      const quiet = master({ lowerPrioNoAdvert: true, garp: { ...params().garp, lowerPrioRepeat: 0 } });
      assert.deepEqual(kinds(quiet.handle({ type: 'advert', src: '10.1.0.2', fields: fields(50) }, T0 + 5000)), ['masterRxLowerPri']);
    });
    it('priority 0 from another router → send an advert now', () => {
      const i = master();
      assert.deepEqual(i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(0) }, T0 + 5000), [{ type: 'sendAdvert', priority: 100 }]);
      assert.equal(i.state, 'MASTER');
    });
    it('two owners: the lower address yields, the higher keeps mastership', () => {
      const low = new VrrpInstance(params({ priority: 255, initialState: 'MASTER', sourceAddress: '10.1.0.1' }));
      const high = new VrrpInstance(params({ priority: 255, initialState: 'MASTER', sourceAddress: '10.1.0.2' }));
      low.handle({ type: 'startup' }, T0); high.handle({ type: 'startup' }, T0);
      const fx = low.handle({ type: 'advert', src: '10.1.0.2', fields: fields(255) }, T0 + 1);
      assert.equal(low.state, 'BACKUP');
      assert.ok(fx.some((e) => e.type === 'log' && e.level === 'error'));
      high.handle({ type: 'advert', src: '10.1.0.1', fields: fields(255) }, T0 + 1);
      assert.equal(high.state, 'MASTER');
    });
    it('priority change is carried by the next advert', () => {
      const i = master();
      i.handle({ type: 'priority', effective: 90 }, T0 + 5000);
      assert.deepEqual(i.handle({ type: 'timeout' }, i.nextDeadline()!), [{ type: 'sendAdvert', priority: 90 }]);
    });
  });

  describe('FAULT, priority, shutdown', () => {
    it('MASTER → FAULT: priority-0 advert, VIPs removed, adverts ignored, no timers', () => {
      const i = master();
      const fx = i.handle({ type: 'fault', reason: 'eth0 down' }, T0 + 5000);
      assert.deepEqual(kinds(fx), ['transition', 'sendAdvert', 'removeVips']);
      assert.deepEqual(fx.find((e) => e.type === 'sendAdvert'), { type: 'sendAdvert', priority: 0 });
      assert.ok(logs(fx).includes('(VI_1) Entering FAULT STATE (eth0 down)'));
      assert.equal(i.nextDeadline(), null);
      assert.deepEqual(i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(50) }, T0 + 6000), []);
    });
    it('BACKUP → FAULT sends nothing; cleared only when every reason is gone → BACKUP with full timer', () => {
      const i = backup();
      assert.deepEqual(kinds(i.handle({ type: 'fault', reason: 'a' }, T0)), ['transition']);
      i.handle({ type: 'fault', reason: 'b' }, T0);
      assert.deepEqual(i.handle({ type: 'faultCleared', reason: 'a' }, T0 + 1), []);
      assert.equal(i.state, 'FAULT');
      assert.deepEqual(i.snapshot().faults, ['b']);
      const fx = i.handle({ type: 'faultCleared', reason: 'b' }, T0 + 2);
      assert.deepEqual(kinds(fx), ['transition']);
      assert.equal(i.state, 'BACKUP');
      assert.equal(i.nextDeadline(), T0 + 2 + 3609.375);
    });
    it('faultCleared without reason clears all own faults; owner leaves FAULT with interval + skew', () => {
      const i = new VrrpInstance(params({ priority: 255, initialState: 'MASTER' }));
      i.handle({ type: 'startup' }, T0);
      i.handle({ type: 'fault', reason: 'x' }, T0); i.handle({ type: 'fault', reason: 'y' }, T0);
      i.handle({ type: 'faultCleared' }, T0 + 10);
      assert.equal(i.state, 'BACKUP');
      assert.equal(i.nextDeadline(), T0 + 10 + 1000 + 1000 / 256);
    });
    it('effective priority is clamped to 1..254; an owner ignores tracking', () => {
      const i = backup();
      i.handle({ type: 'priority', effective: 400 }, T0); assert.equal(i.snapshot().effectivePriority, 254);
      i.handle({ type: 'priority', effective: -5 }, T0); assert.equal(i.snapshot().effectivePriority, 1);
      const o = backup({ priority: 255 });
      assert.deepEqual(o.handle({ type: 'priority', effective: 100 }, T0), []);
      assert.equal(o.snapshot().effectivePriority, 255);
    });
    it('shutdown from MASTER: priority-0 advert then VIPs removed; STOP is terminal', () => {
      const i = master();
      const fx = i.handle({ type: 'shutdown' }, T0 + 5000);
      assert.deepEqual(kinds(fx), ['transition', 'sendAdvert', 'removeVips']);
      assert.deepEqual(logs(fx), ['(VI_1) sent 0 priority', '(VI_1) removing VIPs.']);
      assert.equal(i.state, 'STOP'); assert.equal(i.nextDeadline(), null);
      assert.deepEqual(i.handle({ type: 'startup' }, T0 + 6000), []);
      assert.deepEqual(i.handle({ type: 'advert', src: '10.1.0.2', fields: fields(50) }, T0 + 6000), []);
    });
    it('shutdown from BACKUP sends nothing', () => {
      assert.deepEqual(kinds(backup().handle({ type: 'shutdown' }, T0)), ['transition']);
    });
    it('excluded VIPs are added, removed and GARPed with the VIPs', () => {
      const ex = { address: '10.1.0.200', prefixLen: 32, family: 4 as const };
      const i = backup({ excludedVips: [ex] });
      const fx = i.handle({ type: 'timeout' }, i.nextDeadline()!);
      assert.deepEqual(fx.find((e) => e.type === 'addVips'), { type: 'addVips', vips: [VIP, ex] });
    });
    it('snapshot reports what metrics and status need', () => {
      const i = master();
      const s = i.snapshot();
      assert.equal(s.state, 'MASTER'); assert.equal(s.wantState, 'MASTER'); assert.equal(s.masterAddress, '10.1.0.1');
      assert.equal(s.basePriority, 100); assert.equal(s.masterDownMs, 3609.375); assert.equal(s.nextDeadlineMs, i.nextDeadline());
      assert.equal(s.lastTransition?.from, 'BACKUP');
    });
  });
});
