// The LVS global keywords → LvsGlobalConfig (lvs.md §1.6), with lvs_sync_daemon resolved against the
// vrrp_instances (§4.8): `inst` must name one, the syncid defaults to its VRID (else 0), and keepalived 2.2.7's
// deprecated per-instance `lvs_sync_daemon_interface IF` is the same daemon tied to that instance.
import type { DiagnosticSink } from './diagnostics.js';
import type { InstanceDraft } from './drafts.js';
import type { LvsGlobalDraft, LvsSyncDaemonDraft } from './lvsDrafts.js';
import type { LvsGlobalConfig, LvsSyncDaemonConfig } from './lvsTypes.js';

function syncDaemon(g: LvsGlobalDraft, instances: readonly InstanceDraft[], sink: DiagnosticSink): LvsSyncDaemonConfig | null {
  let draft: LvsSyncDaemonDraft | undefined = g.syncDaemon;
  for (const i of instances) {
    const legacy = i.lvsSyncDaemonInterface;
    if (!legacy) continue;
    sink.warning(legacy.source, `(${i.name}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated; please use global lvs_sync_daemon`);
    if (draft) {
      sink.error(legacy.source, `(${i.name}) lvs_sync_daemon has already been specified as ${draft.interface} at ${draft.source.file}:${draft.source.line}`);
      continue;
    }
    draft = { interface: legacy.name, instance: i.name, syncId: null, maxLen: null, port: null, ttl: null, group: null, source: legacy.source };
  }
  if (!draft) return null;
  let syncId = draft.syncId ?? 0;
  if (draft.instance !== null) {
    const inst = instances.find((i) => i.name === draft.instance);
    if (!inst) {
      sink.error(draft.source, `lvs_sync_daemon: inst ${draft.instance} is not a vrrp_instance`);
      return null;
    }
    syncId = draft.syncId ?? inst.vrid ?? 0;
  }
  return {
    interface: draft.interface,
    instance: draft.instance,
    syncId,
    maxLen: draft.maxLen,
    port: draft.port,
    ttl: draft.ttl,
    group: draft.group,
    source: draft.source,
  };
}

export function completeLvsGlobal(g: LvsGlobalDraft, instances: readonly InstanceDraft[], sink: DiagnosticSink): LvsGlobalConfig {
  if (g.notifyFifoScript && g.notifyFifo === undefined) {
    sink.error(g.notifyFifoScript.source, "'lvs_notify_fifo_script' needs 'lvs_notify_fifo'");
  }
  const ssl = g.ssl;
  return {
    flushAtStart: g.flushAtStart ?? false,
    flushOnStop: g.flushOnStop ?? 'no',
    timeouts: g.timeouts ?? null,
    syncDaemon: syncDaemon(g, instances, sink),
    notifyFifo: g.notifyFifo ?? null,
    notifyFifoScript: g.notifyFifo !== undefined ? (g.notifyFifoScript?.script ?? null) : null,
    rsInitNotifies: g.rsInitNotifies ?? false,
    logAllFailures: g.logAllFailures ?? false,
    ssl: ssl ? { password: ssl.password ?? null, ca: ssl.ca ?? null, certificate: ssl.certificate ?? null, key: ssl.key ?? null } : null,
    keepOnStop: g.keepOnStop ?? false,
    dataplane: g.dataplane ?? 'auto',
  };
}
