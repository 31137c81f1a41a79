// Value readers shared by the LVS keyword tables: forwarding methods, checker scripts, ports, keepalived's
// <TIMER>s and unsigned ranges. Each reports its own file:line error and returns null, like ../values.ts.
import type { Statement } from '../tree.js';
import type { LvsMethod, LvsScript } from '../lvsTypes.js';
import { boolArg, parseIntText, rangedArg, requireArg, splitScript, timerMs, type ParseCtx } from '../values.js';

/** IPVS_WEIGHT_LIMIT (INT_MAX): dest weights are int32 in the kernel (lvs.md §4.3 DEST_ATTR_WEIGHT). */
export const WEIGHT_LIMIT = 2147483647;
export const UINT32_MAX = 4294967295;
/** LVS_MAX_TIMEOUT: 31 days (keepalived inc/libipvs.h). */
export const LVS_MAX_TIMEOUT_S = 86400 * 31;
/** keepalived <TIMER> upper bound for connect_timeout (read_timer(…, 1, UINT_MAX) in µs). */
export const MAX_CONNECT_TIMEOUT_S = 4294;
/** Any other LVS timer: keepalived accepts up to ULONG_MAX µs; a year is more than any sane value. */
export const MAX_TIMER_S = 86400 * 365;

/** An unsigned integer in [min, max] (read_unsigned_strvec). */
export function unsignedArg(s: Statement, ctx: ParseCtx, min: number, max: number, i = 0): number | null {
  // Plain decimal digits only (keepalived's read_unsigned): no sign, no hex, no octal.
  return rangedArg(s, ctx, min, max, i, (text) => (/^\d+$/.test(text) ? Number(text) : null));
}

/** A port as written after an address: absent or all zeros = none (check_data.c alloc_vs/alloc_rs). */
export function optionalPort(s: Statement, ctx: ParseCtx, i: number): number | null | undefined {
  const text = s.args[i]?.text;
  if (text === undefined) return null;
  const n = parseIntText(text);
  if (n === null || n < 0 || n > 65535) {
    ctx.sink.error(s, `${s.keyword}: invalid port '${text}'`);
    return undefined;
  }
  return n === 0 ? null : n;
}

/** A keepalived <TIMER> (decimal seconds) in milliseconds, min exclusive of 0 when `positive`. */
export function lvsTimerMs(s: Statement, ctx: ParseCtx, positive: boolean, maxS = MAX_TIMER_S): number | null {
  const v = timerMs(s, ctx, 0, maxS);
  if (v === null) return null;
  if (positive && v <= 0) {
    ctx.sink.error(s, `${s.keyword}: '${s.args[0]?.text ?? ''}' must be at least 0.001 seconds`);
    return null;
  }
  return v;
}

/** `KEYWORD [bool]`: bare = true. */
export function flagValue(s: Statement, ctx: ParseCtx): boolean | null {
  return boolArg(s, ctx);
}

/**
 * `notify_up|notify_down|quorum_up|quorum_down SCRIPT [user [group]]` (lib/notify.c notify_script_init): the
 * first (quoted) word is the command, the next two words the user and group to run it as.
 */
export function lvsScriptArg(s: Statement, ctx: ParseCtx): LvsScript | null {
  const words = splitScript(s.rest);
  const command = words[0];
  if (command === undefined || command === '') {
    ctx.sink.error(s, `'${s.keyword}' needs a script`);
    return null;
  }
  if (words.length > 3) ctx.sink.error(s, `${s.keyword}: unexpected '${words.slice(3).join(' ')}' (SCRIPT [user [group]]; quote a command with arguments)`);
  return { command, user: words[1] ?? null, group: words[2] ?? null };
}

/**
 * `lvs_method|lb_kind NAT|DR|TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]` (check_parser.c
 * svr_forwarding_handler, with its checks: GUE needs a port and only GUE has one, ipip takes no checksum option,
 * gre no remcsum).
 */
export function methodArg(s: Statement, ctx: ParseCtx): LvsMethod | null {
  const kind = requireArg(s, ctx, 0, 'NAT, DR or TUN');
  if (kind === null) return null;
  if (kind !== 'NAT' && kind !== 'DR' && kind !== 'TUN') {
    ctx.sink.error(s, `${s.keyword}: unknown forwarding method '${kind}' (NAT, DR or TUN)`);
    return null;
  }
  if (kind !== 'TUN') {
    if (s.args.length > 1) ctx.sink.error(s, `${s.keyword}: options after ${kind} are only for TUN`);
    return { kind };
  }
  let tunnel: 'ipip' | 'gue' | 'gre' = 'ipip';
  let tunnelPort = 0;
  let checksum: 'nocsum' | 'csum' | 'remcsum' = 'nocsum';
  for (let i = 1; i < s.args.length; i++) {
    const w = s.args[i]!.text;
    if (w === 'type') {
      const t = s.args[++i]?.text;
      if (t !== 'ipip' && t !== 'gue' && t !== 'gre') {
        ctx.sink.error(s, `${s.keyword}: unknown tunnel type '${t ?? ''}' (ipip, gue or gre)`);
        return null;
      }
      tunnel = t;
    } else if (w === 'port') {
      const p = s.args[++i]?.text;
      const n = p === undefined ? null : parseIntText(p);
      if (n === null || n < 1 || n > 65535) {
        ctx.sink.error(s, `${s.keyword}: invalid gue tunnel port '${p ?? ''}'`);
        return null;
      }
      tunnelPort = n;
    } else if (w === 'nocsum' || w === 'csum' || w === 'remcsum') checksum = w;
    else {
      ctx.sink.error(s, `${s.keyword}: invalid tunnel option '${w}'`);
      return null;
    }
  }
  if ((tunnel === 'gue') !== (tunnelPort !== 0)) {
    ctx.sink.error(s, `${s.keyword}: gue tunnels require a port, and other tunnel types cannot have one`);
    return null;
  }
  if (tunnel === 'ipip' && checksum !== 'nocsum') {
    ctx.sink.error(s, `${s.keyword}: ipip tunnels do not support a checksum option`);
    return null;
  }
  if (tunnel === 'gre' && checksum === 'remcsum') {
    ctx.sink.error(s, `${s.keyword}: gre tunnels do not support remcsum`);
    return null;
  }
  return { kind: 'TUN', tunnel, tunnelPort, checksum };
}

/** The rest of the line as one string (virtualhost, helo_name): the first word, quotes removed. */
export function stringArg(s: Statement, ctx: ParseCtx, what = 'a value'): string | null {
  return requireArg(s, ctx, 0, what);
}
