import assert from 'node:assert/strict';
import { applyScriptResult, initialScriptState, type ScriptState } from '../../../src/track/hysteresis.js';

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
});
