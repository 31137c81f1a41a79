// global_defs keywords (keepalived/core/global_parser.c; man keepalived.conf "GLOBAL DEFINITIONS").
import type { GlobalDraft } from '../drafts.js';
import { table, type KeywordSpec, type KeywordTable } from '../table.js';
import type { Statement } from '../tree.js';
import type { NotifyFifo } from '../types.js';
import { addressArg, boolArg, intArg, isMulticast, requireArg, resolvePath, scriptArg, timerMs, type ParseCtx } from '../values.js';
import { ignoreAll } from './common.js';
import { lvsGlobalKeywords } from './lvsGlobal.js';

type G = GlobalDraft;

function garpTimer(key: 'masterDelayMs' | 'masterRefreshMs' | 'lowerPrioDelayMs'): KeywordSpec<G> {
  return {
    run: (s, d, ctx) => {
      const v = timerMs(s, ctx, 0, 86400);
      if (v !== null) d.garp[key] = v;
    },
  };
}

function garpCount(key: 'masterRepeat' | 'masterRefreshRepeat' | 'lowerPrioRepeat', min: number): KeywordSpec<G> {
  return {
    run: (s, d, ctx) => {
      const v = intArg(s, ctx, min, 255);
      if (v !== null) d.garp[key] = v;
    },
  };
}

function flag(set: (d: G, v: boolean) => void): KeywordSpec<G> {
  return {
    run: (s, d, ctx) => {
      const v = boolArg(s, ctx);
      if (v !== null) set(d, v);
    },
  };
}

function mcastGroup(family: 'inet' | 'inet6', set: (d: G, v: string) => void): KeywordSpec<G> {
  return {
    run: (s, d, ctx) => {
      const a = addressArg(s, ctx);
      if (!a) return;
      if (a.family !== family || !isMulticast(a)) {
        ctx.sink.error(s, `${s.keyword}: '${a.address}' is not an ${family === 'inet' ? 'IPv4' : 'IPv6'} multicast address`);
        return;
      }
      set(d, a.address);
    },
  };
}

/** `notify_fifo FILE [user [group]]` and its `_script` companion. */
function fifo(key: 'notifyFifo' | 'vrrpNotifyFifo'): KeywordSpec<G> {
  return {
    run: (s: Statement, d: G, ctx: ParseCtx) => {
      const p = requireArg(s, ctx, 0, 'a FIFO path');
      if (p !== null) d[key] = { path: resolvePath(s, p), script: d[key]?.script ?? null };
    },
  };
}

function fifoScript(key: 'notifyFifo' | 'vrrpNotifyFifo'): KeywordSpec<G> {
  return {
    run: (s, d, ctx) => {
      const cmd = scriptArg(s, ctx);
      if (!cmd) return;
      const cur: NotifyFifo | undefined = d[key];
      if (!cur) ctx.sink.error(s, `'${s.keyword}' needs '${s.keyword.replace(/_script$/, '')}' first`);
      else d[key] = { path: cur.path, script: cmd };
    },
  };
}

const SMTP = 'vipd sends no e-mail alerts; use notify scripts or the notify FIFO';
const SNMP = 'vipd has no SNMP agent; use the Prometheus /metrics endpoint';
const TUNING = 'vipd is one process with its own scheduling; keepalived process tuning does not apply';
const NETLINK = 'vipd sizes its own netlink buffers';
const FIREWALL = 'vipd installs no firewall rules (keepalived uses them only for vrrp_strict / accept mode)';
const UNIMPL = 'not implemented by vipd';

/**
 * A name `ip netns add` accepts (iproute2 ipnetns.c netns_add: no '/', not '.' or '..'; one path component, so
 * at most NAME_MAX bytes).
 */
export function isNetnsName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && Buffer.byteLength(name) <= 255;
}

/**
 * Top-level `net_namespace NAME` (keepalived installs it with install_keyword_root, global_parser.c:2272). The
 * first one wins and a second is reported and ignored (net_namespace_handler, global_parser.c:1576-1592).
 */
