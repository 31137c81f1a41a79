// Cross-object checks after every block is read: duplicate names, VRID clashes, references from track_* and
// sync groups, the conntrack sync block's target. Also checkInterfaces(), the run-time hook the daemon calls
// with the host's interface list (interface existence is not a property of the file).
import type { Diagnostic, DiagnosticSink, SourceRef } from './diagnostics.js';
import type { SyncGroupDraft } from './drafts.js';
import { completeNotify } from './complete.js';
import type { Config, ConntrackSyncConfig, SyncGroupConfig, TrackRef, VrrpInstanceConfig } from './types.js';

const where = (s: SourceRef) => `${s.file}:${s.line}`;

export function checkDuplicates(items: ReadonlyArray<{ name: string; source: SourceRef }>, kind: string, sink: DiagnosticSink): void {
  const seen = new Map<string, SourceRef>();
  for (const it of items) {
    const first = seen.get(it.name);
    if (first) sink.error(it.source, `duplicate ${kind} '${it.name}' (first defined at ${where(first)})`);
    else seen.set(it.name, it.source);
  }
}

/**
 * Two instances clash when they would claim the same virtual router on the same link: same interface, VRID
 * and family, and either both multicast to the same group or both unicast with a peer in common
 * (keepalived refuses these too: "VRID … is already used", vrrp.c vrrp_complete_init).
 */
export function checkVridClash(instances: readonly VrrpInstanceConfig[], sink: DiagnosticSink): void {
  for (let i = 0; i < instances.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = instances[j]!;
      const b = instances[i]!;
      if (a.interface !== b.interface || a.vrid !== b.vrid || a.family !== b.family) continue;
      const aUni = a.unicastPeers.length > 0;
      const bUni = b.unicastPeers.length > 0;
      let clash = false;
      let how = '';
      if (!aUni && !bUni && a.mcastGroup === b.mcastGroup) {
        clash = true;
        how = `multicast group ${a.mcastGroup}`;
      } else if (aUni && bUni) {
        const common = b.unicastPeers.find((p) => a.unicastPeers.some((q) => q.address === p.address));
        if (common) {
          clash = true;
          how = `unicast peer ${common.address}`;
        }
      }
      if (clash) {
        sink.error(
          b.source,
          `(${b.name}) VRID ${b.vrid} on interface ${b.interface} (${b.family === 'inet' ? 'IPv4' : 'IPv6'}, ${how}) ` +
            `is already used by vrrp_instance ${a.name} at ${where(a.source)}`,
        );
      }
    }
  }
}

export function checkTrackRefs(
  owner: string,
  refs: { trackScripts: readonly TrackRef[]; trackFiles: readonly TrackRef[] },
  scripts: ReadonlySet<string>,
  trackFiles: ReadonlySet<string>,
  sink: DiagnosticSink,
): void {
  for (const r of refs.trackScripts) {
    if (!scripts.has(r.name)) sink.error(r.source, `${owner} track script ${r.name} not found (no vrrp_script ${r.name})`);
  }
  for (const r of refs.trackFiles) {
    if (!trackFiles.has(r.name)) sink.error(r.source, `${owner} track file ${r.name} not found (no track_file ${r.name})`);
  }
}

/** Resolve sync group members; returns the groups and the instance → group map. */
export function checkSyncGroups(
  drafts: readonly SyncGroupDraft[],
  instanceNames: ReadonlySet<string>,
  sink: DiagnosticSink,
): { groups: SyncGroupConfig[]; memberOf: Map<string, string> } {
  const memberOf = new Map<string, string>();
  const groups: SyncGroupConfig[] = [];
  for (const g of drafts) {
    const members: string[] = [];
    for (const m of g.members) {
      if (!instanceNames.has(m.name)) {
        sink.error(m.source, `(${g.name}) sync group member ${m.name} is not a vrrp_instance`);
        continue;
      }
      const other = memberOf.get(m.name);
      if (other !== undefined) {
        sink.error(m.source, `(${g.name}) vrrp_instance ${m.name} is already in sync group ${other}`);
        continue;
      }
      if (members.includes(m.name)) continue;
      memberOf.set(m.name, g.name);
      members.push(m.name);
    }
    if (members.length === 0) {
      // keepalived drops an empty group without a word; say so, since the usual cause is a missing `group { }`.
      sink.warning(g.source, `(${g.name}) sync group has no members (they belong in a group { \u2026 } block) - ignoring it`);
      continue;
    }
    if (members.length === 1) sink.warning(g.source, `(${g.name}) sync group has only one member - this probably isn't what you want`);
    groups.push({
      name: g.name,
      source: g.source,
      members,
      notify: { ...completeNotify(g.notify), masterRxLowerPri: null },
      trackInterfaces: g.trackInterfaces,
      trackScripts: g.trackScripts,
      trackFiles: g.trackFiles,
      smtpAlert: g.smtpAlert ?? false,
      trackingWeight: g.trackingWeight ?? false,
    });
  }
  return { groups, memberOf };
}

