import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type net from 'node:net';
import tls from 'node:tls';
import { VirtualClock } from '../../../../src/clock/virtualClock.js';
import { createProbe } from '../../../../src/lvs/checkers/factory.js';
import { untilIo } from '../../ioTurns.js';
import { httpCheck, url } from './fixtures.js';
import { closedTcpPort, failure, listenTcp, outcome, track } from './harness.js';

/** A server that records each request and answers with the reply for its path, in the given pieces. */
async function httpServer(host: string, replies: Record<string, string[] | null>): Promise<{ server: net.Server; port: number; requests: string[] }> {
  const requests: string[] = [];
  const s = await listenTcp(host, (c) => {
    let req = '';
    c.on('data', (d) => {
      req += d.toString('latin1');
      if (!req.includes('\r\n\r\n')) return;
      requests.push(req);
      const path = req.split(' ')[1]!;
      const parts = replies[path];
      if (parts === null) return; // never answer
      for (const p of parts ?? ['HTTP/1.0 404 Not Found\r\n\r\n']) c.write(p);
      c.end();
    });
    c.on('error', () => undefined);
  });
  return { ...s, requests };
}

const ok = (body: string, status = '200 OK'): string[] => [`HTTP/1.0 ${status}\r\nContent-Type: text/plain\r\n\r\n`, body];
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

describe('lvs/checkers HTTP_GET', () => {
  let server: net.Server | null = null;
  afterEach(() => server?.close());
  const clock = (): VirtualClock => new VirtualClock();

  it('sends keepalived\'s request (1.0, Host ip:port) and passes on 200', async () => {
    const s = await httpServer('127.0.0.1', { '/health': ok('fine') });
    server = s.server;
    const o = await outcome(createProbe(httpCheck('127.0.0.1', s.port, [url('/health')]), { clock: clock() }).run());
    assert.equal(o.ok, true);
    assert.equal(s.requests[0], `GET /health HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:${s.port}\r\n\r\n`);
  });

  it('1.0C sends Connection: close; the url virtualhost wins over the checker one; IPv6 Host in brackets', async () => {
    const s = await httpServer('::1', { '/a': ok('x'), '/b': ok('y') });
    server = s.server;
    const cfg = httpCheck('::1', s.port, [url('/a', { virtualhost: 'url.example' }), url('/b')], { httpProtocol: '1.0C' });
    assert.equal((await outcome(createProbe(cfg, { clock: clock() }).run())).ok, true);
    assert.equal(s.requests[0], 'GET /a HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: url.example\r\n\r\n');
    assert.equal(s.requests[1], `GET /b HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: [::1]:${s.port}\r\n\r\n`);
  });

  it('a status outside status_code fails (default 200-299); a configured range accepts it', async () => {
    const s = await httpServer('127.0.0.1', { '/': ok('down', '503 Service Unavailable') });
    server = s.server;
    const f = failure(await outcome(createProbe(httpCheck('127.0.0.1', s.port, [url('/')]), { clock: clock() }).run()));
    assert.equal(f.reason, 'status');
    assert.equal(f.detail, `GET http://127.0.0.1:${s.port}/: status 503 not in 200-299`);
    const o = await outcome(createProbe(httpCheck('127.0.0.1', s.port, [url('/', { statusCodes: [[200, 200], [500, 503]] })]), { clock: clock() }).run());
    assert.equal(o.ok, true);
  });

  it('digest: MD5 of a body that arrives in pieces must match', async () => {
    const body = 'a'.repeat(5000) + 'b'.repeat(3000);
    const s = await httpServer('127.0.0.1', { '/d': ['HTTP/1.0 200 OK\r\n\r\n' + body.slice(0, 10), body.slice(10, 4500), body.slice(4500)] });
    server = s.server;
    assert.equal((await outcome(createProbe(httpCheck('127.0.0.1', s.port, [url('/d', { digest: md5(body) })]), { clock: clock() }).run())).ok, true);
    const f = failure(await outcome(createProbe(httpCheck('127.0.0.1', s.port, [url('/d', { digest: md5('other') })]), { clock: clock() }).run()));
    assert.equal(f.reason, 'digest');
  });

  it('regex must match; with regex_no_match it must not', async () => {
    const s = await httpServer('127.0.0.1', { '/r': ok('status: GREEN\n') });
    server = s.server;
    const run = async (regex: string, regexNoMatch: boolean) => outcome(createProbe(httpCheck('127.0.0.1', s.port, [url('/r', { regex, regexNoMatch })]), { clock: clock() }).run());
    assert.equal((await run('GREEN', false)).ok, true);
    assert.equal(failure(await run('RED', false)).reason, 'regex');
    assert.equal((await run('RED', true)).ok, true);
    assert.equal(failure(await run('GR+EEN', true)).reason, 'regex');
  });

  it('every url must pass: a failing second url fails the check', async () => {
    const s = await httpServer('127.0.0.1', { '/one': ok('1') });
    server = s.server;
    const f = failure(await outcome(createProbe(httpCheck('127.0.0.1', s.port, [url('/one'), url('/two')]), { clock: clock() }).run()));
    assert.equal(f.reason, 'status');
    assert.match(f.detail, /\/two: status 404/);
  });

  it('a server that never answers times out after connect_timeout on the clock', async () => {
    const s = await httpServer('127.0.0.1', { '/slow': null });
    server = s.server;
    const c = clock();
    const p = track(createProbe(httpCheck('127.0.0.1', s.port, [url('/slow')]), { clock: c }).run());
    await untilIo('request received', () => s.requests.length === 1);
    c.advance(4999);
    assert.equal(p.done(), false);
    c.advance(1);
    const f = failure(await outcome(p));
    assert.equal(f.reason, 'timeout');
    assert.match(f.detail, /\/slow: no answer within 5000 ms/);
  });

  it('a malformed status line is a protocol failure; refused is refused', async () => {
    const s = await httpServer('127.0.0.1', { '/bad': ['SSH-2.0-OpenSSH\r\n\r\n'] });
    server = s.server;
    assert.equal(failure(await outcome(createProbe(httpCheck('127.0.0.1', s.port, [url('/bad')]), { clock: clock() }).run())).reason, 'protocol');
    const port = await closedTcpPort();
    const f = failure(await outcome(createProbe(httpCheck('127.0.0.1', port, [url('/')]), { clock: clock() }).run()));
    assert.equal(f.reason, 'refused');
  });
});

