// `nexthop …` groups at the end of a route line (keepalived vrrp_iproute.c parse_nexthops): each becomes one
// struct rtnexthop of RTA_MULTIPATH.
import type { RouteNextHopConfig } from '../types.js';
import { parseAddress, type ParseCtx } from '../values.js';
import { realmsValue, SkipLine as Skip, u32 } from './routeValues.js';

/** `nexthop via A [dev IF] [weight N] [onlink] [realms R] nexthop …` up to the end of the line. */
export function parseNexthops(
  words: readonly string[],
  start: number,
  ctx: ParseCtx,
  setFamily: (family: 'inet' | 'inet6') => void,
  family: () => 'inet' | 'inet6' | null,
): RouteNextHopConfig[] {
  const out: RouteNextHopConfig[] = [];
  let i = start;
  while (i < words.length && words[i] === 'nexthop') {
    i++;
    const nh: { via: string | null; dev: string | null; weight: number | null; onlink: boolean; realms: number | null } = {
      via: null, dev: null, weight: null, onlink: false, realms: null,
    };
    const value = (w: string): string => {
      const v = words[++i];
      if (v === undefined) throw new Skip(`nexthop '${w}' needs a value`);
      return v;
    };
    let more = true;
    while (more && i < words.length) {
      const w = words[i]!;
      switch (w) {
        case 'via': {
          let v = value(w);
          if (v === 'inet' || v === 'inet6') {
            setFamily(v);
            v = value(w);
          }
          const a = parseAddress(v);
          if (!a) throw new Skip(`invalid nexthop address '${v}'`);
          setFamily(a.family);
          nh.via = a.address;
          break;
        }
        case 'dev':
          nh.dev = value(w);
          break;
        case 'weight': {
          const n = u32(value(w), 256);
          if (n === null || n === 0) throw new Skip(`invalid weight '${words[i]}' (1..256)`);
          nh.weight = n;
          break;
        }
        case 'onlink':
          nh.onlink = true;
          break;
        case 'realms': {
          const r = realmsValue(value(w), ctx);
          if (r === null) throw new Skip(`invalid realms '${words[i]}'`);
          if (family() === 'inet6') throw new Skip('realms are only supported for IPv4');
          setFamily('inet');
          nh.realms = r;
          break;
        }
        case 'encap':
          throw new Skip("nexthop 'encap' (lightweight tunnel encapsulation) is not supported by vipd", true);
        case 'as':
          throw new Skip("'as [to]' (nat) not supported", true);
        default:
          more = false;
          continue;
      }
      i++;
    }
    out.push(nh);
  }
  if (i < words.length) throw new Skip(`route has trailing nonsense after nexthops - ${words[i]}`);
  return out;
}
