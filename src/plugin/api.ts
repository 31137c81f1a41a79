// Optional subsystems (tracking, notify scripts/FIFO, connection sync, later LVS) plug into the daemon through
// this one interface. The daemon knows none of them: the composition root (src/cli/plugins.ts) hands it a list
// of PluginFactory, and each subsystem brings its own metrics (registerMetrics) and its own /status section
// (statusSection). Everything here points down (config, log, clock, status, vrrp types), so a subsystem that imports
// this file never reaches into src/daemon.
import type { Registry } from 'prom-client';
import type { Config } from '../config/types.js';
import type { InstanceView, StatusSection } from '../status/types.js';
import type { InstanceSnapshot, VrrpState } from '../vrrp/types.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../clock/clock.js';

/** What a plugin may read from and do to the running daemon. */
export interface DaemonControl {
  readonly config: Config;
  readonly logger: Logger;
  /** The daemon's clock: plugins arm their timers and read time through it, never through the process's. */
  readonly clock: Clock;
  /** Tracking results → the core. Effective priority is clamped by the core; owners (255) ignore it. */
  setPriority(instance: string, effective: number): void;
  fault(instance: string, reason: string): void;
  faultCleared(instance: string, reason: string): void;
  /** Sync-aware preemption: while held, a BACKUP does not preempt a lower-priority master. */
  holdPreempt(instance: string, held: boolean): void;
  /** Link state by interface name (undefined: unknown interface) and changes to it. */
  linkUp(ifname: string): boolean | undefined;
  onLink(cb: (ifname: string, up: boolean) => void): () => void;
  snapshot(instance: string): InstanceSnapshot | undefined;
  views(): InstanceView[];
}

/** What a reload did to the instances, for the plugins that keep per-instance state. */
export interface ReloadChange {
  /**
   * Instances this reload started or restarted: fresh cores still in INIT, at their base priority, with no
   * faults and no preemption hold. A restarted instance keeps its name but none of what plugins had told it.
   */
  readonly started: readonly string[];
  /** Instances stopped for good. */
  readonly removed: readonly string[];
}

export interface TransitionEvent {
  readonly instance: string;
  readonly from: VrrpState;
  readonly to: VrrpState;
  readonly reason: string;
  /** Effective priority after the transition (keepalived passes it to notify scripts). */
  readonly priority: number;
}

export interface GroupTransitionEvent {
  readonly group: string;
  readonly from: VrrpState;
  readonly to: VrrpState;
}

export interface DaemonPlugin {
  readonly name: string;
  /** Called once every socket is open, before the instances start. A throw refuses the start. */
  start?(ctl: DaemonControl): Promise<void> | void;
  /** After the transition's effects have run (for MASTER: VIPs installed, first GARP sent). */
  onTransition?(ev: TransitionEvent): void;
  onGroupTransition?(ev: GroupTransitionEvent): void;
  /** As MASTER we heard a lower-priority advert from `src` and re-asserted ourselves; `priority` is ours. */
  onMasterRxLowerPri?(ev: { readonly instance: string; readonly src: string; readonly priority: number }): void;
  /**
   * Awaited when becoming MASTER, after the first advert and before the VIPs are added: connection sync commits
   * its cache to the kernel here, so no packet reaches the new master without its connection state.
   */
  beforeVipsAdded?(instance: string): Promise<void>;
  /**
   * Called once, right after the daemon created the plugin and its prom-client registry (one per daemon, never the
   * global one): register this subsystem's collectors. They are read at scrape time, so they must be cheap and
   * side-effect free. Every name must be in docs/metrics.md (test/unit/metrics/docs-sync.test.ts checks).
   */
  registerMetrics?(registry: Registry): void;
  /**
   * This subsystem's part of /status (under `sections.<name>`) and of `vipd status` (its lines, after the instance
   * table); null while it has nothing to report. Read per request; `nowMs` is the document's wall-clock time
   * (Unix ms), for ages ("last full resync 5m02s ago").
   */
  statusSection?(nowMs: number): StatusSection | null;
  /**
   * SIGHUP, awaited by the daemon after the instances were stopped, changed in place or built, and BEFORE the
   * (re)started ones run: ctl.config is already `config`, so a plugin can hand its current state (priority,
   * faults, preemption hold) to the fresh instances the way start() does. A throw is logged, never fatal.
   */
  reload?(config: Config, change: ReloadChange): Promise<void> | void;
  /** After every instance has stopped (priority 0 sent, VIPs removed). */
  stop?(): Promise<void>;
}

/**
 * How the composition root lists a subsystem. The daemon calls create() once, with the config it starts with; the
 * plugin must exist even when that config does not use it (idle: no process, no timer, no socket) so that a
 * reload can switch it on. The order of the factories is the order every hook is called in.
 */
export interface PluginFactory {
  readonly name: string;
  create(config: Config): DaemonPlugin;
}
