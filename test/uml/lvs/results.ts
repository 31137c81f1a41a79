// What the LVS side-by-side guest scenario (test/uml/scenarios/lvsGuest.ts) writes to $UML_OUT/lvs-<agent>.json,
// and the options it takes: shared by the guest, the test (test/integration/lvsSideBySide.test.ts) and the
// bench (bench/lvs/failover-checks.ts).

export type Agent = 'keepalived' | 'vipd';
export type CheckerKind = 'http' | 'tcp' | 'misc';

export interface GuestOptions {
  agents: Agent[];
  parts: ('lab' | 'cpu')[];
  /** How many times the death/return cycle of each checker type runs (tables are taken from the first). */
  trials: number;
  /**
   * Fault each real server this many ms after the agent's next check of it (same phase for every trial and
   * agent; bench/lvs); absent or null: fault at once.
   */
  alignMs?: number | null;
  cpuCount: number;
  cpuKinds: ('tcp' | 'http')[];
  cpuWindowS: number;
}

export interface CheckerTiming {
  /** ms from the fault to the real server's removal from the kernel table (null: not within the bound). */
  removeMs: number | null;
  /** ms from the repair to the real server's return at its configured weight. */
  readdMs: number | null;
}

export interface LabResult {
  agent: Agent;
  version: string;
  /** ms from the agent's start to every service of the lab being in the kernel table. */
  startMs: number | null;
  tables: Record<string, string[]>;
  split: Record<string, number> | null;
  timings: Record<CheckerKind, CheckerTiming[]>;
  quorum: { lostMs: number | null; backMs: number | null };
  inhibit: { downMs: number | null; upMs: number | null };
  reload: { appliedMs: number | null; heldBefore: number; aliveBefore: number; aliveAfter: number };
  stopMs: number | null;
  /** Steps that failed or timed out, in order ("" when all went through). */
  problems: string[];
  logTail: string;
}

export interface CpuResult {
  agent: Agent;
  kind: 'tcp' | 'http';
  count: number;
  /** ms from start until all `count` real servers were in the table (null: never). */
  readyMs: number | null;
  cpuSeconds: number;
  wallSeconds: number;
  destsAtEnd: number;
  processes: number;
  /** Share of the guest's one CPU that was busy in the window (near 1: saturated, the figure is a floor). */
  guestBusyFraction: number;
  /** The five processes that used the most CPU in the window (agent: part of the agent's tree). */
  topProcesses: { pid: number; comm: string; cpuSeconds: number; agent: boolean }[];
  logTail: string;
}

export interface AgentResult {
  lab?: LabResult;
  cpu?: CpuResult[];
}

