// The shell's lvs_sync_daemon port (syncDaemonPort.ts) on the kernel's IPVS sync daemons: its own generic netlink
// socket (the daemons outlive a data-plane re-open on reload), the decisions and their execution in
// src/lvs/syncDaemonDriver.ts. Refusals are logged, never thrown: a sync daemon the kernel will not start costs
// session continuity on failover, not the director's service.
import type { Clock } from '../../clock/clock.js';
import type { LvsSyncDaemonConfig } from '../../config/lvsTypes.js';
import type { Logger } from '../../log/logger.js';
import type { VrrpState } from '../../vrrp/types.js';
import { IpvsClient } from '../ipvs/client.js';
import { SyncDaemonDriver as IpvsSyncDriver } from '../syncDaemonDriver.js';
import type { SyncDaemonDriver, SyncDaemonFactory } from './syncDaemonPort.js';

class IpvsSyncDaemon implements SyncDaemonDriver {
  private client: IpvsClient | null = null;
  private driver: IpvsSyncDriver | null = null;

  constructor(
    private readonly cfg: LvsSyncDaemonConfig,
    private readonly deps: { readonly clock: Clock; readonly logger: Logger },
  ) {}

  async start(): Promise<void> {
    this.client = await IpvsClient.open({ clock: this.deps.clock });
    this.driver = new IpvsSyncDriver({
      client: this.client,
      config: this.cfg,
      onError: (err, action) => this.deps.logger.error(`lvs_sync_daemon: ${JSON.stringify(action)}: ${err.message} [${err.code}]`),
    });
    // Without `inst` both daemons start; with it, backup until the instance reports MASTER (vrrp_scheduler.c:225-268).
    await this.driver.start();
    this.deps.logger.info(`lvs_sync_daemon: on ${this.cfg.interface}, syncid ${this.cfg.syncId}${this.cfg.instance ? `, following (${this.cfg.instance})` : ', master and backup'}`);
  }

  onInstanceState(instance: string, state: VrrpState): void {
    if (!this.driver || instance !== this.cfg.instance) return;
    void this.driver.onInstanceState(state);
  }

  async stop(): Promise<void> {
    const driver = this.driver;
    this.driver = null;
    if (driver) await driver.stop();
    this.client?.close();
    this.client = null;
  }
}

export const ipvsSyncDaemon: SyncDaemonFactory = (cfg, deps) => new IpvsSyncDaemon(cfg, deps);
