// The LVS keywords of global_defs (lvs.md §1.6, §4.8; keepalived core/global_parser.c 2.2.7) and the root
// `SSL { }` block, plus vipd's own `vipd_lvs_keep_on_stop` and `vipd_lvs_dataplane`.
import type { GlobalDraft } from '../drafts.js';
import type { LvsSslDraft, LvsSyncDaemonDraft } from '../lvsDrafts.js';
import { table, type KeywordSpec, type KeywordTable } from '../table.js';
import type { Statement } from '../tree.js';
import { addressArg, isMulticast, requireArg, resolvePath, type ParseCtx } from '../values.js';
import { flagValue, LVS_MAX_TIMEOUT_S, lvsScriptArg } from './lvsValues.js';

type G = GlobalDraft;
const at = (s: Statement) => ({ file: s.file, line: s.line });

const NFTABLES_IPVS =
  "vipd programs each virtual_server_group member as its own IPVS service (keepalived's default); " +
  "keepalived's nftables_ipvs fwmark scheme is not implemented (see vipd_lvs_dataplane for vipd's nftables data plane)";

/** `lvs_timeouts [tcp S] [tcpfin S] [udp S]` (global_parser.c lvs_timeouts); 0 leaves the kernel value. */
function lvsTimeouts(s: Statement, d: G, ctx: ParseCtx): void {
  if (s.args.length < 2) return ctx.sink.error(s, 'lvs_timeouts requires at least one option (tcp S, tcpfin S, udp S)');
  const t = { ...(d.lvs.timeouts ?? { tcpS: 0, tcpFinS: 0, udpS: 0 }) };
  const keys: Record<string, 'tcpS' | 'tcpFinS' | 'udpS'> = { tcp: 'tcpS', tcpfin: 'tcpFinS', udp: 'udpS' };
  for (let i = 0; i < s.args.length; i += 2) {
    const w = s.args[i]!.text;
    const key = keys[w];
    if (!key) return ctx.sink.error(s, `lvs_timeouts: unknown option '${w}' (tcp, tcpfin or udp)`);
    const v = s.args[i + 1]?.text;
    if (v === undefined || !/^\d+$/.test(v) || Number(v) > LVS_MAX_TIMEOUT_S) {
      return ctx.sink.error(s, `lvs_timeouts: invalid ${w} timeout '${v ?? ''}' (0..${LVS_MAX_TIMEOUT_S} seconds)`);
    }
    t[key] = Number(v);
  }
  d.lvs.timeouts = t;
}

/**
 * `lvs_sync_daemon IFACE [inst VI] [id N] [maxlen N] [port N] [ttl N] [group ADDR]`, and the pre-2.0 positional
 * form `IFACE VI [SYNCID]` (global_parser.c lvs_syncd_handler). The instance and the syncid default are resolved
 * once every vrrp_instance is known (lvsComplete.ts).
 */
function lvsSyncDaemon(s: Statement, d: G, ctx: ParseCtx): void {
  if (d.lvs.syncDaemon) return ctx.sink.error(s, `lvs_sync_daemon has already been specified as ${d.lvs.syncDaemon.interface}`);
  const iface = requireArg(s, ctx, 0, 'an interface');
  if (iface === null) return;
  if (iface.length > 15) return ctx.sink.error(s, `lvs_sync_daemon: interface name '${iface}' is longer than 15 characters`);
  const out: LvsSyncDaemonDraft = { interface: iface, instance: null, syncId: null, maxLen: null, port: null, ttl: null, group: null, source: at(s) };
  const int = (w: string, v: string | undefined, min: number, max: number): number | null => {
    const n = v !== undefined && /^\d+$/.test(v) ? Number(v) : NaN;
    if (n >= min && n <= max) return n;
    ctx.sink.error(s, `lvs_sync_daemon: invalid ${w} '${v ?? ''}' (${min}..${max})`);
    return null;
  };
  let ok = true;
  for (let i = 1; i < s.args.length; i++) {
    const w = s.args[i]!.text;
    const v = s.args[i + 1]?.text;
    switch (w) {
      case 'inst':
        if (v === undefined) {
          ctx.sink.error(s, 'lvs_sync_daemon: inst needs a vrrp_instance name');
          ok = false;
        } else out.instance = v;
        i++;
        break;
      case 'id':
        out.syncId = int('id', v, 0, 255);
        ok &&= out.syncId !== null;
        i++;
        break;
      case 'maxlen':
        out.maxLen = int('maxlen', v, 1, 65535 - 20 - 8);
        ok &&= out.maxLen !== null;
        i++;
        break;
      case 'port':
        out.port = int('port', v, 1, 65535);
        ok &&= out.port !== null;
        i++;
        break;
      case 'ttl':
        out.ttl = int('ttl', v, 1, 255);
        ok &&= out.ttl !== null;
        i++;
        break;
      case 'group': {
        const a = v === undefined ? null : addressArg({ ...s, args: s.args.slice(i + 1) }, ctx);
        if (!a || !isMulticast(a)) {
          if (a) ctx.sink.error(s, `lvs_sync_daemon: group address ${a.address} is not multicast`);
          ok = false;
        } else out.group = a.address;
        i++;
        break;
      }
      default:
        // Backward compatibility: `lvs_sync_daemon IF VRRP_INSTANCE [SYNC_ID]`.
        if (i === 1) out.instance = w;
        else if (i === 2 && out.syncId === null) {
          ctx.sink.warning(s, 'Please use keyword "id" before lvs_sync_daemon SYNCID');
          out.syncId = int('syncid', w, 0, 255);
          ok &&= out.syncId !== null;
        } else {
          ctx.sink.error(s, `lvs_sync_daemon: unknown option '${w}'`);
          ok = false;
        }
    }
  }
  if (ok) d.lvs.syncDaemon = out;
}

