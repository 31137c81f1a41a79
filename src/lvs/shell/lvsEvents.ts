// What the operator sees of the core's transitions: keepalived's log lines, the lvs_notify_fifo / notify_fifo
// lines and the notify_up/down and quorum_up/down scripts (lvs.md §2.4-2.5, §2.9; ipwrapper.c perform_svr_state,
// update_quorum_state, do_rs_notifies, do_vs_notifies). keepalived's order per transition: log, IPVS (already
// done by the runner), script, FIFO line.
import type { VirtualServerConfig } from '../../config/lvsTypes.js';
import type { Logger } from '../../log/logger.js';
import type { LvsEffect, LvsSnapshot } from '../core/types.js';
import type { LvsScripts } from './lvsScripts.js';
import {
  checkerLog, fifoRsLine, fifoVsLine, findRealServer, quorumLog, rsText, rsTransitionLog, sorryServerLog, vsText,
} from './keepalivedText.js';

/** Somewhere a FIFO line goes (src/notify/fifo.ts NotifyFifo, or a test's array). */
export interface FifoSink {
  write(line: string): void;
}

type Transition = Extract<LvsEffect, { type: 'realServerTransition' | 'quorumTransition' | 'checkerTransition' }>;

export class LvsEvents {
  private byId = new Map<string, VirtualServerConfig>();

  constructor(
    private readonly logger: Logger,
    private readonly scripts: LvsScripts,
    private fifos: readonly FifoSink[],
    virtualServers: readonly VirtualServerConfig[],
  ) {
    this.setVirtualServers(virtualServers);
  }

  setVirtualServers(virtualServers: readonly VirtualServerConfig[]): void {
    this.byId = new Map(virtualServers.map((vs) => [vs.id, vs]));
  }

  setFifos(fifos: readonly FifoSink[]): void {
    this.fifos = fifos;
  }

  virtualServer(id: string): VirtualServerConfig | undefined {
    return this.byId.get(id);
  }

  /** `stopping`: scripts get keepalived's 1 s at shutdown. `snapshot` names a checker's service in its log line. */
  handle(ev: Transition, snapshot: () => LvsSnapshot, stopping = false): void {
    switch (ev.type) {
      case 'checkerTransition':
        return this.checker(ev, snapshot());
      case 'realServerTransition':
        return this.realServer(ev, stopping);
      case 'quorumTransition':
        return this.quorum(ev, stopping);
    }
  }

  private checker(ev: Extract<LvsEffect, { type: 'checkerTransition' }>, snap: LvsSnapshot): void {
    if (ev.reason === 'start') return; // the initial state is no change (keepalived logs nothing either)
    const check = snap.checks.find((c) => c.id === ev.checkId);
    const owner = snap.virtualServers.find((v) => v.realServers.some((r) => r.checks.includes(ev.checkId)));
    const vs = owner ? this.byId.get(owner.id) : undefined;
    const rs = owner?.realServers.find((r) => r.checks.includes(ev.checkId));
    const rsCfg = vs && rs ? findRealServer(vs, rs.id) : undefined;
    const target = vs && rsCfg ? rsText(vs, rsCfg) : (check?.target ?? ev.checkId);
    this.logger.info(checkerLog(check?.type ?? 'CHECK', target, ev.up, ev.reason, ev.detail), { checkId: ev.checkId, reason: ev.reason });
  }

  private realServer(ev: Extract<LvsEffect, { type: 'realServerTransition' }>, stopping: boolean): void {
    const vs = this.byId.get(ev.vs);
    if (!vs) {
      this.logger.warn(`real server ${ev.rs} of unknown virtual server ${ev.vs} went ${ev.up ? 'up' : 'down'}`);
      return;
    }
    const rsCfg = findRealServer(vs, ev.rs);
    const rs = rsCfg ? rsText(vs, rsCfg) : `[${ev.rs}]`;
    const inhibit = rsCfg?.inhibitOnFailure ?? vs.inhibitOnFailure;
    this.logger.info(rsTransitionLog(ev.up, inhibit, rs, vsText(vs)), { reason: ev.reason });
    if (ev.script) void this.scripts.run(ev.script, ev.up ? 'notify_up' : 'notify_down', stopping ? 1000 : undefined);
    this.writeFifos(fifoRsLine(rs, vsText(vs), ev.up));
  }

  private quorum(ev: Extract<LvsEffect, { type: 'quorumTransition' }>, stopping: boolean): void {
    const vs = this.byId.get(ev.vs);
    if (!vs) {
      this.logger.warn(`quorum of unknown virtual server ${ev.vs} went ${ev.up ? 'up' : 'down'}`);
      return;
    }
    this.logger.info(quorumLog(ev.up, vs.quorum, vs.hysteresis, ev.liveWeight, vsText(vs)));
    if (vs.sorryServer) this.logger.info(sorryServerLog(ev.sorryServerActive, vs.sorryServer, vs));
    if (ev.script) void this.scripts.run(ev.script, ev.up ? 'quorum_up' : 'quorum_down', stopping ? 1000 : undefined);
    this.writeFifos(fifoVsLine(vsText(vs), ev.up));
  }

  private writeFifos(line: string): void {
    for (const f of this.fifos) f.write(line);
  }
}
