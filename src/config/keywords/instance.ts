// vrrp_instance keywords (keepalived/vrrp/vrrp_parser.c; man keepalived.conf "VRRP instance(s)").
// Values are range-checked here; rules that relate several keywords live in ../complete.ts.
import type { InstanceDraft } from '../drafts.js';
import { ignored, table, type KeywordSpec, type KeywordTable } from '../table.js';
import { addressArg, boolArg, intArg, requireArg, timerMs, timerSeconds, type ParseCtx } from '../values.js';
import type { Statement } from '../tree.js';
import { parsePeer, parseVip } from './addresses.js';
import { parseRoute } from './routes.js';
import { parseRule } from './rules.js';
import { ignoreAll, notifyKeywords, trackKeywords } from './common.js';

type I = InstanceDraft;

function flag(set: (d: I, v: boolean, s: Statement) => void): KeywordSpec<I> {
  return {
    run: (s, d, ctx) => {
      const v = boolArg(s, ctx);
      if (v !== null) set(d, v, s);
    },
  };
}

function garpTimer(key: 'masterDelayMs' | 'masterRefreshMs' | 'lowerPrioDelayMs'): KeywordSpec<I> {
  return {
    run: (s, d, ctx) => {
      const v = timerMs(s, ctx, 0, 86400);
      if (v !== null) d.garp[key] = v;
    },
  };
}

function garpCount(key: 'masterRepeat' | 'masterRefreshRepeat' | 'lowerPrioRepeat', min: number): KeywordSpec<I> {
  return {
    run: (s, d, ctx) => {
      const v = intArg(s, ctx, min, 255);
      if (v !== null) d.garp[key] = v;
    },
  };
}

function authBlock(s: Statement, d: I, ctx: ParseCtx): void {
  let type: 'PASS' | 'AH' | null = null;
  let password: string | null = null;
  for (const e of s.block ?? []) {
    if (e.keyword === 'auth_type') {
      const v = requireArg(e, ctx);
      // AH: keepalived's IPsec AH (IP protocol 51, HMAC-MD5-96 keyed with auth_pass), VRRPv2 over IPv4 only;
      // complete.ts drops it for v3 / IPv6 with keepalived's messages (vrrp.c vrrp_complete_instance).
      if (v === 'PASS' || v === 'AH') type = v;
      else if (v !== null) ctx.sink.error(e, `auth_type: unknown authentication type '${v}' (PASS or AH)`);
    } else if (e.keyword === 'auth_pass') {
      const v = requireArg(e, ctx, 0, 'a password');
      if (v === null) continue;
      // keepalived truncates to the 8 bytes the v2 header carries (vrrp_parser.c:1495-1509).
      if (v.length > 8) ctx.sink.warning(e, `Truncating auth_pass to 8 characters`);
      password = v.slice(0, 8);
    } else ctx.sink.lenient(e, `Unknown keyword '${e.keyword}' in authentication`);
  }
  if (type === null) {
    ctx.sink.error(s, 'authentication: missing auth_type (PASS or AH)');
    return;
  }
  if (password === null) {
    ctx.sink.error(s, 'authentication: missing auth_pass');
    return;
  }
  d.auth = { value: { type, password }, source: { file: s.file, line: s.line } };
}

const SMTP = 'vipd sends no e-mail alerts; use notify scripts or the notify FIFO';
const FIREWALL = 'vipd installs no firewall rules, so traffic to VIPs is always accepted (keepalived non-strict default)';
const UNIMPL = 'not implemented by vipd';

