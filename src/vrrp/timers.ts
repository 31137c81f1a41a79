// VRRP timer arithmetic in milliseconds (RFC 5798 §6.1, RFC 3768 §6.1; keepalived vrrp.h:507-510).
import type { VrrpVersion } from './codec.js';
import { DEFAULT_DOWN_TIMER_ADVERTS, PRIORITY_OWNER } from './constants.js';

/**
 * Skew_Time. v2: (256 − P)/256 s, independent of the interval (RFC 3768 §6.1, keepalived uses TIMER_HZ);
 * v3: ((256 − P) × Master_Adver_Interval)/256 (RFC 5798 §6.1). P is the effective priority, 255 for an owner.
 * Result may be fractional (e.g. 609.375 ms for P = 100).
 */
export function skewMs(version: VrrpVersion, priority: number, masterAdverIntMs: number): number {
  const p = Math.min(Math.max(priority, 0), PRIORITY_OWNER);
  return version === 2 ? ((256 - p) * 1000) / 256 : ((256 - p) * masterAdverIntMs) / 256;
}

/**
 * Master_Down_Interval = downTimerAdverts × Master_Adver_Interval + Skew_Time (RFC 5798 §6.1 with 3;
 * keepalived's `down_timer_adverts` makes the 3 configurable and must match on all nodes).
 */
export function masterDownMs(
  version: VrrpVersion,
  priority: number,
  masterAdverIntMs: number,
  downTimerAdverts: number = DEFAULT_DOWN_TIMER_ADVERTS,
): number {
  return downTimerAdverts * masterAdverIntMs + skewMs(version, priority, masterAdverIntMs);
}
