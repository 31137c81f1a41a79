import assert from 'node:assert/strict';
import type dgram from 'node:dgram';
import { VirtualClock } from '../../../../src/clock/virtualClock.js';
import { createProbe } from '../../../../src/lvs/checkers/factory.js';
import { untilIo } from '../../ioTurns.js';
import { dnsCheck } from './fixtures.js';
import { closedUdpPort, failure, listenUdp, outcome, track } from './harness.js';

/** A reply header: the query's id (or another), flags as given, counts copied; the question echoed. */
function reply(query: Buffer, flags: number, id = query.readUInt16BE(0)): Buffer {
  const r = Buffer.from(query);
  r.writeUInt16BE(id, 0);
  r.writeUInt16BE(flags, 2);
  return r;
}

describe('lvs/checkers DNS_CHECK', () => {
  let sock: dgram.Socket | null = null;
  afterEach(() => {
    sock?.close();
    sock = null;
  });

  async function server(answer: (q: Buffer) => Buffer | null): Promise<{ port: number; queries: Buffer[] }> {
    const queries: Buffer[] = [];
    const s = await listenUdp('udp4', '127.0.0.1', (m, r, sk) => {
      queries.push(m);
      const a = answer(m);
      if (a) sk.send(a, r.port, r.address);
    });
    sock = s.sock;
    return { port: s.port, queries };
  }

  it('sends RD=1, one question (root SOA by default, as bytes) and passes on QR + RCODE 0', async () => {
    const s = await server((q) => reply(q, 0x8180));
    const o = await outcome(createProbe(dnsCheck('127.0.0.1', s.port), { clock: new VirtualClock() }).run());
    assert.equal(o.ok, true);
    const q = s.queries[0]!;
    // RFC 1035 §4.1.1-4.1.2: flags 0x0100 (RD), QDCOUNT 1, AN/NS/AR 0, QNAME root (00), QTYPE SOA (6), QCLASS IN (1).
    assert.equal(q.subarray(2).toString('hex'), '0100' + '0001' + '0000' + '0000' + '0000' + '00' + '0006' + '0001');
  });

  it('encodes a name label by label (example.com A)', async () => {
    const s = await server((q) => reply(q, 0x8180));
    await outcome(createProbe(dnsCheck('127.0.0.1', s.port, 'A', 'example.com'), { clock: new VirtualClock() }).run());
    assert.equal(s.queries[0]!.subarray(12).toString('hex'), '076578616d706c6503636f6d00' + '0001' + '0001');
  });

  it('RCODE other than 0 fails (NXDOMAIN)', async () => {
    const s = await server((q) => reply(q, 0x8183));
    const f = failure(await outcome(createProbe(dnsCheck('127.0.0.1', s.port), { clock: new VirtualClock() }).run()));
    assert.equal(f.reason, 'protocol');
    assert.match(f.detail, /answered NXDOMAIN/);
  });

  for (const [name, make] of [
    ['another id', (q: Buffer) => reply(q, 0x8180, q.readUInt16BE(0) ^ 0xffff)],
    ['QR clear', (q: Buffer) => reply(q, 0x0100)],
    ['a reply shorter than a header', () => Buffer.from('0102', 'hex')],
  ] as const) {
    it(`a reply with ${name} is ignored (as keepalived does) and the check times out`, async () => {
      const s = await server(make);
      const clock = new VirtualClock();
      const p = track(createProbe(dnsCheck('127.0.0.1', s.port), { clock }).run());
      await untilIo('query', () => s.queries.length === 1);
      // Let the bad reply arrive and be read before the deadline.
      for (let i = 0; i < 50; i++) await new Promise<void>((r) => setImmediate(r));
      assert.equal(p.done(), false);
      clock.advance(5000);
      const f = failure(await outcome(p));
      assert.equal(f.reason, 'timeout');
      assert.match(f.detail, /ignored replies/);
    });
  }

  it('ICMP port unreachable is refused', async () => {
    const port = await closedUdpPort();
    const f = failure(await outcome(createProbe(dnsCheck('127.0.0.1', port), { clock: new VirtualClock() }).run()));
    assert.equal(f.reason, 'refused');
    assert.equal(f.detail, `dns 127.0.0.1:${port}: connection refused`);
  });
});
