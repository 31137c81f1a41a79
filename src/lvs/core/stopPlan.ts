// What `stop` does to the table and who hears of it (lvs.md §2.8; keepalived clear_services, clear_service_vs,
// clear_service_rs, update_vs_notifies in check/ipwrapper.c):
// - default: per VS, the sorry server and every RS in the table are deleted (inhibit cleared, so really deleted),
//   then the service; with `omega` the alive RS run notify_down;
// - `lvs_flush_on_stop VS`: one delService per service of the VS, no dest ops;
// - `lvs_flush_on_stop`: every service of the table goes, foreign ones included (IPVS_CMD_FLUSH).
// Every VS then loses its quorum; the quorum_down script and FIFO line only with `omega`.
import type { LvsGlobalConfig } from '../../config/lvsTypes.js';
import { destId, serviceId, type LvsOp, type LvsTable } from '../model.js';
import { keyOf } from './diff.js';
import type { LvsEffect } from './types.js';
import type { VirtualServerState } from './virtualServerState.js';
import { destSpecOf, serviceSpecOf, sorryDestShape } from './specs.js';

export function stopPlan(vss: readonly VirtualServerState[], table: LvsTable, global: LvsGlobalConfig): { ops: LvsOp[]; notifies: LvsEffect[] } {
  const ops: LvsOp[] = [];
  const notifies: LvsEffect[] = [];
  const present = new Map(table.services.map((s) => [serviceId(s.spec), new Set(s.dests.map((d) => destId(d)))]));
  if (global.flushOnStop === 'all') for (const s of table.services) ops.push({ op: 'delService', service: keyOf(s.spec) });
  for (const vs of vss) {
    const services = vs.desiredServices().filter((s) => present.has(serviceId(s.spec)));
    if (global.flushOnStop === 'no') {
      // RS-major like keepalived (a group replays each dest op on every member): the sorry server first, then
      // the real servers in config order, each removed from every service of the VS that holds it.
      const sorry = vs.config.sorryServer;
      const shapes = [...(sorry ? [sorryDestShape(sorry)] : []), ...[...vs.realServers.values()].map((rs) => rs.config)];
      for (const shape of shapes) {
        for (const svc of services) {
          const key = vs.config.keys.find((k) => serviceId(serviceSpecOf(vs.config, k)) === serviceId(svc.spec))!;
          const id = destId(destSpecOf(shape, key, 0));
          const inKernel = present.get(serviceId(svc.spec))!;
          if (!inKernel.has(id) || !svc.dests.some((d) => destId(d) === id)) continue;
          inKernel.delete(id);
          const d = destSpecOf(shape, key, 0);
          ops.push({ op: 'delDest', service: keyOf(svc.spec), dest: { address: d.address, port: d.port } });
        }
      }
      for (const rs of vs.realServers.values()) {
        if (!rs.alive || !vs.inTable(rs)) continue;
        rs.alive = false;
        if (vs.config.omega) vs.notifyRs(rs, 'shutting down', notifies);
      }
    }
    if (global.flushOnStop !== 'all') for (const s of services) ops.push({ op: 'delService', service: keyOf(s.spec) });
    vs.quorumUp = false;
    vs.sorryAlive = false;
    if (vs.config.omega) vs.notifyQuorum(vs.liveWeight(), notifies);
  }
  return { ops, notifies };
}