export const instanceKeywords: KeywordTable<I> = table<I>({
  state: {
    run: (s, d, ctx) => {
      const v = requireArg(s, ctx);
      if (v === null) return;
      const at = { file: s.file, line: s.line };
      if (v === 'MASTER' || v === 'BACKUP') d.state = { value: v, source: at };
      else {
        // keepalived tolerates e.g. `state SLAVE` (found in conntrack-tools' sample) with a config error.
        ctx.sink.warning(s, `(${d.name}) unknown state '${v}', defaulting to BACKUP`);
        d.state = { value: 'BACKUP', source: at };
      }
    },
  },
  interface: {
    run: (s, d, ctx) => {
      const v = requireArg(s, ctx, 0, 'an interface name');
      if (v === null) return;
      if (v.length > 15) ctx.sink.error(s, `interface: name '${v}' is longer than 15 characters`);
      else d.interface = v;
    },
  },
  virtual_router_id: {
    run: (s, d, ctx) => {
      const v = intArg(s, ctx, 1, 255);
      if (v !== null) d.vrid = v;
      else d.vridInvalid = true;
    },
  },
  priority: {
    run: (s, d, ctx) => {
      const v = intArg(s, ctx, 1, 255);
      if (v !== null) d.priority = v;
    },
  },
  advert_int: {
    run: (s, d, ctx) => {
      // The parser accepts 0.01..255 s; version-specific limits are applied in complete (vrrp_parser.c:1074).
      const v = timerSeconds(s, ctx, 0.01, 255);
      if (v !== null) d.advertIntS = { value: v, source: { file: s.file, line: s.line } };
    },
  },
  version: {
    run: (s, d, ctx) => {
      const v = intArg(s, ctx, 2, 3);
      if (v !== null) d.version = { value: v as 2 | 3, source: { file: s.file, line: s.line } };
    },
  },
  virtual_ipaddress: {
    block: 'required',
    run: (s, d, ctx) => {
      for (const e of s.block ?? []) {
        const vip = parseVip(e, ctx, 'virtual_ipaddress');
        if (vip) d.vips.push(vip);
      }
    },
  },
  virtual_ipaddress_excluded: {
    block: 'required',
    run: (s, d, ctx) => {
      for (const e of s.block ?? []) {
        const vip = parseVip(e, ctx, 'virtual_ipaddress_excluded');
        if (vip) d.excludedVips.push(vip);
      }
    },
  },
  virtual_routes: {
    block: 'required',
    run: (s, d, ctx) => {
      for (const e of s.block ?? []) {
        const r = parseRoute(e, ctx, 'virtual_routes');
        if (r) d.virtualRoutes.push(r);
      }
    },
  },
  nopreempt: { run: (s, d) => (d.nopreempt = { file: s.file, line: s.line }) },
  // `preempt` clears an earlier nopreempt (keepalived ≥ 2.1).
  preempt: { run: (_s, d) => delete d.nopreempt },
  preempt_delay: {
    run: (s, d, ctx) => {
      const v = timerMs(s, ctx, 0, 1000);
      if (v !== null) d.preemptDelayMs = { value: v, source: { file: s.file, line: s.line } };
    },
  },
  authentication: { block: 'required', run: authBlock },
  unicast_src_ip: {
    run: (s, d, ctx) => {
      const a = addressArg(s, ctx);
      if (a) d.unicastSrcIp = a.address;
    },
  },
  unicast_peer: {
    block: 'required',
    run: (s, d, ctx) => {
      for (const e of s.block ?? []) {
        const p = parsePeer(e, ctx);
        if (p) d.unicastPeers.push(p);
      }
    },
  },
  unicast_ttl: {
    run: (s, d, ctx) => {
      const v = intArg(s, ctx, 1, 255);
      if (v !== null) d.unicastTtl = v;
    },
  },
  mcast_src_ip: {
    run: (s, d, ctx) => {
      const a = addressArg(s, ctx);
      if (a) d.mcastSrcIp = a.address;
    },
  },
  mcast_dst_ip: {
    run: (s, d, ctx) => {
      const a = addressArg(s, ctx);
      if (a) d.mcastDstIp = a.address;
    },
  },
  garp_master_delay: garpTimer('masterDelayMs'),
  garp_master_repeat: garpCount('masterRepeat', 1),
  garp_master_refresh: garpTimer('masterRefreshMs'),
  garp_master_refresh_repeat: garpCount('masterRefreshRepeat', 1),
  garp_lower_prio_delay: garpTimer('lowerPrioDelayMs'),
  garp_lower_prio_repeat: garpCount('lowerPrioRepeat', 0),
  lower_prio_no_advert: flag((d, v) => (d.lowerPrioNoAdvert = v)),
  higher_prio_send_advert: flag((d, v) => (d.higherPrioSendAdvert = v)),
  ...trackKeywords<I>(),
  dont_track_primary: flag((d, v) => (d.dontTrackPrimary = v)),
  use_vmac: {
    run: (s, d, ctx) => {
      const name = s.args[0]?.text ?? null;
      if (name !== null && name.length > 15) {
        ctx.sink.error(s, `use_vmac: interface name '${name}' is longer than 15 characters`);
        return;
      }
      d.vmac = { name };
    },
  },
  vmac_xmit_base: flag((d, v) => (d.vmacXmitBase = v)),
  ...notifyKeywords<I>(true),
  smtp_alert: {
    run: (s, d, ctx) => {
      const v = boolArg(s, ctx);
      if (v === null) return;
      d.smtpAlert = v;
      if (v) ctx.sink.warning(s, `smtp_alert is accepted and ignored: ${SMTP}`);
    },
  },
  debug: {
    run: (s, d, ctx) => {
      d.debugLevel = s.args.length === 0 ? 1 : (intArg(s, ctx, 0, 4) ?? 0);
    },
  },
  v3_checksum_as_v2: flag((d, v) => (d.v3ChecksumAsV2 = v)),
  native_ipv6: { run: (s, d) => (d.nativeIpv6 = { file: s.file, line: s.line }) },
  down_timer_adverts: {
    run: (s, d, ctx) => {
      const v = intArg(s, ctx, 1, 100);
      if (v !== null) d.downTimerAdverts = v;
    },
  },
  skip_check_adv_addr: flag((d, v) => (d.skipCheckAdvAddr = v)),
  check_unicast_src: flag((d, v) => (d.checkUnicastSrc = v)),
  strict_mode: flag((d, v) => (d.strict = v)),
  // keepalived 2.2.7 only knows the global form; refuse the misplaced one rather than run without sync.
  lvs_sync_daemon: { refused: 'lvs_sync_daemon goes in global_defs (with `inst NAME` to follow this instance), not inside vrrp_instance' },
  // Deprecated per-instance form (vrrp_parser.c vrrp_lvs_syncd_handler), resolved in lvsGlobalComplete.ts.
  lvs_sync_daemon_interface: {
    run: (s, d, ctx) => {
      const v = requireArg(s, ctx, 0, 'an interface name');
      if (v === null) return;
      if (v.length > 15) ctx.sink.error(s, `lvs_sync_daemon_interface: interface name '${v}' is longer than 15 characters`);
      else d.lvsSyncDaemonInterface = { name: v, source: { file: s.file, line: s.line } };
    },
  },
  accept: ignored(FIREWALL),
  no_accept: ignored(FIREWALL),
  virtual_rules: {
    block: 'required',
    run: (s, d, ctx) => {
      for (const e of s.block ?? []) {
        const r = parseRule(e, ctx, 'virtual_rules');
        if (r) d.virtualRules.push(r);
      }
    },
  },
  use_vmac_addr: { refused: 'use_vmac_addr is not implemented by vipd; use use_vmac' },
  use_ipvlan: { refused: 'use_ipvlan is not implemented by vipd; use use_vmac (macvlan)' },
  vrf: { refused: 'vrf is not implemented by vipd' },
  auth_hmac: { refused: 'auth_hmac (keepalived \u2265 2.4 extension) is not implemented by vipd', block: 'optional' },
  old_unicast_checksum: { refused: 'old_unicast_checksum (pre-1.3.6 keepalived wire checksum) is not implemented by vipd' },
  ...ignoreAll<I>('vipd does not pace GARP/NA per interface yet', ['garp_interval', 'gna_interval', 'garp_extra_if', 'garp_group']),
  ...ignoreAll<I>(UNIMPL, [
    'notify_deleted', 'notify_priority_changes', 'promote_secondaries', 'kernel_rx_buf_size', 'unicast_fault_no_peer',
    'track_src_ip', 'owner_ignore_adverts', 'timer_expired_backup', 'no_virtual_ipaddress', 'linkbeat_use_polling',
    'vmac_garp_intvl',
  ]),
});
