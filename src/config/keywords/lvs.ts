// `virtual_server IP [PORT] | fwmark N | group NAME { … }` (lvs.md §1.1-1.2; keepalived check_parser.c
// init_check_keywords): every keyword keepalived 2.2.7 installs, into a VirtualServerDraft. Defaults,
// inheritance and fixups happen in ../lvsComplete.ts once the whole block (and every group) is known.
import type { VirtualServerDraft, VirtualServerHead } from '../lvsDrafts.js';
import { applyTable, ignored, table, type KeywordSpec, type KeywordTable } from '../table.js';
import type { Statement } from '../tree.js';
import { parseAddress, requireArg, type ParseCtx } from '../values.js';
import {
  flagValue,
  LVS_MAX_TIMEOUT_S,
  lvsScriptArg,
  lvsTimerMs,
  MAX_CONNECT_TIMEOUT_S,
  methodArg,
  optionalPort,
  stringArg,
  UINT32_MAX,
  unsignedArg,
  WEIGHT_LIMIT,
} from './lvsValues.js';
import { parseRealServer, SMTP_IGNORED, SNMP_IGNORED } from './realServer.js';

type V = VirtualServerDraft;
const at = (s: Statement) => ({ file: s.file, line: s.line });

/** check_parser.c lvs_schedulers: the schedulers keepalived accepts. */
export const LVS_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos'] as const;
/** IPVS_SVC_PERSISTENT_TIMEOUT: a bare `persistence_timeout`, or one implied by granularity or a port-less VS. */
export const DEFAULT_PERSISTENCE_S = 360;

function num(key: 'retry' | 'quorum' | 'hysteresis' | 'weight', min: number, max: number): KeywordSpec<V> {
  return {
    run: (s, d, ctx) => {
      const v = unsignedArg(s, ctx, min, max);
      if (v !== null) d[key] = v;
    },
  };
}

function timer(key: 'delayBeforeRetryMs' | 'warmupMs' | 'connectTimeoutMs' | 'delayLoopMs', positive: boolean, maxS?: number): KeywordSpec<V> {
  return {
    run: (s, d, ctx) => {
      const v = lvsTimerMs(s, ctx, positive, maxS);
      if (v !== null) d[key] = v;
    },
  };
}

/**
 * sh-port, sh-fallback, mh-port, mh-fallback: keepalived honours them only when `lvs_sched sh|mh` came
 * EARLIER in the block (check_parser.c lbflags_handler compares vs->sched at that moment). vipd refuses the
 * other order instead of silently dropping the flag.
 */
function schedFlag(flag: string): KeywordSpec<V> {
  const sched = flag.slice(0, 2);
  return {
    run: (s, d, ctx) => {
      if (d.scheduler !== sched) {
        ctx.sink.error(s, `${flag} only applies to the ${sched} scheduler, and 'lvs_sched ${sched}' must come before it in the block (keepalived ignores it otherwise)`);
        return;
      }
      if (!d.schedulerFlags.includes(flag)) d.schedulerFlags.push(flag);
    },
  };
}

function rawFlag(flag: string): KeywordSpec<V> {
  return { run: (_s, d) => void (d.schedulerFlags.includes(flag) || d.schedulerFlags.push(flag)) };
}

function scriptOnce(key: 'quorumUp' | 'quorumDown'): KeywordSpec<V> {
  return {
    run: (s, d, ctx) => {
      if (d[key]) return ctx.sink.error(s, `${s.keyword} script already specified`);
      d[key] = lvsScriptArg(s, ctx) ?? undefined;
    },
  };
}

function scheduler(s: Statement, d: V, ctx: ParseCtx): void {
  const v = requireArg(s, ctx, 0, 'a scheduler');
  if (v === null) return;
  if ((LVS_SCHEDULERS as readonly string[]).includes(v)) d.scheduler = v;
  else ctx.sink.error(s, `${s.keyword}: invalid scheduler '${v}' (${LVS_SCHEDULERS.join(' ')})`);
}

function method(s: Statement, d: V, ctx: ParseCtx): void {
  const m = methodArg(s, ctx);
  if (m) d.method = m;
}

