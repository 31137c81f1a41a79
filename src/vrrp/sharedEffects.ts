// Shared, frozen effects for a master's periodic advert (issue 12). A master at 255 instances × 10 ms handles
// 25,500 timeouts a second, each ending in one `sendAdvert`; a fresh effect object and result array per advert
// were most of what it allocated, and what V8 allocates it keeps resident. Effects are only read downstream
// (VrrpEffect is readonly), so one object per priority serves every instance.
import type { VrrpEffect } from './types.js';

type SendAdvert = Extract<VrrpEffect, { type: 'sendAdvert' }>;

const effects = new Map<number, SendAdvert>();
const alone = new Map<number, readonly VrrpEffect[]>();

/** `{ type: 'sendAdvert', priority }`, the same frozen object for the same priority. */
export function sendAdvertEffect(priority: number): SendAdvert {
  let e = effects.get(priority);
  if (e === undefined) {
    e = Object.freeze({ type: 'sendAdvert', priority });
    // Priorities are 0..255; anything else (a bug upstream) is not worth keeping.
    if (Number.isInteger(priority) && priority >= 0 && priority <= 255) effects.set(priority, e);
  }
  return e;
}

/** The frozen result list holding nothing but that advert. */
export function advertOnly(priority: number): readonly VrrpEffect[] {
  let list = alone.get(priority);
  if (list === undefined) {
    // Not frozen: V8's for-of over a frozen array allocates an iterator result per element (measured: ~1,200
    // scavenges per 10 million loops against 1), and every consumer iterates it. The type keeps it read-only.
    list = [sendAdvertEffect(priority)];
    if (Number.isInteger(priority) && priority >= 0 && priority <= 255) alone.set(priority, list);
  }
  return list;
}
