// The shell's lvs_sync_daemon port (syncDaemonPort.ts) on the kernel's IPVS sync daemons: its own generic netlink
// socket (the daemons outlive a data-plane re-open on reload), the decisions and their execution in
// src/lvs/syncDaemonDriver.ts. Refusals are logged, never thrown: a sync daemon the kernel will not start costs
// session continuity on failover, not the director's service. For metrics it keeps the driver's error count and
// the daemons the kernel last reported (GET_DAEMON, lvs.md §9.11), re-asked in the background when a scrape finds
// the answer old.
import type { Clock } from '../../clock/clock.js';
import type { LvsSyncDaemonConfig } from '../../config/lvsTypes.js';
import type { Logger } from '../../log/logger.js';
import type { VrrpState } from '../../vrrp/types.js';
import { IpvsClient } from '../ipvs/client.js';
import { SyncDaemonDriver as IpvsSyncDriver, type SyncDaemonClient } from '../syncDaemonDriver.js';
import type { SyncDaemonDriver, SyncDaemonFactory, SyncDaemonStatus } from './syncDaemonPort.js';

/** The driver's client with its socket's close (IpvsClient; a fake in unit tests). */
export interface ClosableSyncDaemonClient extends SyncDaemonClient {
  close(): void;
}

export type SyncDaemonClientOpener = (clock: Clock) => Promise<ClosableSyncDaemonClient>;

const openIpvsClient: SyncDaemonClientOpener = (clock) => IpvsClient.open({ clock });

export class IpvsSyncDaemon implements SyncDaemonDriver {
  private client: ClosableSyncDaemonClient | null = null;
  private driver: IpvsSyncDriver | null = null;
  private kernel: SyncDaemonStatus['kernel'] = null;
  private kernelAtMs: number | null = null;
  private asking = false;

  constructor(
    private readonly cfg: LvsSyncDaemonConfig,
    private readonly deps: { readonly clock: Clock; readonly logger: Logger },
    private readonly openClient: SyncDaemonClientOpener = openIpvsClient,
  ) {}

  async start(): Promise<void> {
    this.client = await this.openClient(this.deps.clock);
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

  status(): SyncDaemonStatus {
    return { errors: this.driver?.errors ?? 0, kernel: this.kernel };
  }

  refresh(maxAgeMs: number): void {
    const driver = this.driver;
    const now = this.deps.clock.now();
    if (!driver || this.asking || (this.kernelAtMs !== null && now - this.kernelAtMs < maxAgeMs)) return;
    this.asking = true;
    driver.daemons().then(
      (daemons) => {
        this.kernel = daemons.map((d) => ({ state: d.state, ifname: d.ifname, syncId: d.syncId }));
        this.kernelAtMs = this.deps.clock.now();
      },
      (err: unknown) => {
        // Unknown, not "none": the metric shows no series rather than a wrong one.
        this.kernel = null;
        this.kernelAtMs = this.deps.clock.now();
        this.deps.logger.warn(`lvs_sync_daemon: asking the kernel which daemons run: ${(err as Error).message}`);
      },
    ).finally(() => (this.asking = false));
  }
}

export const ipvsSyncDaemon: SyncDaemonFactory = (cfg, deps) => new IpvsSyncDaemon(cfg, deps);
