// The unit driver keeps one armed timer while a backup's Master_Down deadline only moves later (issue 12: no
// timer re-arm per received advert), handles timeouts at the same moments as re-arming every time would, and
// reads queued adverts before deciding a Master_Down timeout. A lone instance's effects go to its sink as the core
// returned them (the solo path: no tagging, no per-batch Map; issue 12); a sync group's still go to each member.
import assert from 'node:assert/strict';
import { VirtualClock } from '../../../src/clock/virtualClock.js';
import type { Clock, Stall, Timer } from '../../../src/clock/clock.js';
import { ERROR_RETRY_MS, UnitDriver, groupUnit, soloUnit, type CoreUnit, type EffectSink } from '../../../src/daemon/unitDriver.js';
import { VrrpSyncGroup, type SyncGroupEffect } from '../../../src/vrrp/syncGroup.js';
import { advertOnly } from '../../../src/vrrp/sharedEffects.js';
import { DeadlineGroup } from '../../../src/clock/deadlineGroup.js';
import { VrrpInstance } from '../../../src/vrrp/instance.js';
import { createLogger } from '../../../src/log/logger.js';
import type { VrrpEffect, VrrpEvent } from '../../../src/vrrp/types.js';
import { fields, params } from '../vrrp/params.js';

/** Counts the timers armed through it; `lagMs` makes every timer run that late (a busy event loop). */
class CountingClock implements Clock {
  armed = 0;
  lagMs = 0;
  /** What lastStall() reports (RealClock: the latest stall its timers saw). */
  stall: Stall | null = null;
  lastStall(): Stall | null {
    return this.stall;
  }
  constructor(readonly inner: VirtualClock) {}
  now(): number {
    return this.inner.now() + this.lagMs;
  }
  wallNow(): number {
    return this.inner.wallNow();
  }
  after(delayMs: number, cb: () => void): Timer {
    this.armed++;
    return this.inner.after(delayMs, cb);
  }
  at(deadlineMs: number, cb: () => void): Timer {
    this.armed++;
    return this.inner.at(deadlineMs, cb);
  }
  every(intervalMs: number, cb: () => void): Timer {
    return this.inner.every(intervalMs, cb);
  }
  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return this.inner.sleep(delayMs, signal);
  }
}

function setup(readQueued?: () => void, grouped = false) {
  const vclock = new VirtualClock(1_000_000);
  const clock = new CountingClock(vclock);
  const logger = createLogger({ format: 'text', write: () => undefined, wallNow: () => 0 });
  const instance = new VrrpInstance(params({ version: 3, advertIntMs: 10 }));
  const effects: { at: number; e: VrrpEffect }[] = [];
  const driver = new UnitDriver(soloUnit(instance), clock, logger, undefined, readQueued, grouped ? new DeadlineGroup(clock) : undefined);
  const sink: EffectSink = { name: 'VI_1', enqueue: (fx) => fx.forEach((e) => effects.push({ at: vclock.now(), e })) };
  driver.attach(sink);
  return { vclock, clock, instance, driver, effects };
}

const log = (message: string): VrrpEffect => ({ type: 'log', level: 'info', message });
const vip = { address: '10.1.0.100', prefixLen: 24, family: 4 as const };

const advert = (priority: number) => ({ type: 'advert' as const, src: '10.1.0.2', fields: fields(priority, { version: 3, advertIntMs: 10 }) });

