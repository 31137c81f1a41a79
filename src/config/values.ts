// Typed readers for keyword arguments. Each reports its own error with the statement's file:line and returns
// null, so a bad value never stops the rest of the file from being checked (keepalived reports and goes on).
import type { Iproute2Names } from './iproute2Names.js';
import { canonicalAddress } from '../ip/address.js';
import * as path from 'node:path';
import type { DiagnosticSink } from './diagnostics.js';
import type { Statement } from './tree.js';
import type { AddressFamily, ScriptCommand } from './types.js';

export interface ParseCtx {
  readonly sink: DiagnosticSink;
  /** Folder of the main config file: relative paths (key files, track files) resolve against it. */
  readonly configDir: string;
  /** Routing names (tables, protocols, scopes…) from /etc/iproute2, for routes and rules. */
  readonly iproute2: Iproute2Names;
  /** The preference keepalived gives the next rule written without one: 16384, 16383… per family, in file order. */
  readonly nextRulePreference: (family: 'inet' | 'inet6') => number;
}

export function argText(s: Statement, i = 0): string | undefined {
  return s.args[i]?.text;
}

export function requireArg(s: Statement, ctx: ParseCtx, i = 0, what = 'a value'): string | null {
  const v = argText(s, i);
  if (v === undefined || v === '') {
    ctx.sink.error(s, `'${s.keyword}' needs ${what}`);
    return null;
  }
  return v;
}

/** Integers as keepalived's read_int_strvec accepts them: optional sign, decimal digits only. */
export function parseIntText(text: string): number | null {
  return /^[+-]?\d+$/.test(text) ? Number(text) : null;
}

export function intArg(s: Statement, ctx: ParseCtx, min: number, max: number, i = 0): number | null {
  return rangedArg(s, ctx, min, max, i, parseIntText);
}

/** Argument `i` read by `parse` (null = not a number) and kept within [min, max]; each failure said with file:line. */
export function rangedArg(s: Statement, ctx: ParseCtx, min: number, max: number, i: number, parse: (text: string) => number | null): number | null {
  const text = requireArg(s, ctx, i);
  if (text === null) return null;
  const n = parse(text);
  if (n === null) {
    ctx.sink.error(s, `${s.keyword}: invalid number '${text}'`);
    return null;
  }
  if (n < min || n > max) {
    ctx.sink.error(s, `${s.keyword}: number '${text}' outside range [${min}, ${max}]`);
    return null;
  }
  return n;
}

/** <TIMER>: decimal seconds with µs resolution (man "PARAMETER SYNTAX"); returned in seconds. */
export function timerSeconds(s: Statement, ctx: ParseCtx, minS: number, maxS: number, i = 0): number | null {
  const text = requireArg(s, ctx, i);
  if (text === null) return null;
  if (!/^\d+(\.\d*)?$|^\.\d+$/.test(text)) {
    ctx.sink.error(s, `${s.keyword}: invalid time '${text}' (seconds expected)`);
    return null;
  }
  const v = Number(text);
  if (v < minS || v > maxS) {
    ctx.sink.error(s, `${s.keyword}: time '${text}' outside range [${minS}, ${maxS}] seconds`);
    return null;
  }
  return Math.round(v * 1e6) / 1e6;
}

export function timerMs(s: Statement, ctx: ParseCtx, minS: number, maxS: number, i = 0): number | null {
  const v = timerSeconds(s, ctx, minS, maxS, i);
  return v === null ? null : Math.round(v * 1000);
}

/** Flags: bare keyword = true; else on|off|true|false|yes|no (parser.c check_true_false). */
export function boolArg(s: Statement, ctx: ParseCtx, i = 0): boolean | null {
  const v = argText(s, i);
  if (v === undefined) return true;
  if (v === 'on' || v === 'true' || v === 'yes') return true;
  if (v === 'off' || v === 'false' || v === 'no') return false;
  ctx.sink.error(s, `${s.keyword}: invalid boolean '${v}' (expected on|off|true|false|yes|no)`);
  return null;
}

export interface ParsedAddress {
  readonly address: string;
  readonly family: AddressFamily;
}

/** Canonical text of an IPv4/IPv6 literal (inet_pton rules), or null. */
export function parseAddress(text: string): ParsedAddress | null {
  const address = canonicalAddress(text);
  if (address === null) return null;
  return { address, family: address.includes(':') ? 'inet6' : 'inet' };
}

