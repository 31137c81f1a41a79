// Checker drafts → CheckerConfig with keepalived's defaults and the VS → RS → checker inheritance
// (check_data.c validate_check_config, the checkers_queue loop; check_api.c queue_checker; per-checker defaults
// from lvs.md §3.3: retry 1 / DNS 3 / MISC 0, delay_before_retry HTTP/SSL 3 s / DNS = delay_loop / else 1 s).
import type { DiagnosticSink } from './diagnostics.js';
import type { CheckerCommonDraft, CheckerDraft, RealServerDraft, VirtualServerDraft } from './lvsDrafts.js';
import type { CheckerCommon, CheckerConfig, HttpUrlConfig } from './lvsTypes.js';
import type { TrackFileConfig } from './types.js';
import { parseAddress } from './values.js';

export const CHECKER_DEFAULTS = {
  delayLoopMs: 60000,
  connectTimeoutMs: 5000,
  heloName: 'smtpchecker.keepalived.org', // inc/check_smtp.h SMTP_DEFAULT_HELO
  statusCodes: [[200, 299]] as [number, number][],
  maxReplyLength: 255,
} as const;

/** What a checker inherits from its real server (RS values already defaulted from the VS). */
export interface CheckerContext {
  readonly vs: VirtualServerDraft;
  readonly rs: RealServerDraft;
  /** The port the destination gets after the §1.3 fixups (0 when none). */
  readonly rsPort: number;
  readonly alpha: boolean;
  readonly virtualhost: string | null;
  readonly logAllFailures: boolean;
  readonly trackFiles: ReadonlyMap<string, TrackFileConfig>;
}

function defaultRetry(type: CheckerDraft['type']): number {
  return type === 'DNS_CHECK' ? 3 : type === 'MISC_CHECK' ? 0 : 1;
}

function common(c: CheckerCommonDraft, d: CheckerDraft, x: CheckerContext, sink: DiagnosticSink): CheckerCommon | null {
  const { vs, rs } = x;
  const delayLoopMs = c.delayLoopMs ?? rs.delayLoopMs ?? vs.delayLoopMs ?? CHECKER_DEFAULTS.delayLoopMs;
  const fallbackDbr = d.type === 'HTTP_GET' || d.type === 'SSL_GET' ? 3000 : d.type === 'DNS_CHECK' ? delayLoopMs : 1000;
  const connectIp = c.connectIp ?? rs.address;
  let ok = true;
  if (c.bindTo !== undefined && parseAddress(c.bindTo)?.family !== parseAddress(connectIp)?.family) {
    sink.error(d.source, `${d.type}: bindto ${c.bindTo} does not match the address family of ${connectIp}`);
    ok = false;
  }
  // check_api.c check_conn_opts: a link-local target needs the interface to reach it.
  if (/^fe[89ab]/i.test(connectIp) && c.bindIf === undefined) {
    sink.error(d.source, `${d.type}: checker link local address ${connectIp} requires a bind_if`);
    ok = false;
  }
  if (!ok) return null;
  return {
    source: d.source,
    connectIp,
    connectPort: c.connectPort ?? x.rsPort,
    bindTo: c.bindTo ?? null,
    bindPort: c.bindPort ?? null,
    bindIf: c.bindIf ?? null,
    connectTimeoutMs: c.connectTimeoutMs ?? rs.connectTimeoutMs ?? vs.connectTimeoutMs ?? CHECKER_DEFAULTS.connectTimeoutMs,
    fwmark: c.fwmark ?? null,
    retry: c.retry ?? rs.retry ?? vs.retry ?? defaultRetry(d.type),
    delayBeforeRetryMs: c.delayBeforeRetryMs ?? rs.delayBeforeRetryMs ?? vs.delayBeforeRetryMs ?? fallbackDbr,
    warmupMs: c.warmupMs ?? rs.warmupMs ?? vs.warmupMs ?? delayLoopMs,
    delayLoopMs,
    alpha: c.alpha ?? x.alpha,
    logAllFailures: c.logAllFailures ?? x.logAllFailures,
  };
}

function urls(d: CheckerDraft, checkerHost: string | null): HttpUrlConfig[] {
  return d.urls.map((u) => ({
    path: u.path!,
    digest: u.digest ?? null,
    statusCodes: u.statusCodes.length ? u.statusCodes : CHECKER_DEFAULTS.statusCodes,
    virtualhost: u.virtualhost ?? checkerHost,
    regex: u.regex ?? null,
    regexNoMatch: u.regexNoMatch ?? false,
  }));
}

