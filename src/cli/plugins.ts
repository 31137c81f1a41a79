// The composition root's list of subsystems. The daemon knows none of them; it builds one plugin per factory, in
// this order, and calls every hook in it: tracking first (its start() reports initial FAULTs and priorities
// before any instance starts), then notify, then connection sync. A new subsystem (LVS) is one more line here.
import type { PluginFactory } from '../plugin/api.js';
import { notifyPlugin, type NotifyOptions } from '../notify/plugin.js';
import { connSyncPlugin } from '../sync/subsystem.js';
import type { ConnSyncPluginOptions } from '../sync/plugin.js';
import { trackingPlugin, type TrackingOptions } from '../track/plugin.js';

export interface PluginOptions {
  readonly tracking?: TrackingOptions;
  readonly notify?: NotifyOptions;
  readonly sync?: ConnSyncPluginOptions;
}

export function defaultPlugins(opts: PluginOptions = {}): PluginFactory[] {
  return [trackingPlugin(opts.tracking), notifyPlugin(opts.notify), connSyncPlugin(opts.sync)];
}
