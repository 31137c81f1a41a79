// HTTP_GET and SSL_GET (lvs.md §3.3, keepalived check/check_http.c, check_ssl.c): each url in turn over its own
// connection; the check passes when every url passes. The request is byte for byte keepalived's and the body
// streams through MD5 and the regex (httpExchange.ts). HTTP_GET runs on a raw probe socket (httpRaw.ts), SSL_GET
// on node:tls (httpTls.ts). connect_timeout bounds every step (connect, handshake, each read), as keepalived
// re-arms its thread timeout per I/O.
import type { CheckerConfig } from '../../config/lvsTypes.js';
import { Attempts, fail, pass, type AttemptControl, type AttemptSpec, type Verdict } from './attempt.js';
import { errorVerdict, hostPort } from './errno.js';
import { buildRequest, hostHeader } from './httpExchange.js';
import { fetchRaw, type PreparedUrl } from './httpRaw.js';
import { fetchTls } from './httpTls.js';
import { ProbeTarget, pollStreams } from './probeStream.js';
import type { Probe, ProbeDeps } from './types.js';

type HttpCheckConfig = Extract<CheckerConfig, { type: 'HTTP_GET' | 'SSL_GET' }>;

const PASS = pass();

export function httpProbe(cfg: HttpCheckConfig, deps: ProbeDeps): Probe {
  const attempts = new Attempts(deps.clock);
  const target = hostPort(cfg.connectIp, cfg.connectPort);
  const scheme = cfg.type === 'SSL_GET' ? 'https' : 'http';
  const what = `${scheme}://${target}`;
  // Invalid regexes are the config's to reject; here one only makes the check fail with a clear reason.
  const urls: (PreparedUrl | Verdict)[] = cfg.urls.map((url) => {
    const urlWhat = `GET ${what}${url.path}`;
    let regex: RegExp | null = null;
    try {
      if (url.regex !== null) regex = new RegExp(url.regex);
    } catch (err) {
      return fail('local', `${urlWhat}: invalid regex (${(err as Error).message})`);
    }
    const host = hostHeader(url.virtualhost ?? cfg.virtualhost, cfg.connectIp, cfg.connectPort);
    return { url, regex, what: urlWhat, request: Buffer.from(buildRequest(url.path, cfg.httpProtocol, host), 'latin1') };
  });
  const probeTarget = new ProbeTarget(cfg);
  const fetchOne =
    cfg.type === 'SSL_GET'
      ? (u: PreparedUrl, ctl: AttemptControl, done: (v: Verdict) => void) => fetchTls(cfg, deps, u, ctl, done)
      : (u: PreparedUrl, ctl: AttemptControl, done: (v: Verdict) => void) => fetchRaw(probeTarget, u, ctl, done);
  // The url whose step is running, for the timeout's detail (one run at a time per probe).
  let step = what;
  const spec: Omit<AttemptSpec, 'clock'> = {
    what,
    timeoutMs: cfg.connectTimeoutMs,
    onTimeout: () => fail('timeout', `${step}: no answer within ${cfg.connectTimeoutMs} ms`),
    ...(cfg.type === 'HTTP_GET' ? { beforeTimeout: pollStreams } : {}),
    body: (ctl) => {
      if (urls.length === 0) return ctl.finish(fail('local', `${what}: no url configured`));
      let i = 0;
      const next = (v: Verdict): void => {
        if (ctl.settled) return;
        if (!v.ok || i === urls.length) return ctl.finish(v);
        const u = urls[i++]!;
        if (!('request' in u)) return ctl.finish(u);
        step = u.what;
        if (i > 1) ctl.progress();
        try {
          fetchOne(u, ctl, next);
        } catch (err) {
          ctl.finish(errorVerdict(what, err)); // a local error opening the socket (bind, bind_if, fwmark)
        }
      };
      next(PASS);
    },
  };
  return {
    run: () => attempts.run(spec),
    close: () => attempts.close(),
  };
}
