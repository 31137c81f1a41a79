// IPVS reply messages (the netlink payload: genlmsghdr + attributes) → typed entries, pure and total: a message
// that does not decode yields a drop reason (drops.ts) instead of an exception. What the kernel sends is
// ip_vs_ctl.c ip_vs_genl_fill_service / _fill_dest / _fill_daemon / ip_vs_genl_get_cmd; its nests carry no
// NLA_F_NESTED flag (nla_nest_start_noflag), so nests are recognised by attribute number, not by the flag.
import { endianness } from 'node:os';
import { formatIpv4, formatIpv6 } from '../../ip/address.js';
import { decodeAttrsExact, decodeGenl } from '../../net/genlMsg.js';
import { attrMap, readAttrString, readAttrU16, readAttrU16be, readAttrU32, readAttrU8 } from '../../net/nlattr.js';
import {
  AF_INET,
  AF_INET6,
  DAEMON_STATES,
  FORWARD_METHODS,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPVS_CMD,
  IPVS_CMD_ATTR,
  IPVS_DAEMON_ATTR,
  IPVS_DEST_ATTR,
  IPVS_INFO_ATTR,
  IPVS_STATS_ATTR,
  IPVS_SVC_ATTR,
  IP_VS_CONN_F_FWD_MASK,
  IP_VS_SVC_F,
  TUNNEL_TYPES,
  type DaemonState,
  type ForwardMethod,
  type TunnelType,
} from './constants.js';
import type { IpvsDropReason } from './drops.js';
import type { DaemonSpec, IpvsDest, IpvsFamily, IpvsInfo, IpvsProtocol, IpvsService, IpvsStats, IpvsTimeouts } from './types.js';

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: IpvsDropReason; detail: string };

const LITTLE_ENDIAN = endianness() === 'LE';

function drop<T>(reason: IpvsDropReason, detail: string): Decoded<T> {
  return { ok: false, reason, detail };
}

function ok<T>(value: T): Decoded<T> {
  return { ok: true, value };
}

/** The top-level attributes of a reply whose command must be `cmd`. */
function topLevel(payload: Buffer, cmd: number): Decoded<Map<number, Buffer>> {
  const g = decodeGenl(payload);
  if (!g) return drop('short-genl-header', `${payload.length}-byte payload`);
  if (g.cmd !== cmd) return drop('unexpected-command', `command ${g.cmd}, expected ${cmd}`);
  const attrs = decodeAttrsExact(g.attrs);
  if (!attrs) return drop('bad-attributes', 'top-level attributes');
  return ok(attrMap(attrs));
}

function nest(top: Map<number, Buffer>, type: number, what: string): Decoded<Map<number, Buffer>> {
  const v = top.get(type);
  if (!v) return drop('missing-nest', what);
  const attrs = decodeAttrsExact(v);
  if (!attrs) return drop('bad-attributes', what);
  return ok(attrMap(attrs));
}

function family(af: number | undefined): IpvsFamily | null {
  return af === AF_INET ? 'inet' : af === AF_INET6 ? 'inet6' : null;
}

function address(fam: IpvsFamily, v: Buffer | undefined): string | null {
  if (fam === 'inet') return v && v.length >= 4 ? formatIpv4(v) : null;
  return v && v.length >= 16 ? formatIpv6(v) : null;
}

function protocol(p: number | undefined): IpvsProtocol | null {
  return p === IPPROTO_TCP ? 'tcp' : p === IPPROTO_UDP ? 'udp' : p === IPPROTO_SCTP ? 'sctp' : null;
}

function readU64(v: Buffer | undefined): bigint | undefined {
  if (!v || v.length < 8) return undefined;
  return LITTLE_ENDIAN ? v.readBigUInt64LE(0) : v.readBigUInt64BE(0);
}

export const ZERO_STATS: IpvsStats = Object.freeze({
  conns: 0n,
  inPkts: 0n,
  outPkts: 0n,
  inBytes: 0n,
  outBytes: 0n,
  cps: 0n,
  inPps: 0n,
  outPps: 0n,
  inBps: 0n,
  outBps: 0n,
});

