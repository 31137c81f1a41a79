// checkId → the checker, virtual and real server behind it, for the SIGUSR1 dump (probes ask the core). The core's contract names
// checks only by id; its snapshot lists, per real server, the ids of that server's checks in the order of the
// server's `checkers` (a probe shared by several virtual servers appears under each with the same id), so the
// n-th id of a real server is its n-th configured checker.
import type { CheckerConfig, RealServerConfig, VirtualServerConfig } from '../../config/lvsTypes.js';
import type { LvsSnapshot } from '../core/types.js';
import { findRealServer } from './keepalivedText.js';

export interface IndexedCheck {
  readonly checker: CheckerConfig;
  readonly vs: VirtualServerConfig;
  readonly rs: RealServerConfig;
}

export function checkerIndex(snapshot: LvsSnapshot, virtualServers: readonly VirtualServerConfig[]): Map<string, IndexedCheck> {
  const byId = new Map(virtualServers.map((v) => [v.id, v]));
  const out = new Map<string, IndexedCheck>();
  for (const vsSnap of snapshot.virtualServers) {
    const vs = byId.get(vsSnap.id);
    if (!vs) continue;
    for (const rsSnap of vsSnap.realServers) {
      const rs = findRealServer(vs, rsSnap.id);
      if (!rs) continue;
      rsSnap.checks.forEach((checkId, i) => {
        const checker = rs.checkers[i];
        if (checker && !out.has(checkId)) out.set(checkId, { checker, vs, rs });
      });
    }
  }
  return out;
}
