// Health checker blocks inside real_server (lvs.md §3; keepalived check/check_*.c install_*_keyword): every
// keyword keepalived 2.2.7 installs, written into a CheckerDraft. Defaults and inheritance are applied later
// (../lvsCheckers.ts); BFD_CHECK is refused (vipd runs no BFD process).
import type { CheckerCommonDraft, CheckerDraft, UrlDraft } from '../lvsDrafts.js';
import type { CheckerType } from '../lvsTypes.js';
import { applyTable, table, type KeywordSpec, type KeywordTable } from '../table.js';
import type { Statement } from '../tree.js';
import { addressArg, parseIntText, requireArg, splitScript, type ParseCtx } from '../values.js';
import {
  flagValue,
  lvsTimerMs,
  MAX_CONNECT_TIMEOUT_S,
  stringArg,
  UINT32_MAX,
  unsignedArg,
  WEIGHT_LIMIT,
} from './lvsValues.js';

type C = CheckerDraft;
const at = (s: Statement) => ({ file: s.file, line: s.line });

/** Keywords writing into a CheckerCommonDraft, reachable from a checker or from an SMTP `host { }` block. */
function commonSpecs<D>(get: (d: D) => CheckerCommonDraft, connection: boolean): Record<string, KeywordSpec<D>> {
  const timing: Record<string, KeywordSpec<D>> = {
    retry: { run: (s, d, ctx) => setNum(get(d), 'retry', unsignedArg(s, ctx, 0, UINT32_MAX)) },
    delay_before_retry: { run: (s, d, ctx) => setNum(get(d), 'delayBeforeRetryMs', lvsTimerMs(s, ctx, false)) },
    warmup: { run: (s, d, ctx) => setNum(get(d), 'warmupMs', lvsTimerMs(s, ctx, false)) },
    delay_loop: { run: (s, d, ctx) => setNum(get(d), 'delayLoopMs', lvsTimerMs(s, ctx, true)) },
    alpha: { run: (s, d, ctx) => setBool(get(d), 'alpha', flagValue(s, ctx)) },
    log_all_failures: { run: (s, d, ctx) => setBool(get(d), 'logAllFailures', flagValue(s, ctx)) },
  };
  if (!connection) return timing;
  return {
    ...timing,
    connect_ip: {
      run: (s, d, ctx) => {
        const a = addressArg(s, ctx);
        if (a) get(d).connectIp = a.address;
      },
    },
    connect_port: { run: (s, d, ctx) => setNum(get(d), 'connectPort', unsignedArg(s, ctx, 1, 65535)) },
    bindto: {
      run: (s, d, ctx) => {
        const a = addressArg(s, ctx);
        if (a) get(d).bindTo = a.address;
      },
    },
    bind_port: { run: (s, d, ctx) => setNum(get(d), 'bindPort', unsignedArg(s, ctx, 1, 65535)) },
    bind_if: {
      run: (s, d, ctx) => {
        const v = requireArg(s, ctx, 0, 'an interface name');
        if (v === null) return;
        if (v.length > 15) ctx.sink.error(s, `bind_if: interface name '${v}' is longer than 15 characters`);
        else get(d).bindIf = v;
      },
    },
    connect_timeout: { run: (s, d, ctx) => setNum(get(d), 'connectTimeoutMs', lvsTimerMs(s, ctx, true, MAX_CONNECT_TIMEOUT_S)) },
    fwmark: { run: (s, d, ctx) => setNum(get(d), 'fwmark', unsignedArg(s, ctx, 0, UINT32_MAX)) },
  };
}

function setNum<K extends keyof CheckerCommonDraft>(c: CheckerCommonDraft, key: K, v: number | null): void {
  if (v !== null) (c as Record<K, number>)[key] = v;
}
function setBool<K extends keyof CheckerCommonDraft>(c: CheckerCommonDraft, key: K, v: boolean | null): void {
  if (v !== null) (c as Record<K, boolean>)[key] = v;
}

const common = (connection: boolean) => commonSpecs<C>((d) => d.common, connection);

// ---- HTTP_GET / SSL_GET (check_http.c) ----