/**
 * STATS64 (every counter u64) when present, else STATS (u32 counters, u64 bytes; ip_vs_genl_fill_stats).
 * PAD attributes are skipped by number. A stats nest that does not decode counts as absent: the entry itself
 * is still good, and the counters read 0.
 */
function stats(m: Map<number, Buffer>, statsAttr: number, stats64Attr: number): { stats: IpvsStats; source: 'stats64' | 'stats' | 'none' } {
  const read = (raw: Buffer | undefined, wide: boolean): IpvsStats | null => {
    const attrs = raw ? decodeAttrsExact(raw) : null;
    if (!attrs) return null;
    const s = attrMap(attrs);
    const num = (t: number, u64: boolean): bigint => {
      if (u64) return readU64(s.get(t)) ?? 0n;
      const v = readAttrU32(s.get(t));
      return v === undefined ? 0n : BigInt(v);
    };
    const A = IPVS_STATS_ATTR;
    return {
      conns: num(A.CONNS, wide),
      inPkts: num(A.INPKTS, wide),
      outPkts: num(A.OUTPKTS, wide),
      inBytes: num(A.INBYTES, true),
      outBytes: num(A.OUTBYTES, true),
      cps: num(A.CPS, wide),
      inPps: num(A.INPPS, wide),
      outPps: num(A.OUTPPS, wide),
      inBps: num(A.INBPS, wide),
      outBps: num(A.OUTBPS, wide),
    };
  };
  const s64 = read(m.get(stats64Attr), true);
  if (s64) return { stats: s64, source: 'stats64' };
  const s32 = read(m.get(statsAttr), false);
  if (s32) return { stats: s32, source: 'stats' };
  return { stats: ZERO_STATS, source: 'none' };
}

/** NETMASK as a prefix length: IPv4 mask bytes must be contiguous ones; IPv6 is the length itself (1..128). */
function netmaskBits(fam: IpvsFamily, v: Buffer | undefined): number | null {
  if (!v || v.length < 4) return null;
  if (fam === 'inet6') {
    const bits = readAttrU32(v)!;
    return bits <= 128 ? bits : null;
  }
  const mask = v.readUInt32BE(0);
  let n = 0;
  while (n < 32 && (mask & (0x80000000 >>> n)) !== 0) n++;
  const rebuilt = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  return rebuilt === mask ? n : null;
}

/** One message of a GET_SERVICE dump (or doit reply): cmd NEW_SERVICE with IPVS_CMD_ATTR_SERVICE. */
export function decodeService(payload: Buffer): Decoded<IpvsService> {
  const top = topLevel(payload, IPVS_CMD.NEW_SERVICE);
  if (!top.ok) return top;
  const n = nest(top.value, IPVS_CMD_ATTR.SERVICE, 'IPVS_CMD_ATTR_SERVICE');
  if (!n.ok) return n;
  const m = n.value;
  const S = IPVS_SVC_ATTR;
  const fam = family(readAttrU16(m.get(S.AF)));
  if (!fam) return drop('bad-family', `AF ${readAttrU16(m.get(S.AF)) ?? 'absent'}`);
  const scheduler = readAttrString(m.get(S.SCHED_NAME));
  const flagsRaw = m.get(S.FLAGS);
  const timeoutS = readAttrU32(m.get(S.TIMEOUT));
  if (scheduler === undefined) return drop('missing-field', 'SCHED_NAME');
  if (timeoutS === undefined) return drop('missing-field', 'TIMEOUT');
  if (!flagsRaw || flagsRaw.length < 8) return drop('bad-flags', `${flagsRaw?.length ?? 0}-byte FLAGS`);
  const bits = netmaskBits(fam, m.get(S.NETMASK));
  if (bits === null) return drop('bad-netmask', `NETMASK ${m.get(S.NETMASK)?.toString('hex') ?? 'absent'}`);
  const st = stats(m, S.STATS, S.STATS64);
  const common = {
    family: fam,
    scheduler,
    // ip_vs_genl_fill_service sends svc->flags as they are, HASHED (kernel-internal) included: clear it so the
    // value compares equal to what was programmed.
    flags: readAttrU32(flagsRaw)! & ~IP_VS_SVC_F.HASHED,
    timeoutS,
    netmaskBits: bits,
    stats: st.stats,
    statsSource: st.source,
  };
  const pe = readAttrString(m.get(S.PE_NAME));
  const withPe = pe ? { peName: pe } : {};
  const fwmark = readAttrU32(m.get(S.FWMARK));
  // The kernel sends FWMARK only for fwmark services, and PROTOCOL/ADDR/PORT only for the others.
  if (fwmark !== undefined && fwmark !== 0 && !m.has(S.PROTOCOL)) return ok({ ...common, fwmark, ...withPe });
  const protoNum = readAttrU16(m.get(S.PROTOCOL));
  const port = readAttrU16be(m.get(S.PORT));
  if (protoNum === undefined || port === undefined || !m.has(S.ADDR)) return drop('missing-key', 'no FWMARK and no PROTOCOL + ADDR + PORT');
  const proto = protocol(protoNum);
  if (!proto) return drop('bad-protocol', `protocol ${protoNum}`);
  const addr = address(fam, m.get(S.ADDR));
  if (addr === null) return drop('bad-address', `${m.get(S.ADDR)!.length}-byte ADDR`);
  return ok({ ...common, protocol: proto, address: addr, port, ...withPe });
}