export function checkConntrackSync(
  blocks: readonly ConntrackSyncConfig[],
  instanceNames: ReadonlySet<string>,
  groupNames: ReadonlySet<string>,
  sink: DiagnosticSink,
): void {
  for (const b of blocks) {
    const known = b.follow.kind === 'instance' ? instanceNames : groupNames;
    if (!known.has(b.follow.name)) {
      sink.error(
        b.source,
        `vipd_conntrack_sync ${b.name}: follow_${b.follow.kind} ${b.follow.name} is not a ` +
          (b.follow.kind === 'instance' ? 'vrrp_instance' : 'vrrp_sync_group'),
      );
    }
  }
  for (let i = 0; i < blocks.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = blocks[j]!;
      const b = blocks[i]!;
      if (a.interface === b.interface && a.port === b.port && a.mcastGroup === b.mcastGroup && a.peers.join() === b.peers.join()) {
        sink.error(b.source, `vipd_conntrack_sync ${b.name}: same interface, port and destination as ${a.name} at ${where(a.source)}`);
      }
    }
  }
}

/**
 * A configuration that defines nothing vipd can run (no vrrp_instance, virtual_server, static_routes or
 * static_rules — what keepalived's VRRP and checker processes run) is a warning, as keepalived's "Warning -
 * keepalived has no configuration to run" (main.c start_keepalived) is; under --strict it is an error. It is
 * reported at the first line of the main file: the problem is the whole file, usually an include that matched
 * nothing. Skipped when the file has errors of its own (beyond --strict's).
 */
export function checkSomethingToRun(mainFile: string, runnableCount: number, sink: DiagnosticSink): void {
  // A file refused for real errors needs no second word (a broken vrrp_instance header is the usual cause);
  // --strict findings (an empty include) do not count: every strict error is reported in one pass.
  if (runnableCount > 0 || sink.hasPlainErrors()) return;
  sink.lenient({ file: mainFile, line: 1 }, 'nothing to run: no vrrp_instance or virtual_server in this file or its includes');
}

/**
 * Run-time hook: every interface the config names, checked against the host. Returns diagnostics (errors for
 * the interfaces an instance needs, warnings for tracked interfaces, which only lower priority or cause FAULT).
 */
export function checkInterfaces(config: Config, exists: (name: string) => boolean): Diagnostic[] {
  const out: Diagnostic[] = [];
  const err = (at: SourceRef, message: string) => out.push({ file: at.file, line: at.line, severity: 'error', message });
  const warn = (at: SourceRef, message: string) => out.push({ file: at.file, line: at.line, severity: 'warning', message });
  for (const i of config.instances) {
    if (!exists(i.interface)) err(i.source, `(${i.name}) interface ${i.interface} doesn't exist`);
    for (const v of [...i.vips, ...i.excludedVips]) {
      if (v.dev !== null && !exists(v.dev)) err(v.source, `(${i.name}) interface ${v.dev} for VIP ${v.address} doesn't exist`);
    }
    for (const t of i.trackInterfaces) {
      if (!exists(t.name)) warn(t.source, `(${i.name}) tracked interface ${t.name} doesn't exist (instance will be in FAULT)`);
    }
  }
  for (const g of config.syncGroups) {
    for (const t of g.trackInterfaces) {
      if (!exists(t.name)) warn(t.source, `(${g.name}) tracked interface ${t.name} doesn't exist (group will be in FAULT)`);
    }
  }
  for (const c of config.conntrackSync) {
    if (!exists(c.interface)) err(c.source, `vipd_conntrack_sync ${c.name}: interface ${c.interface} doesn't exist`);
  }
  return out;
}
