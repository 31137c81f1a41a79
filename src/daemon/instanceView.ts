// The read-only view of one instance for metrics, /status and `vipd status` (monotonic times turned into wall
// clock here, so the core never reads a clock).
import type { VrrpInstanceConfig } from '../config/types.js';
import type { InstanceView } from '../status/types.js';
import type { VrrpInstance } from '../vrrp/instance.js';

export function instanceView(cfg: VrrpInstanceConfig, instance: VrrpInstance, nowMono: number, nowWall: number): InstanceView {
  const s = instance.snapshot();
  return {
    name: cfg.name,
    ifname: cfg.interface,
    vrid: cfg.vrid,
    state: s.state,
    basePriority: s.basePriority,
    effectivePriority: s.effectivePriority,
    masterAddress: s.state === 'MASTER' ? instance.params.sourceAddress : s.masterAddress,
    masterPriority: s.masterPriority,
    vips: cfg.vips.map((v) => ({ address: `${v.address}/${v.prefixLength}`, ...(v.dev ? { ifname: v.dev } : {}) })),
    lastTransition: s.lastTransition
      ? { from: s.lastTransition.from, to: s.lastTransition.to, reason: s.lastTransition.reason, atMs: nowWall - (nowMono - s.lastTransition.atMs) }
      : null,
    version: cfg.version,
    family: cfg.family,
    advertIntMs: s.advertIntMs,
    masterAdvertIntMs: s.masterAdverIntMs,
    syncGroup: cfg.syncGroup,
  };
}