function flag(set: (d: G, v: boolean) => void): KeywordSpec<G> {
  return {
    run: (s, d, ctx) => {
      const v = flagValue(s, ctx);
      if (v !== null) set(d, v);
    },
  };
}

export const lvsGlobalKeywords: Record<string, KeywordSpec<G>> = {
  lvs_flush: flag((d, v) => (d.lvs.flushAtStart = v)),
  lvs_flush_on_stop: {
    run: (s, d, ctx) => {
      const v = s.args[0]?.text;
      if (v === undefined) d.lvs.flushOnStop = 'all';
      else if (v === 'VS') d.lvs.flushOnStop = 'vs';
      else ctx.sink.error(s, `${s.keyword}: unknown type '${v}' (nothing, or VS)`);
    },
  },
  lvs_timeouts: { run: lvsTimeouts },
  lvs_sync_daemon: { run: lvsSyncDaemon },
  lvs_notify_fifo: {
    run: (s, d, ctx) => {
      const p = requireArg(s, ctx, 0, 'a FIFO path');
      if (p !== null) d.lvs.notifyFifo = resolvePath(s, p);
    },
  },
  lvs_notify_fifo_script: {
    run: (s, d, ctx) => {
      const script = lvsScriptArg(s, ctx);
      if (script) d.lvs.notifyFifoScript = { script, source: at(s) };
    },
  },
  rs_init_notifies: flag((d, v) => (d.lvs.rsInitNotifies = v)),
  checker_log_all_failures: flag((d, v) => (d.lvs.logAllFailures = v)),
  vipd_lvs_keep_on_stop: flag((d, v) => (d.lvs.keepOnStop = v)),
  vipd_lvs_dataplane: {
    run: (s, d, ctx) => {
      const v = requireArg(s, ctx, 0, 'auto, ipvs or nftables');
      if (v === 'auto' || v === 'ipvs' || v === 'nftables') d.lvs.dataplane = v;
      else if (v !== null) ctx.sink.error(s, `vipd_lvs_dataplane: unknown data plane '${v}' (auto, ipvs or nftables)`);
    },
  },
  nftables_ipvs: { refused: `nftables_ipvs: ${NFTABLES_IPVS}` },
  nftables_ipvs_priority: { refused: `nftables_ipvs_priority: ${NFTABLES_IPVS}` },
  nftables_ipvs_start_fwmark: { refused: `nftables_ipvs_start_fwmark: ${NFTABLES_IPVS}` },
};

function sslFile(key: keyof LvsSslDraft, isPath: boolean): KeywordSpec<LvsSslDraft> {
  return {
    run: (s, d, ctx) => {
      const v = requireArg(s, ctx, 0, isPath ? 'a file path' : 'a value');
      if (v === null) return;
      if (d[key] !== undefined) ctx.sink.warning(s, `SSL ${s.keyword} already specified - replacing`);
      d[key] = isPath ? resolvePath(s, v) : v;
    },
  };
}

/** Root `SSL { password ca certificate key }` (check_parser.c ssl_handler): the SSL_GET client context. */
export const sslKeywords: KeywordTable<LvsSslDraft> = table<LvsSslDraft>({
  password: sslFile('password', false),
  ca: sslFile('ca', true),
  certificate: sslFile('certificate', true),
  key: sslFile('key', true),
});
