// Which data plane a config gets (`vipd_lvs_dataplane auto|ipvs|nftables`, default auto) and opening it: `auto`
// takes IPVS when the kernel has it (keepalived's data plane, every scheduler) and nftables otherwise (kernels
// without IPVS: minimal cloud and container kernels, the lab machines' own).
import type { Clock } from '../../clock/clock.js';
import type { LvsGlobalConfig } from '../../config/lvsTypes.js';
import { VipdError } from '../../errors/vipdError.js';
import type { Logger } from '../../log/logger.js';
import { IpvsDataPlane } from '../ipvs/plane.js';
import type { DataPlane } from '../model.js';
import { NftPlane } from '../nft/plane.js';

export async function openDataPlane(global: LvsGlobalConfig, deps: { readonly clock: Clock; readonly logger: Logger }): Promise<DataPlane> {
  const { clock, logger } = deps;
  const nftables = () =>
    new NftPlane({
      clock,
      keepOnClose: global.keepOnStop,
      onDrReachability: (dest, reachable) =>
        reachable
          ? logger.info(`LVS: DR real server ${dest} is on a connected network again: forwarded to`)
          : logger.warn(`LVS: DR real server ${dest} is on no network this director is attached to: not forwarded to, left out of scheduling (lvs_method DR needs the real server on a directly connected link)`),
    });
  if (global.dataplane === 'nftables') return nftables();
  try {
    return await IpvsDataPlane.open({
      clock,
      onDrop: (reason, detail) => logger.warn(`IPVS: dropped a malformed netlink reply (${reason}): ${detail}`),
      onTolerated: (reason, op, err) => logger.info(`IPVS: ${op.op} ${reason}, counted as done as keepalived does: ${err.message}`),
    });
  } catch (err) {
    if (global.dataplane === 'ipvs' || !(err instanceof VipdError) || err.code !== 'VIPD_ERR_IPVS_UNAVAILABLE') throw err;
    logger.info('LVS: this kernel has no IPVS: virtual servers run on the nftables data plane (vipd_lvs_dataplane auto)');
    return nftables();
  }
}