describe('daemon/unitDriver', () => {
  it('a backup hearing adverts keeps its armed timer (no re-arm per advert) and stays BACKUP', () => {
    const { vclock, clock, instance, driver } = setup();
    driver.dispatch('VI_1', { type: 'startup' });
    const armedAfterStart = clock.armed;
    for (let i = 0; i < 100; i++) {
      vclock.advance(10);
      driver.dispatch('VI_1', advert(200));
    }
    assert.equal(instance.state, 'BACKUP');
    // Master_Down is ~36 ms: the one timer fires early every ~26-36 ms and re-arms; 100 adverts arm ≤ 50, not 100.
    assert.ok(clock.armed - armedAfterStart <= 50, `armed ${clock.armed - armedAfterStart} timers for 100 adverts`);
  });

  it('Master_Down still fires exactly at its deadline after the last advert', () => {
    const { vclock, instance, driver } = setup();
    driver.dispatch('VI_1', { type: 'startup' });
    for (let i = 0; i < 5; i++) {
      vclock.advance(10);
      driver.dispatch('VI_1', advert(200));
    }
    const deadline = instance.nextDeadline()!;
    vclock.advance(deadline - vclock.now() - 1);
    assert.equal(instance.state, 'BACKUP');
    vclock.advance(1);
    assert.equal(instance.state, 'MASTER');
  });

  it('an earlier deadline re-arms the timer (it is never late)', () => {
    const { vclock, instance, driver } = setup();
    driver.dispatch('VI_1', { type: 'startup' });
    vclock.advance(5);
    // A higher-priority advert, then a priority-0 one: the backup's deadline moves to the skew time, earlier.
    driver.dispatch('VI_1', advert(200));
    driver.dispatch('VI_1', advert(0));
    const deadline = instance.nextDeadline()!;
    vclock.advance(deadline - vclock.now());
    assert.equal(instance.state, 'MASTER');
  });

  it('a late timeout reads the queued adverts first: a live master is not taken over from', () => {
    let queued = 0;
    let driverRef: UnitDriver | null = null;
    const { vclock, clock, instance, driver } = setup(() => {
      for (; queued > 0; queued--) driverRef!.dispatch('VI_1', advert(200));
    });
    driverRef = driver;
    driver.dispatch('VI_1', { type: 'startup' });
    vclock.advance(10);
    driver.dispatch('VI_1', advert(200));
    // The loop stalls past Master_Down while the master's adverts pile up in the socket.
    queued = 5;
    clock.lagMs = 20;
    vclock.advance(instance.nextDeadline()! - vclock.now());
    assert.equal(queued, 0);
    assert.equal(instance.state, 'BACKUP');
    // Nothing queued the next time: the late Master_Down is decided as before.
    vclock.advance(instance.nextDeadline()! - vclock.now());
    assert.equal(instance.state, 'MASTER');
  });

  it('reads the sockets once per Master_Down decision, even on time (a coalesced receive may hold adverts), never per advert timer', () => {
    let reads = 0;
    const { vclock, instance, driver } = setup(() => reads++);
    driver.dispatch('VI_1', { type: 'startup' });
    vclock.advance(instance.nextDeadline()! - vclock.now());
    assert.equal(instance.state, 'MASTER');
    assert.equal(reads, 1, 'before the on-time Master_Down decision');
    vclock.advance(100); // ten advert timers as MASTER
    assert.equal(reads, 1);
  });

  it('an on-time Master_Down with the master\'s advert still unread in the socket is not a takeover', () => {
    let queued = 0;
    let driverRef: UnitDriver | null = null;
    const { vclock, instance, driver } = setup(() => {
      for (; queued > 0; queued--) driverRef!.dispatch('VI_1', advert(200));
    });
    driverRef = driver;
    driver.dispatch('VI_1', { type: 'startup' });
    driver.dispatch('VI_1', advert(200));
    queued = 1; // arrived, not read yet (the socket is between two coalesced reads)
    vclock.advance(instance.nextDeadline()! - vclock.now());
    assert.equal(queued, 0);
    assert.equal(instance.state, 'BACKUP');
  });

  it("a Master_Down decision carries the clock's latest stall to the core: one advert interval of grace after a pause", () => {
    for (const grouped of [false, true]) {
      const { vclock, clock, instance, driver } = setup(() => undefined, grouped);
      driver.dispatch('VI_1', { type: 'startup' });
      driver.dispatch('VI_1', advert(200));
      const due = instance.nextDeadline()!;
      // The machine was paused for 30 ms, ending at the deadline: the master could not send either.
      clock.stall = { endMs: due, lengthMs: 30, latestMs: 30 };
      vclock.advance(due - vclock.now());
      assert.equal(instance.state, 'BACKUP', `deferred (${grouped ? 'deadline group' : 'own timer'})`);
      assert.equal(instance.nextDeadline(), due + 10);
      vclock.advance(10);
      assert.equal(instance.state, 'MASTER', 'the master did not come back within the interval: taken over');
    }
  });

  it('a group unit passes the stall to its members too', () => {
    const vclock = new VirtualClock(1_000_000);
    const clock = new CountingClock(vclock);
    const logger = createLogger({ format: 'text', write: () => undefined, wallNow: () => 0 });
    const member = (name: string, vrid: number) => new VrrpInstance(params({ name, vrid, version: 3, advertIntMs: 10, inSyncGroup: true }));
    const a = member('VI_A', 51);
    const b = member('VI_B', 52);
    const driver = new UnitDriver(groupUnit(new VrrpSyncGroup('VG_1', [a, b])), clock, logger, undefined, () => undefined);
    for (const n of ['VI_A', 'VI_B']) {
      driver.attach({ name: n, enqueue: () => undefined });
      driver.dispatch(n, { type: 'startup' });
      driver.dispatch(n, advert(200));
    }
    const due = Math.max(a.nextDeadline()!, b.nextDeadline()!);
    clock.stall = { endMs: due, lengthMs: 40, latestMs: 40 };
    vclock.advance(due - vclock.now());
    assert.deepEqual([a.state, b.state], ['BACKUP', 'BACKUP']);
    vclock.advance(10);
    assert.deepEqual([a.state, b.state], ['MASTER', 'MASTER']);
  });

  it('on a deadline group: slots follow the moving Master_Downs, so the one clock timer wakes as for one unit, not per unit', () => {
    const vclock = new VirtualClock(1_000_000);
    const clock = new CountingClock(vclock);
    const logger = createLogger({ format: 'text', write: () => undefined, wallNow: () => 0 });
    const group = new DeadlineGroup(clock);
    const units = Array.from({ length: 10 }, (_, k) => {
      const instance = new VrrpInstance(params({ name: `VI_${k}`, vrid: k + 1, version: 3, advertIntMs: 10 }));
      const driver = new UnitDriver(soloUnit(instance), clock, logger, undefined, undefined, group);
      driver.attach({ name: `VI_${k}`, enqueue: () => undefined });
      driver.dispatch(`VI_${k}`, { type: 'startup' });
      return { instance, driver, name: `VI_${k}` };
    });
    const armedAfterStart = clock.armed;
    for (let i = 0; i < 100; i++) {
      // Each unit's master on its own phase, 1 ms apart (as keepalived's instances are).
      for (const u of units) {
        vclock.advance(1);
        u.driver.dispatch(u.name, advert(200));
      }
    }
    assert.ok(units.every((u) => u.instance.state === 'BACKUP'));
    // Master_Down ≈ 36 ms: a timer kept at each unit's first deadline would wake about every 26 ms per unit
    // (~380 times here); the group's one timer wakes about as often as for one unit.
    const woken = clock.armed - armedAfterStart;
    assert.ok(woken <= 45, `clock timers armed while 10 units heard adverts: ${woken}`);
    // The masters fall silent: each Master_Down fires exactly at the deadline its last advert set.
    for (const u of units) {
      const deadline = u.instance.nextDeadline()!;
      vclock.advance(deadline - vclock.now() - 0.5);
      assert.equal(u.instance.state, 'BACKUP');
      vclock.advance(0.5);
      assert.equal(u.instance.state, 'MASTER');
    }
  });

  describe('solo path (a lone instance)', () => {
    /**
     * A scripted lone-instance core: `script` answers each event. Its group-side handle/handleTimeouts only count
     * calls (a lone instance's events must not go through them: that path tags and re-sorts every effect), and a
     * misrouted timeout clears the deadline so that it fails the test instead of firing forever.
     */
    function scripted(script: (ev: VrrpEvent, now: number) => readonly VrrpEffect[]) {
      const vclock = new VirtualClock(1_000_000);
      const errors: string[] = [];
      const logger = createLogger({ format: 'text', write: (l) => errors.push(l), wallNow: () => 0, minLevel: 'error' });
      const seen: { ev: VrrpEvent; now: number }[] = [];
      const state = { deadline: null as number | null, groupCalls: 0 };
      const core: CoreUnit = {
        handle: () => (state.groupCalls++, []),
        handleTimeouts: () => (state.groupCalls++, (state.deadline = null), []),
        nextDeadline: () => state.deadline,
        awaitsAdverts: () => false,
        solo: { name: 'VI_1', handle: (ev, now) => (seen.push({ ev, now }), script(ev, now)) },
      };
      const driver = new UnitDriver(core, vclock, logger);
      const batches: { at: number; fx: readonly VrrpEffect[] }[] = [];
      driver.attach({ name: 'VI_1', enqueue: (fx, at) => batches.push({ at, fx }) });
      return { vclock, driver, seen, state, batches, errors };
    }
    it("hands the core's list itself to the sink, in the core's order, for events and timeouts (not tagged per effect)", () => {
      const onAdvert: VrrpEffect[] = [log('first'), { type: 'addVips', vips: [vip] }, { type: 'sendAdvert', priority: 100 }, log('last')];
      const onTimeout: VrrpEffect[] = [{ type: 'sendAdvert', priority: 100 }, { type: 'sendGarp', vips: [vip], count: 1 }];
      const t = scripted((ev) => (ev.type === 'timeout' ? ((t.state.deadline = null), onTimeout) : onAdvert));
      t.driver.dispatch('VI_1', advert(200));
      assert.equal(t.batches.length, 1);
      assert.equal(t.batches[0]!.fx, onAdvert, 'the same list, not a copy');
      assert.deepEqual(t.batches[0]!.fx.map((e) => e.type), ['log', 'addVips', 'sendAdvert', 'log']);
      t.state.deadline = t.vclock.now() + 10;
      t.driver.dispatch('VI_1', { type: 'startup' }); // arms the timer at the new deadline
      t.vclock.advance(10);
      assert.deepEqual(t.seen.map((s) => s.ev.type), ['advert', 'startup', 'timeout']);
      assert.equal(t.batches.length, 3);
      assert.equal(t.batches[2]!.fx, onTimeout);
      assert.equal(t.batches[2]!.at, 1_000_010, 'stamped with the timeout time');
      assert.equal(t.state.groupCalls, 0, 'the group path was not used');
      assert.deepEqual(t.errors, []);
    });

    it("a master's periodic advert reaches the sink as the core's shared list (no array per advert on the way)", () => {
      const { vclock, instance, driver } = setup();
      const batches: (readonly VrrpEffect[])[] = [];
      driver.attach({ name: 'VI_1', enqueue: (fx) => batches.push(fx) });
      driver.dispatch('VI_1', { type: 'startup' });
      vclock.advance(instance.nextDeadline()! - vclock.now());
      assert.equal(instance.state, 'MASTER');
      const mark = batches.length;
      vclock.advance(10); // one advert interval
      assert.equal(batches.length, mark + 1);
      assert.equal(batches[mark], advertOnly(100));
    });

    it('an exception from the core is logged as an internal error and the unit re-armed, for events and timeouts', () => {
      let fail = true;
      const t = scripted((ev, now) => {
        t.state.deadline = now + 10; // the core moved its deadline before it threw
        if (fail) throw new Error(`boom on ${ev.type}`);
        t.state.deadline = null;
        return [log('recovered')];
      });
      t.driver.dispatch('VI_1', advert(200));
      assert.equal(t.errors.length, 1);
      assert.match(t.errors[0]!, /ERROR: internal error handling VI_1: advert: Error: boom on advert/);
      assert.equal(t.batches.length, 0);
      t.vclock.advance(10);
      assert.deepEqual(t.seen.map((s) => s.ev.type), ['advert', 'timeout'], 're-armed after the throw: the timeout ran');
      assert.match(t.errors[1]!, /internal error handling VI_1: timeout: Error: boom on timeout/);
      fail = false;
      t.vclock.advance(10);
      assert.deepEqual(t.seen.map((s) => s.ev.type), ['advert', 'timeout', 'timeout'], 're-armed after the throw on timeout too');
      assert.equal(t.batches.length, 1);
      assert.equal(t.state.groupCalls, 0);
    });
    it('a core that throws with its deadline left due is retried ERROR_RETRY_MS later, not in a loop', () => {
      const t = scripted((ev, now) => {
        if (ev.type === 'advert') {
          t.state.deadline = now + 10;
          return [];
        }
        throw new Error('boom, deadline still due'); // the deadline stays where it was: due
      });
      t.driver.dispatch('VI_1', advert(200));
      t.vclock.advance(10 + 3 * ERROR_RETRY_MS);
      const timeouts = t.seen.filter((s) => s.ev.type === 'timeout').map((s) => s.now - 1_000_000);
      assert.deepEqual(timeouts, [10, 10 + ERROR_RETRY_MS, 10 + 2 * ERROR_RETRY_MS, 10 + 3 * ERROR_RETRY_MS]);
      assert.equal(t.errors.length, 4, 'one line per retry');
    });
  });

  describe('group units (unchanged by the solo path)', () => {
    it('a sync group still routes each effect to its member, in order, and announces the group transition', () => {
      const vclock = new VirtualClock(1_000_000);
      const lines: string[] = [];
      const logger = createLogger({ format: 'text', write: (l) => lines.push(l), wallNow: () => 0 });
      const vipOf = (n: string) => ({ address: `10.1.0.${n === 'VI_A' ? 100 : 101}`, prefixLen: 24, family: 4 as const });
      const member = (name: string, vrid: number) =>
        new VrrpInstance(params({ name, vrid, version: 3, advertIntMs: 10, inSyncGroup: true, vips: [vipOf(name)] }));
      const group = new VrrpSyncGroup('VG_1', [member('VI_A', 51), member('VI_B', 52)]);
      const unit = groupUnit(group);
      assert.equal(unit.solo, undefined, 'a group is never a solo unit');
      const transitions: string[] = [];
      const driver = new UnitDriver(unit, vclock, logger, (g, from, to) => transitions.push(`${g} ${from}->${to}`));
      const got = new Map<string, VrrpEffect[]>([['VI_A', []], ['VI_B', []]]);
      for (const name of got.keys()) driver.attach({ name, enqueue: (fx) => got.get(name)!.push(...fx) });
      driver.dispatch('VI_A', { type: 'startup' });
      driver.dispatch('VI_B', { type: 'startup' });
      vclock.advance(100); // both Master_Downs pass: the group goes MASTER
      assert.equal(group.state, 'MASTER');
      assert.deepEqual(transitions, ['VG_1 INIT->BACKUP', 'VG_1 BACKUP->MASTER']);
      assert.ok(lines.some((l) => l.includes('(VG_1) Sync group entering MASTER STATE')));
      for (const [name, fx] of got) {
        const added = fx.flatMap((e) => (e.type === 'addVips' ? e.vips.map((v) => v.address) : []));
        assert.deepEqual(added, [vipOf(name).address], `${name} got its own VIPs only`);
        const order = fx.map((e) => e.type).filter((k) => k === 'sendAdvert' || k === 'addVips');
        assert.deepEqual(order.slice(0, 2), ['sendAdvert', 'addVips'], `${name}: the core's order (advert before VIPs)`);
      }
    });

    it('a scripted group core: tagged effects split per member, order kept within each member', () => {
      const vclock = new VirtualClock(0);
      const logger = createLogger({ format: 'text', write: () => undefined, wallNow: () => 0 });
      const fx: SyncGroupEffect[] = [
        { instance: 'VI_A', effect: log('a1') },
        { instance: 'VI_B', effect: log('b1') },
        { instance: 'VI_A', effect: log('a2') },
      ];
      const core: CoreUnit = { handle: () => fx, handleTimeouts: () => [], nextDeadline: () => null, awaitsAdverts: () => true };
      const driver = new UnitDriver(core, vclock, logger);
      const got: string[] = [];
      for (const name of ['VI_A', 'VI_B']) {
        driver.attach({ name, enqueue: (list) => got.push(`${name}:${list.map((e) => (e.type === 'log' ? e.message : e.type)).join(',')}`) });
      }
      driver.dispatch('VI_A', { type: 'startup' });
      assert.deepEqual(got, ['VI_A:a1,a2', 'VI_B:b1']);
    });
  });
});
