import assert from 'node:assert/strict';
import { carryScriptState, applyScriptResult, initialScriptState, type ScriptState } from '../../../src/track/hysteresis.js';

function feed(start: ScriptState, results: string, h: { rise: number; fall: number }): string {
  // One letter per result: the status after it, u/d/i, upper case when it changed.
  let s = start;
  let out = '';
  for (const c of results) {
    const step = applyScriptResult(s, c === '+', h);
    s = step.state;
    const letter = s.status[0]!;
    out += step.changed ? letter.toUpperCase() : letter;
  }
  return out;
}

describe('track/hysteresis (keepalived vrrp_script result counter)', () => {
  it('starts in init with result rise-1, so one success is enough (sched.c:350-364)', () => {
    const h = { rise: 3, fall: 2 };
    assert.deepEqual(initialScriptState(h, false), { result: 2, status: 'init' });
    assert.equal(feed(initialScriptState(h, false), '+', h), 'U');
  });

  it('reports the first failure from init at once, even with fall > 1', () => {
    const h = { rise: 2, fall: 3 };
    assert.equal(feed(initialScriptState(h, false), '-', h), 'D');
  });

  it('init_fail starts down with result 0: rise successes are needed', () => {
    const h = { rise: 3, fall: 1 };
    const s = initialScriptState(h, true);
    assert.deepEqual(s, { result: 0, status: 'down' });
    assert.equal(feed(s, '+++', h), 'ddU');
  });

  it('needs fall consecutive failures to go down and rise consecutive successes to come back', () => {
    const h = { rise: 2, fall: 3 };
    // up, then two failures (still up), a success resets, three failures → down, one success (not enough),
    // a failure resets, two successes → up.
    assert.equal(feed(initialScriptState(h, false), '+--+---+-++', h), 'UuuuuuDdddU');
  });

  it('keeps the counter within [0, rise+fall-1]', () => {
    const h = { rise: 2, fall: 2 };
    let s = initialScriptState(h, false);
    for (const ok of [true, true, true, true, false, false, false, false, false]) {
      s = applyScriptResult(s, ok, h).state;
      assert.ok(s.result >= 0 && s.result <= h.rise + h.fall - 1, `result ${s.result}`);
    }
    assert.equal(s.status, 'down');
  });

  it('carries a result over a reload that changes rise/fall (keepalived clear_diff_script)', () => {
    const before = { rise: 3, fall: 2 };
    // init stays init, at the new rise - 1
    assert.deepEqual(carryScriptState({ result: 2, status: 'init' }, before, { rise: 1, fall: 1 }), { result: 0, status: 'init' });
    // down: fully failed stays 0; otherwise the distance below rise is kept (2 of 3 → 1 short), floored at 0
    assert.deepEqual(carryScriptState({ result: 0, status: 'down' }, before, { rise: 5, fall: 1 }), { result: 0, status: 'down' });
    assert.deepEqual(carryScriptState({ result: 2, status: 'down' }, before, { rise: 5, fall: 1 }), { result: 4, status: 'down' });
    assert.deepEqual(carryScriptState({ result: 1, status: 'down' }, before, { rise: 1, fall: 1 }), { result: 0, status: 'down' });
    // up: full strength stays full; otherwise the distance above rise is kept, capped at the new top
    assert.deepEqual(carryScriptState({ result: 4, status: 'up' }, before, { rise: 2, fall: 4 }), { result: 5, status: 'up' });
    assert.deepEqual(carryScriptState({ result: 3, status: 'up' }, before, { rise: 2, fall: 4 }), { result: 2, status: 'up' });
    assert.deepEqual(carryScriptState({ result: 3, status: 'up' }, { rise: 1, fall: 5 }, { rise: 1, fall: 1 }), { result: 1, status: 'up' });
    // and the carried state behaves like any other under the new hysteresis
    const after = { rise: 2, fall: 4 };
    assert.equal(applyScriptResult(carryScriptState({ result: 3, status: 'up' }, before, after), false, after).state.status, 'down');
  });
});
