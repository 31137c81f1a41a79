// Which data plane a config gets (`vipd_lvs_dataplane auto|ipvs|nftables`, default auto) and opening it.
import type { Clock } from '../../clock/clock.js';
import type { LvsGlobalConfig } from '../../config/lvsTypes.js';
import type { Logger } from '../../log/logger.js';
import { IpvsDataPlane } from '../ipvs/plane.js';
import type { DataPlane } from '../model.js';
import { internalError } from '../../errors/vipdError.js';

export async function openDataPlane(global: LvsGlobalConfig, deps: { readonly clock: Clock; readonly logger: Logger }): Promise<DataPlane> {
  const { clock, logger } = deps;
  if (global.dataplane === 'nftables') throw internalError('vipd_lvs_dataplane nftables: this build has no nftables data plane yet (issue 11)');
  return IpvsDataPlane.open({
    clock,
    onDrop: (reason, detail) => logger.warn(`IPVS: dropped a malformed netlink reply (${reason}): ${detail}`),
    onTolerated: (reason, op, err) => logger.info(`IPVS: ${op.op} ${reason}, counted as done as keepalived does: ${err.message}`),
  });
}
