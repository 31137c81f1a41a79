// Metric names in one place: docs/metrics.md and the Grafana dashboard are written against these.
// keepalived_* names match mehdy/keepalived-exporter (internal/collector/collector.go fillMetrics) so its
// dashboards and alert rules keep working; vipd_* are ours.
import type { KeepalivedStats } from '../status/types.js';

/** Labels the keepalived-exporter puts on every per-instance series. */
export const INSTANCE_LABELS = ['iname', 'intf', 'vrid'] as const;
export type InstanceLabel = (typeof INSTANCE_LABELS)[number];

/** keepalived stats field → keepalived-exporter counter name and help text (collector.go:484-606). */
export const KEEPALIVED_COUNTER_NAMES: Readonly<Record<keyof KeepalivedStats, { name: string; help: string }>> = {
  advert_rcvd: { name: 'keepalived_advertisements_received_total', help: 'Advertisements received' },
  advert_sent: { name: 'keepalived_advertisements_sent_total', help: 'Advertisements sent' },
  become_master: { name: 'keepalived_become_master_total', help: 'Became master' },
  release_master: { name: 'keepalived_release_master_total', help: 'Released master' },
  packet_len_err: { name: 'keepalived_packet_length_errors_total', help: 'Packet length errors' },
  advert_interval_err: {
    name: 'keepalived_advertisements_interval_errors_total',
    help: 'Advertisement interval errors',
  },
  ip_ttl_err: { name: 'keepalived_ip_ttl_errors_total', help: 'TTL errors' },
  invalid_type_rcvd: { name: 'keepalived_invalid_type_received_total', help: 'Invalid type errors' },
  addr_list_err: { name: 'keepalived_address_list_errors_total', help: 'Address list errors' },
  invalid_authtype: { name: 'keepalived_authentication_invalid_total', help: 'Authentication invalid' },
  authtype_mismatch: { name: 'keepalived_authentication_mismatch_total', help: 'Authentication mismatch' },
  auth_failure: { name: 'keepalived_authentication_failure_total', help: 'Authentication failure' },
  pri_zero_rcvd: { name: 'keepalived_priority_zero_received_total', help: 'Priority zero received' },
  pri_zero_sent: { name: 'keepalived_priority_zero_sent_total', help: 'Priority zero sent' },
};


/** Takeover phases, each measured from the master-down timer firing (or the preemption decision). */
export const TAKEOVER_PHASES = ['sync_committed', 'vips_installed', 'first_garp'] as const;
export type TakeoverPhase = (typeof TAKEOVER_PHASES)[number];

/** 1 ms … 5 s: a v3 centisecond failover lands in the low buckets, a v2 3.6 s master-down in the top ones. */
export const TAKEOVER_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
