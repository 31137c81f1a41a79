// RTM_NEWROUTE / RTM_DELROUTE bodies for keepalived's `virtual_routes` (vrrp_iproute.c netlink_route): a struct
// rtmsg followed by RTA_* attributes. Pure.
import * as C from './constants.js';
import { parseAddress } from '../ip/address.js';
import { attrBytes, attrU32, encodeAttrs, type NlAttr } from './nlattr.js';
import { invalidAddress } from './errors.js';

export interface RouteSpec {
  /** Destination network; prefix 0 = default route. */
  readonly destination: string;
  readonly prefixLen: number;
  readonly gateway?: string;
  readonly ifindex?: number;
  /** Preferred source address (`src`). */
  readonly source?: string;
  /** Routing table number; default main (254). */
  readonly table?: number;
  /** `metric` (RTA_PRIORITY). */
  readonly metric?: number;
}

const RTMSG_LEN = 12;

export function encodeRouteRequest(spec: RouteSpec): Buffer {
  const dst = parseAddress(spec.destination);
  if (!dst) throw invalidAddress(spec.destination, 'IP');
  const family = dst.length === 4 ? C.AF_INET : C.AF_INET6;
  const max = dst.length * 8;
  if (!Number.isInteger(spec.prefixLen) || spec.prefixLen < 0 || spec.prefixLen > max) {
    throw invalidAddress(`${spec.destination}/${spec.prefixLen}`, 'route prefix');
  }
  const table = spec.table ?? C.RT_TABLE_MAIN;
  const h = Buffer.alloc(RTMSG_LEN);
  h[0] = family;
  h[1] = spec.prefixLen; // rtm_dst_len
  h[2] = 0; // rtm_src_len
  h[3] = 0; // rtm_tos
  h[4] = table < 256 ? table : C.RT_TABLE_UNSPEC;
  h[5] = C.RTPROT_KEEPALIVED;
  // A gateway route is universe scope; a directly connected one (dev only) is link scope, as `ip route` does.
  h[6] = spec.gateway ? C.RT_SCOPE_UNIVERSE : C.RT_SCOPE_LINK;
  h[7] = C.RTN_UNICAST;
  // rtm_flags (u32) stay 0.
  const attrs: NlAttr[] = [];
  if (spec.prefixLen > 0) attrs.push(attrBytes(C.RTA_DST, dst));
  if (spec.gateway) {
    const gw = parseAddress(spec.gateway);
    if (!gw || gw.length !== dst.length) throw invalidAddress(spec.gateway, 'gateway of the same family');
    attrs.push(attrBytes(C.RTA_GATEWAY, gw));
  }
  if (spec.ifindex !== undefined) attrs.push(attrU32(C.RTA_OIF, spec.ifindex));
  if (spec.source) {
    const src = parseAddress(spec.source);
    if (!src || src.length !== dst.length) throw invalidAddress(spec.source, 'source of the same family');
    attrs.push(attrBytes(C.RTA_PREFSRC, src));
  }
  if (spec.metric !== undefined) attrs.push(attrU32(C.RTA_PRIORITY, spec.metric));
  if (table >= 256) attrs.push(attrU32(C.RTA_TABLE, table));
  return Buffer.concat([h, encodeAttrs(attrs)]);
}