function enumName<K extends string>(table: Record<K, number>, v: number): K | null {
  for (const [k, n] of Object.entries(table) as [K, number][]) if (n === v) return k;
  return null;
}

/** One message of a GET_DEST dump: cmd NEW_DEST with IPVS_CMD_ATTR_DEST. `serviceFamily` applies without ADDR_FAMILY. */
export function decodeDest(payload: Buffer, serviceFamily: IpvsFamily): Decoded<IpvsDest> {
  const top = topLevel(payload, IPVS_CMD.NEW_DEST);
  if (!top.ok) return top;
  const n = nest(top.value, IPVS_CMD_ATTR.DEST, 'IPVS_CMD_ATTR_DEST');
  if (!n.ok) return n;
  const m = n.value;
  const D = IPVS_DEST_ATTR;
  const afRaw = readAttrU16(m.get(D.ADDR_FAMILY));
  const fam = afRaw === undefined ? serviceFamily : family(afRaw);
  if (!fam) return drop('bad-family', `ADDR_FAMILY ${afRaw}`);
  const addr = address(fam, m.get(D.ADDR));
  if (addr === null) return drop('bad-address', `${m.get(D.ADDR)?.length ?? 0}-byte ADDR`);
  const port = readAttrU16be(m.get(D.PORT));
  const fwdRaw = readAttrU32(m.get(D.FWD_METHOD));
  const weight = readAttrU32(m.get(D.WEIGHT));
  const upper = readAttrU32(m.get(D.U_THRESH));
  const lower = readAttrU32(m.get(D.L_THRESH));
  if (port === undefined || fwdRaw === undefined || weight === undefined || upper === undefined || lower === undefined) {
    return drop('missing-field', 'PORT, FWD_METHOD, WEIGHT, U_THRESH or L_THRESH');
  }
  const forward: ForwardMethod | null = enumName(FORWARD_METHODS, fwdRaw & IP_VS_CONN_F_FWD_MASK);
  if (!forward) return drop('bad-enum', `forwarding method ${fwdRaw}`);
  const st = stats(m, D.STATS, D.STATS64);
  const dest: IpvsDest = {
    address: addr,
    port,
    family: fam,
    forward,
    weight: weight | 0, // the kernel stores an int
    upperThreshold: upper,
    lowerThreshold: lower,
    activeConns: readAttrU32(m.get(D.ACTIVE_CONNS)) ?? 0,
    inactiveConns: readAttrU32(m.get(D.INACT_CONNS)) ?? 0,
    persistentConns: readAttrU32(m.get(D.PERSIST_CONNS)) ?? 0,
    stats: st.stats,
    statsSource: st.source,
  };
  const tunType = readAttrU8(m.get(D.TUN_TYPE));
  // Kernels since 5.7 always send TUN_*; only a tunnel dest has a meaningful one.
  if (tunType !== undefined && forward === 'tunnel') {
    const type: TunnelType | null = enumName(TUNNEL_TYPES, tunType);
    if (!type) return drop('bad-enum', `tunnel type ${tunType}`);
    dest.tunnel = { type, port: readAttrU16be(m.get(D.TUN_PORT)) ?? 0, flags: readAttrU16(m.get(D.TUN_FLAGS)) ?? 0 };
  }
  return ok(dest);
}

