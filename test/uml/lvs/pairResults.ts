// What the director-pair guest scenario (test/uml/scenarios/pairGuest.ts) writes to $UML_OUT/pair-<agent>.json,
// and its options; read by test/integration/lvsPair.test.ts.
import type { Agent } from './results.js';

export type Variant = 'nat' | 'dr';
export const VARIANTS: readonly Variant[] = ['nat', 'dr'];
export type PairEventName = 'death' | 'return-after-death' | 'sigterm' | 'return-after-sigterm';
export const PAIR_EVENTS: readonly PairEventName[] = ['death', 'return-after-death', 'sigterm', 'return-after-sigterm'];

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
  events: PairEvent[];
  /** Steps that failed or timed out, in order. */
  problems: string[];
  logTails: Record<string, string>;
}
