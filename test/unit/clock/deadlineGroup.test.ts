import assert from 'node:assert/strict';
import { DeadlineGroup } from '../../../src/clock/deadlineGroup.js';
import { VirtualClock } from '../../../src/clock/virtualClock.js';

describe('clock/deadlineGroup', () => {
  it('fires each slot once at its deadline, in deadline order, ties in the order they were set', () => {
    const clock = new VirtualClock();
    const g = new DeadlineGroup(clock);
    const seen: string[] = [];
    const slot = (name: string) => g.slot(() => seen.push(`${name}@${clock.now()}`));
    const a = slot('a'), b = slot('b'), c = slot('c'), d = slot('d');
    c.set(30);
    a.set(10);
    d.set(20);
    b.set(20);
    clock.advance(100);
    assert.deepEqual(seen, ['a@10', 'd@20', 'b@20', 'c@30']);
    assert.equal(g.size, 0);
    assert.equal(clock.pending(), 0, 'no clock timer left behind');
  });

  it('keeps one clock timer for many slots, and moves a slot in place (later or earlier)', () => {
    const clock = new VirtualClock();
    const g = new DeadlineGroup(clock);
    const fired: number[] = [];
    const slots = Array.from({ length: 255 }, (_, i) => g.slot(() => fired.push(i)));
    slots.forEach((s, i) => s.set(1000 + i));
    assert.equal(clock.pending(), 1);
    // A backup's Master_Down moves later with every advert.
    for (let t = 0; t < 5; t++) slots.forEach((s, i) => s.set(2000 + 100 * t + i));
    assert.equal(clock.pending(), 1);
    slots[7]!.set(50); // earlier than everything
    clock.advance(60);
    assert.deepEqual(fired, [7]);
    clock.advance(2000);
    assert.equal(fired.length, 1, 'nothing before the moved deadlines');
    clock.advance(1000);
    assert.equal(fired.length, 255);
    assert.deepEqual(fired.slice(1, 4), [0, 1, 2]);
  });

  it('a cleared slot never fires; clear is idempotent; set again arms it again', () => {
    const clock = new VirtualClock();
    const g = new DeadlineGroup(clock);
    let n = 0;
    const s = g.slot(() => n++);
    const other = g.slot(() => undefined);
    s.set(10);
    other.set(20);
    s.clear();
    s.clear();
    assert.equal(s.armed, false);
    clock.advance(30);
    assert.equal(n, 0);
    s.set(40);
    clock.advance(10);
    assert.equal(n, 1);
    assert.equal(clock.pending(), 0);
  });

  it('a slot re-armed from its own callback for a time already due fires on a later turn, not in a loop', () => {
    const clock = new VirtualClock();
    const g = new DeadlineGroup(clock);
    let runs = 0;
    const s = g.slot(() => {
      runs++;
      if (runs < 3) s.set(clock.now()); // due at once
    });
    s.set(5);
    clock.advance(5);
    assert.equal(runs, 3, 'each re-arm ran once more, at the same instant');
    assert.equal(g.size, 0);
  });

  it('a slot set to a later deadline from another slot\'s callback fires then', () => {
    const clock = new VirtualClock();
    const g = new DeadlineGroup(clock);
    const seen: string[] = [];
    const b = g.slot(() => seen.push(`b@${clock.now()}`));
    const a = g.slot(() => {
      seen.push(`a@${clock.now()}`);
      b.set(clock.now() + 15);
    });
    a.set(10);
    b.set(12); // moved to 25 by a before it is due
    clock.advance(100);
    assert.deepEqual(seen, ['a@10', 'b@25']);
  });
});
