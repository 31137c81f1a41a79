// Fault reasons are plain text shared by whoever raises a fault (tracking, the daemon's link watch) and whoever
// reads it back from a snapshot (notify). The one convention two plugins both depend on lives here, in the plugin
// API, so notify does not have to import tracking to read tracking's reasons.

/**
 * Suffix of the fault reason of a vrrp_script that has not produced a result yet (`track_script chk (init)`).
 * keepalived starts such an instance in FAULT without running notify_fault for it (SCRIPT_INIT_STATE_INIT).
 */
export const INIT_SUFFIX = ' (init)';

/** A fault that only says "a check has not reported yet": the start-up kind, not a failure. */
export function isStartupScriptFault(reason: string): boolean {
  return reason.startsWith('track_script ') && reason.endsWith(INIT_SUFFIX);
}
