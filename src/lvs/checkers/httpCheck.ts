// HTTP_GET and SSL_GET (lvs.md §3.3, keepalived check/check_http.c, check_ssl.c): each url in turn over its own
// connection; the check passes when every url passes. Raw node:net / node:tls sockets so the request is byte for
// byte keepalived's and the body streams through MD5 and the regex. connect_timeout bounds every step (connect,
// handshake, each read), as keepalived re-arms its thread timeout per I/O.
import tls from 'node:tls';
import type net from 'node:net';
import type { CheckerConfig, HttpUrlConfig } from '../../config/lvsTypes.js';
import { Attempts, fail, type AttemptControl, type Verdict } from './attempt.js';
import { errorVerdict, hostPort, isTargetError } from './errno.js';
import { HttpReplyReader, buildRequest, hostHeader } from './httpExchange.js';
import { connectTcp } from './socketSetup.js';
import type { Probe, ProbeDeps } from './types.js';

type HttpCheckConfig = Extract<CheckerConfig, { type: 'HTTP_GET' | 'SSL_GET' }>;

export function httpProbe(cfg: HttpCheckConfig, deps: ProbeDeps): Probe {
  const attempts = new Attempts(deps.clock);
  const target = hostPort(cfg.connectIp, cfg.connectPort);
  const scheme = cfg.type === 'SSL_GET' ? 'https' : 'http';
  // Invalid regexes are the config's to reject; here one only makes the check fail with a clear reason.
  const regexes = cfg.urls.map((u) => {
    try {
      return u.regex !== null ? new RegExp(u.regex) : null;
    } catch (err) {
      return err as Error;
    }
  });
  let stepTimeout = 'connect';
  return {
    run: () =>
      attempts.run({
        what: `${scheme}://${target}`,
        timeoutMs: cfg.connectTimeoutMs,
        onTimeout: () => fail('timeout', `${stepTimeout}: no answer within ${cfg.connectTimeoutMs} ms`),
        body: async (ctl) => {
          if (cfg.urls.length === 0) {
            ctl.finish(fail('local', `${scheme}://${target}: no url configured`));
            return;
          }
          for (let i = 0; i < cfg.urls.length && !ctl.settled; i++) {
            const url = cfg.urls[i]!;
            const re = regexes[i]!;
            const what = `GET ${scheme}://${target}${url.path}`;
            if (re instanceof Error) {
              ctl.finish(fail('local', `${what}: invalid regex (${re.message})`));
              return;
            }
            stepTimeout = what;
            ctl.progress();
            const v = await fetchOne(cfg, deps, url, re, what, ctl);
            if (!v.ok) ctl.finish(v);
          }
          ctl.finish({ ok: true });
        },
      }),
    close: () => attempts.close(),
  };
}

/** One url over one connection; resolves with its verdict (or never, when the run settled meanwhile). */
function fetchOne(cfg: HttpCheckConfig, deps: ProbeDeps, url: HttpUrlConfig, regex: RegExp | null, what: string, ctl: AttemptControl): Promise<Verdict> {
  return new Promise<Verdict>((resolve) => {
    const vhost = url.virtualhost ?? cfg.virtualhost;
    const reader = new HttpReplyReader(url, regex, what);
    const request = buildRequest(url.path, cfg.httpProtocol, hostHeader(vhost, cfg.connectIp, cfg.connectPort));
    let done = false;
    let handshaking = cfg.type === 'SSL_GET';
    const tcp = connectTcp(cfg);
    let stream: net.Socket = tcp;
    const settle = (v: Verdict): void => {
      if (done) return;
      done = true;
      stream.destroy();
      tcp.destroy();
      resolve(v);
    };
    ctl.onSettle(() => settle(fail('local', `${what}: cancelled`)));
    if (cfg.type === 'SSL_GET') {
      const sni = cfg.enableSni && vhost !== null ? vhost : undefined;
      stream = tls.connect({
        socket: tcp,
        ...(sni !== undefined ? { servername: sni } : {}),
        // keepalived never verifies the server (check_ssl.c, #804); vipd does when verify_certificate is set.
        rejectUnauthorized: cfg.verifyCertificate,
        checkServerIdentity: (_host, cert) => tls.checkServerIdentity(vhost ?? cfg.connectIp, cert),
        ...(deps.tls?.ca ? { ca: deps.tls.ca } : {}),
        ...(deps.tls?.cert ? { cert: deps.tls.cert } : {}),
        ...(deps.tls?.key ? { key: deps.tls.key } : {}),
        ...(deps.tls?.passphrase !== undefined ? { passphrase: deps.tls.passphrase } : {}),
      });
      stream.once('secureConnect', () => {
        handshaking = false;
        ctl.progress();
        stream.write(request);
      });
    } else {
      tcp.once('connect', () => {
        ctl.progress();
        tcp.write(request);
      });
    }
    stream.on('data', (chunk: Buffer) => {
      ctl.progress();
      const v = reader.push(chunk);
      if (v) settle(v);
    });
    stream.once('end', () => settle(reader.end()));
    stream.once('close', () => settle(reader.end()));
    const onError = (err: Error): void => {
      if (handshaking && !isTargetError(err)) settle(fail('tls', `${what}: TLS handshake failed (${(err as { code?: string }).code ?? err.message})`));
      else settle(errorVerdict(what, err));
    };
    stream.once('error', onError);
    if (stream !== tcp) tcp.once('error', onError);
  });
}
