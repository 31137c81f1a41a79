// Entries of virtual_ipaddress / virtual_ipaddress_excluded / virtual_routes / unicast_peer blocks
// (man keepalived.conf "virtual_ipaddress", keepalived/vrrp/vrrp_ipaddress.c parse_ipaddress).
import type { Statement } from '../tree.js';
import type { UnicastPeer, VipConfig, VirtualRouteConfig } from '../types.js';
import { parseAddress, parseIntText, parsePrefix, type ParseCtx } from '../values.js';

const SCOPES = new Set(['site', 'link', 'host', 'nowhere', 'global']);
/** Options keepalived accepts on a VIP line that change nothing vipd models; accepted silently. */
const VIP_FLAGS_IGNORED = new Set(['home', '-nodad', 'nodad', 'noprefixroute', 'autojoin']);

/** One VIP line: `IP[/len] [brd IP|+|-] [dev IF] [label L] [scope S] [no_track] …`. */
export function parseVip(e: Statement, ctx: ParseCtx, block: string): VipConfig | null {
  const addr = parsePrefix(e.keyword);
  if (!addr) {
    ctx.sink.error(e, `${block}: invalid address '${e.keyword}'`);
    return null;
  }
  let broadcast: string | null = null;
  let dev: string | null = null;
  let label: string | null = null;
  let scope: string | null = null;
  let noTrack = false;
  const words = e.args.map((t) => t.text);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = (): string | null => {
      const v = words[i + 1];
      if (v === undefined) {
        ctx.sink.error(e, `${block}: '${w}' needs a value`);
        return null;
      }
      i++;
      return v;
    };
    if (w === 'brd' || w === 'broadcast') {
      const v = next();
      if (v === null) continue;
      if (v !== '+' && v !== '-' && parseAddress(v)?.family !== 'inet') {
        ctx.sink.error(e, `${block}: invalid broadcast address '${v}'`);
      } else if (addr.family !== 'inet') {
        ctx.sink.error(e, `${block}: broadcast address given for IPv6 address ${addr.address}`);
      } else broadcast = v;
    } else if (w === 'dev') dev = next();
    else if (w === 'label') label = next();
    else if (w === 'scope') {
      const v = next();
      if (v === null) continue;
      const n = parseIntText(v);
      if (!SCOPES.has(v) && (n === null || n < 0 || n > 255)) ctx.sink.error(e, `${block}: invalid scope '${v}'`);
      else scope = v;
    } else if (w === 'no_track') noTrack = true;
    else if (w === 'peer' || w === 'preferred_lft' || w === 'track_group') {
      next();
      ctx.sink.warning(e, `${block}: '${w}' is accepted and ignored`);
    } else if (VIP_FLAGS_IGNORED.has(w)) {
      // address flags that only affect the kernel's DAD / prefix route handling
    } else {
      ctx.sink.error(e, `${block}: unknown option '${w}' for ${addr.address}`);
      break;
    }
  }
  if (label !== null && label.length > 15) ctx.sink.error(e, `${block}: label '${label}' is longer than 15 characters`);
  return {
    address: addr.address,
    family: addr.family,
    prefixLength: addr.prefixLength,
    broadcast,
    dev,
    label,
    scope,
    noTrack,
    source: { file: e.file, line: e.line },
  };
}

const ROUTE_TYPES = new Set(['blackhole', 'unreachable', 'prohibit', 'throw', 'local', 'broadcast', 'multicast', 'unicast']);
const ROUTE_VALUE_WORDS = new Set([
  'src', 'via', 'gw', 'or', 'dev', 'table', 'metric', 'preference', 'scope', 'protocol', 'realms', 'mtu', 'advmss',
  'rtt', 'rttvar', 'reordering', 'window', 'cwnd', 'ssthresh', 'initcwnd', 'initrwnd', 'features', 'quickack',
  'congctl', 'pref', 'fastopen_no_cookie', 'ttl-propagate', 'expires', 'nexthop', 'tos', 'dsfield', 'weight',
  'hoplimit', 'rto_min', 'encap', 'lock', 'mtu_lock', 'to',
]);

