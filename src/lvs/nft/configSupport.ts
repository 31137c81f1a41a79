// What of a config's virtual servers the nftables data plane cannot run, as `file:line: reason`: check-config
// prints it, and the LVS plugin refuses a start on nftables with it (rather than retrying a refused transaction
// for ever). The rules are the plane's own (schedulers.ts nftSupports / nftSupportsForward).
import type { LvsMethod, LvsSyncDaemonConfig, VirtualServerConfig } from '../../config/lvsTypes.js';
import { IP_VS_SVC_F } from '../ipvs/constants.js';
import { nftDrFits, nftSupports, nftSupportsForward } from './schedulers.js';

const FORWARD: Record<LvsMethod['kind'], string> = { NAT: 'masq', DR: 'route', TUN: 'tunnel' };

export function nftConfigRefusals(virtualServers: readonly VirtualServerConfig[], syncDaemon: LvsSyncDaemonConfig | null = null): string[] {
  const out: string[] = [];
  if (syncDaemon) {
    // The kernel's IPVS sync daemon replicates IPVS connection entries; nftables NAT keeps its state in conntrack,
    // which vipd_conntrack_sync replicates (docs/sync.md).
    out.push(
      `${syncDaemon.source.file}:${syncDaemon.source.line}: lvs_sync_daemon drives the kernel's IPVS sync daemon and has nothing to sync on the nftables data plane: use vipd_conntrack_sync`,
    );
  }
  for (const vs of virtualServers) {
    const at = `${vs.source.file}:${vs.source.line}`;
    const sched = nftSupports(vs.scheduler, vs.onePacket ? IP_VS_SVC_F.ONEPACKET : 0);
    if (sched) out.push(`${at}: virtual_server ${vs.name}: ${sched}`);
    if (vs.persistence?.engine) out.push(`${at}: virtual_server ${vs.name}: persistence_engine ${vs.persistence.engine} is not implemented on nftables`);
    const methods = new Map<string, string>();
    for (const rs of vs.realServers) methods.set(rs.method.kind, `${rs.source.file}:${rs.source.line}`);
    if (vs.sorryServer) methods.set(vs.sorryServer.method.kind, at);
    const forwards = [...methods.keys()].map((kind) => FORWARD[kind as LvsMethod['kind']]);
    for (const [kind, where] of methods) {
      const forward = FORWARD[kind as LvsMethod['kind']];
      if (forward !== 'route') continue;
      // DR's own limits (dr.ts): no fwmark service, no mix with NAT in one service.
      const fwmark = vs.keys.some((k) => k.kind === 'fwmark') ? { fwmark: 1 } : {};
      const why = nftDrFits(fwmark, forward, forwards.filter((f) => f !== 'route' && f !== 'tunnel'));
      if (why) out.push(`${where}: virtual_server ${vs.name}: ${why}`);
    }
    for (const [kind, where] of methods) {
      const why = nftSupportsForward(FORWARD[kind as LvsMethod['kind']]);
      if (why) out.push(`${where}: virtual_server ${vs.name}: ${why}`);
    }
  }
  return out;
}
