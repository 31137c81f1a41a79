// Per-instance event counters as plain numbers. The runner bumps them on its hot path (one property
// increment, no label hashing); Prometheus counters and the keepalived.stats writer read them at scrape time.
import type { InstanceCountersView, KeepalivedStats } from '../status/types.js';
import type { KeepalivedErrorCounter } from './types.js';

/** keepalived's stats fields in the order keepalived.json lists them (vrrp_json.c). */
export const KEEPALIVED_STAT_KEYS: readonly (keyof KeepalivedStats)[] = [
  'advert_rcvd',
  'advert_sent',
  'become_master',
  'release_master',
  'packet_len_err',
  'advert_interval_err',
  'ip_ttl_err',
  'invalid_type_rcvd',
  'addr_list_err',
  'invalid_authtype',
  'authtype_mismatch',
  'auth_failure',
  'pri_zero_rcvd',
  'pri_zero_sent',
];

export function zeroCounters(): InstanceCountersView {
  return {
    advert_rcvd: 0,
    advert_sent: 0,
    become_master: 0,
    release_master: 0,
    packet_len_err: 0,
    advert_interval_err: 0,
    ip_ttl_err: 0,
    invalid_type_rcvd: 0,
    addr_list_err: 0,
    invalid_authtype: 0,
    authtype_mismatch: 0,
    auth_failure: 0,
    pri_zero_rcvd: 0,
    pri_zero_sent: 0,
    garp_sent: 0,
    na_sent: 0,
    split_brain: 0,
  };
}

/** The live counters of one instance plus its drops by reason. */
export interface InstanceCounterSet {
  readonly name: string;
  readonly ifname: string;
  readonly vrid: number;
  readonly c: InstanceCountersView;
  readonly drops: Map<string, number>;
  /** Accepted adverts with a noted anomaly, by reason. */
  readonly anomalies: Map<string, number>;
  /** Keyed by `${from}\0${to}\0${reason}`. */
  readonly transitions: Map<string, number>;
}

/**
 * The core's DropReason names (src/vrrp/drops.ts, named after keepalived's stats fields) → the keepalived
 * counter keepalived itself bumps for that check (keepalived.md §1.3; v2.2.7 vrrp.c:926-1368). null: keepalived
 * counts nothing there (or only in SNMP builds), so the drop is only in vipd_drops_total{reason}.
 */
export const KEEPALIVED_COUNTER_FOR_DROP: Readonly<Record<string, KeepalivedErrorCounter | null>> = {
  truncated: null, // rows 0-1: log only
  ip_header_err: null, // vipd-only check
  packet_len_err: 'packet_len_err', // rows 8, 18
  ip_ttl_err: 'ip_ttl_err', // row 9 (and unicast min/max_ttl, row 25)
  version_mismatch: null, // row 10: vers_err, SNMP builds only
  invalid_authtype: 'invalid_authtype', // row 12
  authtype_mismatch: 'authtype_mismatch', // rows 7, 13
  auth_failure: 'auth_failure', // rows 14-15
  // Row 16 (v2 interval ≠ ours) is dropped uncounted by keepalived; its stats file still has the
  // "Advertisement Interval" line (advert_interval_err), the natural home for it.
  advert_interval_err: 'advert_interval_err',
  invalid_type_rcvd: 'invalid_type_rcvd', // row 17
  checksum_err: null, // row 20: chk_err, SNMP builds only
  mcast_on_unicast: 'addr_list_err', // row 21 (vrrp.c:1264-1279 counts addr_list_err)
  unicast_on_mcast: 'addr_list_err', // row 21
  unicast_src_err: null, // row 25: v2.2.7 vrrp.c:1104-1136 logs and returns KO without a counter
  addr_list_err: 'addr_list_err', // rows 23-24 (accepted, counted)
  unknown_vrid: null, // row 2: vrid_err is never incremented
  wrong_family: null,
  ah_truncated: null, // vrrp_get_header "too short": log only
  ah_next_header: null, // row 15: VRRP_PACKET_DROP, uncounted
  ah_icv_mismatch: 'auth_failure', // row 15: vrrp_in_chk_ipsecah fails → ++auth_failure
  ah_spi_mismatch: 'auth_failure', // row 15
  ah_seq_replay: 'auth_failure', // row 15
};

/**
 * Which keepalived counter a drop reason also bumps, so keepalived-exporter dashboards keep working: the
 * table above for the core's names, else a keyword match so a reason added later still lands somewhere
 * sensible (the daemon can pass an explicit map to createVipdMetrics to override any of them).
 */
export function keepalivedCounterForDrop(reason: string): KeepalivedErrorCounter | null {
  const known = KEEPALIVED_COUNTER_FOR_DROP[reason];
  if (known !== undefined) return known;
  const r = reason.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  if (/checksum|version|vrid|state|owner|truncat|too_short|family/.test(r)) return null;
  if (/auth/.test(r)) {
    if (/mismatch/.test(r)) return 'authtype_mismatch';
    if (/type|unknown|invalid/.test(r) && !/pass|fail|icv|hmac|digest/.test(r)) return 'invalid_authtype';
    return 'auth_failure';
  }
  if (/(^|_)ah_/.test(r) && /mismatch|missing|unexpected/.test(r)) return 'authtype_mismatch'; // row 7
  if (/ttl|hop_?limit/.test(r)) return 'ip_ttl_err';
  if (/len|size|short|pad/.test(r)) return 'packet_len_err';
  if (/interval|adver_?int/.test(r)) return 'advert_interval_err';
  if (/type/.test(r)) return 'invalid_type_rcvd';
  if (/addr|vip|multicast|mcast|dst/.test(r)) return 'addr_list_err';
  return null;
}

/**
 * Anomalies in adverts that were ACCEPTED (the core's Validation.notes): keepalived ≥ 2.3.3 counts a
 * differing VIP list in addr_list_err and accepts (rows 23-24); a v3 interval difference is logged once and
 * not counted (row 19).
 */
export function keepalivedCounterForAnomaly(reason: string): KeepalivedErrorCounter | null {
  return reason === 'addr_list_err' ? 'addr_list_err' : null;
}
