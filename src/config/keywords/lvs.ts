// virtual_server / virtual_server_group: parsed into a structure and accepted, but not run — vipd has no IPVS
// in this environment. One warning per block names it with file:line; inner keywords are not policed.
import type { VirtualServerDraft } from '../drafts.js';
import type { Statement } from '../tree.js';
import type { RealServerConfig, VirtualServerGroupConfig } from '../types.js';
import { parseAddress, parseIntText, type ParseCtx } from '../values.js';

const CHECKERS = new Set(['HTTP_GET', 'SSL_GET', 'TCP_CHECK', 'SMTP_CHECK', 'DNS_CHECK', 'MISC_CHECK', 'UDP_CHECK', 'PING_CHECK', 'FILE_CHECK', 'BFD_CHECK']);
export const LVS_NOT_RUN = 'is parsed but not run: vipd has no IPVS (LVS) data plane here';

function port(text: string | undefined): number | null {
  const n = text === undefined ? null : parseIntText(text);
  return n !== null && n >= 0 && n <= 65535 ? n : null;
}

function realServer(s: Statement, ctx: ParseCtx): RealServerConfig | null {
  const a = s.args[0] ? parseAddress(s.args[0].text) : null;
  if (!a) {
    ctx.sink.error(s, `real_server: invalid address '${s.args[0]?.text ?? ''}'`);
    return null;
  }
  let weight = 1;
  const checkers: string[] = [];
  for (const e of s.block ?? []) {
    if (e.keyword === 'weight') weight = parseIntText(e.args[0]?.text ?? '') ?? weight;
    else if (CHECKERS.has(e.keyword)) checkers.push(e.keyword);
  }
  return { address: a.address, port: port(s.args[1]?.text), weight, checkers, source: { file: s.file, line: s.line } };
}

export function parseVirtualServer(s: Statement, ctx: ParseCtx): VirtualServerDraft | null {
  const at = { file: s.file, line: s.line };
  const first = s.args[0]?.text;
  let base: VirtualServerDraft['base'];
  if (first === 'fwmark') {
    const mark = parseIntText(s.args[1]?.text ?? '');
    if (mark === null) {
      ctx.sink.error(s, `virtual_server: invalid fwmark '${s.args[1]?.text ?? ''}'`);
      return null;
    }
    base = { kind: 'fwmark', address: null, port: null, fwmark: mark, group: null, source: at };
  } else if (first === 'group') {
    const g = s.args[1]?.text;
    if (!g) {
      ctx.sink.error(s, 'virtual_server group: missing group name');
      return null;
    }
    base = { kind: 'group', address: null, port: null, fwmark: null, group: g, source: at };
  } else {
    const a = first === undefined ? null : parseAddress(first);
    if (!a) {
      ctx.sink.error(s, `virtual_server: invalid address '${first ?? ''}'`);
      return null;
    }
    base = { kind: 'address', address: a.address, port: port(s.args[1]?.text), fwmark: null, group: null, source: at };
  }
  const d: VirtualServerDraft = { base, realServers: [] };
  for (const e of s.block ?? []) {
    const v = e.args[0]?.text;
    switch (e.keyword) {
      case 'real_server': {
        const rs = realServer(e, ctx);
        if (rs) d.realServers.push(rs);
        break;
      }
      case 'protocol':
        if (v === 'TCP' || v === 'UDP' || v === 'SCTP') d.protocol = v;
        else ctx.sink.error(e, `protocol: unknown protocol '${v ?? ''}'`);
        break;
      case 'lb_algo':
      case 'lvs_sched':
        if (v) d.scheduler = v;
        break;
      case 'lb_kind':
      case 'lvs_method':
        if (v) d.method = v;
        break;
      case 'delay_loop': {
        const n = v === undefined ? NaN : Number(v);
        if (Number.isFinite(n) && n > 0) d.delayLoopMs = Math.round(n * 1000);
        break;
      }
      case 'persistence_timeout':
        d.persistenceTimeoutS = v === undefined ? 360 : (parseIntText(v) ?? 360);
        break;
      default:
        break;
    }
  }
  ctx.sink.warning(s, `virtual_server ${first ?? ''} ${s.args[1]?.text ?? ''}`.trimEnd() + ` ${LVS_NOT_RUN}`);
  return d;
}

export function parseVirtualServerGroup(s: Statement, ctx: ParseCtx): VirtualServerGroupConfig | null {
  const name = s.args[0]?.text;
  if (!name) {
    ctx.sink.error(s, 'virtual_server_group: missing name');
    return null;
  }
  const entries = (s.block ?? []).map((e) => [e.keyword, ...e.args.map((t) => t.text)].join(' '));
  ctx.sink.warning(s, `virtual_server_group ${name} ${LVS_NOT_RUN}`);
  return { name, entries, source: { file: s.file, line: s.line } };
}
