// Entries of virtual_rules / static_rules, word for word as keepalived 2.2.7 reads them
// (keepalived/vrrp/vrrp_iprule.c alloc_rule; man keepalived.conf "Static routes/addresses/rules").
//
// As for routes, keepalived skips a bad rule with a message instead of refusing the file (its own sample
// keepalived.conf.vrrp.rules has `to 192.168.100./24`); vipd does the same: a warning, an error under --strict.
import type { Statement } from '../tree.js';
import type { PrefixConfig, RuleAction, RuleConfig } from '../types.js';
import { parseCNumber } from '../iproute2Names.js';
import type { ParseCtx } from '../values.js';
import { realmsValue, routePrefix, SkipLine as Skip, u32 } from './routeValues.js';

const RTPROT_KEEPALIVED = 18;

/** IP protocol names for `ipproto` (getprotobyname in keepalived; /etc/protocols' common entries). */
const IP_PROTOCOLS: Readonly<Record<string, number>> = {
  icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, ospf: 89, vrrp: 112,
  sctp: 132, udplite: 136, mpls: 137,
};

interface Draft {
  family: 'inet' | 'inet6' | null;
  from: PrefixConfig | null;
  to: PrefixConfig | null;
  not: boolean;
  action: RuleAction | null;
  table: number | null;
  l3mdev: boolean;
  goto: number | null;
  preference: number | null;
  tos: number | null;
  fwmark: number | null;
  fwmask: number | null;
  realms: number | null;
  suppressPrefixLength: number | null;
  suppressIfgroup: number | null;
  iif: string | null;
  oif: string | null;
  tunnelId: string | null;
  uidRange: { start: number; end: number } | null;
  protocol: number | null;
  ipProto: number | null;
  sport: { start: number; end: number } | null;
  dport: { start: number; end: number } | null;
  noTrack: boolean;
  /** realms / suppress_* only make sense with a table action. */
  tableOption: boolean;
}

/** `N` or `N-M` port range (sscanf "%hu-%hu"). */
function portRange(text: string): { start: number; end: number } | null {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) return null;
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  return start <= 65535 && end <= 65535 ? { start, end } : null;
}

export function parseRule(e: Statement, ctx: ParseCtx, block: string): RuleConfig | null {
  const words = [e.keyword, ...e.args.map((t) => t.text)];
  const d: Draft = {
    family: null, from: null, to: null, not: false, action: null, table: null, l3mdev: false, goto: null,
    preference: null, tos: null, fwmark: null, fwmask: null, realms: null, suppressPrefixLength: null,
    suppressIfgroup: null, iif: null, oif: null, tunnelId: null, uidRange: null, protocol: null, ipProto: null,
    sport: null, dport: null, noTrack: false, tableOption: false,
  };
  try {
    parseWords(words, d, e, ctx, block);
    check(d);
  } catch (err) {
    if (!(err instanceof Skip)) throw err;
    ctx.sink.lenient(e, `${block}: ${err.message} - skipping the rule, as keepalived does`);
    return null;
  }
  const family = d.family ?? 'inet';
  let preference = d.preference;
  if (preference === null) {
    preference = ctx.nextRulePreference(family);
    ctx.sink.warning(e, `${block}: rule has no preference specified - setting to ${preference}. This is probably not what you want.`);
  }
  if (!d.noTrack && d.protocol !== null && d.protocol !== RTPROT_KEEPALIVED) {
    ctx.sink.warning(e, `${block}: a tracked rule always has protocol keepalived (${RTPROT_KEEPALIVED}); add no_track to keep protocol ${d.protocol}`);
  }
  return {
    family,
    from: d.from,
    to: d.to,
    not: d.not,
    action: d.action!,
    table: d.l3mdev ? null : d.table,
    l3mdev: d.l3mdev,
    goto: d.goto,
    preference,
    tos: d.tos,
    fwmark: d.fwmark,
    fwmask: d.fwmask,
    realms: d.realms,
    suppressPrefixLength: d.suppressPrefixLength,
    suppressIfgroup: d.suppressIfgroup,
    iif: d.iif,
    oif: d.oif,
    tunnelId: d.tunnelId,
    uidRange: d.uidRange,
    protocol: d.noTrack && d.protocol !== null ? d.protocol : RTPROT_KEEPALIVED,
    ipProto: d.ipProto,
    sport: d.sport,
    dport: d.dport,
    noTrack: d.noTrack,
    words,
    source: { file: e.file, line: e.line },
  };
}

function setFamily(d: Draft, family: 'inet' | 'inet6'): void {
  if (d.family === null) d.family = family;
  else if (d.family !== family) throw new Skip('rule specification has mixed IPv4 and IPv6');
}

function setAction(d: Draft, action: RuleAction): void {
  if (d.action !== null) throw new Skip('cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule');
  d.action = action;
}

