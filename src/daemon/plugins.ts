// Which optional subsystems a config asks for. Each subsystem lives in its own folder and exports a
// DaemonPlugin factory; this is the one place that lists them.
import type { Config } from '../config/types.js';
import type { DaemonPlugin } from './plugin.js';
import { createTrackingPlugin } from '../track/plugin.js';
import { createNotifyPlugin } from '../notify/plugin.js';

export interface PluginDeps {
  /** Where relative paths and FIFOs are resolved, for messages. */
  readonly configPath: string;
}

export function buildPlugins(config: Config, deps: PluginDeps): DaemonPlugin[] {
  void deps;
  const plugins: DaemonPlugin[] = [];
  // Tracking first: its start() reports initial FAULTs/priorities before any instance starts.
  const tracking = createTrackingPlugin(config);
  if (tracking) plugins.push(tracking);
  const notify = createNotifyPlugin(config);
  if (notify) plugins.push(notify);
  return plugins;
}
