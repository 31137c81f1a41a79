// What the director-pair guest scenario (test/uml/scenarios/pairGuest.ts) writes to $UML_OUT/pair-<agent>.json,
// and its options; read by test/integration/lvsPair.test.ts.
import type { Agent } from './results.js';

export type Variant = 'nat' | 'dr';
export const VARIANTS: readonly Variant[] = ['nat', 'dr'];
export type PairEventName = 'death' | 'return-after-death' | 'sigterm' | 'return-after-sigterm' | 'reboot' | 'return-after-reboot';
/** The events whose connections must all survive (issue 10), in the order they run. */
export const PAIR_EVENTS: readonly PairEventName[] = ['death', 'return-after-death', 'sigterm', 'return-after-sigterm', 'reboot'];
/**
 * Run last, measured for information: d1 comes back with a FRESH kernel (empty IPVS table) and preempts. The
 * IPVS sync has no bulk resync: d1 learns a connection only when d2 sees its 3rd, 53rd, 103rd … packet after
 * d1's backup daemon started (sync_threshold 3 50), so idle long-lived connections are not there to keep.
 */
export const INFO_EVENTS: readonly PairEventName[] = ['return-after-reboot'];

export interface PairOptions {
  agents: Agent[];
  /** Long-lived echo connections held per variant. */
  k: number;
}

export interface HeldCount {
  held: number;
  alive: number;
}

export interface PairEvent {
  name: PairEventName;
  /** The director that must carry the VIPs after the event. */
  newMaster: 'd1' | 'd2';
  /**
   * ESTABLISHED entries of each variant's virtual server in the new master's `ipvsadm -Lnc` just before the
   * event: what the sync daemon replicated (before a return: what the returning director holds when it starts).
   */
  entriesBefore: Record<Variant, number>;
  aliveBefore: Record<Variant, number>;
  /** The same count on the new master right after the VIPs moved (before the client's check). */
  entriesAtTakeover: Record<Variant, number>;
  /** The client's connections of each variant still echoing after the VIPs moved. */
  aliveAfter: Record<Variant, number>;
  /** ms from the event to both VIPs on the new master (and, for a return, off the other director); null: never. */
  takeoverMs: number | null;
  /** `ipvsadm -L --daemon` of each director after the event. */
  daemons: Record<'d1' | 'd2', string[]>;
}

export interface PairResult {
  agent: Agent;
  version: string;
  k: number;
  /** The connections as opened (before any event). */
  opened: Record<Variant, HeldCount>;
  /**
   * All connections once K more per variant were opened through the returned d1 (after return-after-death):
   * the next failover keeps those only if d1's sync daemon runs again after its crash.
   */
  openedAfterReturn: Record<Variant, HeldCount>;
  events: PairEvent[];
  /** Steps that failed or timed out, in order. */
  problems: string[];
  logTails: Record<string, string>;
}
