import assert from 'node:assert/strict';
import type net from 'node:net';
import { VirtualClock } from '../../../../src/clock/virtualClock.js';
import { createProbe } from '../../../../src/lvs/checkers/factory.js';
import { tcpCheck } from './fixtures.js';
import { closedTcpPort, failure, isRoot, listenTcp, outcome } from './harness.js';

describe('lvs/checkers TCP_CHECK', () => {
  let server: net.Server | null = null;
  afterEach(() => server?.close());

  it('succeeds when the connect completes', async () => {
    const s = await listenTcp('127.0.0.1', (c) => c.destroy());
    server = s.server;
    const o = await outcome(createProbe(tcpCheck('127.0.0.1', s.port), { clock: new VirtualClock() }).run());
    assert.equal(o.ok, true);
  });

  it('succeeds over IPv6 (::1)', async () => {
    const s = await listenTcp('::1', (c) => c.destroy());
    server = s.server;
    const o = await outcome(createProbe(tcpCheck('::1', s.port), { clock: new VirtualClock() }).run());
    assert.equal(o.ok, true);
  });

  it('fails with refused, naming target and cause', async () => {
    const port = await closedTcpPort();
    const f = failure(await outcome(createProbe(tcpCheck('127.0.0.1', port), { clock: new VirtualClock() }).run()));
    assert.equal(f.reason, 'refused');
    assert.equal(f.detail, `connect to 127.0.0.1:${port}: connection refused`);
  });

  it('reports a bind to an address we do not have as a local error with the errno', async () => {
    const s = await listenTcp('127.0.0.1', (c) => c.destroy());
    server = s.server;
    // 192.0.2.1 (TEST-NET-1) is on no interface here: bind() fails before any packet is sent.
    const f = failure(await outcome(createProbe(tcpCheck('127.0.0.1', s.port, { bindTo: '192.0.2.1' }), { clock: new VirtualClock() }).run()));
    assert.equal(f.reason, 'local');
    assert.match(f.detail, /EADDRNOTAVAIL/);
  });

  it('binds to bindto/bind_port', async () => {
    let peerPort = 0;
    const s = await listenTcp('127.0.0.1', (c) => {
      peerPort = c.remotePort!;
      c.destroy();
    });
    server = s.server;
    const local = await closedTcpPort();
    const o = await outcome(createProbe(tcpCheck('127.0.0.1', s.port, { bindTo: '127.0.0.1', bindPort: local }), { clock: new VirtualClock() }).run());
    assert.equal(o.ok, true);
    assert.equal(peerPort, local);
  });

  it('bind_if to a missing interface is a local error (ENODEV)', async () => {
    const f = failure(await outcome(createProbe(tcpCheck('127.0.0.1', 1, { bindIf: 'vipdnosuch0' }), { clock: new VirtualClock() }).run()));
    assert.equal(f.reason, 'local');
    assert.match(f.detail, /ENODEV/);
  });

  it('fwmark and bind_if lo: the addon-opened socket connects', async function () {
    if (!isRoot()) {
      console.log('    skipped: SO_MARK needs CAP_NET_ADMIN (not root)');
      this.skip();
    }
    const s = await listenTcp('127.0.0.1', (c) => c.destroy());
    server = s.server;
    const o = await outcome(createProbe(tcpCheck('127.0.0.1', s.port, { fwmark: 7, bindIf: 'lo', bindTo: '127.0.0.1' }), { clock: new VirtualClock() }).run());
    assert.deepEqual(o.ok, true);
  });

  it('close() cancels a run in flight with a local failure; later runs fail at once', async () => {
    const clock = new VirtualClock();
    const probe = createProbe(tcpCheck('127.0.0.1', 1, { bindIf: 'lo' }), { clock });
    const p = probe.run();
    probe.close();
    assert.equal(failure(await outcome(p)).reason, 'local');
    assert.equal(failure(await outcome(probe.run())).reason, 'local');
  });
});
