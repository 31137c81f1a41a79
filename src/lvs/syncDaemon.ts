// keepalived's `lvs_sync_daemon` decisions (lvs.md §4.8), pure: which IPVS sync daemons to stop and start, and
// in which order, at start, on a VRRP state change of the tracked instance, at reload and at stop. No I/O: the
// driver (syncDaemonDriver.ts) sends the actions over netlink.
//
// Two modes, as keepalived:
// - without `inst`: both daemons for the whole run. At start stop stale ones, then start master and backup
//   (check_daemon.c:376-393); at stop stop both (check_daemon.c:172-176). VRRP states do not matter.
// - with `inst VI`: the tracked instance drives it. At start the daemon matching its state, normally backup
//   (vrrp_scheduler.c:225-268); becoming MASTER: stop backup, start master (ipvs_syncd_master,
//   vrrp.c:1949-1951); leaving MASTER (to BACKUP or FAULT, the VIPs were set): stop master, start backup
//   (ipvs_syncd_backup, vrrp.c:2039-2046); at stop whichever runs (vrrp_daemon.c:418-424).
// Reload restarts a daemon only when its parameters changed (ipvs_syncd_changed, ipvswrapper.c:1058).
import type { LvsSyncDaemonConfig } from '../config/lvsTypes.js';
import type { VrrpState } from '../vrrp/types.js';
import type { DaemonState } from './ipvs/constants.js';
import type { DaemonSpec } from './ipvs/types.js';

export type SyncdAction =
  | { readonly kind: 'start'; readonly daemon: DaemonSpec }
  /** `stale`: a stop at start-up for a daemon a previous run may have left; "not running" is the normal answer. */
  | { readonly kind: 'stop'; readonly state: DaemonState; readonly stale?: boolean };

const BOTH: readonly DaemonState[] = ['master', 'backup'];

/** NEW_DAEMON's attributes from the configuration; the optional ones only when set and non-zero (ipvswrapper.c:247-291). */
export function daemonSpec(cfg: LvsSyncDaemonConfig, state: DaemonState): DaemonSpec {
  const d: DaemonSpec = { state, ifname: cfg.interface, syncId: cfg.syncId };
  if (cfg.maxLen) d.maxLen = cfg.maxLen;
  if (cfg.port) d.port = cfg.port;
  if (cfg.ttl) d.ttl = cfg.ttl;
  if (cfg.group) d.group = cfg.group;
  return d;
}

/** ipvs_syncd_changed: interface, sync id, maxlen, port, ttl or group differ. */
export function syncdParametersChanged(a: LvsSyncDaemonConfig, b: LvsSyncDaemonConfig): boolean {
  return a.interface !== b.interface || a.syncId !== b.syncId || a.maxLen !== b.maxLen || a.port !== b.port || a.ttl !== b.ttl || a.group !== b.group;
}

/** The daemons the configuration wants while the tracked instance is in `state` (unused without `inst`). */
export function wantedDaemons(cfg: LvsSyncDaemonConfig | null, state: VrrpState): readonly DaemonState[] {
  if (!cfg) return [];
  if (cfg.instance === null) return BOTH;
  return [state === 'MASTER' ? 'master' : 'backup'];
}

/**
 * The decisions, with what this agent believes runs. Each method returns the actions to take, in order, and
 * updates the belief as if they succeeded (a failed start is re-tried at the next transition or reload, as in
 * keepalived, which logs and goes on).
 */
export class SyncDaemonDecisions {
  private cfg: LvsSyncDaemonConfig | null;
  private instanceState: VrrpState = 'INIT';
  private readonly runningSet = new Set<DaemonState>();
  private started = false;

  constructor(cfg: LvsSyncDaemonConfig | null) {
    this.cfg = cfg;
  }

  get config(): LvsSyncDaemonConfig | null {
    return this.cfg;
  }

  /** The daemons started and not stopped since, master first. */
  get running(): readonly DaemonState[] {
    return BOTH.filter((s) => this.runningSet.has(s));
  }

  /**
   * At start-up. Without `inst`: stop stale master and backup, start both. With `inst`: start the daemon that
   * matches `instanceState`, the tracked instance's state now (INIT and BACKUP → backup).
   */
  start(instanceState: VrrpState = 'INIT'): SyncdAction[] {
    this.instanceState = instanceState;
    this.started = true;
    const cfg = this.cfg;
    if (!cfg) return [];
    const out: SyncdAction[] = [];
    if (cfg.instance === null) out.push(...BOTH.map((state) => this.stop1(state, true)));
    for (const state of wantedDaemons(cfg, instanceState)) out.push(this.start1(cfg, state));
    return out;
  }

  /** The tracked instance changed state (ignored without `inst`, before start and after stop). */
  onInstanceState(state: VrrpState): SyncdAction[] {
    const previous = this.instanceState;
    this.instanceState = state;
    const cfg = this.cfg;
    if (!cfg || cfg.instance === null || !this.started) return [];
    if (state === 'MASTER' && previous !== 'MASTER') return [this.stop1('backup'), this.start1(cfg, 'master')];
    if (previous === 'MASTER' && (state === 'BACKUP' || state === 'FAULT')) return [this.stop1('master'), this.start1(cfg, 'backup')];
    return [];
  }

  /** At stop: without `inst` both daemons, with `inst` whichever this agent started. */
  stop(): SyncdAction[] {
    const cfg = this.cfg;
    this.started = false;
    if (!cfg) return [];
    const states = cfg.instance === null ? BOTH : this.running;
    return states.map((s) => this.stop1(s));
  }

  /**
   * A new configuration (null: no lvs_sync_daemon any more). `instanceState` is the state of the instance the
   * new configuration tracks. Parameters changed: restart (stop what runs, start what is wanted). Unchanged:
   * stop what is no longer wanted and start what is missing, so a running daemon is left alone.
   */
  reload(cfg: LvsSyncDaemonConfig | null, instanceState: VrrpState = this.instanceState): SyncdAction[] {
    const old = this.cfg;
    this.cfg = cfg;
    this.instanceState = instanceState;
    if (!this.started) return [];
    const wanted = wantedDaemons(cfg, instanceState);
    const changed = old !== null && cfg !== null && syncdParametersChanged(old, cfg);
    const out: SyncdAction[] = [];
    for (const s of this.running) if (changed || !wanted.includes(s)) out.push(this.stop1(s));
    for (const s of wanted) if (!this.runningSet.has(s)) out.push(this.start1(cfg!, s));
    return out;
  }

  private start1(cfg: LvsSyncDaemonConfig, state: DaemonState): SyncdAction {
    this.runningSet.add(state);
    return { kind: 'start', daemon: daemonSpec(cfg, state) };
  }

  private stop1(state: DaemonState, stale = false): SyncdAction {
    this.runningSet.delete(state);
    return stale ? { kind: 'stop', state, stale } : { kind: 'stop', state };
  }
}
