// Instance parameters for tests: keepalived defaults (keepalived.md §2.7), overridable per test.
import type { AdvertFields } from '../../../src/vrrp/codec.js';
import type { InstanceParams, Vip, VrrpEffect } from '../../../src/vrrp/types.js';

export const VIP: Vip = { address: '10.1.0.100', prefixLen: 24, family: 4 };

export function params(over: Partial<InstanceParams> = {}): InstanceParams {
  return {
    name: 'VI_1', vrid: 51, version: 2, family: 4, priority: 100, advertIntMs: 1000, vips: [VIP], excludedVips: [],
    preempt: true, preemptDelayMs: 0, initialState: 'BACKUP', sourceAddress: '10.1.0.1', unicastPeers: [],
    garp: { masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1, lowerPrioDelayMs: 5000, lowerPrioRepeat: 5 },
    lowerPrioNoAdvert: false, higherPrioSendAdvert: false, downTimerAdverts: 3,
    ...over,
  };
}

export function fields(priority: number, over: Partial<AdvertFields> = {}): AdvertFields {
  return { version: 2, vrid: 51, priority, advertIntMs: 1000, addresses: ['10.1.0.100'], ...over };
}

/** Effect types in order, logs left out: compact order assertions. */
export const kinds = (effects: readonly VrrpEffect[]): string[] => effects.filter((e) => e.type !== 'log').map((e) => e.type);
export const logs = (effects: readonly VrrpEffect[]): string[] =>
  effects.flatMap((e) => (e.type === 'log' ? [e.message] : []));
