// Load a config held in memory as /etc/keepalived/keepalived.conf (plus optional extra files).
import { loadConfig, type LoadOptions, type LoadResult } from '../../../src/config/index.js';
import type { Diagnostic } from '../../../src/config/diagnostics.js';
import type { VrrpInstanceConfig } from '../../../src/config/types.js';
import { memFs } from './memfs.js';

export const MAIN = '/etc/keepalived/keepalived.conf';

export function load(text: string, opts: Omit<LoadOptions, 'readFile' | 'glob'> = {}, extra: Record<string, string> = {}): LoadResult {
  const fs = memFs({ [MAIN]: text, ...extra });
  return loadConfig(MAIN, { configId: 'lb1', ...opts, readFile: fs.readFileOrThrow, glob: fs.glob });
}

/** `line severity message` strings, for compact exact assertions. */
export function diags(r: LoadResult): string[] {
  return r.diagnostics.map((d: Diagnostic) => `${d.line} ${d.severity} ${d.message}`);
}

export function errors(r: LoadResult): Diagnostic[] {
  return r.diagnostics.filter((d) => d.severity === 'error');
}

export function warnings(r: LoadResult): Diagnostic[] {
  return r.diagnostics.filter((d) => d.severity === 'warning');
}

/** A minimal valid instance body with extra lines spliced in. */
export function instance(extra: string, name = 'VI_1', head = 'interface eth0\n    virtual_router_id 51'): string {
  return `vrrp_instance ${name} {\n    ${head}\n${extra}\n    virtual_ipaddress {\n        10.1.0.100/24\n    }\n}\n`;
}

export function only(r: LoadResult): VrrpInstanceConfig {
  if (!r.config) throw new Error(`config refused:\n${diags(r).join('\n')}`);
  const i = r.config.instances[0];
  if (!i) throw new Error('no instance');
  return i;
}
