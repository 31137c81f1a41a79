// Why bytes that claim to be conntrack state were not taken. Two lists, append-only like src/vrrp/drops.ts
// (metrics pre-create one series per entry; never rename or reuse a reason). Imports nothing.

/** ctnetlink messages from the kernel (events and dump replies) that did not decode (src/conntrack/codec.ts). */
export const CONNTRACK_DROP_REASONS = [
  /** Not an nfnetlink ctnetlink message (subsystem ≠ NFNL_SUBSYS_CTNETLINK). */
  'not-ctnetlink',
  /** A ctnetlink message that is not IPCTNL_MSG_CT_NEW or IPCTNL_MSG_CT_DELETE. */
  'not-conntrack',
  /** Shorter than the nfgenmsg header. */
  'truncated',
  /** nfgenmsg family neither AF_INET nor AF_INET6. */
  'unsupported-family',
  /** An attribute length runs past its parent or is below the 4-byte header. */
  'bad-attributes',
  /** No CTA_TUPLE_ORIG: nothing identifies the connection. */
  'no-orig-tuple',
  /** A tuple without source, destination or protocol number. */
  'bad-tuple',
] as const;

export type ConntrackDropReason = (typeof CONNTRACK_DROP_REASONS)[number];

/** Compact records (src/conntrack/record.ts) in bytes from a peer that are not valid records. */
export const RECORD_DROP_REASONS = [
  /** Fewer bytes left than the record's fixed part or its family's length. */
  'truncated-record',
  /** Op byte neither upsert nor delete. */
  'bad-record-op',
  /** Family byte neither 4 nor 6. */
  'bad-record-family',
] as const;

export type RecordDropReason = (typeof RECORD_DROP_REASONS)[number];

/** A count for every reason, 0 included, so each series exists before the first drop (rate() works at once). */
export function zeroCounts<R extends string>(reasons: readonly R[]): Record<R, number> {
  const out = {} as Record<R, number>;
  for (const r of reasons) out[r] = 0;
  return out;
}
