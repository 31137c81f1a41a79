// One virtual server: its real servers' states, quorum with hysteresis and the sorry server (lvs.md §2.2-2.6;
// keepalived check/ipwrapper.c init_service_rs, update_svr_checker_state, perform_svr_state,
// update_quorum_state, update_svr_wgt). It emits notifications; the table follows from its state
// (desiredServices), and the core diffs that against the kernel, so "which op" never drifts from "which state".
import type { VirtualServerConfig } from '../../config/lvsTypes.js';
import { destId, type DestSpec, type TableService } from '../model.js';
import type { LvsEffect } from './types.js';
import { RealServerState } from './realServerState.js';
import { clampWeight, destSpecOf, serviceSpecOf, sorryDestShape } from './specs.js';

export class VirtualServerState {
  readonly realServers = new Map<string, RealServerState>();
  /**
   * keepalived computes the first quorum state before any RS is alive (set_quorum_states at the end of the
   * config parse), so a VS starts down and *gains* quorum in init_service_vs: quorum_up runs at start.
   */
  quorumUp = false;
  /** The sorry server is in use (s_svr alive): set on quorum loss, cleared on gain. */
  sorryAlive = false;

  constructor(readonly config: VirtualServerConfig) {
    for (const rs of config.realServers) {
      const st = new RealServerState(rs);
      if (!this.realServers.has(st.id)) this.realServers.set(st.id, st);
    }
  }

  get id(): string {
    return this.config.id;
  }

  /**
   * init_service_rs (ipwrapper.c; lvs.md §2.2): an RS with no failed checker that is not alive yet becomes alive
   * (it goes in at full weight before any check); `rs_init_notifies` sends its notifies. `isNew` filters the RS
   * to initialise (a reload leaves kept ones alone: "Do not re-add failed RS instantly on reload").
   */
  initRealServers(checkerUp: (id: string) => boolean, isNew: (rs: RealServerState) => boolean, initNotifies: boolean, out: LvsEffect[]): void {
    for (const rs of this.realServers.values()) {
      rs.numFailedCheckers = rs.checkIds.filter((id) => !checkerUp(id)).length;
      if (!isNew(rs)) continue;
      if (rs.numFailedCheckers === 0 && !rs.alive) {
        rs.alive = true;
        if (initNotifies) this.notifyRs(rs, 'initial state', out);
      }
    }
  }

  /** Σ clamped effective weights of alive RS (weigh_live_realservers); the sorry server does not count. */
  liveWeight(): number {
    let sum = 0;
    for (const rs of this.realServers.values()) if (rs.alive) sum += clampWeight(rs.effectiveWeight);
    return sum;
  }

  /** RS changes do not reach the table while the sorry server serves (perform_svr_state, lvs.md §2.4). */
  get hidingRealServers(): boolean {
    return !this.quorumUp && this.config.sorryServer !== null && this.sorryAlive;
  }

  /** The RS half of update_svr_checker_state: first failing / last failing checker (lvs.md §2.4). */
  checkerTransition(rs: RealServerState, up: boolean, reason: string, out: LvsEffect[]): void {
    if (up) {
      if (rs.numFailedCheckers <= 1) this.performState(rs, true, reason, out);
      if (rs.numFailedCheckers > 0) rs.numFailedCheckers--;
    } else {
      if (rs.numFailedCheckers === 0) this.performState(rs, false, reason, out);
      rs.numFailedCheckers++;
    }
  }

  /** perform_svr_state: flip alive, notify, re-evaluate the quorum (the table follows from the state). */
  private performState(rs: RealServerState, alive: boolean, reason: string, out: LvsEffect[]): void {
    if (rs.alive === alive) return;
    rs.alive = alive;
    this.notifyRs(rs, reason, out);
    this.evaluateQuorum(false, out);
  }

  /** do_rs_notifies: notify_up or notify_down by the RS's current state. */
  notifyRs(rs: RealServerState, reason: string, out: LvsEffect[], up = rs.alive): void {
    out.push({ type: 'realServerTransition', vs: this.id, rs: rs.id, up, script: up ? rs.config.notifyUp : rs.config.notifyDown, reason });
  }

  /** update_svr_wgt (lvs.md §2.6): store; a change of the clamped value re-evaluates the quorum. */
  setWeight(rs: RealServerState, weight: number, out: LvsEffect[]): void {
    const old = clampWeight(rs.effectiveWeight);
    rs.effectiveWeight = weight;
    if (clampWeight(weight) !== old) this.evaluateQuorum(false, out);
  }

  /**
   * update_quorum_state (ipwrapper.c; lvs.md §2.5). Down: gain when sum ≥ quorum + hysteresis (the sorry server
   * leaves, alive RS come back). Up: lose when sum = 0 or sum < quorum − hysteresis (alive RS leave, the sorry
   * server comes). `init` also brings in the sorry server of a VS that starts with quorum down.
   */
  evaluateQuorum(init: boolean, out: LvsEffect[]): void {
    const sum = this.liveWeight();
    const { quorum, hysteresis, sorryServer } = this.config;
    const threshold = quorum + (this.quorumUp ? -1 : 1) * hysteresis;
    if (!this.quorumUp && sum >= threshold) {
      this.quorumUp = true;
      this.sorryAlive = false;
      this.notifyQuorum(sum, out);
      return;
    }
    if ((this.quorumUp && (sum === 0 || sum < threshold)) || (init && !this.quorumUp && sorryServer !== null && !this.sorryAlive)) {
      this.quorumUp = false;
      if (sorryServer !== null) this.sorryAlive = true;
      this.notifyQuorum(sum, out);
    }
  }

  notifyQuorum(sum: number, out: LvsEffect[]): void {
    out.push({
      type: 'quorumTransition',
      vs: this.id,
      up: this.quorumUp,
      liveWeight: sum,
      script: this.quorumUp ? this.config.quorumUp : this.config.quorumDown,
      sorryServerActive: this.sorryAlive,
    });
  }

  /** Is this RS in the table (keepalived's `set`)? Inhibit RS always are (§2.3), at weight 0 when down or hidden. */
  inTable(rs: RealServerState): boolean {
    return rs.config.inhibitOnFailure || (rs.alive && !this.hidingRealServers);
  }

  weightInTable(rs: RealServerState): number {
    return rs.alive && !this.hidingRealServers ? clampWeight(rs.effectiveWeight) : 0;
  }

  /**
   * The kernel services of this VS with their dests: one per key (groups replay every dest on every member).
   * The sorry server serves at weight 1 while in use; with sorry_server_inhibit it stays at weight 0 otherwise
   * (init_service_vs adds it up front, lvs.md §2.2 step 4).
   */
  desiredServices(): TableService[] {
    const { sorryServer } = this.config;
    return this.config.keys.map((key) => {
      const dests = new Map<string, DestSpec>();
      for (const rs of this.realServers.values()) {
        if (!this.inTable(rs)) continue;
        const d = destSpecOf(rs.config, key, this.weightInTable(rs));
        dests.set(destId(d), d);
      }
      if (sorryServer && (this.sorryAlive || sorryServer.inhibit)) {
        const d = destSpecOf(sorryDestShape(sorryServer), key, this.sorryAlive ? 1 : 0);
        if (this.sorryAlive || !dests.has(destId(d))) dests.set(destId(d), d);
      }
      return { spec: serviceSpecOf(this.config, key), dests: [...dests.values()] };
    });
  }
}