/** One draft → its checkers (SMTP_CHECK `host { }` blocks fan out into one checker each). Errors are reported. */
export function completeChecker(d: CheckerDraft, x: CheckerContext, sink: DiagnosticSink): CheckerConfig[] {
  if (d.type === 'FILE_CHECK') {
    if (!d.trackFile) {
      sink.error(d.source, 'FILE_CHECK has no track_file');
      return [];
    }
    const tf = x.trackFiles.get(d.trackFile.name);
    if (!tf) {
      sink.error(d.trackFile.source, `FILE_CHECK: track_file ${d.trackFile.name} not found (no track_file ${d.trackFile.name} block)`);
      return [];
    }
    return [
      {
        type: 'FILE_CHECK',
        source: d.source,
        trackFile: tf.name,
        weight: d.fileWeight?.weight ?? tf.weight,
        reverse: d.fileWeight ? d.fileWeight.reverse : tf.weightReverse,
        delayLoopMs: x.rs.delayLoopMs ?? x.vs.delayLoopMs ?? CHECKER_DEFAULTS.delayLoopMs,
      },
    ];
  }
  const base = common(d.common, d, x, sink);
  if (!base) return [];
  switch (d.type) {
    case 'TCP_CHECK':
    case 'PING_CHECK':
      return [{ ...base, type: d.type }];
    case 'HTTP_GET':
    case 'SSL_GET': {
      if (d.urls.length === 0) {
        sink.error(d.source, `${d.type} has no url { path \u2026 } block`);
        return [];
      }
      const virtualhost = d.virtualhost ?? x.virtualhost;
      return [
        {
          ...base,
          type: d.type,
          urls: urls(d, virtualhost),
          httpProtocol: d.httpProtocol ?? '1.0',
          virtualhost,
          fastRecovery: d.fastRecovery ?? false,
          enableSni: d.enableSni ?? false,
          verifyCertificate: d.verifyCertificate ?? false,
        },
      ];
    }
    case 'SMTP_CHECK': {
      const heloName = d.heloName ?? CHECKER_DEFAULTS.heloName;
      const c = d.common;
      // check_smtp.c smtp_check_end_handler: the block's own connection is a checker unless only hosts are given.
      const ownConnection =
        d.hosts.length === 0 ||
        [c.connectIp, c.connectPort, c.bindTo, c.bindPort, c.bindIf, c.fwmark, c.connectTimeoutMs].some((v) => v !== undefined);
      const out: CheckerConfig[] = ownConnection ? [{ ...base, type: 'SMTP_CHECK', heloName }] : [];
      for (const h of d.hosts) {
        const hc = common({ ...c, connectIp: undefined, connectPort: undefined, bindTo: undefined, bindPort: undefined, bindIf: undefined, fwmark: undefined, connectTimeoutMs: undefined, ...h.common }, { ...d, source: h.source }, x, sink);
        if (hc) out.push({ ...hc, type: 'SMTP_CHECK', heloName });
      }
      return out;
    }
    case 'DNS_CHECK':
      return [{ ...base, type: 'DNS_CHECK', queryType: d.queryType ?? 'SOA', name: d.queryName ?? '.' }];
    case 'UDP_CHECK': {
      const min = d.minReplyLength ?? 0;
      const max = d.maxReplyLength ?? CHECKER_DEFAULTS.maxReplyLength;
      if (min > max) {
        sink.error(d.source, `UDP_CHECK: min_reply_length ${min} > max_reply_length ${max}: the check would always fail`);
        return [];
      }
      return [
        {
          ...base,
          type: 'UDP_CHECK',
          payload: d.payload ?? null,
          requireReply: d.requireReply ?? null,
          requireReplyGiven: d.requireReply !== undefined,
          minReplyLength: min,
          maxReplyLength: max,
        },
      ];
    }
    case 'MISC_CHECK': {
      if (d.script === undefined) {
        sink.error(d.source, 'MISC_CHECK: no misc_path given');
        return [];
      }
      return [
        {
          ...base,
          type: 'MISC_CHECK',
          script: { command: d.script, user: d.scriptUser?.user ?? null, group: d.scriptUser?.group ?? null },
          timeoutMs: d.miscTimeoutMs || base.delayLoopMs, // misc_timeout 0 = unset, as keepalived
          dynamic: d.miscDynamic ?? false,
        },
      ];
    }
  }
}
