// RTM_NEWRULE / RTM_DELRULE bodies for keepalived's `virtual_rules` / `static_rules` (vrrp_iprule.c netlink_rule):
// a struct fib_rule_hdr (linux/fib_rules.h) followed by FRA_* attributes. Pure.
import * as C from './constants.js';
import { parseAddress } from '../ip/address.js';
import { attrBytes, attrMap, attrString, attrU32, attrU8, decodeAttrs, encodeAttrs, readAttrU32, readAttrU8, type NlAttr } from './nlattr.js';
import { invalidAddress } from './errors.js';
import { writeU16Host, writeU32Host } from './sockaddr.js';

// linux/rtnetlink.h
export const RTM_NEWRULE = 32;
export const RTM_DELRULE = 33;

// linux/fib_rules.h
export const FIB_RULE_INVERT = 0x2;
export const FRA_DST = 1;
export const FRA_SRC = 2;
export const FRA_IIFNAME = 3;
export const FRA_GOTO = 4;
export const FRA_PRIORITY = 6;
export const FRA_FWMARK = 10;
export const FRA_FLOW = 11;
export const FRA_TUN_ID = 12;
export const FRA_SUPPRESS_IFGROUP = 13;
export const FRA_SUPPRESS_PREFIXLEN = 14;
export const FRA_TABLE = 15;
export const FRA_FWMASK = 16;
export const FRA_OIFNAME = 17;
export const FRA_L3MDEV = 19;
export const FRA_UID_RANGE = 20;
export const FRA_PROTOCOL = 21;
export const FRA_IP_PROTO = 22;
export const FRA_SPORT_RANGE = 23;
export const FRA_DPORT_RANGE = 24;

/** enum FR_ACT_* by keepalived's action word ('table' = FR_ACT_TO_TBL). */
export const FR_ACT = { table: 1, goto: 2, nop: 3, blackhole: 6, unreachable: 7, prohibit: 8 } as const;
export type RuleActionName = keyof typeof FR_ACT;

export interface RulePrefix {
  readonly address: string;
  readonly prefixLen: number;
}

export interface RuleSpec {
  readonly family: 4 | 6;
  readonly action: RuleActionName;
  readonly from?: RulePrefix;
  readonly to?: RulePrefix;
  readonly not?: boolean;
  /** For action 'table'; ids above 255 go in FRA_TABLE. */
  readonly table?: number;
  readonly l3mdev?: boolean;
  readonly goto?: number;
  readonly priority?: number;
  readonly tos?: number;
  readonly fwmark?: number;
  readonly fwmask?: number;
  readonly realms?: number;
  readonly suppressPrefixLength?: number;
  readonly suppressIfgroup?: number;
  readonly iif?: string;
  readonly oif?: string;
  /** u64, decimal text. */
  readonly tunnelId?: string;
  readonly uidRange?: { readonly start: number; readonly end: number };
  /** FRA_PROTOCOL; default keepalived (18). */
  readonly protocol?: number;
  readonly ipProto?: number;
  readonly sport?: { readonly start: number; readonly end: number };
  readonly dport?: { readonly start: number; readonly end: number };
}

const FIB_RULE_HDR_LEN = 12;

function prefixBytes(p: RulePrefix, len: number): Buffer {
  const b = parseAddress(p.address);
  if (!b || b.length !== len || p.prefixLen < 0 || p.prefixLen > len * 8) throw invalidAddress(`${p.address}/${p.prefixLen}`, 'rule prefix of the rule family');
  return b;
}

function range(type: number, r: { readonly start: number; readonly end: number }, width: 2 | 4): NlAttr {
  const b = Buffer.alloc(width * 2);
  if (width === 2) {
    writeU16Host(b, r.start, 0);
    writeU16Host(b, r.end, 2);
  } else {
    writeU32Host(b, r.start, 0);
    writeU32Host(b, r.end, 4);
  }
  return attrBytes(type, b);
}

