// Shapes only the metrics layer uses (the status schema they share with /status is src/status/types.ts).

/** Milliseconds on one clock (any: monotonic is fine) for the phases of one takeover. */
export interface TakeoverTimes {
  /** master-down timer fired (or preemption decided): the start of the takeover. */
  readonly timerFiredMs: number;
  /** Synced connections committed to the kernel (optional: only with connection sync). */
  readonly syncCommittedMs?: number;
  readonly vipsInstalledMs?: number;
  readonly firstGarpMs?: number;
}

/** The keepalived error counters a drop reason can map onto. */
export type KeepalivedErrorCounter =
  | 'packet_len_err'
  | 'advert_interval_err'
  | 'ip_ttl_err'
  | 'invalid_type_rcvd'
  | 'addr_list_err'
  | 'invalid_authtype'
  | 'authtype_mismatch'
  | 'auth_failure';

/** What /healthz reports: whether the daemon's loop is alive. */
export interface HealthView {
  readonly alive: boolean;
  /** Human-readable detail, shown in the body (e.g. "event loop lag 12 ms", "reload in progress"). */
  readonly detail?: string;
}
