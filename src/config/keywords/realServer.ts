// `real_server IP [PORT] { … }` inside virtual_server (lvs.md §1.3; check_parser.c rs_* handlers). Values only;
// the VS defaults and the port fixups are applied in ../lvsComplete.ts.
import type { RealServerDraft } from '../lvsDrafts.js';
import { applyTable, ignored, table, type KeywordTable } from '../table.js';
import type { Statement } from '../tree.js';
import { parseAddress, requireArg, type ParseCtx } from '../values.js';
import { checkerSpecs } from './checkers.js';
import {
  flagValue,
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

type R = RealServerDraft;

export const SMTP_IGNORED = 'vipd sends no e-mail alerts; use notify_up/notify_down, quorum_up/quorum_down or lvs_notify_fifo';
export const SNMP_IGNORED = 'vipd has no SNMP agent; virtual and real servers are labelled by address in /metrics and `vipd status`';

function num(key: 'weight' | 'upperThreshold' | 'lowerThreshold' | 'retry', min: number, max: number) {
  return { run: (s: Statement, d: R, ctx: ParseCtx) => {
    const v = unsignedArg(s, ctx, min, max);
    if (v !== null) d[key] = v;
  } };
}

function timer(key: 'delayBeforeRetryMs' | 'warmupMs' | 'connectTimeoutMs' | 'delayLoopMs', positive: boolean, maxS?: number) {
  return { run: (s: Statement, d: R, ctx: ParseCtx) => {
    const v = lvsTimerMs(s, ctx, positive, maxS);
    if (v !== null) d[key] = v;
  } };
}

export const realServerKeywords: KeywordTable<R> = table<R>({
  weight: num('weight', 0, WEIGHT_LIMIT),
  lvs_method: {
    run: (s, d, ctx) => {
      const m = methodArg(s, ctx);
      if (m) d.method = m;
    },
  },
  uthreshold: num('upperThreshold', 0, UINT32_MAX),
  lthreshold: num('lowerThreshold', 0, UINT32_MAX),
  inhibit_on_failure: { run: (s, d, ctx) => (d.inhibitOnFailure = flagValue(s, ctx) ?? d.inhibitOnFailure) },
  alpha: { run: (s, d, ctx) => (d.alpha = flagValue(s, ctx) ?? d.alpha) },
  notify_up: {
    run: (s, d, ctx) => {
      if (d.notifyUp) return ctx.sink.error(s, 'notify_up script already specified');
      d.notifyUp = lvsScriptArg(s, ctx) ?? undefined;
    },
  },
  notify_down: {
    run: (s, d, ctx) => {
      if (d.notifyDown) return ctx.sink.error(s, 'notify_down script already specified');
      d.notifyDown = lvsScriptArg(s, ctx) ?? undefined;
    },
  },
  retry: num('retry', 1, UINT32_MAX),
  delay_before_retry: timer('delayBeforeRetryMs', false),
  warmup: timer('warmupMs', false),
  connect_timeout: timer('connectTimeoutMs', true, MAX_CONNECT_TIMEOUT_S),
  delay_loop: timer('delayLoopMs', true),
  virtualhost: {
    run: (s, d, ctx) => {
      const v = stringArg(s, ctx, 'a host name');
      if (v !== null) d.virtualhost = v;
    },
  },
  smtp_alert: ignored(SMTP_IGNORED),
  snmp_name: ignored(SNMP_IGNORED),
  ...checkerSpecs<R>((d, c) => d.checkers.push(c)),
});

/** `real_server IP [PORT] { … }`; null when the head is invalid (reported). */
export function parseRealServer(s: Statement, ctx: ParseCtx): RealServerDraft | null {
  const text = requireArg(s, ctx, 0, 'an address');
  if (text === null) return null;
  const a = parseAddress(text);
  if (!a) {
    ctx.sink.error(s, `real_server: invalid address '${text}'`);
    return null;
  }
  const port = optionalPort(s, ctx, 1);
  if (port === undefined) return null;
  if (s.args.length > 2) ctx.sink.error(s, `real_server: unexpected '${s.args[2]!.text}' after the port`);
  const d: RealServerDraft = { address: a.address, family: a.family, port, source: { file: s.file, line: s.line }, checkers: [] };
  applyTable(s.block ?? [], realServerKeywords, d, ctx, `real_server ${text}`);
  return d;
}
