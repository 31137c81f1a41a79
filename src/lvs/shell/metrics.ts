// The LVS half's metrics, registered by its plugin on the daemon's registry (src/plugin/api.ts registerMetrics).
// Two families (lvs.md §5, §9.13; docs/metrics.md "LVS"):
// - node_exporter's IPVS collector names and labels (collector/ipvs_linux.go), so dashboards built on it work
//   on a vipd director without node_exporter reading /proc/net/ip_vs: per-destination active/inactive
//   connections and weight, and the global connection/packet/byte totals — here the sum over every service of
//   the table the data plane reads back (IPVS: the whole network namespace, which is what /proc/net/ip_vs_stats
//   counts, minus connections of services already deleted).
// - vipd's own: checker, real-server and quorum state from the core's snapshot, the shell's counters, and the
//   kernel's per-service counters labelled by the full service identity (fwmark and family included, which the
//   existing exporters lose).
// Collectors are cheap: they read the core's snapshot and the last table read back; a scrape at most starts a
// background re-read when that table is older than the refresh interval (never a netlink call inside collect).
import type { Registry } from 'prom-client';
import { Histogram } from '../../metrics/promClient.js';
import { scrapeCounter, scrapeGauge, type Labels } from '../../metrics/scrape.js';
import type { LvsSnapshot } from '../core/types.js';
import type { DataPlaneCounters, ReadTable, ServiceSpec } from '../model.js';
import { destId, serviceId } from '../model.js';
import { CHECK_DURATION_BUCKETS_SECONDS, type LvsCounters } from './lvsCounters.js';
import type { SyncDaemonStatus } from './syncDaemonPort.js';

/** What the collectors read at scrape time; null while LVS does not run (no sample then). */
export interface LvsMetricsSource {
  snapshot(): LvsSnapshot | null;
  table(): ReadTable | null;
  counters(): LvsCounters | null;
  /** The data plane's name and own counters (null: LVS idle, or a plane that keeps none). */
  plane(): { readonly name: string; readonly stats: DataPlaneCounters } | null;
  /** The lvs_sync_daemon driver's errors and the daemons the kernel reports (null: no lvs_sync_daemon). */
  syncDaemon(): SyncDaemonStatus | null;
  /** Ask for a fresher table (and sync-daemon state) if the cached one is old (must not block the scrape). */
  refresh(): void;
}

const num = (b: bigint): number => Number(b);

/** node_exporter's labels of one destination row (procfs parses /proc/net/ip_vs: FWM rows have a hex mark and no address). */
function backendLabels(svc: ServiceSpec, dest: { address: string; port: number }): Labels {
  const fwm = svc.fwmark !== undefined;
  return {
    local_address: fwm ? '' : svc.address,
    local_port: fwm ? '0' : String(svc.port),
    remote_address: dest.address,
    remote_port: String(dest.port),
    proto: fwm ? 'FWM' : svc.protocol.toUpperCase(),
    local_mark: fwm ? svc.fwmark.toString(16).toUpperCase().padStart(8, '0') : '',
  };
}

function serviceLabels(svc: ServiceSpec): Labels {
  return {
    service: serviceId(svc),
    family: svc.family,
    protocol: svc.fwmark !== undefined ? '' : svc.protocol,
    address: svc.fwmark !== undefined ? '' : svc.address,
    port: svc.fwmark !== undefined ? '' : String(svc.port),
    fwmark: svc.fwmark !== undefined ? String(svc.fwmark) : '',
  };
}

export interface LvsMetrics {
  /** One finished probe (the histogram). */
  checkObserved(type: string, durationMs: number): void;
}

