// vrrp_script result hysteresis, exactly as keepalived counts it (vrrp_scheduler.c
// vrrp_script_child_thread; sched.c:350-364 for the initial value). Pure: one exit in, new state out.
//
// `result` lives in [0, rise+fall-1]; the script is "up" while result >= rise. From up it takes `fall`
// consecutive failures to go down, from down it takes `rise` consecutive successes to go up. A script that has
// never run is "init": result = rise-1 so one success is enough, and its first failure reports "down" at once.
// `init_fail` starts it "down" with result 0 (so `rise` successes are needed).

export type ScriptStatus = 'init' | 'up' | 'down';

export interface ScriptState {
  readonly result: number;
  readonly status: ScriptStatus;
}

export interface Hysteresis {
  readonly rise: number;
  readonly fall: number;
}

export function initialScriptState(h: Hysteresis, initFail: boolean): ScriptState {
  return initFail ? { result: 0, status: 'down' } : { result: h.rise - 1, status: 'init' };
}

export interface ScriptStep {
  readonly state: ScriptState;
  /** The status changed with this result (keepalived logs "VRRP_Script(x) succeeded|failed" and re-weights). */
  readonly changed: boolean;
}

export function applyScriptResult(prev: ScriptState, ok: boolean, h: Hysteresis): ScriptStep {
  const top = h.rise + h.fall - 1;
  let { result } = prev;
  let status = prev.status;
  if (ok) {
    if (result < h.rise - 1) result++;
    else if (result !== top) {
      status = 'up';
      result = top;
    }
  } else if (result > h.rise) {
    result--;
  } else if (result !== 0 || status === 'init') {
    status = 'down';
    result = 0;
  }
  return { state: { result, status }, changed: status !== prev.status };
}

/**
 * The state a reloaded script (same name, same command and user, new rise/fall or interval) continues from,
 * as keepalived's clear_diff_script maps it (vrrp.c:5556-5620): a script still in init stays in init; a failing
 * one keeps its distance below `rise`; a succeeding one keeps its distance above `rise`, full strength stays full.
 */
export function carryScriptState(prev: ScriptState, before: Hysteresis, after: Hysteresis): ScriptState {
  const top = after.rise + after.fall - 1;
  if (prev.status === 'init') return { result: after.rise - 1, status: 'init' };
  if (prev.status === 'down') {
    const result = prev.result === 0 ? 0 : Math.max(0, after.rise - (before.rise - prev.result));
    return { result: Math.min(result, after.rise - 1), status: 'down' };
  }
  const result = prev.result === before.rise + before.fall - 1 ? top : Math.min(after.rise + (prev.result - before.rise), top);
  return { result, status: 'up' };
}
