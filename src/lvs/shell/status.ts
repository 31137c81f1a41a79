// The LVS part of /status (sections.lvs) and of `vipd status`: virtual servers with quorum and live weight, their
// real servers (up, weight configured/effective, in the table or not) and the checks behind each (state, last
// failure, last duration). The daemon and the CLI know nothing of it (src/plugin/api.ts statusSection).
import type { VirtualServerConfig } from '../../config/lvsTypes.js';
import type { StatusSection } from '../../status/types.js';
import type { LvsSnapshot } from '../core/types.js';
import { findRealServer, rsText, vsText } from './keepalivedText.js';

/** What /status serves as sections.lvs.data (documented in docs/metrics.md "LVS status"). */
export interface LvsStatusData {
  readonly dataplane: string;
  /** Wall-clock time (Unix ms) of the last table read back from the data plane, null before the first. */
  readonly tableReadAtMs: number | null;
  readonly virtualServers: readonly (LvsSnapshot['virtualServers'][number] & { readonly text: string; readonly scheduler: string | null })[];
  readonly checks: LvsSnapshot['checks'];
}

export function lvsStatusData(
  snapshot: LvsSnapshot,
  virtualServers: readonly VirtualServerConfig[],
  dataplane: string,
  tableReadAtMs: number | null,
): LvsStatusData {
  const byId = new Map(virtualServers.map((v) => [v.id, v]));
  return {
    dataplane,
    tableReadAtMs,
    virtualServers: snapshot.virtualServers.map((vs) => {
      const cfg = byId.get(vs.id);
      return { ...vs, text: cfg ? vsText(cfg) : vs.name, scheduler: cfg?.scheduler ?? null };
    }),
    checks: snapshot.checks,
  };
}

function checkLine(c: LvsStatusData['checks'][number]): string {
  const state = !c.hasRun ? 'not run yet' : c.up ? 'up' : 'DOWN';
  const parts = [`${c.type} ${c.target} ${state}`];
  if (c.lastFailure && !c.up) parts.push(`${c.lastFailure.reason}${c.lastFailure.detail ? `: ${c.lastFailure.detail}` : ''}`);
  if (c.failures > 0) parts.push(`${c.failures} failure(s) in a row`);
  if (c.lastDurationMs !== null) parts.push(`last ${c.lastDurationMs.toFixed(1)} ms`);
  return parts.join(', ');
}

/** The lines `vipd status` prints for LVS. */
export function renderLvsLines(d: LvsStatusData, virtualServers: readonly VirtualServerConfig[]): string[] {
  const byId = new Map(virtualServers.map((v) => [v.id, v]));
  const checks = new Map(d.checks.map((c) => [c.id, c]));
  const rsCount = d.virtualServers.reduce((n, v) => n + v.realServers.length, 0);
  const rsUp = d.virtualServers.reduce((n, v) => n + v.realServers.filter((r) => r.up).length, 0);
  const failing = d.checks.filter((c) => c.hasRun && !c.up).length;
  const lines = [
    `LVS (${d.dataplane}): ${d.virtualServers.length} virtual server(s), ${rsUp}/${rsCount} real server(s) up, ${d.checks.length} check(s)${failing ? `, ${failing} failing` : ''}`,
  ];
  for (const vs of d.virtualServers) {
    const cfg = byId.get(vs.id);
    const sorry = vs.sorryServerActive ? ', SORRY SERVER ACTIVE' : '';
    lines.push(`  VS ${vs.text}${vs.scheduler ? ` ${vs.scheduler}` : ''}: quorum ${vs.quorumUp ? 'up' : 'DOWN'}, live weight ${vs.liveWeight}${sorry}`);
    for (const rs of vs.realServers) {
      const rsCfg = cfg ? findRealServer(cfg, rs.id) : undefined;
      const name = cfg && rsCfg ? rsText(cfg, rsCfg) : rs.id;
      const table = rs.inTable ? '' : ', not in table';
      lines.push(`    RS ${name} ${rs.up ? 'UP' : 'DOWN'} weight ${rs.effectiveWeight}/${rs.configuredWeight}${table}`);
      for (const id of rs.checks) {
        const c = checks.get(id);
        if (c) lines.push(`      ${checkLine(c)}`);
      }
    }
  }
  return lines;
}

export function lvsStatusSection(d: LvsStatusData, virtualServers: readonly VirtualServerConfig[]): StatusSection {
  return { lines: renderLvsLines(d, virtualServers), data: d };
}