/** `ADDR[/LEN]`; prefix defaults to the host length. */
export function parsePrefix(text: string): (ParsedAddress & { prefixLength: number; hasPrefix: boolean }) | null {
  const slash = text.indexOf('/');
  const a = parseAddress(slash < 0 ? text : text.slice(0, slash));
  if (!a) return null;
  const max = a.family === 'inet' ? 32 : 128;
  if (slash < 0) return { ...a, prefixLength: max, hasPrefix: false };
  const len = parseIntText(text.slice(slash + 1));
  if (len === null || len < 0 || len > max) return null;
  return { ...a, prefixLength: len, hasPrefix: true };
}

export function addressArg(s: Statement, ctx: ParseCtx, i = 0): ParsedAddress | null {
  const text = requireArg(s, ctx, i, 'an address');
  if (text === null) return null;
  const a = parseAddress(text);
  if (!a) ctx.sink.error(s, `${s.keyword}: invalid address '${text}'`);
  return a;
}

export function isMulticast(a: ParsedAddress): boolean {
  if (a.family === 'inet') {
    const first = Number(a.address.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return a.address.toLowerCase().startsWith('ff');
}

/**
 * A path from the config, made absolute: relative ones resolve against the folder of the file the statement is
 * in (keepalived chdir()s into each included file's folder), which is the main config's folder unless the
 * statement came from an include.
 */
export function resolvePath(s: Statement, p: string): string {
  return path.resolve(path.dirname(s.file), p);
}

/**
 * Split a script command the way keepalived does for notify/track scripts (man "Quoted strings"): unquoted
 * blanks separate arguments, single or double quotes keep blanks, C-style escapes are decoded.
 */
export function splitScript(command: string): string[] {
  const out: string[] = [];
  let cur = '';
  let have = false;
  let quote: string | null = null;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < command.length) cur += unescape(command, ++i, (n) => (i = n));
      else cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      have = true;
    } else if (ch === ' ' || ch === '\t') {
      if (have) out.push(cur);
      cur = '';
      have = false;
    } else if (ch === '\\' && i + 1 < command.length) {
      cur += unescape(command, ++i, (n) => (i = n));
      have = true;
    } else {
      cur += ch;
      have = true;
    }
  }
  if (have) out.push(cur);
  return out;
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function unescape(s: string, i: number, setIndex: (n: number) => void): string {
  const ch = s[i]!;
  if (SIMPLE_ESCAPES[ch] !== undefined) return SIMPLE_ESCAPES[ch]!;
  if (ch === 'x') {
    const m = /^[0-9a-fA-F]+/.exec(s.slice(i + 1));
    if (!m) return 'x';
    setIndex(i + m[0].length);
    return String.fromCharCode(parseInt(m[0].slice(-2), 16));
  }
  if (/[0-7]/.test(ch)) {
    const m = /^[0-7]{1,3}/.exec(s.slice(i))!;
    setIndex(i + m[0].length - 1);
    return String.fromCharCode(parseInt(m[0], 8) & 0xff);
  }
  if (ch === 'c' && i + 1 < s.length) {
    setIndex(i + 1);
    return String.fromCharCode(s.charCodeAt(i + 1) & 0x1f);
  }
  return ch;
}

/** The rest of the line as a script command (first word = program). */
export function scriptArg(s: Statement, ctx: ParseCtx): ScriptCommand | null {
  // A command written entirely inside double quotes (`notify_master "/bin/x.sh MASTER VI_1"`, as in
  // keepalived's samples) is one string holding the whole command line: unwrap it, then split.
  const whole = /^"([^"]*)"$/.exec(s.rest);
  const argv = splitScript(whole ? whole[1]! : s.rest);
  if (argv.length === 0 || argv[0] === '') {
    ctx.sink.error(s, `'${s.keyword}' needs a script`);
    return null;
  }
  return { command: argv.join(' '), argv, source: { file: s.file, line: s.line } };
}

/** `weight N [reverse]` pairs used by track_* entries and vrrp_script. */
export function weightAfter(
  s: Statement,
  ctx: ParseCtx,
  startIndex: number,
  min = -254,
  max = 254,
): { weight: number | null; reverse: boolean } {
  let weight: number | null = null;
  let reverse = false;
  for (let i = startIndex; i < s.args.length; i++) {
    const w = s.args[i]!.text;
    if (w === 'weight') {
      const text = s.args[i + 1]?.text;
      const n = text === undefined ? null : parseIntText(text);
      if (n === null || n < min || n > max) {
        ctx.sink.error(s, `${s.keyword}: weight '${text ?? ''}' must be an integer in [${min}, ${max}]`);
      } else weight = n;
      i++;
    } else if (w === 'reverse') reverse = true;
    else ctx.sink.warning(s, `${s.keyword}: ignoring unexpected '${w}'`);
  }
  return { weight, reverse };
}
