// Which optional subsystems a config asks for. Each subsystem lives in its own folder and exports a
// DaemonPlugin factory; this is the one place that lists them.
import type { Config } from '../config/types.js';
import type { DaemonPlugin } from './plugin.js';

export interface PluginDeps {
  /** Where relative paths and FIFOs are resolved, for messages. */
  readonly configPath: string;
}

export function buildPlugins(config: Config, deps: PluginDeps): DaemonPlugin[] {
  void deps;
  const plugins: DaemonPlugin[] = [];
  void config;
  return plugins;
}
