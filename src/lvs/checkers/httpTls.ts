// SSL_GET's exchange for one url (keepalived check_ssl.c): node:tls over a node:net socket from socketSetup.ts
// (fwmark/bind_if/bindto there), the request written once the handshake is done, the reply streamed through
// HttpReplyReader. connect_timeout bounds every step (connect, handshake, each read) through ctl.progress().
import tls from 'node:tls';
import type net from 'node:net';
import type { CheckerConfig } from '../../config/lvsTypes.js';
import { fail, type AttemptControl, type Verdict } from './attempt.js';
import { errorVerdict, isTargetError } from './errno.js';
import { HttpReplyReader } from './httpExchange.js';
import type { PreparedUrl } from './httpRaw.js';
import { connectTcp } from './socketSetup.js';
import type { ProbeDeps } from './types.js';

type HttpCheckConfig = Extract<CheckerConfig, { type: 'HTTP_GET' | 'SSL_GET' }>;

/** One url over one TLS connection; `done` gets its verdict once (not when the run settled meanwhile). */
export function fetchTls(cfg: HttpCheckConfig, deps: ProbeDeps, u: PreparedUrl, ctl: AttemptControl, done: (v: Verdict) => void): void {
  const what = u.what;
  const vhost = u.url.virtualhost ?? cfg.virtualhost;
  const reader = new HttpReplyReader(u.url, u.regex, what);
  let over = false;
  let handshaking = true;
  const tcp = connectTcp(cfg);
  const sni = cfg.enableSni && vhost !== null ? vhost : undefined;
  const stream: net.Socket = tls.connect({
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
  const settle = (v: Verdict | null): void => {
    if (over) return;
    over = true;
    stream.destroy();
    tcp.destroy();
    if (v) done(v);
  };
  ctl.onSettle(() => settle(null));
  stream.once('secureConnect', () => {
    handshaking = false;
    ctl.progress();
    stream.write(u.request);
  });
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
  tcp.once('error', onError);
}
