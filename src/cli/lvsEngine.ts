// The LVS engine: the pure core, the probes, the data planes (IPVS over generic netlink, nftables) and the kernel's
// sync daemons. Imported by lvsDeps.ts only when a configuration first has a virtual_server, so a VRRP-only
// director never loads these ~50 modules (resident set, issue 12).
import type { LvsPluginDeps } from '../lvs/shell/lvsPlugin.js';
import { LvsCore } from '../lvs/core/lvsCore.js';
import { createProbe } from '../lvs/checkers/factory.js';
import { openDataPlane } from '../lvs/shell/openPlane.js';
import { ipvsSyncDaemon } from '../lvs/shell/ipvsSyncDaemon.js';

export type LvsEngine = Required<Pick<LvsPluginDeps, 'createCore' | 'probes' | 'openPlane' | 'syncDaemon'>>;

export const LVS_ENGINE: LvsEngine = {
  createCore: (cfg) => new LvsCore(cfg, { random: Math.random }),
  probes: createProbe,
  openPlane: openDataPlane,
  syncDaemon: ipvsSyncDaemon,
};