const urlKeywords: KeywordTable<UrlDraft> = table<UrlDraft>({
  path: {
    run: (s, d, ctx) => {
      const v = requireArg(s, ctx, 0, 'a path');
      if (v !== null) d.path = v;
    },
  },
  digest: {
    run: (s, d, ctx) => {
      const v = requireArg(s, ctx, 0, 'an MD5 digest (32 hex digits)');
      if (v === null) return;
      if (d.digest !== undefined) ctx.sink.error(s, `digest: '${v}' is a duplicate`);
      else if (!/^[0-9a-fA-F]{32}$/.test(v)) ctx.sink.error(s, `digest: '${v}' must be 32 hexadecimal digits (an MD5)`);
      else d.digest = v.toLowerCase();
    },
  },
  // `status_code N|A-B …` in 100..599 (check_http.c status_code_handler); several lines add up.
  status_code: {
    run: (s, d, ctx) => {
      if (s.args.length === 0) ctx.sink.error(s, `'status_code' needs a code or a range`);
      for (const a of s.args) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(a.text);
        const lo = m ? Number(m[1]) : NaN;
        const hi = m ? Number(m[2] ?? m[1]) : NaN;
        if (!m || lo < 100 || hi > 599 || lo > hi) ctx.sink.error(s, `status_code: invalid HTTP status code '${a.text}' (100-599, or a range A-B)`);
        else d.statusCodes.push([lo, hi]);
      }
    },
  },
  virtualhost: {
    run: (s, d, ctx) => {
      const v = stringArg(s, ctx, 'a host name');
      if (v !== null) d.virtualhost = v;
    },
  },
  regex: {
    run: (s, d, ctx) => {
      const v = requireArg(s, ctx, 0, 'a regular expression');
      if (v === null) return;
      try {
        new RegExp(v);
        d.regex = v;
      } catch (e) {
        ctx.sink.error(s, `regex: invalid regular expression '${v}' (${(e as Error).message})`);
      }
    },
  },
  regex_no_match: { run: (s, d, ctx) => (d.regexNoMatch = flagValue(s, ctx) ?? d.regexNoMatch) },
  ...Object.fromEntries(
    ['regex_options', 'regex_min_offset', 'regex_max_offset', 'regex_stack'].map((k) => [
      k,
      { refused: `${k}: vipd matches regex with JavaScript regular expressions over the whole body; PCRE2 options and offsets are not implemented` },
    ]),
  ),
});

function urlBlock(s: Statement, d: C, ctx: ParseCtx): void {
  const u: UrlDraft = { source: at(s), statusCodes: [] };
  applyTable(s.block ?? [], urlKeywords, u, ctx, `${d.type} url`);
  if (u.regexNoMatch && u.regex === undefined) ctx.sink.error(s, 'url: regex_no_match given without regex');
  if (u.path === undefined) ctx.sink.error(s, `${d.type}: url has no path`);
  else d.urls.push(u);
}

function httpKeywords(ssl: boolean): KeywordTable<C> {
  const out: Record<string, KeywordSpec<C>> = {
    ...common(true),
    // Deprecated spelling of retry (check_http.c http_get_retry_handler), with keepalived's warning.
    nb_get_retry: {
      run: (s, d, ctx) => {
        ctx.sink.warning(s, "nb_get_retry is deprecated - please use 'retry'");
        setNum(d.common, 'retry', unsignedArg(s, ctx, 0, UINT32_MAX));
      },
    },
    virtualhost: {
      run: (s, d, ctx) => {
        const v = stringArg(s, ctx, 'a host name');
        if (v !== null) d.virtualhost = v;
      },
    },
    http_protocol: {
      run: (s, d, ctx) => {
        const v = requireArg(s, ctx, 0, 'a version (1.0, 1.0C or 1.1)');
        if (v === '1.0' || v === '1.1') d.httpProtocol = v;
        else if (v === '1.0C' || v === '1.0c') d.httpProtocol = '1.0C';
        else if (v !== null) ctx.sink.error(s, `http_protocol: invalid version '${v}' (1.0, 1.0C or 1.1)`);
      },
    },
    fast_recovery: { run: (s, d, ctx) => (d.fastRecovery = flagValue(s, ctx) ?? d.fastRecovery) },
    url: { block: 'required', run: urlBlock },
    enable_sni: { run: (s, d, ctx) => (d.enableSni = flagValue(s, ctx) ?? d.enableSni) },
    // vipd extension: keepalived never verifies the server certificate (#804).
    verify_certificate: { run: (s, d, ctx) => (d.verifyCertificate = flagValue(s, ctx) ?? d.verifyCertificate) },
  };
  if (!ssl) {
    out['enable_sni'] = { refused: 'enable_sni applies to SSL_GET only' };
    out['verify_certificate'] = { refused: 'verify_certificate applies to SSL_GET only' };
  }
  return table(out);
}

