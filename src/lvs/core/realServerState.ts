// One real server of one virtual server (lvs.md §2.1): `alive` (should receive traffic), the number of its
// failed checkers, and the effective weight MISC_CHECK misc_dynamic / FILE_CHECK adjust (§2.6). Whether it is in
// the table (`set`) follows from these and the virtual server's quorum state (virtualServerState.ts).
import type { CheckerConfig, RealServerConfig } from '../../config/lvsTypes.js';
import { destId } from '../model.js';
import { checkIdOf } from './checkId.js';

export class RealServerState {
  readonly id: string;
  /** Distinct checkIds: two identical checkers of one RS are one probe. */
  readonly checkIds: readonly string[];
  /** The checker config of each checkId, same order. */
  readonly checkerConfigs: readonly CheckerConfig[];
  alive = false;
  numFailedCheckers = 0;
  effectiveWeight: number;

  constructor(readonly config: RealServerConfig) {
    this.id = destId({ address: config.address, port: config.port });
    const byId = new Map<string, CheckerConfig>();
    for (const c of config.checkers) if (!byId.has(checkIdOf(c))) byId.set(checkIdOf(c), c);
    this.checkIds = [...byId.keys()];
    this.checkerConfigs = [...byId.values()];
    this.effectiveWeight = config.weight;
  }
}
