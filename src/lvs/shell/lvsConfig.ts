// The LVS slice of a Config, read defensively. The config branch of issue 10 changes Config.virtualServers to the
// typed src/config/lvsTypes.ts shape and adds Config.lvs (LvsGlobalConfig); until that lands the shell must
// compile against today's Config, so it reads both through this one accessor.
// LEAD: once Config.virtualServers is lvsTypes' VirtualServerConfig[] and Config.lvs exists, drop the casts.
import type { Config } from '../../config/types.js';
import type { LvsGlobalConfig, VirtualServerConfig } from '../../config/lvsTypes.js';
import type { LvsCoreConfig } from '../core/types.js';

/** keepalived's defaults for the LVS globals (lvs.md §1.6) plus vipd's own, for configs without `Config.lvs`. */
export const DEFAULT_LVS_GLOBAL: LvsGlobalConfig = {
  flushAtStart: false,
  flushOnStop: 'no',
  timeouts: null,
  syncDaemon: null,
  notifyFifo: null,
  rsInitNotifies: false,
  logAllFailures: false,
  keepOnStop: false,
  dataplane: 'auto',
};

interface LvsCarrier {
  readonly virtualServers?: readonly unknown[];
  readonly lvs?: LvsGlobalConfig;
}

/** A typed virtual server has `keys` (lvsTypes); today's parsed-only shape has `kind` and no keys. */
function isTyped(vs: unknown): vs is VirtualServerConfig {
  return typeof vs === 'object' && vs !== null && Array.isArray((vs as { keys?: unknown }).keys) && typeof (vs as { id?: unknown }).id === 'string';
}

/** The virtual servers and LVS globals the core runs; empty when the config has none (or only untyped ones). */
export function lvsCoreConfig(config: Config): LvsCoreConfig {
  const c = config as unknown as LvsCarrier;
  return {
    virtualServers: (c.virtualServers ?? []).filter(isTyped),
    global: c.lvs ?? DEFAULT_LVS_GLOBAL,
  };
}

/** The config asks for LVS at all (typed or not): the daemon must then run the LVS plugin or refuse. */
export function hasVirtualServers(config: Config): boolean {
  return ((config as unknown as LvsCarrier).virtualServers ?? []).length > 0;
}