describe('lvs/checkers SSL_GET', function () {
  let dir = '';
  let cert: Buffer;
  let key: Buffer;
  let server: tls.Server | null = null;
  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'vipd-ssl-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=rs.example', '-addext', 'subjectAltName=DNS:rs.example,IP:127.0.0.1',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    } catch {
      console.log('    skipped: openssl is not available to make a test certificate');
      this.skip();
    }
    cert = readFileSync(join(dir, 'cert.pem'));
    key = readFileSync(join(dir, 'key.pem'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => server?.close());

  async function tlsServer(): Promise<{ port: number; requests: string[]; sni: (string | false)[] }> {
    const requests: string[] = [];
    const sni: (string | false)[] = [];
    server = tls.createServer({ cert, key }, (c) => {
      sni.push((c as tls.TLSSocket & { servername: string | false }).servername);
      let req = '';
      c.on('data', (d) => {
        req += String(d);
        if (!req.includes('\r\n\r\n')) return;
        requests.push(req);
        c.end('HTTP/1.0 200 OK\r\n\r\nsecure');
      });
      c.on('error', () => undefined);
    });
    let up = false;
    server.listen(0, '127.0.0.1', () => (up = true));
    await untilIo('tls listen', () => up);
    return { port: (server.address() as net.AddressInfo).port, requests, sni };
  }

  it('passes against a self-signed server without verification (keepalived never verifies)', async () => {
    const s = await tlsServer();
    const o = await outcome(createProbe(httpCheck('127.0.0.1', s.port, [url('/', { digest: md5('secure') })], {}, 'SSL_GET'), { clock: new VirtualClock() }).run());
    assert.equal(o.ok, true);
    assert.equal(s.requests[0], `GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:${s.port}\r\n\r\n`);
    assert.deepEqual(s.sni, [false]);
  });

  it('enable_sni sends the virtualhost as SNI', async () => {
    const s = await tlsServer();
    const o = await outcome(createProbe(httpCheck('127.0.0.1', s.port, [url('/')], { enableSni: true, virtualhost: 'rs.example' }, 'SSL_GET'), { clock: new VirtualClock() }).run());
    assert.equal(o.ok, true);
    assert.deepEqual(s.sni, ['rs.example']);
  });

  it('verify_certificate: fails without the CA, passes with it', async () => {
    const s = await tlsServer();
    const cfg = httpCheck('127.0.0.1', s.port, [url('/')], { verifyCertificate: true, virtualhost: 'rs.example' }, 'SSL_GET');
    const f = failure(await outcome(createProbe(cfg, { clock: new VirtualClock() }).run()));
    assert.equal(f.reason, 'tls');
    const o = await outcome(createProbe(cfg, { clock: new VirtualClock(), tls: { ca: cert } }).run());
    assert.equal(o.ok, true);
  });
});
