// keepalived's notification formats (vrrp_notify.c:92-190). Pure.
//   FIFO line:      INSTANCE "VI_1" MASTER 150\n      (name double-quoted; a group's priority is 0)
//   generic notify: <script args...> INSTANCE VI_1 MASTER 150   (name unquoted, one argv word each)
import type { NotifyScripts, ScriptCommand } from '../config/types.js';

export type NotifyKind = 'INSTANCE' | 'GROUP';
/** States that are notified; INIT never is. MASTER_RX_LOWER_PRI and *_PRIORITY are FIFO-only events. */
export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED' | 'MASTER_RX_LOWER_PRI' | 'MASTER_PRIORITY' | 'BACKUP_PRIORITY';

export function fifoLine(kind: NotifyKind, name: string, state: NotifyState, priority: number): string {
  return `${kind} "${name}" ${state} ${priority}\n`;
}

export function genericArgs(script: ScriptCommand, kind: NotifyKind, name: string, state: NotifyState, priority: number): string[] {
  return [...script.argv, kind, name, state, String(priority)];
}

/** The notify_<state> script for a state (keepalived get_iscript/get_gscript). */
export function stateScript(n: NotifyScripts, state: NotifyState): ScriptCommand | null {
  switch (state) {
    case 'MASTER':
      return n.master;
    case 'BACKUP':
      return n.backup;
    case 'FAULT':
      return n.fault;
    case 'STOP':
      return n.stop;
    case 'MASTER_RX_LOWER_PRI':
      return n.masterRxLowerPri;
    default:
      return null;
  }
}

export function hasAnyScript(n: NotifyScripts): boolean {
  return [n.master, n.backup, n.fault, n.stop, n.generic, n.masterRxLowerPri].some((s) => s !== null);
}
