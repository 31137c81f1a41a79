// Config → kernel shapes: the ServiceSpec of one VirtualServerConfig key and the DestSpec of a real server or
// sorry server in it (lvs.md §1.2-1.4, keepalived ipvswrapper.c ipvs_set_srule/ipvs_set_drule).
import type { LvsMethod, SorryServerConfig, VirtualServerConfig, VirtualServerKey } from '../../config/lvsTypes.js';
import { IP_VS_SVC_F, SCHEDULERS, TUNNEL_FLAGS, type ForwardMethod } from '../ipvs/constants.js';
import { serviceFlags } from '../ipvs/flags.js';
import type { DestSpec, ServiceSpec } from '../model.js';

/** `flag-1..3` are the raw SCHED1..3 bits whatever the scheduler (lvs.md §1.2). */
const RAW_FLAGS: Record<string, number> = { 'flag-1': IP_VS_SVC_F.SCHED1, 'flag-2': IP_VS_SVC_F.SCHED2, 'flag-3': IP_VS_SVC_F.SCHED3 };

export function serviceSpecOf(vs: VirtualServerConfig, key: VirtualServerKey): ServiceSpec {
  const own = (SCHEDULERS as Record<string, Record<string, number>>)[vs.scheduler] ?? {};
  // Only names the scheduler owns go to serviceFlags (it refuses others); the config layer reports the rest.
  const named = vs.schedulerFlags.filter((f) => own[f] !== undefined) as Parameters<typeof serviceFlags>[1]['schedulerFlags'];
  let flags = serviceFlags(vs.scheduler, { persistent: vs.persistence !== null, onePacket: vs.onePacket, schedulerFlags: named ?? [] });
  for (const f of vs.schedulerFlags) flags |= RAW_FLAGS[f] ?? 0;
  const p = vs.persistence;
  const common = {
    scheduler: vs.scheduler,
    flags,
    timeoutS: p ? p.timeoutS : 0,
    netmaskBits: p ? p.netmaskBits : key.family === 'inet6' ? 128 : 32,
    ...(p?.engine ? { peName: p.engine } : {}),
  };
  if (key.kind === 'fwmark') return { family: key.family, fwmark: key.fwmark, ...common };
  return { family: key.family, protocol: protocolOf(key.protocol), address: key.address, port: key.port, ...common };
}

function protocolOf(p: 'TCP' | 'UDP' | 'SCTP'): 'tcp' | 'udp' | 'sctp' {
  return p === 'TCP' ? 'tcp' : p === 'UDP' ? 'udp' : 'sctp';
}

export interface DestShape {
  readonly address: string;
  readonly family: 'inet' | 'inet6';
  readonly port: number;
  readonly method: LvsMethod;
  readonly upperThreshold: number;
  readonly lowerThreshold: number;
}

/**
 * A dest in the service of `key`. NAT keeps the RS port; DR/TUN dests get the service's port, 0 for fwmark
 * (ipvswrapper.c ipvs_set_drule; for a group every member gets its own port).
 */
export function destSpecOf(rs: DestShape, key: VirtualServerKey, weight: number): DestSpec {
  const port = rs.method.kind === 'NAT' ? rs.port : key.kind === 'address' ? key.port : 0;
  const spec: DestSpec = {
    address: rs.address,
    port,
    forward: forwardOf(rs.method),
    weight,
    upperThreshold: rs.upperThreshold,
    lowerThreshold: rs.lowerThreshold,
    ...(rs.family !== key.family ? { family: rs.family } : {}),
  };
  if (rs.method.kind === 'TUN') spec.tunnel = { type: rs.method.tunnel, port: rs.method.tunnelPort, flags: TUNNEL_FLAGS[rs.method.checksum] };
  return spec;
}

export function sorryDestShape(s: SorryServerConfig): DestShape {
  return { address: s.address, family: s.family, port: s.port, method: s.method, upperThreshold: 0, lowerThreshold: 0 };
}

function forwardOf(m: LvsMethod): ForwardMethod {
  return m.kind === 'NAT' ? 'masq' : m.kind === 'DR' ? 'route' : 'tunnel';
}

/** keepalived's real_weight(): the effective weight clamped to 0..INT32_MAX (inc/check_data.h). */
export function clampWeight(w: number): number {
  return Math.max(0, Math.min(0x7fffffff, Math.trunc(w)));
}
