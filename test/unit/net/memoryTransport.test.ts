import assert from 'node:assert/strict';
import { MemoryLan } from './memoryTransport.js';

describe('net/memoryTransport (in-memory VrrpTransport twin)', () => {
  it('delivers to the other members only, with header-derived meta; cut links drop', () => {
    const lan = new MemoryLan();
    lan.sync = true;
    const a = lan.attach('a');
    const b = lan.attach('b');
    const c = lan.attach('c');
    const got: string[] = [];
    a.onPacket(() => got.push('a'));
    b.onPacket((_p, m) => got.push(`b:${m.src}:${m.hopLimit}`));
    c.onPacket(() => got.push('c'));
    const pkt = Buffer.from('45c0002800070000ff7000000a470001e0000012' + '00'.repeat(20), 'hex');
    c.cut = true;
    a.send(pkt, '224.0.0.18');
    assert.deepEqual(got, ['b:10.71.0.1:255']);
    b.close();
    a.send(pkt, '224.0.0.18');
    assert.deepEqual(got, ['b:10.71.0.1:255']);
    assert.equal(a.sent.length, 2);
  });
});
