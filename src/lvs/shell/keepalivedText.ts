// keepalived's texts for the LVS half, so log scrapers and lvs_notify_fifo readers written for keepalived keep
// working: service names (check_data.c format_vs/format_rs, utils.c inet_sockaddrtotrio_r "[addr]:proto:port"),
// FIFO lines (ipwrapper.c notify_fifo_vs/notify_fifo_rs, lvs.md §2.9) and the log lines of ipwrapper.c
// (perform_svr_state, update_quorum_state) and check_tcp.c (tcp_epilog). Pure.
import type { RealServerConfig, SorryServerConfig, VirtualServerConfig } from '../../config/lvsTypes.js';
import { destId } from '../model.js';

const proto = (vs: VirtualServerConfig): string => vs.protocol.toLowerCase();

/** format_vs: "[10.1.0.100]:tcp:80", "FWM 1", "[group]:0" (a group VS has no address of its own). */
export function vsText(vs: VirtualServerConfig): string {
  if (vs.group !== null) return `[${vs.group}]:0`;
  const key = vs.keys[0];
  if (!key) return `[${vs.name}]`;
  if (key.kind === 'fwmark') return `FWM ${key.fwmark}`;
  return `[${key.address}]:${key.protocol.toLowerCase()}:${key.port}`;
}

/** format_rs: the real server with the virtual server's protocol, "[10.2.0.11]:tcp:80". */
export function rsText(vs: VirtualServerConfig, rs: { readonly address: string; readonly port: number }): string {
  return `[${rs.address}]:${proto(vs)}:${rs.port}`;
}

/** The lvs_notify_fifo / notify_fifo line of a real server (notify_fifo_rs). */
export function fifoRsLine(rs: string, vs: string, up: boolean): string {
  return `RS ${rs} ${vs} ${up ? 'UP' : 'DOWN'}\n`;
}

/** The lvs_notify_fifo / notify_fifo line of a virtual server's quorum (notify_fifo_vs). */
export function fifoVsLine(vs: string, up: boolean): string {
  return `VS ${vs} ${up ? 'UP' : 'DOWN'}\n`;
}

/** perform_svr_state: "Removing service [10.2.0.11]:tcp:80 from VS [10.1.0.100]:tcp:80" (inhibit: Enabling/Disabling … of VS). */
export function rsTransitionLog(up: boolean, inhibit: boolean, rs: string, vs: string): string {
  const verb = up ? (inhibit ? 'Enabling' : 'Adding') : inhibit ? 'Disabling' : 'Removing';
  const prep = inhibit ? 'of' : up ? 'to' : 'from';
  return `${verb} service ${rs} ${prep} VS ${vs}`;
}

/** update_quorum_state: "Gained quorum 1+0=1 <= 5 for VS …" / "Lost quorum 1-0=1 > 0 for VS …". */
export function quorumLog(up: boolean, quorum: number, hysteresis: number, liveWeight: number, vs: string): string {
  return up
    ? `Gained quorum ${quorum}+${hysteresis}=${quorum + hysteresis} <= ${liveWeight} for VS ${vs}`
    : `Lost quorum ${quorum}-${hysteresis}=${quorum - hysteresis} > ${liveWeight} for VS ${vs}`;
}

/** update_quorum_state: the sorry server going in ("Adding sorry server … to VS") or out ("Removing … from VS"). */
export function sorryServerLog(active: boolean, sorry: SorryServerConfig, vs: VirtualServerConfig): string {
  const verb = active ? (sorry.inhibit ? 'Enabling' : 'Adding') : sorry.inhibit ? 'Disabling' : 'Removing';
  return `${verb} sorry server ${rsText(vs, sorry)} ${active ? 'to' : 'from'} VS ${vsText(vs)}`;
}

/**
 * A checker's change of state as keepalived logs it: tcp_epilog's "TCP connection to … success." and
 * "TCP_CHECK on service … failed." (other checkers log "<TYPE> on service … failed." too); vipd appends the
 * reason and detail keepalived only logs with log_all_failures.
 */
export function checkerLog(type: string, target: string, up: boolean, reason: string, detail: string): string {
  if (up) return type === 'TCP_CHECK' ? `TCP connection to ${target} success.` : `${type} on service ${target} succeeded.`;
  const why = detail ? `${reason}: ${detail}` : reason;
  return `${type} on service ${target} failed. (${why})`;
}

/** The real server of `vs` whose destination id is `id` ("10.2.0.11:80"). */
export function findRealServer(vs: VirtualServerConfig, id: string): RealServerConfig | undefined {
  return vs.realServers.find((rs) => destId(rs) === id);
}
