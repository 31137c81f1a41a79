// Applies LvsOps to an in-memory LvsTable the way a data plane would, with keepalived's tolerances (lvs.md §2.3,
// §9.5): an add of something present changes nothing (EEXIST counts as success, the kernel keeps what it had), a
// delete of something absent is a no-op (ENOENT), an editDest of an absent dest adds it (SET_DEST ENOENT is
// retried as NEW_DEST). A dest op on an absent service is dropped (the kernel answers ESRCH). Pure: the core uses
// it to track what the kernel holds after its own ops, a test twin uses it as its kernel.
import { destId, serviceId, type DestSpec, type LvsOp, type LvsTable, type ServiceSpec, type TableService } from './model.js';

export function applyOps(table: LvsTable, ops: readonly LvsOp[]): LvsTable {
  const services = new Map<string, { spec: ServiceSpec; dests: Map<string, DestSpec> }>();
  for (const s of table.services) services.set(serviceId(s.spec), { spec: s.spec, dests: new Map(s.dests.map((d) => [destId(d), d])) });
  for (const op of ops) {
    const id = serviceId(op.service);
    const svc = services.get(id);
    switch (op.op) {
      case 'addService':
        if (!svc) services.set(id, { spec: op.service, dests: new Map() });
        break;
      case 'editService':
        if (svc) svc.spec = op.service;
        break;
      case 'delService':
        services.delete(id);
        break;
      case 'addDest':
        if (svc && !svc.dests.has(destId(op.dest))) svc.dests.set(destId(op.dest), op.dest);
        break;
      case 'editDest':
        if (svc) svc.dests.set(destId(op.dest), op.dest);
        break;
      case 'delDest':
        svc?.dests.delete(destId(op.dest));
        break;
    }
  }
  const out: TableService[] = [...services.values()].map((s) => ({ spec: s.spec, dests: [...s.dests.values()] }));
  return { services: out };
}
