// Entries of virtual_routes / static_routes, word for word as keepalived 2.2.7 reads them
// (keepalived/vrrp/vrrp_iproute.c alloc_route + parse_nexthops; man keepalived.conf "Static routes").
//
// keepalived never refuses a configuration for a bad route: it reports the line and skips that route. vipd does
// the same (a warning, an error under --strict) so that every file keepalived runs also loads here. What vipd
// cannot install (lightweight-tunnel `encap`, MPLS `as to`, `vrf`, the NAT/xresolve types Linux removed) is an
// error, never a silent omission.
import type { Statement } from '../tree.js';
import type { PrefixConfig, RouteConfig, RouteMetricName, RouteNextHopConfig, RouteType } from '../types.js';
import { parseAddress, type ParseCtx } from '../values.js';
import { parseCNumber } from '../iproute2Names.js';
import { parseNexthops } from './routeNexthops.js';
import { hostBitsSet, realmsValue, routePrefix, rttValue, SkipLine as Skip, u32 } from './routeValues.js';

const RTPROT_KEEPALIVED = 18;
const RT_TABLE_MAIN = 254;

/** lib/rttables.c rtntypes, by name and number; `brd` is keepalived's alias of broadcast. */
const ROUTE_TYPES: Readonly<Record<string, RouteType>> = {
  unicast: 'unicast', local: 'local', broadcast: 'broadcast', brd: 'broadcast', anycast: 'anycast',
  multicast: 'multicast', blackhole: 'blackhole', unreachable: 'unreachable', prohibit: 'prohibit', throw: 'throw',
};
const ROUTE_TYPE_NUMBERS: readonly (RouteType | null)[] = [
  null, 'unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw',
];
/** Accepted by keepalived's parser, rejected by every kernel since 2.6 (fib_props[RTN_NAT/RTN_XRESOLVE] = -EINVAL). */
const IMPOSSIBLE_TYPES = new Set(['nat', 'xresolve', '10', '11']);

/** Metrics written `NAME [lock] VALUE` (u32), as keepalived reads them. */
const U32_METRICS: Readonly<Record<string, RouteMetricName>> = {
  mtu: 'mtu', advmss: 'advmss', reordering: 'reordering', cwnd: 'cwnd', ssthresh: 'ssthresh',
};
/** Metrics keepalived reads without `lock`. */
const PLAIN_METRICS: Readonly<Record<string, RouteMetricName>> = { window: 'window', initcwnd: 'initcwnd', initrwnd: 'initrwnd' };
/** Times: `NAME [lock] T[s|ms]`, stored in the kernel unit (rtt 1/8 ms, rttvar 1/4 ms, rto_min 1 ms). */
const TIME_METRICS: Readonly<Record<string, { name: RouteMetricName; perMs: number }>> = {
  rtt: { name: 'rtt', perMs: 8 },
  rttvar: { name: 'rttvar', perMs: 4 },
  rto_min: { name: 'rto_min', perMs: 1 },
};
const ICMPV6_ROUTER_PREF: Readonly<Record<string, number>> = { low: 3, medium: 0, high: 1 };
const RTAX_FEATURE_ECN = 1;

interface Draft {
  family: 'inet' | 'inet6' | null;
  type: RouteType;
  destination: PrefixConfig | null;
  hasDestination: boolean;
  from: PrefixConfig | null;
  src: string | null;
  via: string | null;
  dev: string | null;
  table: number;
  metric: number | null;
  scope: number | null;
  protocol: number | null;
  tos: number | null;
  onlink: boolean;
  realms: number | null;
  expires: number | null;
  pref: number | null;
  ttlPropagate: boolean | null;
  metrics: Partial<Record<RouteMetricName, number>>;
  congctl: string | null;
  locked: (RouteMetricName | 'congctl')[];
  nexthops: RouteNextHopConfig[];
  mode: 'prepend' | 'add' | 'append';
  noTrack: boolean;
}

/** One route line; null when it is skipped (reported) or refused (reported as an error). */
export function parseRoute(e: Statement, ctx: ParseCtx, block: string): RouteConfig | null {
  const words = [e.keyword, ...e.args.map((t) => t.text)];
  const d: Draft = {
    family: null, type: 'unicast', destination: null, hasDestination: false, from: null, src: null, via: null,
    dev: null, table: RT_TABLE_MAIN, metric: null, scope: null, protocol: null, tos: null, onlink: false,
    realms: null, expires: null, pref: null, ttlPropagate: null, metrics: {}, congctl: null, locked: [],
    nexthops: [], mode: 'prepend', noTrack: false,
  };
  try {
    parseWords(words, d, e, ctx, block);
    if (!d.hasDestination) throw new Skip('route must have a destination');
  } catch (err) {
    if (!(err instanceof Skip)) throw err;
    if (err.refused) ctx.sink.error(e, `${block}: ${err.message}`);
    else ctx.sink.lenient(e, `${block}: ${err.message} - skipping the route, as keepalived does`);
    return null;
  }
  const family = d.family ?? 'inet';
  const destination = d.destination ?? { address: family === 'inet' ? '0.0.0.0' : '::', prefixLength: 0 };
  if (!d.noTrack && d.protocol !== null && d.protocol !== RTPROT_KEEPALIVED) {
    ctx.sink.warning(e, `${block}: a tracked route always has protocol keepalived (${RTPROT_KEEPALIVED}); add no_track to keep protocol ${d.protocol}`);
  }
  return {
    family,
    type: d.type,
    destination,
    from: d.from,
    src: d.src,
    via: d.via,
    dev: d.dev,
    table: d.table,
    metric: d.metric,
    scope: d.scope,
    protocol: d.noTrack && d.protocol !== null ? d.protocol : RTPROT_KEEPALIVED,
    tos: d.tos,
    onlink: d.onlink,
    realms: d.realms,
    expires: d.expires,
    pref: d.pref,
    ttlPropagate: d.ttlPropagate,
    metrics: d.metrics,
    congctl: d.congctl,
    locked: d.locked,
    nexthops: d.nexthops,
    mode: d.mode,
    noTrack: d.noTrack,
    words,
    source: { file: e.file, line: e.line },
  };
}

