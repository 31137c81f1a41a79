// A table read back from a data plane, reduced to what the core compares (lvs.md §9.6): the service and dest
// specs without counters, connection counts or stats, so the core's own record of the kernel stays small.
import type { DestSpec, LvsTable, ServiceSpec } from '../model.js';

export function normalizeTable(t: LvsTable): LvsTable {
  return {
    services: t.services.map((s) => ({ spec: serviceSpec(s.spec), dests: s.dests.map(destSpec) })),
  };
}

function serviceSpec(s: ServiceSpec): ServiceSpec {
  const rest = { scheduler: s.scheduler, flags: s.flags, timeoutS: s.timeoutS, netmaskBits: s.netmaskBits, ...(s.peName ? { peName: s.peName } : {}) };
  if (s.fwmark !== undefined) return { family: s.family, fwmark: s.fwmark, ...rest };
  return { family: s.family, protocol: s.protocol, address: s.address, port: s.port, ...rest };
}

function destSpec(d: DestSpec): DestSpec {
  return {
    address: d.address,
    port: d.port,
    forward: d.forward,
    weight: d.weight,
    upperThreshold: d.upperThreshold,
    lowerThreshold: d.lowerThreshold,
    ...(d.family ? { family: d.family } : {}),
    ...(d.tunnel ? { tunnel: { ...d.tunnel } } : {}),
  };
}