// ---- SMTP_CHECK (check_smtp.c) ----

const smtpHostKeywords: KeywordTable<CheckerCommonDraft> = table(commonSpecs<CheckerCommonDraft>((d) => d, true));

const smtpKeywords: KeywordTable<C> = table<C>({
  ...common(true),
  helo_name: {
    run: (s, d, ctx) => {
      const v = stringArg(s, ctx, 'a name');
      if (v !== null) d.heloName = v;
    },
  },
  // Deprecated: each `host { }` is one more SMTP checker with its own connection options.
  host: {
    block: 'required',
    run: (s, d, ctx) => {
      const c: CheckerCommonDraft = {};
      applyTable(s.block ?? [], smtpHostKeywords, c, ctx, 'SMTP_CHECK host');
      d.hosts.push({ common: c, source: at(s) });
    },
  },
});

// ---- DNS_CHECK (check_dns.c) ----

const DNS_TYPES = ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA', 'RRSIG', 'DNSKEY'] as const;

const dnsKeywords: KeywordTable<C> = table<C>({
  ...common(true),
  type: {
    run: (s, d, ctx) => {
      const v = requireArg(s, ctx, 0, 'a query type')?.toUpperCase();
      if (v === undefined) return;
      const t = DNS_TYPES.find((x) => x === v);
      if (t) d.queryType = t;
      else ctx.sink.error(s, `type: unknown DNS check type '${s.args[0]!.text}' (${DNS_TYPES.join(' ')})`);
    },
  },
  name: {
    run: (s, d, ctx) => {
      const v = requireArg(s, ctx, 0, 'a domain name');
      if (v === null) return;
      if (d.queryName !== undefined) ctx.sink.error(s, 'DNS_CHECK name already specified');
      else if ((v.startsWith('.') && v !== '.') || v.includes('..')) ctx.sink.error(s, `name: '${v}' has an empty label`);
      else d.queryName = v;
    },
  },
});

// ---- UDP_CHECK (check_udp.c; hex strings as lib/parser.c read_hex_str) ----

/** Hex bytes with optional blanks between them; a lone nibble before a blank is one byte. 'X' with `wildcards`. */
export function readHex(words: readonly string[], wildcards: boolean): string | null {
  let out = '';
  const digit = wildcards ? /[0-9a-fA-FxX]/ : /[0-9a-fA-F]/;
  for (const w of words) {
    for (let i = 0; i < w.length; i += 2) {
      const a = w[i]!;
      const b = w[i + 1];
      if (!digit.test(a) || (b !== undefined && !digit.test(b))) return null;
      out += b === undefined ? `0${a}` : a + b;
    }
  }
  return out === '' ? null : out.toLowerCase().replace(/x/g, 'X');
}

const udpKeywords: KeywordTable<C> = table<C>({
  ...common(true),
  payload: {
    run: (s, d, ctx) => {
      const hex = readHex(s.args.map((a) => a.text), false);
      if (hex === null) ctx.sink.error(s, `payload: invalid hex string '${s.rest}'`);
      else d.payload = Buffer.from(hex, 'hex');
    },
  },
  require_reply: {
    run: (s, d, ctx) => {
      if (s.args.length === 0) {
        d.requireReply = null;
        return;
      }
      const hex = readHex(s.args.map((a) => a.text), true);
      if (hex === null) ctx.sink.error(s, `require_reply: invalid hex string '${s.rest}' (hex digits, X for any nibble)`);
      else d.requireReply = hex;
    },
  },
  min_reply_length: { run: (s, d, ctx) => setChecker(d, 'minReplyLength', unsignedArg(s, ctx, 0, 65535)) },
  max_reply_length: { run: (s, d, ctx) => setChecker(d, 'maxReplyLength', unsignedArg(s, ctx, 0, 65535)) },
});

