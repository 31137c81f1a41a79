// Runs the lvs_sync_daemon decisions (syncDaemon.ts) against the kernel: NEW_DAEMON / DEL_DAEMON over the IPVS
// client, one step at a time in call order (a VRRP transition that arrives while start-up is still talking to
// the kernel waits for it). Never throws: each call resolves with the errors of its step, also handed to
// onError for the log. A stop of a daemon that is not running (ESRCH) is not an error: keepalived stops
// blindly too (ipvs_syncd_master stops backup before starting master, whether or not backup ran).
// A start refused with EEXIST finds a daemon of that state left by an earlier run (killed before it could stop
// it: with `inst`, start-up stops no stale daemon, vrrp_scheduler.c:225-268). That kernel thread keeps the
// parameters and the interface index it was started with, so after the interface was re-created it syncs
// nothing (seen in user-mode Linux: test/integration/lvsPair.test.ts). keepalived logs the refusal and leaves it;
// vipd stops it and starts its own, once.
import type { LvsSyncDaemonConfig } from '../config/lvsTypes.js';
import { VipdError } from '../errors/vipdError.js';
import type { VrrpState } from '../vrrp/types.js';
import type { DaemonState } from './ipvs/constants.js';
import type { DaemonSpec } from './ipvs/types.js';
import { SyncDaemonDecisions, type SyncdAction } from './syncDaemon.js';

const ESRCH = 3;
const EEXIST = 17;
const EINVAL = 22;

/** What the driver needs of IpvsClient. */
export interface SyncDaemonClient {
  startDaemon(d: DaemonSpec): Promise<void>;
  stopDaemon(state: DaemonState): Promise<void>;
  getDaemons(): Promise<DaemonSpec[]>;
}

export interface SyncDaemonDriverOptions {
  client: SyncDaemonClient;
  config: LvsSyncDaemonConfig | null;
  /** A start or stop the kernel refused (the step goes on with its other actions). */
  onError?: (err: VipdError, action: SyncdAction) => void;
}

export class SyncDaemonDriver {
  private readonly decisions: SyncDaemonDecisions;
  private readonly client: SyncDaemonClient;
  private readonly onError: SyncDaemonDriverOptions['onError'];
  private queue: Promise<unknown> = Promise.resolve();
  /** Refused starts and stops, for a metric. */
  errors = 0;

  constructor(opts: SyncDaemonDriverOptions) {
    this.client = opts.client;
    this.decisions = new SyncDaemonDecisions(opts.config);
    this.onError = opts.onError;
  }

  /** What this agent believes runs (started and not stopped). `daemons()` asks the kernel. */
  get running(): readonly DaemonState[] {
    return this.decisions.running;
  }

  /** At start-up, with the tracked instance's current state (ignored without `inst`). */
  start(instanceState?: VrrpState): Promise<VipdError[]> {
    return this.step(() => this.decisions.start(instanceState));
  }

  /** The tracked instance's new state; call it for every transition of that instance. */
  onInstanceState(state: VrrpState): Promise<VipdError[]> {
    return this.step(() => this.decisions.onInstanceState(state));
  }

  reload(cfg: LvsSyncDaemonConfig | null, instanceState?: VrrpState): Promise<VipdError[]> {
    return this.step(() => this.decisions.reload(cfg, instanceState));
  }

  stop(): Promise<VipdError[]> {
    return this.step(() => this.decisions.stop());
  }

  /** The daemons the kernel runs (GET_DAEMON), for metrics and status. Rejects when the kernel does not answer. */
  daemons(): Promise<DaemonSpec[]> {
    return this.client.getDaemons();
  }

  private step(decide: () => SyncdAction[]): Promise<VipdError[]> {
    const run = this.queue.then(() => this.perform(decide()));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async perform(actions: readonly SyncdAction[]): Promise<VipdError[]> {
    const errors: VipdError[] = [];
    for (const a of actions) {
      const err = await this.perform1(a);
      if (!err) continue;
      this.errors++;
      errors.push(err);
      this.onError?.(err, a);
    }
    return errors;
  }

  private async perform1(a: SyncdAction, replacingStale = false): Promise<VipdError | null> {
    try {
      if (a.kind === 'start') await this.client.startDaemon(a.daemon);
      else await this.client.stopDaemon(a.state);
      return null;
    } catch (err) {
      const errno = (err as { errno?: unknown }).errno;
      if (a.kind === 'stop' && errno === ESRCH) return null;
      if (a.kind === 'start' && errno === EEXIST && !replacingStale) {
        const stopped = await this.perform1({ kind: 'stop', state: a.daemon.state }, true);
        return stopped ?? this.perform1(a, true);
      }
      if (a.kind === 'start' && errno === EINVAL) return syncdRefused(a.daemon, err);
      return err instanceof VipdError ? err : new VipdError('VIPD_ERR_IPVS_REFUSED', `IPVS sync daemon ${a.kind}: ${String(err)}`, { cause: err });
    }
  }
}

/**
 * NEW_DAEMON answered EINVAL. With valid attributes (the encoder checked them) the cause is the one in
 * ip_vs_genl_new_daemon: the sync protocol cannot carry mixed-family services, so the kernel refuses while any
 * service has a destination of the other address family (lvs.md §4.8, §9.11).
 */
function syncdRefused(d: DaemonSpec, cause: unknown): VipdError {
  return new VipdError(
    'VIPD_ERR_IPVS_SYNCD_REFUSED',
    `IPVS refused to start the ${d.state} sync daemon on ${d.ifname} (syncid ${d.syncId}): EINVAL. The kernel refuses ` +
      'while a virtual server has a real server of the other address family (an IPv4 service with an IPv6 tunnel ' +
      'destination, or the reverse); remove those real servers or the lvs_sync_daemon line',
    { cause },
  );
}
