// A table read back from a data plane, reduced to what the core compares (lvs.md §9.6): the service and dest
// specs without counters, connection counts or stats, so the core's own record of the kernel stays small.
import { destSpecOnly, serviceSpecOnly, type LvsTable } from '../model.js';

export function normalizeTable(t: LvsTable): LvsTable {
  return {
    services: t.services.map((s) => ({ spec: serviceSpecOnly(s.spec), dests: s.dests.map((d) => destSpecOnly(d, s.spec.family)) })),
  };
}
