// Service flag bits ↔ names. Scheduler flags are generic bits (SCHED1..3) that only sh and mh interpret, under
// the names ipvsadm(8) gives them (-b sh-fallback,sh-port; ipvsadm.c print_service_entry), so the name depends
// on the scheduler.
import { VipdError } from '../../errors/vipdError.js';
import { IP_VS_SVC_F, SCHEDULERS, type SchedulerFlagName } from './constants.js';

export interface ServiceFlagOptions {
  /** IP_VS_SVC_F_PERSISTENT (keepalived persistence_timeout). */
  persistent?: boolean;
  /** IP_VS_SVC_F_ONEPACKET (keepalived ops, UDP only in the kernel's eyes). */
  onePacket?: boolean;
  /** sh-fallback, sh-port, mh-fallback, mh-port: must belong to `scheduler`. */
  schedulerFlags?: readonly SchedulerFlagName[];
}

/** The FLAGS value for a service with `scheduler`; a scheduler flag of another scheduler is refused. */
export function serviceFlags(scheduler: string, o: ServiceFlagOptions): number {
  let flags = 0;
  if (o.persistent) flags |= IP_VS_SVC_F.PERSISTENT;
  if (o.onePacket) flags |= IP_VS_SVC_F.ONEPACKET;
  const table: Record<string, number> = (SCHEDULERS as Record<string, Record<string, number>>)[scheduler] ?? {};
  for (const name of o.schedulerFlags ?? []) {
    const bit = table[name];
    if (bit === undefined) throw new VipdError('VIPD_ERR_IPVS_INVALID', `scheduler flag "${name}" does not belong to scheduler "${scheduler}"`);
    flags |= bit;
  }
  return flags;
}

/** Names of the set flags, as ipvsadm -Ln prints them after the scheduler ("persistent", "ops", "sh-port"). */
export function flagNames(scheduler: string, flags: number): string[] {
  const out: string[] = [];
  if (flags & IP_VS_SVC_F.PERSISTENT) out.push('persistent');
  if (flags & IP_VS_SVC_F.ONEPACKET) out.push('ops');
  const table: Record<string, number> = (SCHEDULERS as Record<string, Record<string, number>>)[scheduler] ?? {};
  for (const [name, bit] of Object.entries(table)) if (flags & bit) out.push(name);
  return out;
}
