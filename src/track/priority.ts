// What one tracked object does to one VRRP instance, and the effective priority that results
// (keepalived vrrp_track.c:583-689 and trackers/track_file.c:683-800). Pure.
//
// Weight rule for every tracker type: weight 0 ⇒ failure puts the instance in FAULT; positive weight ⇒ added
// while OK; negative weight ⇒ added (i.e. subtracted) while failed. `reverse` multiplies the weight by −1, and
// for weight 0 means FAULT while the object is *up*.
import type { ScriptStatus } from './hysteresis.js';

export const PRIORITY_OWNER = 255;
const PRIORITY_MIN = 1;
const PRIORITY_MAX = 254;
/** A track_file product at or below this is a FAULT (keepalived track_file.c:690-708). */
const FILE_FAULT = -254;
const FILE_MAX = 253;

export interface TrackerEffect {
  /** The instance must be in FAULT because of this tracker. */
  readonly fault: boolean;
  /** Added to the base priority while not in fault. */
  readonly delta: number;
}

const NONE: TrackerEffect = { fault: false, delta: 0 };

function weighted(weight: number, reverse: boolean, ok: boolean): TrackerEffect {
  const m = reverse ? -1 : 1;
  if (ok) return weight > 0 ? { fault: false, delta: weight * m } : NONE;
  return weight < 0 ? { fault: false, delta: weight * m } : NONE;
}

/**
 * vrrp_script: a script still in init contributes no weight (initialise_track_script_state, vrrp_track.c:705-738)
 * and, unweighted, holds the instance in FAULT until its first result (num_script_init). A script that a reload
 * brought in is keepalived's SCRIPT_INIT_STATE_INIT_RELOAD: in init it holds nothing (`initHoldsFault` false,
 * vrrp_track.c:708-716), its first result decides.
 */
export function scriptEffect(weight: number, reverse: boolean, status: ScriptStatus, initHoldsFault = true): TrackerEffect {
  if (weight === 0) return { fault: status === 'init' ? initHoldsFault : (status === 'up') === reverse, delta: 0 };
  if (status === 'init') return NONE;
  return weighted(weight, reverse, status === 'up');
}

/** track_interface (initialise_interface_tracking_priorities, vrrp_track.c:764-800). */
export function interfaceEffect(weight: number, reverse: boolean, up: boolean): TrackerEffect {
  if (weight === 0) return { fault: up === reverse, delta: 0 };
  return weighted(weight, reverse, up);
}

/**
 * track_file: the integer in the file times the weight, clamped to −254..253; −254 is FAULT. With weight 0 a
 * non-zero value is a FAULT (zero with `reverse`).
 */
export function fileEffect(weight: number, reverse: boolean, value: number): TrackerEffect {
  if (weight === 0) return { fault: (value !== 0) !== reverse, delta: 0 };
  const product = value * weight * (reverse ? -1 : 1);
  if (product <= FILE_FAULT) return { fault: true, delta: 0 };
  return { fault: false, delta: Math.min(product, FILE_MAX) };
}

/** Base ± every tracker's delta, clamped to 1..254; an owner (255) is never adjusted (vrrp_track.c:583-600). */
export function effectivePriority(base: number, deltas: Iterable<number>): number {
  if (base === PRIORITY_OWNER) return base;
  let total = base;
  for (const d of deltas) total += d;
  return Math.min(Math.max(total, PRIORITY_MIN), PRIORITY_MAX);
}

/** Parse a track_file's content like keepalived's strtol(buf, NULL, 0): leading number, else 0; null = ignore. */
export function parseTrackFileValue(text: string): number | null {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text);
  if (!m) return 0;
  const digits = m[2]!;
  const magnitude = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits.startsWith('0') ? parseInt(digits, 8) : parseInt(digits, 10);
  const value = m[1] === '-' ? -magnitude : magnitude;
  // keepalived ignores (keeps the previous status) a value outside int32 (track_file.c:826-829).
  if (value < -2147483648 || value > 2147483648) return null;
  return value;
}