export const virtualServerKeywords: KeywordTable<V> = table<V>({
  ip_family: {
    run: (s, d, ctx) => {
      const v = requireArg(s, ctx, 0, 'inet or inet6');
      if (v === 'inet' || v === 'inet6') d.ipFamily = v;
      else if (v !== null) ctx.sink.error(s, `ip_family: unknown address family '${v}' (inet or inet6)`);
    },
  },
  retry: num('retry', 1, UINT32_MAX),
  delay_before_retry: timer('delayBeforeRetryMs', false),
  warmup: timer('warmupMs', false),
  connect_timeout: timer('connectTimeoutMs', true, MAX_CONNECT_TIMEOUT_S),
  delay_loop: timer('delayLoopMs', true),
  inhibit_on_failure: { run: (s, d, ctx) => (d.inhibitOnFailure = flagValue(s, ctx) ?? d.inhibitOnFailure) },
  lb_algo: { run: scheduler },
  lvs_sched: { run: scheduler },
  hashed: ignored('IP_VS_SVC_F_HASHED is kernel-internal (cleared on add); keepalived parses it with no effect too'),
  ops: { run: (s, d) => (d.onePacket = at(s)) },
  'flag-1': rawFlag('flag-1'),
  'flag-2': rawFlag('flag-2'),
  'flag-3': rawFlag('flag-3'),
  'sh-port': schedFlag('sh-port'),
  'sh-fallback': schedFlag('sh-fallback'),
  'mh-port': schedFlag('mh-port'),
  'mh-fallback': schedFlag('mh-fallback'),
  lb_kind: { run: method },
  lvs_method: { run: method },
  persistence_engine: {
    run: (s, d, ctx) => {
      const v = requireArg(s, ctx, 0, 'a persistence engine');
      if (v === 'sip') d.persistenceEngine = 'sip';
      else if (v !== null) ctx.sink.error(s, `persistence_engine: '${v}' is not a kernel persistence engine (the kernel has only 'sip')`);
    },
  },
  persistence_timeout: {
    run: (s, d, ctx) => {
      if (s.args.length === 0) d.persistenceTimeoutS = DEFAULT_PERSISTENCE_S;
      else {
        const v = unsignedArg(s, ctx, 1, LVS_MAX_TIMEOUT_S);
        if (v !== null) d.persistenceTimeoutS = v;
      }
    },
  },
  persistence_granularity: {
    run: (s, d, ctx) => {
      const v = requireArg(s, ctx, 0, 'a netmask or prefix length');
      if (v !== null) d.granularity = { text: v, source: at(s) };
    },
  },
  protocol: {
    run: (s, d, ctx) => {
      const v = requireArg(s, ctx, 0, 'TCP, UDP or SCTP')?.toUpperCase();
      if (v === 'TCP' || v === 'UDP' || v === 'SCTP') d.protocol = { value: v, source: at(s) };
      else if (v !== undefined) ctx.sink.error(s, `protocol: unknown protocol '${s.args[0]!.text}' (TCP, UDP or SCTP)`);
    },
  },
  ha_suspend: { run: (s, d) => (d.haSuspend = at(s)) },
  smtp_alert: ignored(SMTP_IGNORED),
  virtualhost: {
    run: (s, d, ctx) => {
      const v = stringArg(s, ctx, 'a host name');
      if (v !== null) d.virtualhost = v;
    },
  },
  snmp_name: ignored(SNMP_IGNORED),
  alpha: { run: (s, d, ctx) => (d.alpha = flagValue(s, ctx) ?? d.alpha) },
  omega: { run: (s, d, ctx) => (d.omega = flagValue(s, ctx) ?? d.omega) },
  quorum_up: scriptOnce('quorumUp'),
  quorum_down: scriptOnce('quorumDown'),
  quorum: num('quorum', 1, UINT32_MAX),
  hysteresis: num('hysteresis', 0, UINT32_MAX),
  weight: num('weight', 1, WEIGHT_LIMIT),
  sorry_server: {
    run: (s, d, ctx) => {
      const text = requireArg(s, ctx, 0, 'an address');
      if (text === null) return;
      const a = parseAddress(text);
      const port = optionalPort(s, ctx, 1);
      if (!a) ctx.sink.error(s, `sorry_server: invalid address '${text}'`);
      else if (port !== undefined) d.sorryServer = { address: a.address, family: a.family, port, inhibit: d.sorryServer?.inhibit ?? false, source: at(s) };
    },
  },
  sorry_server_inhibit: {
    run: (s, d, ctx) => {
      if (d.sorryServer) d.sorryServer.inhibit = true;
      else ctx.sink.error(s, 'sorry_server_inhibit used before or without sorry_server');
    },
  },
  sorry_server_lvs_method: {
    run: (s, d, ctx) => {
      if (!d.sorryServer) return ctx.sink.error(s, 'sorry_server_lvs_method used before or without sorry_server');
      const m = methodArg(s, ctx);
      if (m) d.sorryServer.method = m;
    },
  },
  real_server: {
    block: 'required',
    run: (s, d, ctx) => {
      const rs = parseRealServer(s, ctx);
      if (rs) d.realServers.push(rs);
    },
  },
});

function head(s: Statement, ctx: ParseCtx): VirtualServerHead | null {
  const first = requireArg(s, ctx, 0, 'an address, fwmark N or group NAME');
  if (first === null) return null;
  if (first === 'fwmark') {
    const text = s.args[1]?.text ?? '';
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(n >= 1 && n <= UINT32_MAX)) {
      ctx.sink.error(s, `virtual_server fwmark '${text}' must be in [1, ${UINT32_MAX}]`);
      return null;
    }
    return { kind: 'fwmark', fwmark: n };
  }
  if (first === 'group') {
    const g = s.args[1]?.text;
    if (!g) {
      ctx.sink.error(s, 'virtual_server group: missing group name');
      return null;
    }
    return { kind: 'group', group: g };
  }
  const a = parseAddress(first);
  if (!a) {
    ctx.sink.error(s, `virtual_server: invalid address '${first}'`);
    return null;
  }
  const port = optionalPort(s, ctx, 1);
  return port === undefined ? null : { kind: 'address', address: a.address, family: a.family, port };
}

/** One `virtual_server … { }` block; null when its head is invalid (reported, the block is skipped as keepalived does). */
export function parseVirtualServer(s: Statement, ctx: ParseCtx): VirtualServerDraft | null {
  const h = head(s, ctx);
  if (!h) return null;
  if (s.args.length > 2) ctx.sink.error(s, `virtual_server: unexpected '${s.args[2]!.text}' after '${s.args[0]!.text} ${s.args[1]!.text}'`);
  const d: VirtualServerDraft = {
    head: h,
    name: s.args.slice(0, 2).map((t) => t.text).join(' '),
    source: at(s),
    schedulerFlags: [],
    realServers: [],
  };
  applyTable(s.block ?? [], virtualServerKeywords, d, ctx, `virtual_server ${d.name}`);
  return d;
}
