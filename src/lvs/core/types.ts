// The pure LVS core's contract (design.md "Virtual servers"): events in, effects out, deadlines instead of
// timers. One core holds every virtual server of a config, so a probe shared by several virtual servers (same
// real server, same checker settings) runs once and feeds them all. No I/O, no clock: `nowMs` is an argument.
import type { CheckerConfig, LvsGlobalConfig, LvsScript, VirtualServerConfig } from '../../config/lvsTypes.js';
import type { LvsOp, LvsTable } from '../model.js';
import type { ProbeFailReason, ProbeOutcome } from '../checkers/types.js';

/** The slice of the config the core runs. */
export interface LvsCoreConfig {
  readonly virtualServers: readonly VirtualServerConfig[];
  readonly global: LvsGlobalConfig;
}

export type LvsEvent =
  /** The shell read the kernel table once the data plane opened: the core adopts what matches and repairs the rest. */
  | { readonly type: 'start'; readonly table: LvsTable }
  /** A probe the core asked for (`runCheck`) finished. */
  | { readonly type: 'checkResult'; readonly checkId: string; readonly outcome: ProbeOutcome }
  /** nowMs reached nextDeadline(): due checks are asked for. */
  | { readonly type: 'timeout' }
  /** An `apply` had refused operations; the shell re-read the table: the core emits what repairs the drift. */
  | { readonly type: 'tableRead'; readonly table: LvsTable }
  /** The VIP of an `ha_suspend` virtual server came or went on this host. */
  | { readonly type: 'vipPresence'; readonly address: string; readonly present: boolean }
  /** Stop: keepalived's order (lvs.md §2.8) unless global.keepOnStop. */
  | { readonly type: 'stop' };

export type LvsEffect =
  /** Run the probe `checkId` now and answer with `checkResult` (the shell keeps one probe per checkId). */
  | { readonly type: 'runCheck'; readonly checkId: string }
  /** Cancel probes the core no longer has (reload). */
  | { readonly type: 'dropCheck'; readonly checkId: string }
  /** Move the data plane: the ops are minimal and ordered (service before its dests, dests before their service's delete). */
  | { readonly type: 'apply'; readonly ops: readonly LvsOp[] }
  /** A checker changed state (logged "TCP_CHECK on service [10.2.0.11]:tcp:80 failed." like keepalived). */
  | {
      readonly type: 'checkerTransition';
      readonly checkId: string;
      readonly up: boolean;
      readonly reason: ProbeFailReason | 'success' | 'start';
      readonly detail: string;
    }
  /** A real server of a virtual server went up or down (notify_up/down, FIFO "RS … UP|DOWN", metrics). */
  | {
      readonly type: 'realServerTransition';
      readonly vs: string; // VirtualServerConfig.id
      readonly rs: string; // destId
      readonly up: boolean;
      readonly script: LvsScript | null; // notify_up / notify_down to run
      readonly reason: string;
    }
  /** Quorum of a virtual server gained or lost (quorum_up/down script, FIFO "VS … UP|DOWN"). */
  | {
      readonly type: 'quorumTransition';
      readonly vs: string;
      readonly up: boolean;
      readonly liveWeight: number;
      readonly script: LvsScript | null;
      readonly sorryServerActive: boolean;
    }
  /** After `stop` (and its `apply`): the shell may close the data plane. */
  | { readonly type: 'stopped' };

/** Read-only view for status, metrics and the SIGUSR1 data file. */
export interface LvsSnapshot {
  readonly virtualServers: readonly {
    readonly id: string;
    readonly name: string;
    readonly quorumUp: boolean;
    readonly liveWeight: number;
    readonly sorryServerActive: boolean;
    readonly realServers: readonly {
      readonly id: string; // destId
      readonly up: boolean;
      readonly inTable: boolean; // present in the data plane (possibly at weight 0)
      readonly configuredWeight: number;
      readonly effectiveWeight: number;
      readonly checks: readonly string[]; // checkIds
    }[];
  }[];
  readonly checks: readonly {
    readonly id: string;
    readonly type: string;
    readonly target: string; // "10.2.0.11:80"
    readonly up: boolean;
    readonly hasRun: boolean;
    readonly failures: number; // consecutive
    readonly lastDurationMs: number | null;
    readonly lastFailure: { readonly reason: ProbeFailReason; readonly detail: string } | null;
    readonly nextRunMs: number | null;
  }[];
}

/** The core's surface; the implementation is src/lvs/core/lvsCore.ts. */
export interface LvsCoreApi {
  handle(ev: LvsEvent, nowMs: number): LvsEffect[];
  /** Earliest time the core wants a `timeout` event, or null. */
  nextDeadline(): number | null;
  /** Replace the config (SIGHUP): unchanged services and checkers keep their state (lvs.md §2.7). */
  reload(config: LvsCoreConfig, nowMs: number): LvsEffect[];
  /** The checker behind a `runCheck` id (the shell builds its probe from it); undefined for an unknown id. */
  checkerConfig(checkId: string): CheckerConfig | undefined;
  /** The desired table as the core sees it now. */
  desired(): LvsTable;
  snapshot(nowMs: number): LvsSnapshot;
}
