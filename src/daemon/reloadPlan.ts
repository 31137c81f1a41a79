// What a reload (SIGHUP) does to each instance, decided from the old and new configs alone (pure, tested).
// keepalived re-creates everything on reload and users see flaps (keepalived #754, #349, #2159); vipd leaves
// unchanged instances alone and changes running ones in place whenever the virtual router stays the same.
import type { Config, VrrpInstanceConfig } from '../config/types.js';
import { sameValue } from '../config/sameValue.js';

export interface ReloadPlan {
  /** New instances to start. */
  readonly add: readonly string[];
  /** Instances to stop for good. */
  readonly remove: readonly string[];
  /** Instances to stop and start again (identity or transport changed, or their sync group changed). */
  readonly restart: readonly string[];
  /** Same virtual router, new parameters: applied in place, no transition. */
  readonly reconfigure: readonly string[];
  readonly unchanged: readonly string[];
}

/** Fields that define the virtual router or its socket; a change needs a restart of the instance. */
const IDENTITY_FIELDS: readonly (keyof VrrpInstanceConfig)[] = [
  'interface',
  'vrid',
  'version',
  'family',
  'unicastSrcIp',
  'mcastSrcIp',
  'mcastGroup',
  'unicastPeers',
  'unicastTtl',
  'auth',
  'v3ChecksumAsV2',
  'syncGroup',
  'dontTrackPrimary',
  'checkUnicastSrc',
  'vmac',
  'virtualRoutes',
  'virtualRules',
];

function groupSignature(config: Config, group: string | null): string {
  if (group === null) return '';
  const g = config.syncGroups.find((x) => x.name === group);
  return g ? `${g.name}:${g.members.join(',')}` : '';
}

export function planReload(prev: Config, next: Config): ReloadPlan {
  const before = new Map(prev.instances.map((i) => [i.name, i]));
  const after = new Map(next.instances.map((i) => [i.name, i]));
  const add: string[] = [];
  const remove = [...before.keys()].filter((n) => !after.has(n));
  const restart = new Set<string>();
  const reconfigure: string[] = [];
  const unchanged: string[] = [];

  for (const [name, n] of after) {
    const o = before.get(name);
    if (!o) {
      add.push(name);
      continue;
    }
    const identityChanged =
      IDENTITY_FIELDS.some((f) => !sameValue(o[f], n[f])) || groupSignature(prev, o.syncGroup) !== groupSignature(next, n.syncGroup);
    if (identityChanged) restart.add(name);
    else if (!sameValue(o, n)) reconfigure.push(name);
    else unchanged.push(name);
  }

  // A sync group is scheduled as one unit: if any member starts, stops or restarts, the whole group restarts.
  const touched = new Set([...add, ...remove, ...restart]);
  for (const cfg of [prev, next]) {
    for (const g of cfg.syncGroups) {
      if (!g.members.some((m) => touched.has(m))) continue;
      for (const m of g.members) if (before.has(m) && after.has(m)) restart.add(m);
    }
  }
  const restarted = (n: string) => restart.has(n);
  return {
    add,
    remove,
    restart: [...restart],
    reconfigure: reconfigure.filter((n) => !restarted(n)),
    unchanged: unchanged.filter((n) => !restarted(n)),
  };
}
