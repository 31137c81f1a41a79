// What a reload (SIGHUP) does to each tracked object, decided from the old and new definitions alone (pure).
// Only what a tracker's reading depends on counts: a weight is applied per binding and never restarts a check.
import type { GlobalDefs, TrackFileConfig, VrrpScriptConfig } from '../config/types.js';
import { sameValue } from '../config/sameValue.js';

/**
 * - keep: same check; the running loop, its hysteresis and its schedule carry on untouched.
 * - carry: same command and user, other timing (interval, timeout, rise, fall, init_fail): a new loop continues
 *   from the old result (keepalived clear_diff_script, vrrp.c:5556-5620, matches scripts by name + command + user).
 * - fresh: another command or user: a new check that starts in init, as keepalived's SCRIPT_INIT_STATE_INIT_RELOAD.
 */
export type ScriptReloadAction = 'keep' | 'carry' | 'fresh';

type ScriptGlobals = Pick<GlobalDefs, 'scriptUser' | 'enableScriptSecurity'>;

export function scriptReloadAction(prev: VrrpScriptConfig, next: VrrpScriptConfig, prevGlobal: ScriptGlobals, nextGlobal: ScriptGlobals): ScriptReloadAction {
  // The user a script runs as comes from its own `user` or else the global script_user; security checks can
  // refuse a script that passed before.
  const who = (s: VrrpScriptConfig, g: ScriptGlobals) => ({ user: s.user ?? g.scriptUser, security: g.enableScriptSecurity });
  if (!sameValue(next.script.argv, prev.script.argv) || !sameValue(who(prev, prevGlobal), who(next, nextGlobal))) return 'fresh';
  const timing = (s: VrrpScriptConfig) => [s.intervalMs, s.timeoutMs, s.rise, s.fall, s.initFail];
  return sameValue(timing(prev), timing(next)) ? 'keep' : 'carry';
}

/** A track_file is re-created (re-read, re-watched) when its path or init_file changes; a weight change is not one. */
export function fileReloadAction(prev: TrackFileConfig, next: TrackFileConfig): 'keep' | 'recreate' {
  return prev.path === next.path && sameValue(prev.initFile, next.initFile) ? 'keep' : 'recreate';
}
