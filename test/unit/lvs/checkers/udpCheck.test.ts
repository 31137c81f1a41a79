import assert from 'node:assert/strict';
import type dgram from 'node:dgram';
import { VirtualClock } from '../../../../src/clock/virtualClock.js';
import { createProbe } from '../../../../src/lvs/checkers/factory.js';
import { untilIo } from '../../ioTurns.js';
import { udpCheck } from './fixtures.js';
import { closedUdpPort, failure, listenUdp, outcome, track } from './harness.js';

describe('lvs/checkers UDP_CHECK', () => {
  let sock: dgram.Socket | null = null;
  afterEach(() => {
    sock?.close();
    sock = null;
  });

  async function server(answer: Buffer | null, family: 'udp4' | 'udp6' = 'udp4'): Promise<{ port: number; got: Buffer[] }> {
    const got: Buffer[] = [];
    const s = await listenUdp(family, family === 'udp4' ? '127.0.0.1' : '::1', (m, r, sk) => {
      got.push(m);
      if (answer) sk.send(answer, r.port, r.address);
    });
    sock = s.sock;
    return { port: s.port, got };
  }

  it('no reply and no require_reply: success at the timeout; the payload is sent as configured', async () => {
    const s = await server(null);
    const clock = new VirtualClock();
    const p = track(createProbe(udpCheck('127.0.0.1', s.port, { payload: Buffer.from('ping') }), { clock }).run());
    await untilIo('datagram', () => s.got.length === 1);
    assert.equal(s.got[0]!.toString(), 'ping');
    clock.advance(5000);
    assert.equal((await outcome(p)).ok, true);
  });

  it('no payload: 32 random bytes are sent', async () => {
    const s = await server(Buffer.from('x'), 'udp6');
    assert.equal((await outcome(createProbe(udpCheck('::1', s.port), { clock: new VirtualClock() }).run())).ok, true);
    assert.equal(s.got[0]!.length, 32);
  });

  it('require_reply given and no reply: timeout failure', async () => {
    const s = await server(null);
    const clock = new VirtualClock();
    const p = track(createProbe(udpCheck('127.0.0.1', s.port, { requireReplyGiven: true }), { clock }).run());
    await untilIo('datagram', () => s.got.length === 1);
    clock.advance(5000);
    assert.equal(failure(await outcome(p)).reason, 'timeout');
  });

  it('require_reply with X nibble wildcards matches; a differing nibble fails', async () => {
    const s = await server(Buffer.from('0a1b2c3d', 'hex'));
    const run = async (requireReply: string) =>
      outcome(createProbe(udpCheck('127.0.0.1', s.port, { requireReply, requireReplyGiven: true }), { clock: new VirtualClock() }).run());
    assert.equal((await run('0aX bXX3d'.replace(' ', ''))).ok, true);
    assert.equal((await run('0a1b2c3d')).ok, true);
    const f = failure(await run('0a1b2c3e'));
    assert.equal(f.reason, 'protocol');
    assert.match(f.detail, /byte 3 is 0x3d, pattern wants 0x3e/);
  });

  it('min/max reply length bound the reply', async () => {
    const s = await server(Buffer.from('0102030405', 'hex'));
    const run = async (minReplyLength: number, maxReplyLength: number) =>
      outcome(createProbe(udpCheck('127.0.0.1', s.port, { requireReply: '01', requireReplyGiven: true, minReplyLength, maxReplyLength }), { clock: new VirtualClock() }).run());
    assert.equal((await run(5, 5)).ok, true);
    assert.match(failure(await run(6, 10)).detail, /5 bytes is outside 6..10/);
    assert.equal(failure(await run(0, 4)).reason, 'protocol');
  });

  it('ICMP port unreachable is refused', async () => {
    const port = await closedUdpPort();
    const f = failure(await outcome(createProbe(udpCheck('127.0.0.1', port), { clock: new VirtualClock() }).run()));
    assert.equal(f.reason, 'refused');
  });
});
