// `vipd check-config`'s line about virtual servers: which data plane they get on this host and why (issue 10:
// "no IPVS in the kernel → a clear start error that names the module"; check-config says it before the start).
// The answer follows src/lvs/shell/openPlane.ts: `auto` uses IPVS when the kernel has it and nftables otherwise.
import { existsSync } from 'node:fs';
import type { LvsGlobalConfig } from '../config/lvsTypes.js';
import { RealClock } from '../clock/realClock.js';
import { IpvsClient } from '../lvs/ipvs/client.js';

/** Does this kernel have IPVS? /proc/net/ip_vs exists once ip_vs is loaded; else ask the genl controller. */
export async function kernelHasIpvs(): Promise<boolean> {
  if (existsSync('/proc/net/ip_vs')) return true;
  try {
    const client = await IpvsClient.open({ clock: new RealClock(), timeoutMs: 2000 });
    client.close();
    return true;
  } catch {
    return false;
  }
}

/** "virtual servers: 3 (data plane: ipvs — the kernel has IPVS)". */
export function dataPlaneLine(virtualServers: number, dataplane: LvsGlobalConfig['dataplane'], hasIpvs: boolean): string {
  const head = `virtual servers: ${virtualServers}`;
  if (dataplane === 'nftables') return `${head} (data plane: nftables — vipd_lvs_dataplane nftables)`;
  if (dataplane === 'ipvs') {
    return hasIpvs ? `${head} (data plane: ipvs — vipd_lvs_dataplane ipvs)` : `${head} (data plane: none — vipd_lvs_dataplane ipvs, and this kernel has no IPVS: load it with \`modprobe ip_vs\`, or the start will be refused)`;
  }
  return hasIpvs ? `${head} (data plane: ipvs — the kernel has IPVS)` : `${head} (data plane: nftables — this kernel has no IPVS)`;
}

/** Whether the config's virtual servers will run on nftables here. */
export function usesNftables(dataplane: LvsGlobalConfig['dataplane'], hasIpvs: boolean): boolean {
  return dataplane === 'nftables' || (dataplane === 'auto' && !hasIpvs);
}
