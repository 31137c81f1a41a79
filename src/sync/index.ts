// Composition of connection sync from a parsed `vipd_conntrack_sync` block: the one call the daemon needs.
import type { ConntrackSyncConfig } from '../config/types.js';
import { CtNetlink } from '../conntrack/client.js';
import { UdpSyncChannel, datagramBudget, resolveSourceAddress } from './channel.js';
import { isIPv6 } from 'node:net';
import type { SyncFilter } from './filter.js';
import { loadKeyFile } from './key.js';
import { ConnSync, type ConnSyncOptions } from './service.js';
import type { Clock } from '../clock/clock.js';

export type { ConnSyncService, SyncSnapshot } from './service.js';
export { ConnSync } from './service.js';

export interface OpenConnSyncExtras {
  log?: (line: string) => void;
  /** The daemon's clock (DaemonControl.clock). */
  clock: Clock;
  /** Overrides for tests/benches (protocol tunables, purge/commit timeouts). */
  tune?: Partial<Omit<ConnSyncOptions, 'conntrack' | 'channel' | 'key' | 'filter' | 'clock'>>;
}

/** Build (not start) the sync service for one config block: ctnetlink + UDP channel + key + filter. */
export async function openConnSync(c: ConntrackSyncConfig, extras: OpenConnSyncExtras): Promise<ConnSync> {
  const key = await loadKeyFile(c.keyFile);
  const v6 = c.mcastGroup ? isIPv6(c.mcastGroup) : c.peers.some((p) => isIPv6(p));
  // Without source_address: the interface's primary address from the kernel (never a VIP: those are
  // secondary addresses or carry a label, and os.networkInterfaces() cannot tell them apart).
  const sourceAddress = c.sourceAddress ?? (await resolveSourceAddress(c.interface, v6 ? 6 : 4, extras.clock));
  if (!c.sourceAddress) extras.log?.(`conntrack sync: source address ${sourceAddress} (primary address of ${c.interface})`);
  const channel = new UdpSyncChannel({
    clock: extras.clock,
    interface: c.interface,
    mcastGroup: c.mcastGroup,
    peers: c.peers,
    port: c.port,
    sourceAddress,
    ttl: c.ttl,
  });
  const conntrack = new CtNetlink({ clock: extras.clock });
  const budget = await datagramBudget(c.interface, v6 ? 6 : 4, extras.clock);
  return new ConnSync({
    ...extras.tune,
    protocol: { ...(budget ? { maxDatagramBytes: budget } : {}), ...extras.tune?.protocol },
    conntrack,
    channel,
    key,
    filter: filterFromConfig(c),
    log: extras.log,
    clock: extras.clock,
  });
}

/** The filter of a config block (its verdicts accept/ignore), with the sync channel's own port excluded. */
export function filterFromConfig(c: Pick<ConntrackSyncConfig, 'filters' | 'filterDefault' | 'port'>): SyncFilter {
  return {
    rules: c.filters.map((r) => ({ action: replicates(r.action), address: r.address, portMin: r.portMin, portMax: r.portMax, protocol: r.protocol })),
    default: replicates(c.filterDefault),
    syncPort: c.port,
  };
}

/** The config spells the verdicts accept/ignore (earlier drafts: include/exclude). */
function replicates(action: string): 'include' | 'exclude' {
  return action === 'accept' || action === 'include' ? 'include' : 'exclude';
}