export function registerLvsMetrics(registry: Registry, src: LvsMetricsSource): LvsMetrics {
  // One scrape reads every collector in turn: take the table and snapshot once per scrape's turn.
  const table = (): ReadTable | null => {
    src.refresh();
    return src.table();
  };

  // --- node_exporter's IPVS names -----------------------------------------------------------------------------
  const backend = (name: string, help: string, pick: (d: { weight: number; active: number; inactive: number }) => number): void =>
    scrapeGauge(registry, name, help, ['local_address', 'local_port', 'remote_address', 'remote_port', 'proto', 'local_mark'], (set) => {
      const t = table();
      if (!t) return;
      // node_exporter sums rows whose labels collide; ours cannot collide (one row per service and destination).
      for (const s of t.services) {
        const counters = t.counters.get(serviceId(s.spec));
        for (const d of s.dests) {
          const c = counters?.dests.get(destId(d));
          set(backendLabels(s.spec, d), pick({ weight: d.weight, active: c?.activeConns ?? 0, inactive: c?.inactiveConns ?? 0 }));
        }
      }
    });
  backend('node_ipvs_backend_connections_active', 'The current active connections by local and remote address.', (d) => d.active);
  backend('node_ipvs_backend_connections_inactive', 'The current inactive connections by local and remote address.', (d) => d.inactive);
  backend('node_ipvs_backend_weight', 'The current backend weight by local and remote address.', (d) => d.weight);

  const global = (name: string, help: string, pick: (s: { conns: bigint; inPkts: bigint; outPkts: bigint; inBytes: bigint; outBytes: bigint }) => bigint): void =>
    scrapeCounter(registry, name, help, [], (add) => {
      const t = table();
      if (!t) return;
      let sum = 0n;
      for (const c of t.counters.values()) sum += pick(c.service);
      add({}, num(sum));
    });
  global('node_ipvs_connections_total', 'The total number of connections made (sum over the services of the table).', (s) => s.conns);
  global('node_ipvs_incoming_packets_total', 'The total number of incoming packets (sum over the services of the table).', (s) => s.inPkts);
  global('node_ipvs_outgoing_packets_total', 'The total number of outgoing packets (sum over the services of the table).', (s) => s.outPkts);
  global('node_ipvs_incoming_bytes_total', 'The total amount of incoming data (sum over the services of the table).', (s) => s.inBytes);
  global('node_ipvs_outgoing_bytes_total', 'The total amount of outgoing data (sum over the services of the table).', (s) => s.outBytes);

  // --- vipd: per-service kernel counters ----------------------------------------------------------------------
  const service = (name: string, help: string, pick: (s: { conns: bigint; inPkts: bigint; outPkts: bigint; inBytes: bigint; outBytes: bigint }) => bigint): void =>
    scrapeCounter(registry, name, help, ['service', 'family', 'protocol', 'address', 'port', 'fwmark'], (add) => {
      const t = table();
      if (!t) return;
      for (const s of t.services) {
        const c = t.counters.get(serviceId(s.spec));
        if (c) add(serviceLabels(s.spec), num(pick(c.service)));
      }
    });
  service('vipd_lvs_service_connections_total', 'Connections scheduled by the kernel service (IPVS counters read back)', (s) => s.conns);
  service('vipd_lvs_service_in_packets_total', 'Packets received by the kernel service', (s) => s.inPkts);
  service('vipd_lvs_service_out_packets_total', 'Packets sent by the kernel service', (s) => s.outPkts);
  service('vipd_lvs_service_in_bytes_total', 'Bytes received by the kernel service', (s) => s.inBytes);
  service('vipd_lvs_service_out_bytes_total', 'Bytes sent by the kernel service', (s) => s.outBytes);

  // --- vipd: state from the core --------------------------------------------------------------------------------
  type Vs = LvsSnapshot['virtualServers'][number];
  type Rs = Vs['realServers'][number];
  const perRs = (name: string, help: string, extra: readonly string[], fill: (set: (l: Labels, v: number) => void, vs: Vs, rs: Rs) => void): void =>
    scrapeGauge(registry, name, help, ['virtual_server', 'real_server', ...extra], (set) => {
      for (const vs of src.snapshot()?.virtualServers ?? []) for (const rs of vs.realServers) fill(set, vs, rs);
    });
  perRs('vipd_lvs_real_server_up', 'Whether the real server passes its checks (1) or not (0)', [], (set, vs, rs) =>
    set({ virtual_server: vs.id, real_server: rs.id }, rs.up ? 1 : 0),
  );
  perRs('vipd_lvs_real_server_weight', 'Weight of the real server: as configured, and as in effect (0 when down or inhibited)', ['kind'], (set, vs, rs) => {
    set({ virtual_server: vs.id, real_server: rs.id, kind: 'configured' }, rs.configuredWeight);
    set({ virtual_server: vs.id, real_server: rs.id, kind: 'effective' }, rs.effectiveWeight);
  });
  perRs('vipd_lvs_real_server_in_table', 'Whether the real server is a destination in the data plane (1), possibly at weight 0', [], (set, vs, rs) =>
    set({ virtual_server: vs.id, real_server: rs.id }, rs.inTable ? 1 : 0),
  );
  const perVs = (name: string, help: string, pick: (vs: Vs) => number): void =>
    scrapeGauge(registry, name, help, ['virtual_server'], (set) => {
      for (const vs of src.snapshot()?.virtualServers ?? []) set({ virtual_server: vs.id }, pick(vs));
    });
  perVs('vipd_lvs_quorum_up', 'Whether the virtual server has quorum (1) or not (0)', (vs) => (vs.quorumUp ? 1 : 0));
  perVs('vipd_lvs_live_weight', 'Sum of the weights of the live real servers (what quorum is compared with)', (vs) => vs.liveWeight);
  perVs('vipd_lvs_sorry_server_active', 'Whether the sorry server is in the pool (1) or not (0)', (vs) => (vs.sorryServerActive ? 1 : 0));
  scrapeGauge(registry, 'vipd_lvs_check_up', 'Whether the checker passes (1) or not (0)', ['check', 'type', 'target'], (set) => {
    for (const c of src.snapshot()?.checks ?? []) set({ check: c.id, type: c.type, target: c.target }, c.up ? 1 : 0);
  });

  // --- vipd: the shell's counters ---------------------------------------------------------------------------------
  const byReason = (name: string, help: string, pick: (c: LvsCounters) => ReadonlyMap<string, number>): void =>
    scrapeCounter(registry, name, help, ['reason'], (add) => {
      const c = src.counters();
      if (c) for (const [reason, n] of pick(c)) add({ reason }, n);
    });
  byReason('vipd_lvs_check_failures_total', 'Failed probes, by reason (timeout, refused, status \u2026)', (c) => c.checkFailures);
  byReason('vipd_lvs_real_server_transitions_total', 'Real-server up/down transitions, by reason', (c) => c.transitions);
  byReason('vipd_lvs_dataplane_errors_total', 'Data-plane operations refused (and table reads failed), by reason', (c) => c.dataplaneErrors);
  scrapeCounter(registry, 'vipd_lvs_drift_repairs_total', 'Table re-reads after a refused operation, handed to the core to repair the drift', [], (add) => {
    const c = src.counters();
    if (c) add({}, c.driftRepairs);
  });
  // --- vipd: the data plane's and the sync daemons' own counters ----------------------------------------------------
  const planeByReason = (name: string, help: string, pick: (c: DataPlaneCounters) => Readonly<Record<string, number>>): void =>
    scrapeCounter(registry, name, help, ['dataplane', 'reason'], (add) => {
      const p = src.plane();
      if (p) for (const [reason, n] of Object.entries(pick(p.stats))) add({ dataplane: p.name, reason }, n);
    });
  planeByReason('vipd_lvs_dataplane_tolerated_total', 'Refusals the data plane counted as success as keepalived does (EEXIST on add, ENOENT on delete \u2026), by reason', (c) => c.tolerated);
  planeByReason('vipd_lvs_dataplane_malformed_replies_total', 'Kernel replies to the data plane that did not decode and were dropped, by reason', (c) => c.malformedReplies);
  scrapeGauge(registry, 'vipd_lvs_dataplane_unreachable_real_servers', 'Real servers in the data plane it cannot forward to now (nftables DR: on no connected network)', ['dataplane'], (set) => {
    const p = src.plane();
    if (p && p.stats.unreachableRealServers !== undefined) set({ dataplane: p.name }, p.stats.unreachableRealServers);
  });
  scrapeCounter(registry, 'vipd_lvs_sync_daemon_errors_total', 'IPVS sync daemon starts and stops the kernel refused', [], (add) => {
    const d = src.syncDaemon();
    if (d) add({}, d.errors);
  });
  scrapeGauge(registry, 'vipd_lvs_sync_daemon_running', 'IPVS sync daemons the kernel reports running (GET_DAEMON), 1 per daemon', ['state', 'interface', 'syncid'], (set) => {
    for (const k of src.syncDaemon()?.kernel ?? []) set({ state: k.state, interface: k.ifname, syncid: String(k.syncId) }, 1);
  });

  const durations = new Histogram({
    name: 'vipd_lvs_check_duration_seconds',
    help: 'Duration of health-check probes, by checker type',
    labelNames: ['type'],
    buckets: CHECK_DURATION_BUCKETS_SECONDS,
    registers: [registry],
  });
  return { checkObserved: (type, ms) => durations.observe({ type }, Math.max(0, ms) / 1000) };
}
