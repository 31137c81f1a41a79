// `vipd check-config -f FILE`: print every diagnostic as `file:line: message`, exit 0 when the config can run.
import { loadConfig, formatDiagnostic } from '../config/index.js';
import { dataPlaneLine, kernelHasIpvs, usesNftables } from './dataPlaneReport.js';
import { nftConfigRefusals } from '../lvs/nft/configSupport.js';

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
    const hasIpvs = await (opts.hasIpvs ?? kernelHasIpvs)();
    write(dataPlaneLine(config.virtualServers.length, config.lvs.dataplane, hasIpvs));
    const refusals = usesNftables(config.lvs.dataplane, hasIpvs) ? nftConfigRefusals(config.virtualServers, config.lvs.syncDaemon) : [];
    if (refusals.length) {
      // Asked for by name, nftables is part of the config: an error. Chosen because this kernel lacks IPVS: the
      // config is fine elsewhere, so say it as a warning about this host.
      const explicit = config.lvs.dataplane === 'nftables';
      for (const r of refusals) write(explicit ? r : r.replace(/^([^:]+:\d+): /, '$1: warning: on this host (no IPVS): '));
      if (explicit) {
        write(`${opts.configPath}: configuration refused (${refusals.length} error(s))`);
        return 1;
      }
    }
  }
  write(`${opts.configPath}: configuration OK${warnings ? ` (${warnings} warning(s))` : ''}`);
  return 0;
}
