// The LVS slice of a Config: what the core runs.
import type { Config } from '../../config/types.js';
import type { LvsGlobalConfig } from '../../config/lvsTypes.js';
import type { LvsCoreConfig } from '../core/types.js';

/** keepalived's defaults for the LVS globals (lvs.md §1.6) plus vipd's own; the loader applies the same ones. */
export const DEFAULT_LVS_GLOBAL: LvsGlobalConfig = {
  flushAtStart: false,
  flushOnStop: 'no',
  timeouts: null,
  syncDaemon: null,
  notifyFifo: null,
  notifyFifoScript: null,
  rsInitNotifies: false,
  logAllFailures: false,
  keepOnStop: false,
  dataplane: 'auto',
  ssl: null,
};

/** The virtual servers and LVS globals the core runs. */
export function lvsCoreConfig(config: Config): LvsCoreConfig {
  return { virtualServers: config.virtualServers, global: config.lvs };
}

/** The config asks for LVS at all: the daemon must then run the LVS plugin or refuse. */
export function hasVirtualServers(config: Config): boolean {
  return config.virtualServers.length > 0;
}