/** What the daemon installs (src/net/routeCodec.ts); any other route attribute is refused, not ignored. */
const SUPPORTED_ROUTE_WORDS = new Set(['src', 'via', 'gw', 'dev', 'table', 'metric', 'preference']);

/** Routing table names iproute2 always knows; others must be given as numbers. */
export const ROUTE_TABLES: Readonly<Record<string, number>> = { main: 254, local: 255, default: 253 };

/** One virtual_routes line as the daemon installs it; the full words are kept for messages. */
export function parseRoute(e: Statement, ctx: ParseCtx): VirtualRouteConfig | null {
  const words = [e.keyword, ...e.args.map((t) => t.text)];
  let destination: string | null = null;
  let via: string | null = null;
  let src: string | null = null;
  let dev: string | null = null;
  let tbl: string | null = null;
  let metric: number | null = null;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (ROUTE_VALUE_WORDS.has(w) && w !== 'to') {
      const v = words[++i];
      if (v === undefined) {
        ctx.sink.error(e, `virtual_routes: '${w}' needs a value`);
        break;
      }
      if (!SUPPORTED_ROUTE_WORDS.has(w)) {
        ctx.sink.error(e, `virtual_routes: '${w}' is not supported by vipd (supported: DEST [via GW] [src IP] [dev IF] [table N] [metric N])`);
        return null;
      }
      if (w === 'src') src = v;
      else if (w === 'via' || w === 'gw') via = v;
      else if (w === 'dev') dev = v;
      else if (w === 'table') tbl = v;
      else if (w === 'metric' || w === 'preference') metric = parseIntText(v);
      continue;
    }
    if (ROUTE_TYPES.has(w) && w !== 'unicast') {
      ctx.sink.error(e, `virtual_routes: '${w}' routes are not supported by vipd (only unicast routes)`);
      return null;
    }
    if (w === 'onlink') {
      ctx.sink.error(e, "virtual_routes: 'onlink' is not supported by vipd");
      return null;
    }
    if (w === 'to' || w === 'unicast' || w === 'no_track' || w === 'inet6') continue;
    if (destination === null) {
      if (w !== 'default' && !parsePrefix(w)) {
        ctx.sink.error(e, `virtual_routes: invalid destination '${w}'`);
        return null;
      }
      destination = w;
    }
  }
  if (destination === null) {
    ctx.sink.error(e, 'virtual_routes: route without a destination');
    return null;
  }
  for (const [name, v] of [['via', via], ['src', src]] as const) {
    if (v !== null && !parseAddress(v)) ctx.sink.error(e, `virtual_routes: invalid ${name} address '${v}'`);
  }
  if (tbl !== null && ROUTE_TABLES[tbl] === undefined && !/^\d+$/.test(tbl)) {
    ctx.sink.error(e, `virtual_routes: table '${tbl}' must be a number (or main, local, default)`);
  }
  return { destination, via, src, dev, table: tbl, metric, words, source: { file: e.file, line: e.line } };
}

/** `unicast_peer { ADDR [min_ttl N] [max_ttl N] }` entries. */
export function parsePeer(e: Statement, ctx: ParseCtx): UnicastPeer | null {
  const a = parseAddress(e.keyword);
  if (!a) {
    ctx.sink.error(e, `unicast_peer: invalid address '${e.keyword}'`);
    return null;
  }
  let minTtl: number | null = null;
  let maxTtl: number | null = null;
  const words = e.args.map((t) => t.text);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === 'min_ttl' || w === 'max_ttl') {
      const v = words[++i];
      const n = v === undefined ? null : parseIntText(v);
      if (n === null || n < 0 || n > 255) {
        ctx.sink.error(e, `unicast_peer: ${w} '${v ?? ''}' outside range [0, 255]`);
        continue;
      }
      if (w === 'min_ttl') minTtl = n;
      else maxTtl = n;
    } else ctx.sink.error(e, `unicast_peer: unknown option '${w}' for ${a.address}`);
  }
  if (minTtl !== null && maxTtl !== null && minTtl > maxTtl) {
    ctx.sink.error(e, `unicast_peer: min_ttl ${minTtl} is greater than max_ttl ${maxTtl}`);
  }
  return { address: a.address, family: a.family, minTtl, maxTtl, source: { file: e.file, line: e.line } };
}