/** One message of a GET_DAEMON dump: cmd NEW_DAEMON with IPVS_CMD_ATTR_DAEMON. */
export function decodeDaemon(payload: Buffer): Decoded<Required<Pick<DaemonSpec, 'state' | 'ifname' | 'syncId'>> & DaemonSpec> {
  const top = topLevel(payload, IPVS_CMD.NEW_DAEMON);
  if (!top.ok) return top;
  const n = nest(top.value, IPVS_CMD_ATTR.DAEMON, 'IPVS_CMD_ATTR_DAEMON');
  if (!n.ok) return n;
  const m = n.value;
  const A = IPVS_DAEMON_ATTR;
  const stateRaw = readAttrU32(m.get(A.STATE));
  const ifname = readAttrString(m.get(A.MCAST_IFN));
  const syncId = readAttrU32(m.get(A.SYNC_ID));
  if (stateRaw === undefined || ifname === undefined || syncId === undefined) return drop('missing-field', 'STATE, MCAST_IFN or SYNC_ID');
  const state: DaemonState | null = enumName(DAEMON_STATES, stateRaw);
  if (!state) return drop('bad-enum', `daemon state ${stateRaw}`);
  const out: DaemonSpec = { state, ifname, syncId };
  const maxLen = readAttrU16(m.get(A.SYNC_MAXLEN));
  if (maxLen !== undefined) out.maxLen = maxLen;
  const g4 = m.get(A.MCAST_GROUP);
  const g6 = m.get(A.MCAST_GROUP6);
  if (g6 && g6.length >= 16) out.group = formatIpv6(g6);
  else if (g4 && g4.length >= 4) out.group = formatIpv4(g4);
  const port = readAttrU16(m.get(A.MCAST_PORT));
  if (port !== undefined) out.port = port;
  const ttl = readAttrU8(m.get(A.MCAST_TTL));
  if (ttl !== undefined) out.ttl = ttl;
  return ok({ ...out, state, ifname, syncId });
}

/** The GET_INFO reply: cmd SET_INFO with top-level INFO_ATTR_VERSION and CONN_TAB_SIZE. */
export function decodeInfo(payload: Buffer): Decoded<IpvsInfo> {
  const top = topLevel(payload, IPVS_CMD.SET_INFO);
  if (!top.ok) return top;
  const versionCode = readAttrU32(top.value.get(IPVS_INFO_ATTR.VERSION));
  const connTabSize = readAttrU32(top.value.get(IPVS_INFO_ATTR.CONN_TAB_SIZE));
  if (versionCode === undefined || connTabSize === undefined) return drop('missing-field', 'INFO_ATTR_VERSION or CONN_TAB_SIZE');
  const version = `${(versionCode >> 16) & 0xff}.${(versionCode >> 8) & 0xff}.${versionCode & 0xff}`;
  return ok({ versionCode, version, connTabSize });
}

/** The GET_CONFIG reply: cmd SET_CONFIG with top-level TIMEOUT_TCP, TIMEOUT_TCP_FIN, TIMEOUT_UDP (seconds). */
export function decodeTimeouts(payload: Buffer): Decoded<IpvsTimeouts> {
  const top = topLevel(payload, IPVS_CMD.SET_CONFIG);
  if (!top.ok) return top;
  const tcpS = readAttrU32(top.value.get(IPVS_CMD_ATTR.TIMEOUT_TCP));
  const tcpFinS = readAttrU32(top.value.get(IPVS_CMD_ATTR.TIMEOUT_TCP_FIN));
  const udpS = readAttrU32(top.value.get(IPVS_CMD_ATTR.TIMEOUT_UDP));
  if (tcpS === undefined || tcpFinS === undefined || udpS === undefined) return drop('missing-field', 'TIMEOUT_TCP, TIMEOUT_TCP_FIN or TIMEOUT_UDP');
  return ok({ tcpS, tcpFinS, udpS });
}