function parseWords(words: readonly string[], d: Draft, e: Statement, ctx: ParseCtx, block: string): void {
  for (let i = 0; i < words.length; i++) {
    let w = words[i]!;
    const value = (): string => {
      const v = words[++i];
      if (v === undefined) throw new Skip(`'${w}' needs a value`);
      return v;
    };
    switch (w) {
      case 'inet':
      case 'inet6':
        setFamily(d, w);
        continue;
      case 'from':
      case 'to': {
        const text = value();
        const p = routePrefix(text);
        if (!p) throw new Skip(`invalid rule ${w} address '${text}'`);
        if (p.family) setFamily(d, p.family);
        if (w === 'from') d.from = p.prefix;
        else d.to = p.prefix;
        continue;
      }
      case 'table':
      case 'lookup': {
        const n = ctx.iproute2.lookup('rt_tables', value());
        if (n === null) throw new Skip(`routing table '${words[i]}' not found (not a number, not in /etc/iproute2/rt_tables)`);
        if (n === 0) throw new Skip('table 0 is not valid');
        setAction(d, 'table');
        d.table = n;
        continue;
      }
      case 'not':
        d.not = true;
        continue;
      case 'preference':
      case 'order':
      case 'priority': {
        const n = u32(value());
        if (n === null) throw new Skip(`invalid rule preference '${words[i]}'`);
        d.preference = n;
        continue;
      }
      case 'tos':
      case 'dsfield': {
        const n = ctx.iproute2.lookup('rt_dsfield', value());
        if (n === null) throw new Skip(`TOS value '${words[i]}' is invalid`);
        d.tos = n;
        continue;
      }
      case 'fwmark': {
        const text = value();
        const [mark, mask] = text.split('/', 2);
        const m = u32(mark);
        const k = mask === undefined ? null : u32(mask);
        if (m === null || (mask !== undefined && k === null)) throw new Skip(`invalid rule fwmark '${text}'`);
        d.fwmark = m;
        d.fwmask = k;
        continue;
      }
      case 'realms': {
        const n = realmsValue(value(), ctx);
        if (n === null) throw new Skip(`invalid realms '${words[i]}' for rule`);
        d.realms = n;
        d.tableOption = true;
        if (d.family === 'inet6') throw new Skip('realms is only valid for IPv4');
        d.family = 'inet';
        continue;
      }
      case 'suppress_prefixlength':
      case 'sup_pl': {
        const n = u32(value(), 0x7fffffff);
        if (n === null) throw new Skip(`invalid suppress_prefixlength '${words[i]}'`);
        d.suppressPrefixLength = n;
        d.tableOption = true;
        continue;
      }
      case 'suppress_ifgroup':
      case 'sup_group': {
        const n = u32(value(), 0x7fffffff);
        if (n === null) throw new Skip(`suppress_group '${words[i]}' is invalid`);
        d.suppressIfgroup = n;
        d.tableOption = true;
        continue;
      }
      case 'dev':
      case 'iif':
        d.iif = value();
        continue;
      case 'oif':
        d.oif = value();
        continue;
      case 'tunnel-id': {
        const text = value();
        if (!/^\d+$/.test(text) || BigInt(text) > 0xffffffffffffffffn) throw new Skip(`invalid tunnel-id '${text}'`);
        d.tunnelId = BigInt(text).toString();
        continue;
      }
      case 'uidrange': {
        const m = /^(\d+)-(\d+)$/.exec(value());
        if (!m || Number(m[1]) > 0xffffffff || Number(m[2]) > 0xffffffff) throw new Skip(`invalid uidrange '${words[i]}'`);
        d.uidRange = { start: Number(m[1]), end: Number(m[2]) };
        continue;
      }
      case 'l3mdev':
        setAction(d, 'table');
        d.l3mdev = true;
        continue;
      case 'protocol': {
        // keepalived reads a number here (read_unsigned_strvec); iproute2 names are accepted too.
        const n = ctx.iproute2.lookup('rt_protos', value());
        if (n === null) ctx.sink.warning(e, `${block}: invalid protocol '${words[i]}', ignored as keepalived does`);
        else d.protocol = n;
        continue;
      }
      case 'ipproto':
      case 'ip_proto': {
        // keepalived's parser reads `ipproto`; its man page writes `ip_proto`: both are taken.
        const text = value();
        const n = IP_PROTOCOLS[text.toLowerCase()] ?? u32(text, 255);
        if (n === null) ctx.sink.warning(e, `${block}: invalid ipproto '${text}', ignored as keepalived does`);
        else d.ipProto = n;
        continue;
      }
      case 'sport':
      case 'dport': {
        const r = portRange(value());
        if (r === null) ctx.sink.warning(e, `${block}: invalid ${w} range '${words[i]}', ignored as keepalived does`);
        else d[w] = r;
        continue;
      }
      case 'no_track':
        d.noTrack = true;
        continue;
      case 'track_group':
        value();
        ctx.sink.warning(e, `${block}: 'track_group' is accepted and ignored (static track groups are not implemented by vipd)`);
        continue;
      default:
        break;
    }
    if (w === 'type') w = value();
    if (w === 'goto') {
      const n = u32(value());
      if (n === null) throw new Skip(`invalid goto target '${words[i]}'`);
      setAction(d, 'goto');
      d.goto = n;
    } else if (w === 'nop') setAction(d, 'nop');
    else if (w === 'blackhole' || w === 'unreachable' || w === 'prohibit') setAction(d, w);
    else if (parseCNumber(w) !== null || ['unicast', 'local', 'broadcast', 'brd', 'anycast', 'multicast', 'throw', 'nat', 'xresolve'].includes(w)) {
      throw new Skip(`invalid rule action '${w}'`);
    } else throw new Skip(`unknown rule option '${w}'`);
  }
}

/** The checks alloc_rule makes once the whole line is read. */
function check(d: Draft): void {
  if (d.action === 'goto') {
    if (d.preference === null) throw new Skip(`goto target ${d.goto} specified without preference`);
    if (d.preference >= d.goto!) throw new Skip(`preference ${d.preference} >= goto target ${d.goto}`);
  }
  if (d.action === null) throw new Skip('no action specified for rule');
  if (d.action !== 'table' && d.tableOption) throw new Skip('suppressor/realm specified for non table action');
}
