// `vipd check-config -f FILE`: print every diagnostic as `file:line: message`, exit 0 when the config can run.
import { loadConfig, formatDiagnostic } from '../config/index.js';
import { dataPlaneLine, kernelHasIpvs } from './dataPlaneReport.js';

export interface CheckConfigOptions {
  configPath: string;
  configId?: string;
  strict: boolean;
  write?: (line: string) => void;
  /** Whether this kernel has IPVS (default: /proc/net/ip_vs, else the generic netlink family lookup). */
  hasIpvs?: () => Promise<boolean>;
}

export async function checkConfigCommand(opts: CheckConfigOptions): Promise<number> {
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const { config, diagnostics } = loadConfig(opts.configPath, { configId: opts.configId, strict: opts.strict });
  for (const d of diagnostics) write(formatDiagnostic(d));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  if (!config || errors > 0) {
    write(`${opts.configPath}: ${errors} error(s), ${warnings} warning(s); configuration refused`);
    return 1;
  }
  if (config.virtualServers.length > 0) {
    write(dataPlaneLine(config.virtualServers.length, config.lvs.dataplane, await (opts.hasIpvs ?? kernelHasIpvs)()));
  }
  write(`${opts.configPath}: configuration OK${warnings ? ` (${warnings} warning(s))` : ''}`);
  return 0;
}