/** The same body serves add and delete: the kernel deletes the rule whose every given attribute matches. */
export function encodeRuleRequest(spec: RuleSpec): Buffer {
  const alen = spec.family === 4 ? 4 : 16;
  const h = Buffer.alloc(FIB_RULE_HDR_LEN);
  h[0] = spec.family === 4 ? C.AF_INET : C.AF_INET6;
  h[1] = spec.to?.prefixLen ?? 0; // dst_len
  h[2] = spec.from?.prefixLen ?? 0; // src_len
  h[3] = spec.tos ?? 0;
  const table = spec.action === 'table' && !spec.l3mdev ? (spec.table ?? C.RT_TABLE_MAIN) : C.RT_TABLE_UNSPEC;
  h[4] = table < 256 ? table : C.RT_TABLE_UNSPEC;
  // res1, res2 stay 0
  h[7] = FR_ACT[spec.action];
  writeU32Host(h, spec.not ? FIB_RULE_INVERT : 0, 8);
  const a: NlAttr[] = [];
  if (table >= 256) a.push(attrU32(FRA_TABLE, table));
  if (spec.from) a.push(attrBytes(FRA_SRC, prefixBytes(spec.from, alen)));
  if (spec.to) a.push(attrBytes(FRA_DST, prefixBytes(spec.to, alen)));
  if (spec.priority !== undefined) a.push(attrU32(FRA_PRIORITY, spec.priority));
  if (spec.fwmark !== undefined) a.push(attrU32(FRA_FWMARK, spec.fwmark));
  if (spec.fwmask !== undefined) a.push(attrU32(FRA_FWMASK, spec.fwmask));
  if (spec.realms !== undefined) a.push(attrU32(FRA_FLOW, spec.realms));
  if (spec.suppressPrefixLength !== undefined) a.push(attrU32(FRA_SUPPRESS_PREFIXLEN, spec.suppressPrefixLength));
  if (spec.suppressIfgroup !== undefined) a.push(attrU32(FRA_SUPPRESS_IFGROUP, spec.suppressIfgroup));
  if (spec.iif !== undefined) a.push(attrString(FRA_IIFNAME, spec.iif));
  if (spec.oif !== undefined) a.push(attrString(FRA_OIFNAME, spec.oif));
  if (spec.tunnelId !== undefined) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(spec.tunnelId)); // FRA_TUN_ID is big-endian (keepalived htobe64)
    a.push(attrBytes(FRA_TUN_ID, b));
  }
  if (spec.uidRange) a.push(range(FRA_UID_RANGE, spec.uidRange, 4));
  if (spec.l3mdev) a.push(attrU8(FRA_L3MDEV, 1));
  a.push(attrU8(FRA_PROTOCOL, spec.protocol ?? C.RTPROT_KEEPALIVED));
  if (spec.ipProto !== undefined) a.push(attrU8(FRA_IP_PROTO, spec.ipProto));
  if (spec.sport) a.push(range(FRA_SPORT_RANGE, spec.sport, 2));
  if (spec.dport) a.push(range(FRA_DPORT_RANGE, spec.dport, 2));
  if (spec.action === 'goto') a.push(attrU32(FRA_GOTO, spec.goto ?? 0));
  return Buffer.concat([h, encodeAttrs(a)]);
}

/** What tells one of our rules apart in an RTM_DELRULE: keepalived gives every rule its own preference. */
export interface RuleKey {
  readonly family: 4 | 6;
  readonly priority: number;
  readonly action: number;
  readonly table: number;
  readonly protocol: number;
}

export function ruleKey(spec: RuleSpec): RuleKey {
  return {
    family: spec.family,
    priority: spec.priority ?? 0,
    action: FR_ACT[spec.action],
    table: spec.action === 'table' && !spec.l3mdev ? (spec.table ?? C.RT_TABLE_MAIN) : C.RT_TABLE_UNSPEC,
    protocol: spec.protocol ?? C.RTPROT_KEEPALIVED,
  };
}

/** The key of an RTM_NEWRULE/RTM_DELRULE body; null when it is not IPv4/IPv6 or is malformed. */
export function decodeRuleKey(payload: Buffer): RuleKey | null {
  if (payload.length < FIB_RULE_HDR_LEN) return null;
  const family = payload[0] === C.AF_INET ? 4 : payload[0] === C.AF_INET6 ? 6 : null;
  if (family === null) return null;
  const a = attrMap(decodeAttrs(payload, FIB_RULE_HDR_LEN));
  return {
    family,
    priority: readAttrU32(a.get(FRA_PRIORITY)) ?? 0,
    action: payload[7]!,
    table: readAttrU32(a.get(FRA_TABLE)) ?? payload[4]!,
    protocol: readAttrU8(a.get(FRA_PROTOCOL)) ?? 0,
  };
}
