// The unit driver keeps one armed timer while a backup's Master_Down deadline only moves later (issue 12: no
// timer re-arm per received advert), handles timeouts at the same moments as re-arming every time would, and
// reads queued adverts before deciding a Master_Down timeout.
import assert from 'node:assert/strict';
import { VirtualClock } from '../../../src/clock/virtualClock.js';
import type { Clock, Timer } from '../../../src/clock/clock.js';
import { UnitDriver, soloUnit, type EffectSink } from '../../../src/daemon/unitDriver.js';
import { DeadlineGroup } from '../../../src/clock/deadlineGroup.js';
import { VrrpInstance } from '../../../src/vrrp/instance.js';
import { createLogger } from '../../../src/log/logger.js';
import type { VrrpEffect } from '../../../src/vrrp/types.js';
import { fields, params } from '../vrrp/params.js';

/** Counts the timers armed through it; `lagMs` makes every timer run that late (a busy event loop). */
class CountingClock implements Clock {
  armed = 0;
  lagMs = 0;
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
});
