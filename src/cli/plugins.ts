// The composition root's list of subsystems. The daemon knows none of them; it builds one plugin per factory, in
// this order, and calls every hook in it: tracking first (its start() reports initial FAULTs and priorities
// before any instance starts), then notify, then connection sync, then LVS (after notify: a notify_fifo shared
// with the LVS lines is created by notify first).
import type { PluginFactory } from '../plugin/api.js';
import { notifyPlugin, type NotifyOptions } from '../notify/plugin.js';
import { connSyncPlugin } from '../sync/subsystem.js';
import type { ConnSyncPluginOptions } from '../sync/plugin.js';
import { trackingPlugin, type TrackingOptions } from '../track/plugin.js';
import { lvsPlugin, type LvsPluginDeps } from '../lvs/shell/lvsPlugin.js';
import { lazyLvsDeps } from './lvsDeps.js';

export interface PluginOptions {
  readonly tracking?: TrackingOptions;
  readonly notify?: NotifyOptions;
  readonly sync?: ConnSyncPluginOptions;
  /** The LVS core, probes, data plane and sync daemons; default LVS_DEPS. */
  readonly lvs?: LvsPluginDeps;
}

// The LVS half: the pure core, the probes, the data plane `vipd_lvs_dataplane` asks for, the kernel's sync daemons
// (lvsEngine.ts), imported when a configuration first has a virtual_server (lvsDeps.ts).
export const LVS_DEPS: LvsPluginDeps = lazyLvsDeps();

export function defaultPlugins(opts: PluginOptions = {}): PluginFactory[] {
  return [
    trackingPlugin(opts.tracking),
    notifyPlugin(opts.notify),
    connSyncPlugin(opts.sync),
    lvsPlugin(opts.lvs ?? LVS_DEPS),
  ];
}