function setFamily(d: Draft, family: 'inet' | 'inet6', what: string): void {
  if (d.family === null) d.family = family;
  else if (d.family !== family) throw new Skip(`cannot mix IPv4 and IPv6 ${what} in one route`);
}

function parseWords(words: readonly string[], d: Draft, e: Statement, ctx: ParseCtx, block: string): void {
  let i = 0;
  const value = (w: string): string => {
    const v = words[++i];
    if (v === undefined) throw new Skip(`'${w}' needs a value`);
    return v;
  };
  /** `[lock] VALUE`: the value, with the metric remembered in the lock mask when `lock` was written. */
  const lockable = (w: string, name: RouteMetricName | 'congctl'): string => {
    let v = value(w);
    if (v === 'lock') {
      d.locked.push(name);
      v = value(w);
    }
    return v;
  };
  const address = (w: string, text: string): string => {
    const a = parseAddress(text);
    if (!a) throw new Skip(`invalid ${w} address '${text}'`);
    setFamily(d, a.family, 'addresses');
    return a.address;
  };
  for (; i < words.length; i++) {
    const w = words[i]!;
    switch (w) {
      case 'inet':
      case 'inet6':
        setFamily(d, w, 'keywords');
        continue;
      case 'src':
        d.src = address('src', value(w));
        continue;
      case 'via':
      case 'gw': {
        if (w === 'gw') ctx.sink.warning(e, `${block}: "gw" for routes is deprecated. Please use "via"`);
        let v = value(w);
        if (v === 'inet' || v === 'inet6') {
          setFamily(d, v, 'addresses');
          v = value(w);
        }
        d.via = address('via', v);
        continue;
      }
      case 'from': {
        const p = routePrefix(value(w));
        if (!p || !p.prefix || p.family !== 'inet6') throw new Skip(`route 'from' is only supported with an IPv6 prefix ('${words[i]}')`);
        setFamily(d, 'inet6', 'addresses');
        d.from = p.prefix;
        continue;
      }
      case 'tos':
      case 'dsfield': {
        const v = ctx.iproute2.lookup('rt_dsfield', value(w));
        if (v === null) throw new Skip(`TOS value '${words[i]}' is invalid`);
        d.tos = v;
        continue;
      }
      case 'table': {
        const v = ctx.iproute2.lookup('rt_tables', value(w));
        if (v === null) throw new Skip(`routing table '${words[i]}' not found (not a number, not in /etc/iproute2/rt_tables)`);
        d.table = v;
        continue;
      }
      case 'protocol': {
        const v = ctx.iproute2.lookup('rt_protos', value(w));
        if (v === null) throw new Skip(`protocol '${words[i]}' not found or invalid`);
        d.protocol = v;
        continue;
      }
      case 'scope': {
        const v = ctx.iproute2.lookup('rt_scopes', value(w));
        if (v === null) throw new Skip(`scope '${words[i]}' not found or invalid`);
        d.scope = v;
        continue;
      }
      case 'metric':
      case 'priority':
      case 'preference': {
        const v = u32(value(w));
        if (v === null) throw new Skip(`invalid metric '${words[i]}'`);
        d.metric = v;
        continue;
      }
      case 'dev':
      case 'oif':
        d.dev = value(w);
        continue;
      case 'onlink':
        d.onlink = true;
        continue;
      case 'expires': {
        const v = u32(value(w));
        if (v === null) throw new Skip(`invalid expires time '${words[i]}'`);
        if (d.family === 'inet') throw new Skip('expires is only valid for IPv6');
        d.family = 'inet6';
        d.expires = v;
        continue;
      }
      case 'hoplimit': {
        const v = u32(value(w), 255);
        if (v === null) throw new Skip(`invalid hoplimit '${words[i]}'`);
        d.metrics.hoplimit = v;
        continue;
      }
      case 'realms': {
        const v = realmsValue(value(w), ctx);
        if (v === null) throw new Skip(`invalid realms '${words[i]}'`);
        if (d.family === 'inet6') throw new Skip('realms are only valid for IPv4');
        d.family = 'inet';
        d.realms = v;
        continue;
      }
      case 'features': {
        const v = value(w);
        if (v === 'ecn') d.metrics.features = (d.metrics.features ?? 0) | RTAX_FEATURE_ECN;
        else ctx.sink.warning(e, `${block}: feature '${v}' not supported (only ecn), ignored as keepalived does`);
        continue;
      }
      case 'quickack':
      case 'fastopen_no_cookie': {
        const v = u32(value(w), 1);
        if (v === null) throw new Skip(`invalid ${w} value '${words[i]}' (0 or 1)`);
        d.metrics[w] = v;
        continue;
      }
      case 'congctl':
        d.congctl = lockable(w, 'congctl');
        continue;
      case 'pref': {
        const v = value(w);
        const n = ICMPV6_ROUTER_PREF[v] ?? u32(v, 255);
        if (n === null) throw new Skip(`invalid pref value '${v}'`);
        if (d.family === 'inet') throw new Skip('pref is only valid for IPv6');
        d.family = 'inet6';
        d.pref = n;
        continue;
      }
      case 'ttl-propagate': {
        const v = value(w);
        if (v === 'enabled') d.ttlPropagate = true;
        else if (v === 'disabled') d.ttlPropagate = false;
        else ctx.sink.warning(e, `${block}: ttl-propagate value '${v}' not recognised (enabled|disabled), ignored`);
        continue;
      }
      case 'add':
      case 'prepend':
      case 'append':
        d.mode = w;
        continue;
      case 'or': {
        ctx.sink.warning(e, `${block}: "or" for routes is deprecated. Please use "nexthop"`);
        const alt = address('or', value(w));
        if (d.nexthops.length > 0) {
          ctx.sink.warning(e, `${block}: "or" route already specified - ignoring subsequent`);
          continue;
        }
        // keepalived turns `via A or B` into a two-way multipath route (vrrp_iproute.c alloc_route "or").
        d.nexthops.push({ via: d.via, dev: null, weight: null, onlink: false, realms: null }, { via: alt, dev: null, weight: null, onlink: false, realms: null });
        d.via = null;
        continue;
      }
      case 'nexthop':
        if (d.nexthops.length > 0) throw new Skip('cannot specify nexthops with an "or" route');
        d.nexthops = parseNexthops(words, i, ctx, (f) => setFamily(d, f, 'next hops'), () => d.family);
        return;
      case 'no_track':
        d.noTrack = true;
        continue;
      case 'track_group':
        value(w);
        ctx.sink.warning(e, `${block}: 'track_group' is accepted and ignored (static track groups are not implemented by vipd)`);
        continue;
      case 'encap':
        throw new Skip("'encap' (lightweight tunnel encapsulation) is not supported by vipd", true);
      case 'as':
        throw new Skip("'as [to]' (MPLS destination rewrite) is not supported by vipd", true);
      case 'vrf':
        throw new Skip("'vrf' is not supported by vipd; give the VRF's table with 'table'", true);
      default:
        break;
    }
    if (U32_METRICS[w]) {
      const name = U32_METRICS[w]!;
      const v = u32(lockable(w, name));
      if (v === null) throw new Skip(`invalid ${w} '${words[i]}'`);
      d.metrics[name] = v;
      continue;
    }
    if (PLAIN_METRICS[w]) {
      const v = u32(value(w));
      if (v === null) throw new Skip(`invalid ${w} value '${words[i]}'`);
      d.metrics[PLAIN_METRICS[w]!] = v;
      continue;
    }
    if (TIME_METRICS[w]) {
      const { name, perMs } = TIME_METRICS[w]!;
      const v = rttValue(lockable(w, name), perMs);
      if (v === null) throw new Skip(`invalid ${w} '${words[i]}'`);
      d.metrics[name] = v;
      continue;
    }
    // Otherwise: [to] [TYPE] DESTINATION (keepalived's final else-branch).
    let word = w;
    if (word === 'to') word = value(w);
    if (IMPOSSIBLE_TYPES.has(word)) throw new Skip(`'${word}' routes cannot be installed: Linux removed them (the kernel answers EINVAL)`, true);
    const typeNumber = parseCNumber(word);
    const type = ROUTE_TYPES[word] ?? (typeNumber !== null && typeNumber <= 255 ? ROUTE_TYPE_NUMBERS[typeNumber] : undefined);
    if (type === null) throw new Skip(`route type ${word} is not one Linux installs`, true);
    if (type !== undefined) {
      d.type = type;
      word = value(word);
    }
    const p = routePrefix(word);
    if (!p) throw new Skip(`unknown route keyword or invalid destination '${word}'`);
    if (p.family) setFamily(d, p.family, 'addresses');
    if (p.prefix && hostBitsSet(p.prefix)) throw new Skip(`destination ${word} has host bits set (the kernel refuses it)`);
    d.destination = p.prefix;
    d.hasDestination = true;
  }
}
