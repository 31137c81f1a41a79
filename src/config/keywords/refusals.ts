// Messages for keepalived keywords vipd refuses outright (errors, not warnings), shared by several tables.

export const LVS_SYNC_DAEMON_REFUSAL =
  "lvs_sync_daemon drives the kernel's IPVS connection sync, and there is no IPVS here: " +
  'use a vipd_conntrack_sync { … } block instead (docs/configuration.md), which replicates the conntrack table ' +
  'and commits it before the VIPs come up';
