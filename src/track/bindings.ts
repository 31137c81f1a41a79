// Which tracked objects act on which instance, with which weight: the instance's own track_* lists plus its
// sync group's, after keepalived's rules for owners and sync groups (vrrp.c:4295-4375, vrrp.c:3085-3112,
// sync_group_tracking_init). Pure: config in, bindings and warnings out.
import type { Config, SyncGroupConfig, TrackRef, VrrpInstanceConfig } from '../config/types.js';
import { INIT_SUFFIX } from '../plugin/faultReasons.js';
import { PRIORITY_OWNER } from './priority.js';

export type TrackerKind = 'script' | 'interface' | 'file';

export interface TrackBinding {
  readonly instance: string;
  readonly kind: TrackerKind;
  /** vrrp_script name, interface name or track_file name. */
  readonly name: string;
  readonly weight: number;
  readonly reverse: boolean;
  /** The fault reason handed to the core, distinct per tracker (e.g. `track_script chk_haproxy`). */
  readonly reason: string;
}

export interface BindingPlan {
  readonly bindings: readonly TrackBinding[];
  readonly warnings: readonly string[];
}

const KEYWORD: Record<TrackerKind, string> = { script: 'track_script', interface: 'track_interface', file: 'track_file' };

// The init suffix is shared with notify, so it is defined in the plugin API; re-exported for tracking's users.
export { INIT_SUFFIX };

export function trackerReason(kind: TrackerKind, name: string): string {
  return `${KEYWORD[kind]} ${name}`;
}

/** `sync_group_tracking_weight` keeps member weights; without it keepalived drops them (off by default). */
function keepsTrackingWeight(g: SyncGroupConfig | undefined): boolean {
  return g?.trackingWeight === true;
}

export function planBindings(config: Config): BindingPlan {
  const warnings: string[] = [];
  const bindings: TrackBinding[] = [];
  const scripts = new Map(config.scripts.map((s) => [s.name, s]));
  const files = new Map(config.trackFiles.map((f) => [f.name, f]));

  const resolve = (inst: string, kind: TrackerKind, ref: TrackRef): { weight: number; reverse: boolean } | null => {
    if (kind === 'interface') return { weight: ref.weight ?? 0, reverse: ref.reverse };
    const obj = kind === 'script' ? scripts.get(ref.name) : files.get(ref.name);
    if (!obj) {
      warnings.push(`(${inst}) ${KEYWORD[kind]} ${ref.name} is not defined - ignoring`);
      return null;
    }
    return ref.weight === null ? { weight: obj.weight, reverse: obj.weightReverse } : { weight: ref.weight, reverse: ref.reverse };
  };

  for (const inst of config.instances) {
    const group = inst.syncGroup ? config.syncGroups.find((g) => g.name === inst.syncGroup) : undefined;
    const owner = inst.priority === PRIORITY_OWNER;
    const noWeights = owner || (group !== undefined && !keepsTrackingWeight(group));
    const why = group !== undefined && !keepsTrackingWeight(group) ? 'SYNC group' : 'address owner';
    const mine = new Map<string, TrackBinding>();
    const add = (kind: TrackerKind, name: string, weight: number, reverse: boolean) =>
      mine.set(`${kind}\u0000${name}`, { instance: inst.name, kind, name, weight, reverse, reason: trackerReason(kind, name) });

    for (const [kind, refs] of ownRefs(inst)) {
      for (const ref of refs) {
        const r = resolve(inst.name, kind, ref);
        if (!r) continue;
        if (noWeights && r.weight !== 0) {
          const dropped = ownerOrSyncRule(kind, r.weight, group !== undefined && !keepsTrackingWeight(group));
          if (dropped === 'drop') {
            warnings.push(`(${inst.name}) ignoring ${KEYWORD[kind]} ${ref.name} with weight ${r.weight} due to ${why}`);
            continue;
          }
          warnings.push(`(${inst.name}) ignoring weight of ${KEYWORD[kind]} ${ref.name} due to ${why}`);
          add(kind, ref.name, 0, r.reverse);
          continue;
        }
        add(kind, ref.name, r.weight, r.reverse);
      }
    }

    if (group) {
      const groupHasOwner = group.members.some((m) => config.instances.find((i) => i.name === m)?.priority === PRIORITY_OWNER);
      for (const [kind, refs] of groupRefs(group)) {
        for (const ref of refs) {
          const r = resolve(inst.name, kind, ref);
          if (!r) continue;
          if (groupHasOwner && r.weight !== 0) {
            warnings.push(`(${group.name}) Cannot have weighted ${KEYWORD[kind]} ${ref.name} with an address owner in the sync group - ignoring`);
            continue;
          }
          const key = `${kind}\u0000${ref.name}`;
          const existing = mine.get(key);
          if (existing) {
            // keepalived uses the group's weight unless the instance's own entry is unweighted (vrrp.c:3093-3105).
            warnings.push(`(${inst.name}) ${KEYWORD[kind]} ${ref.name} is configured on VRRP instance and sync group. Remove vrrp instance config`);
            if (existing.weight !== 0) add(kind, ref.name, r.weight, r.reverse);
            continue;
          }
          add(kind, ref.name, r.weight, r.reverse);
        }
      }
    }
    bindings.push(...mine.values());
  }
  return { bindings, warnings };
}

function ownRefs(inst: VrrpInstanceConfig): [TrackerKind, readonly TrackRef[]][] {
  return [
    ['interface', inst.trackInterfaces],
    ['script', inst.trackScripts],
    ['file', inst.trackFiles],
  ];
}

function groupRefs(g: SyncGroupConfig): [TrackerKind, readonly TrackRef[]][] {
  return [
    ['interface', g.trackInterfaces],
    ['script', g.trackScripts],
    ['file', g.trackFiles],
  ];
}

/**
 * keepalived vrrp.c:4303-4375 for an owner or a sync-group member without sync_group_tracking_weight:
 * weighted interfaces become unweighted (sync group) or are dropped (owner); weighted scripts are dropped;
 * track files with the default weight 1 become unweighted, other weights are dropped.
 */
function ownerOrSyncRule(kind: TrackerKind, weight: number, sync: boolean): 'drop' | 'unweight' {
  if (kind === 'interface') return sync ? 'unweight' : 'drop';
  if (kind === 'script') return 'drop';
  return weight === 1 ? 'unweight' : 'drop';
}
