import assert from 'node:assert/strict';
import type net from 'node:net';
import { VirtualClock } from '../../../../src/clock/virtualClock.js';
import { createProbe } from '../../../../src/lvs/checkers/factory.js';
import { smtpCheck } from './fixtures.js';
import { failure, listenTcp, outcome } from './harness.js';

/** Scripted SMTP server: greeting, then one answer per client line. */
async function smtpServer(greeting: string, helo: string, lines: string[]): Promise<{ server: net.Server; port: number }> {
  return listenTcp('127.0.0.1', (c) => {
    c.write(greeting);
    let buf = '';
    c.on('data', (d) => {
      buf += String(d);
      for (let nl = buf.indexOf('\r\n'); nl >= 0; nl = buf.indexOf('\r\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        lines.push(line);
        if (line.startsWith('HELO')) c.write(helo);
        else if (line === 'QUIT') c.end('221 bye\r\n');
      }
    });
    c.on('error', () => undefined);
  });
}

describe('lvs/checkers SMTP_CHECK', () => {
  let server: net.Server | null = null;
  afterEach(() => server?.close());

  it('220 → HELO <helo_name> → 250 → QUIT passes (multi-line greeting counts by its last line)', async () => {
    const lines: string[] = [];
    const s = await smtpServer('220-mx.example ESMTP\r\n220 ready\r\n', '250 hello\r\n', lines);
    server = s.server;
    const o = await outcome(createProbe(smtpCheck('127.0.0.1', s.port, 'lb1.example'), { clock: new VirtualClock() }).run());
    assert.equal(o.ok, true);
    assert.deepEqual(lines, ['HELO lb1.example', 'QUIT']);
  });

  it('a greeting other than 220 fails before HELO', async () => {
    const lines: string[] = [];
    const s = await smtpServer('554 no service\r\n', '250 hello\r\n', lines);
    server = s.server;
    const f = failure(await outcome(createProbe(smtpCheck('127.0.0.1', s.port), { clock: new VirtualClock() }).run()));
    assert.equal(f.reason, 'protocol');
    assert.match(f.detail, /greeting "554 no service" is not 220/);
  });

  it('a HELO answer other than 250 fails', async () => {
    const s = await smtpServer('220 ready\r\n', '501 bad helo\r\n', []);
    server = s.server;
    const f = failure(await outcome(createProbe(smtpCheck('127.0.0.1', s.port), { clock: new VirtualClock() }).run()));
    assert.equal(f.reason, 'protocol');
    assert.match(f.detail, /HELO answered "501 bad helo", not 250/);
  });

  it('a server that accepts but never greets times out on the clock', async () => {
    const s = await listenTcp('127.0.0.1', (c) => c.on('error', () => undefined));
    server = s.server;
    const clock = new VirtualClock();
    let connected = false;
    s.server.on('connection', () => (connected = true));
    const p = createProbe(smtpCheck('127.0.0.1', s.port), { clock }).run();
    const { untilIo } = await import('../../ioTurns.js');
    await untilIo('connection', () => connected);
    clock.advance(5000);
    const f = failure(await outcome(p));
    assert.equal(f.reason, 'timeout');
    assert.match(f.detail, /waiting for the greeting/);
  });
});