function setChecker<K extends 'minReplyLength' | 'maxReplyLength' | 'miscTimeoutMs'>(d: C, key: K, v: number | null): void {
  if (v !== null) d[key] = v;
}

// ---- MISC_CHECK (check_misc.c): only the timing half of the common options ----

const miscKeywords: KeywordTable<C> = table<C>({
  ...common(false),
  misc_path: {
    run: (s, d, ctx) => {
      // Only the first (quoted) word is the command line (set_script_params_array reads slot 1).
      const words = splitScript(s.rest);
      if (words.length === 0 || words[0] === '') ctx.sink.error(s, `'misc_path' needs a script`);
      else {
        if (words.length > 1) ctx.sink.error(s, `misc_path: quote a command with arguments ("${words.join(' ')}"); keepalived would run '${words[0]}' alone`);
        d.script = words[0]!;
      }
    },
  },
  misc_timeout: {
    run: (s, d, ctx) => {
      const v = unsignedArg(s, ctx, 0, Math.floor(UINT32_MAX / 1e6));
      if (v !== null) d.miscTimeoutMs = v * 1000;
    },
  },
  misc_dynamic: { run: (s, d, ctx) => (d.miscDynamic = flagValue(s, ctx) ?? d.miscDynamic) },
  user: {
    run: (s, d, ctx) => {
      const user = requireArg(s, ctx, 0, 'a user name');
      if (user !== null) d.scriptUser = { user, group: s.args[1]?.text ?? null };
    },
  },
});

// ---- FILE_CHECK (check_file.c): no common options ----

const fileKeywords: KeywordTable<C> = table<C>({
  track_file: {
    run: (s, d, ctx) => {
      const name = requireArg(s, ctx, 0, 'a track_file name');
      if (name !== null) d.trackFile = { name, source: at(s) };
    },
  },
  weight: {
    run: (s, d, ctx) => {
      const text = requireArg(s, ctx, 0, 'a weight');
      if (text === null) return;
      const n = parseIntText(text);
      if (n === null || Math.abs(n) > WEIGHT_LIMIT) {
        ctx.sink.error(s, `weight: '${text}' must be an integer in [-${WEIGHT_LIMIT}, ${WEIGHT_LIMIT}]`);
        return;
      }
      const flag = s.args[1]?.text;
      if (flag !== undefined && flag !== 'reverse' && flag !== 'noreverse') {
        ctx.sink.error(s, `weight: unknown option '${flag}' (reverse or noreverse)`);
        return;
      }
      d.fileWeight = { weight: n, reverse: flag === 'reverse' };
    },
  },
});

const TABLES: Record<CheckerType, KeywordTable<C>> = {
  TCP_CHECK: table<C>(common(true)),
  HTTP_GET: httpKeywords(false),
  SSL_GET: httpKeywords(true),
  SMTP_CHECK: smtpKeywords,
  DNS_CHECK: dnsKeywords,
  UDP_CHECK: udpKeywords,
  PING_CHECK: table<C>(common(true)),
  MISC_CHECK: miscKeywords,
  FILE_CHECK: fileKeywords,
};

export const CHECKER_TYPES = Object.keys(TABLES) as CheckerType[];

export const BFD_CHECK_REFUSAL = 'BFD_CHECK: vipd runs no BFD process (bfd_instance is refused too); use another checker';

function parseChecker(type: CheckerType, s: Statement, ctx: ParseCtx): CheckerDraft {
  const d: CheckerDraft = { type, source: at(s), common: {}, urls: [], hosts: [] };
  applyTable(s.block ?? [], TABLES[type], d, ctx, type);
  return d;
}

/** The checker keywords of a real_server block, each pushing a draft onto `push(d)`. */
export function checkerSpecs<D>(push: (d: D, c: CheckerDraft) => void): Record<string, KeywordSpec<D>> {
  const out: Record<string, KeywordSpec<D>> = {};
  for (const type of CHECKER_TYPES) out[type] = { block: 'required', run: (s, d, ctx) => push(d, parseChecker(type, s, ctx)) };
  out['BFD_CHECK'] = { refused: BFD_CHECK_REFUSAL, block: 'required' };
  return out;
}

/** Exposed for docs and tests: the keyword names of one checker block. */
export function checkerKeywordNames(type: CheckerType): string[] {
  return [...TABLES[type].keys()];
}
