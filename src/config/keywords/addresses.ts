// Entries of virtual_ipaddress / virtual_ipaddress_excluded / unicast_peer blocks (routes: routes.ts)
// (man keepalived.conf "virtual_ipaddress", keepalived/vrrp/vrrp_ipaddress.c parse_ipaddress).
import type { Statement } from '../tree.js';
import type { UnicastPeer, VipConfig } from '../types.js';
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