export const netNamespaceKeyword: KeywordSpec<G> = {
  run: (s, d, ctx) => {
    const name = requireArg(s, ctx, 0, 'a namespace name (as in /run/netns/NAME)');
    if (name === null) return;
    if (!isNetnsName(name)) {
      ctx.sink.error(s, `net_namespace: '${name}' is not a namespace name (ip netns add refuses '/', '.' and '..')`);
      return;
    }
    if (s.args.length > 1) ctx.sink.warning(s, `net_namespace ${name}: ignoring extra words after the name`);
    if (d.netNamespace === undefined) d.netNamespace = name;
    else ctx.sink.warning(s, `Duplicate net_namespace definition ${name} - ignoring (keeping ${d.netNamespace})`);
  },
};

/** Why the other two top-level namespace keywords change nothing in vipd. */
export const NET_NAMESPACE_IPVS_REFUSED =
  'net_namespace_ipvs puts IPVS in another namespace than the agent; vipd programs IPVS in the namespace it runs in ' +
  '(net_namespace), so it would program a different table than keepalived: remove the line or run vipd in that namespace';
export const NAMESPACE_WITH_IPSETS_IGNORED = 'vipd installs no ipsets (it only matters to keepalived on kernels before 3.13)';

export const globalKeywords: KeywordTable<G> = table<G>({
  router_id: {
    run: (s, d, ctx) => {
      const v = requireArg(s, ctx);
      if (v !== null) d.routerId = v;
    },
  },
  vrrp_version: {
    run: (s, d, ctx) => {
      const v = intArg(s, ctx, 2, 3);
      if (v !== null) d.vrrpVersion = v as 2 | 3;
    },
  },
  vrrp_garp_master_delay: garpTimer('masterDelayMs'),
  vrrp_garp_master_repeat: garpCount('masterRepeat', 1),
  vrrp_garp_master_refresh: garpTimer('masterRefreshMs'),
  vrrp_garp_master_refresh_repeat: garpCount('masterRefreshRepeat', 1),
  vrrp_garp_lower_prio_delay: garpTimer('lowerPrioDelayMs'),
  vrrp_garp_lower_prio_repeat: garpCount('lowerPrioRepeat', 0),
  // vrrp_min_garp: repeat 1, delay 0, refresh 0 unless set explicitly (global_parser.c:1003-1028).
  vrrp_min_garp: flag((d, v) => {
    if (!v) return;
    d.garp.masterRepeat ??= 1;
    d.garp.masterDelayMs ??= 0;
    d.garp.masterRefreshMs ??= 0;
  }),
  vrrp_lower_prio_no_advert: flag((d, v) => (d.lowerPrioNoAdvert = v)),
  vrrp_higher_prio_send_advert: flag((d, v) => (d.higherPrioSendAdvert = v)),
  vrrp_mcast_group4: mcastGroup('inet', (d, v) => (d.mcastGroup4 = v)),
  vrrp_mcast_group6: mcastGroup('inet6', (d, v) => (d.mcastGroup6 = v)),
  vrrp_down_timer_adverts: {
    run: (s, d, ctx) => {
      const v = intArg(s, ctx, 1, 100);
      if (v !== null) d.downTimerAdverts = v;
    },
  },
  vrrp_strict: { run: (s, d) => (d.strict = { file: s.file, line: s.line }) },
  enable_script_security: flag((d, v) => (d.enableScriptSecurity = v)),
  script_user: {
    run: (s, d, ctx) => {
      const user = requireArg(s, ctx, 0, 'a user name');
      if (user !== null) d.scriptUser = { user, group: s.args[1]?.text ?? null };
    },
  },
  notify_fifo: fifo('notifyFifo'),
  notify_fifo_script: fifoScript('notifyFifo'),
  vrrp_notify_fifo: fifo('vrrpNotifyFifo'),
  vrrp_notify_fifo_script: fifoScript('vrrpNotifyFifo'),
  vrrp_skip_check_adv_addr: flag((d, v) => (d.skipCheckAdvAddr = v)),
  vrrp_check_unicast_src: flag((d, v) => (d.checkUnicastSrc = v)),
  default_interface: {
    run: (s, d, ctx) => {
      const v = requireArg(s, ctx, 0, 'an interface name');
      if (v !== null) d.defaultInterface = v;
    },
  },
  ...lvsGlobalKeywords,
  // Deprecated spelling (global_parser.c: "Deprecated after v2.1.5").
  lvs_flush_onstop: lvsGlobalKeywords['lvs_flush_on_stop']!,
  // keepalived only knows it at the top level: inside global_defs it is an unknown keyword there, and the agent
  // would silently run in the namespace it was started in. Refuse rather than guess which one was meant.
  net_namespace: { refused: 'net_namespace goes at the top level of the file, not inside global_defs (keepalived ignores it there)' },
  ...ignoreAll<G>(SMTP, ['notification_email'], 'required'),
  ...ignoreAll<G>(SMTP, [
    'notification_email_from', 'smtp_server', 'smtp_connect_timeout', 'smtp_helo_name', 'smtp_alert',
    'smtp_alert_vrrp', 'smtp_alert_checker', 'no_email_faults', 'no_checker_emails', 'email_faults',
  ]),
  ...ignoreAll<G>(SNMP, [
    'enable_snmp_vrrp', 'enable_snmp_keepalived', 'enable_snmp_checker', 'enable_snmp_rfc', 'enable_snmp_rfcv2',
    'enable_snmp_rfcv3', 'enable_traps', 'snmp_socket',
  ]),
  ...ignoreAll<G>('vipd has no DBus interface; use `vipd status --json`', ['enable_dbus', 'dbus_service_name', 'dbus_no_interface_name']),
  ...ignoreAll<G>(TUNING, [
    'vrrp_priority', 'checker_priority', 'bfd_priority', 'vrrp_no_swap', 'checker_no_swap', 'bfd_no_swap',
    'vrrp_rt_priority', 'checker_rt_priority', 'bfd_rt_priority', 'vrrp_rlimit_rttime', 'checker_rlimit_rttime',
    'bfd_rlimit_rttime', 'vrrp_rlimit_rtime', 'checker_rlimit_rtime', 'bfd_rlimit_rtime', 'vrrp_cpu_affinity', 'checker_cpu_affinity', 'bfd_cpu_affinity',
    'process_names', 'process_name', 'vrrp_process_name', 'checker_process_name', 'bfd_process_name',
    'max_auto_priority', 'min_auto_priority_delay', 'child_wait_time', 'umask', 'vrrp_rx_bufs_policy',
    'vrrp_rx_bufs_multiplier',
  ]),
  ...ignoreAll<G>(NETLINK, [
    'vrrp_netlink_cmd_rcv_bufs', 'vrrp_netlink_cmd_rcv_bufs_force', 'vrrp_netlink_monitor_rcv_bufs',
    'vrrp_netlink_monitor_rcv_bufs_force', 'lvs_netlink_cmd_rcv_bufs', 'lvs_netlink_cmd_rcv_bufs_force',
    'lvs_netlink_monitor_rcv_bufs', 'lvs_netlink_monitor_rcv_bufs_force', 'process_monitor_rcv_bufs',
    'process_monitor_rcv_bufs_force',
  ]),
  ...ignoreAll<G>('keepalived 2.2.7 no longer reads it (lvs_id was replaced by router_id)', ['lvs_id']),
  ...ignoreAll<G>(FIREWALL, [
    'vrrp_iptables', 'vrrp_ipsets', 'nftables', 'nftables_priority', 'nftables_ifindex', 'nftables_counters',
  ]),
  ...ignoreAll<G>('vipd names its dump files after net_namespace whenever there is one (keepalived.NAME.data), as keepalived does with data_use_instance', ['data_use_instance']),
  ...ignoreAll<G>('interfaces are looked up when vipd starts and on link events', ['dynamic_interfaces', 'disable_local_igmp']),
  ...ignoreAll<G>('vipd does not pace GARP/NA per interface yet; bursts follow garp_master_repeat', ['vrrp_garp_interval', 'vrrp_gna_interval', 'vrrp_garp_extra_if']),
  ...ignoreAll<G>(UNIMPL, [
    'vrrp_startup_delay', 'vrrp_notify_priority_changes', 'log_unknown_vrids', 'random_seed', 'vmac_prefix',
    'vmac_addr_prefix', 'fifo_write_vrrp_states_on_reload', 'startup_script', 'startup_script_timeout',
    'shutdown_script', 'shutdown_script_timeout', 'reload_check_config', 'reload_time_file', 'reload_repeat',
    'reload_file', 'config_save_dir', 'tmp_config_directory', 'include_check',
    'vrrp_track_process', 'vrrp_delay_after_boot', 'linkbeat_use_polling', 'vrrp_garp_master_refresh_iface',
    'vrrp_skip_check_adv_addr_all', 'no_syslog_date', 'syslog_facility',
  ]),
});
