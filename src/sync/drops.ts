// Why a received sync datagram was not (fully) taken: the codec's reasons (src/sync/codec.ts, including the
// record checks of src/conntrack/record.ts), then the protocol's (src/sync/protocol.ts) and the per-sender
// receiver's (src/sync/receiver.ts). The record reasons (RecordDropReason) must stay in this list: the codec
// returns them as sync drops, so the compiler refuses one missing here. Append-only like src/vrrp/drops.ts: /metrics pre-creates one series of
// vipd_conn_sync_drops_total per entry; never rename or reuse a reason.
import { zeroCounts } from '../conntrack/drops.js';

export const SYNC_DROP_REASONS = [
  /** Shorter than header + MAC. */
  'too-short',
  /** Version byte ≠ SYNC_VERSION. */
  'unsupported-version',
  /** payloadLen disagrees with the datagram's size. */
  'bad-length',
  /** HMAC does not verify: wrong key, corruption or forgery (checked before the payload is read). */
  'bad-mac',
  /** A message type this version does not know (type numbers are append-only: a newer peer's message). */
  'unknown-type',
  /** The payload is too short for its type, or a keep-alive role is neither master nor backup. */
  'bad-payload',
  /** DATA: a record runs past the payload. */
  'truncated-record',
  /** DATA: a record's op is neither upsert nor delete. */
  'bad-record-op',
  /** DATA: a record's family is neither 4 nor 6. */
  'bad-record-family',
  /** Our own datagram looped back (multicast loopback, or a peer list naming ourselves). */
  'own-message',
  /** From an older session (epoch) of a sender we already hear in a newer one. */
  'stale-epoch',
  /** msgSeq already seen or below the replay window. */
  'replay',
  /** Keep-alive/CONFIRM whose wall stamp is too far from ours (a recording replayed to a restarted receiver). */
  'stale-clock',
  /** A reliable message from a sender no fresh keep-alive/CONFIRM has verified yet. */
  'unverified-sender',
  /** A reliable message already delivered or buffered. */
  'duplicate',
  /** A reliable message while detached from the sender's stream: only a bulk resync attaches. */
  'awaiting-resync',
  /** Out-of-order buffer full: the stream is repaired by a bulk resync instead. */
  'reorder-overflow',
] as const;

export type SyncDropReason = (typeof SYNC_DROP_REASONS)[number];

/** Counts per reason; a reason never seen is absent (zeroSyncDrops fills them in for metrics). */
export type SyncDropCounts = Partial<Record<SyncDropReason, number>>;

/** Every reason with its total over the given counts (codec and protocol), 0 included. */
export function totalSyncDrops(...parts: readonly SyncDropCounts[]): Record<SyncDropReason, number> {
  const out = zeroCounts(SYNC_DROP_REASONS);
  for (const part of parts) for (const r of SYNC_DROP_REASONS) out[r] += part[r] ?? 0;
  return out;
}
