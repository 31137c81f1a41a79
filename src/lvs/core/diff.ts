// The minimal ordered operations that turn the table a data plane holds into the desired one (lvs.md §9.6):
// services vipd does not own are never touched; a service is added before its dests; within a service,
// deletes come first, then edits that lower a weight, then edits that raise one, then adds. That order is
// keepalived's on a quorum change (`update_quorum_state`, ipwrapper.c: on loss the live RS go before the sorry
// server comes, on gain the sorry server goes before the RS come back), so the two never serve together.
// A service that is no longer desired is deleted whole (the kernel drops its dests), after every other change.
import { destId, serviceId, type DestSpec, type LvsOp, type LvsTable, type ServiceKey, type ServiceSpec } from '../model.js';

export function diffTables(desired: LvsTable, actual: LvsTable, owned: ReadonlySet<string>): LvsOp[] {
  const ops: LvsOp[] = [];
  const actualById = new Map(actual.services.map((s) => [serviceId(s.spec), s]));
  const desiredIds = new Set<string>();
  for (const want of desired.services) {
    const id = serviceId(want.spec);
    desiredIds.add(id);
    const key = keyOf(want.spec);
    const have = actualById.get(id);
    if (!have) {
      ops.push({ op: 'addService', service: want.spec });
      for (const d of want.dests) ops.push({ op: 'addDest', service: key, dest: d });
      continue;
    }
    if (!sameService(want.spec, have.spec)) ops.push({ op: 'editService', service: want.spec });
    const haveDests = new Map(have.dests.map((d) => [destId(d), d]));
    const wantIds = new Set(want.dests.map((d) => destId(d)));
    const lower: LvsOp[] = [];
    const raise: LvsOp[] = [];
    const add: LvsOp[] = [];
    for (const d of have.dests) if (!wantIds.has(destId(d))) ops.push({ op: 'delDest', service: key, dest: { address: d.address, port: d.port } });
    for (const d of want.dests) {
      const h = haveDests.get(destId(d));
      if (!h) add.push({ op: 'addDest', service: key, dest: d });
      else if (!sameDest(d, h)) (d.weight > h.weight ? raise : lower).push({ op: 'editDest', service: key, dest: d });
    }
    ops.push(...lower, ...raise, ...add);
  }
  for (const have of actual.services) {
    const id = serviceId(have.spec);
    if (!desiredIds.has(id) && owned.has(id)) ops.push({ op: 'delService', service: keyOf(have.spec) });
  }
  return ops;
}

/** The key part of a spec (what delService and dest ops carry). */
export function keyOf(s: ServiceKey): ServiceKey {
  return s.fwmark !== undefined
    ? { family: s.family, fwmark: s.fwmark }
    : { family: s.family, protocol: s.protocol, address: s.address, port: s.port };
}

/** What SET_SERVICE changes (lvs.md §2.7: scheduler, flags, PE, granularity, timeout). */
export function sameService(a: ServiceSpec, b: ServiceSpec): boolean {
  return (
    a.scheduler === b.scheduler &&
    a.flags === b.flags &&
    a.timeoutS === b.timeoutS &&
    a.netmaskBits === b.netmaskBits &&
    (a.peName ?? '') === (b.peName ?? '')
  );
}

/** What SET_DEST changes: weight, method, thresholds, and the tunnel of a tunnel dest. */
export function sameDest(a: DestSpec, b: DestSpec): boolean {
  if (a.forward !== b.forward || a.weight !== b.weight) return false;
  if (a.upperThreshold !== b.upperThreshold || a.lowerThreshold !== b.lowerThreshold) return false;
  if (a.forward !== 'tunnel') return true;
  const ta = a.tunnel ?? { type: 'ipip', port: 0, flags: 0 };
  const tb = b.tunnel ?? { type: 'ipip', port: 0, flags: 0 };
  return ta.type === tb.type && ta.port === tb.port && ta.flags === tb.flags;
}
