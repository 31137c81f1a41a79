// Which optional subsystems a config asks for. Each subsystem lives in its own folder and exports a
// DaemonPlugin factory; this is the one place that lists them.
import type { Config } from '../config/types.js';
import type { DaemonPlugin } from './plugin.js';
import { createTrackingPlugin } from '../track/plugin.js';
import { createNotifyPlugin } from '../notify/plugin.js';
import { createConnSyncPlugins } from '../sync/plugin.js';

export function buildPlugins(config: Config): DaemonPlugin[] {
  const plugins: DaemonPlugin[] = [];
  // Tracking first: its start() reports initial FAULTs/priorities before any instance starts.
  const tracking = createTrackingPlugin(config);
  if (tracking) plugins.push(tracking);
  const notify = createNotifyPlugin(config);
  if (notify) plugins.push(notify);
  // Connection sync: commits its cache in beforeVipsAdded, holds preemption until in sync.
  plugins.push(...createConnSyncPlugins(config));
  return plugins;
}
