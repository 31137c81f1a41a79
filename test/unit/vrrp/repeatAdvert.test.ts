// RepeatAdvert recognises the master's advert heard again: only the IPv4 id and header checksum may differ.
// Datagrams are keepalived 2.2.7 captures (test/fixtures/vrrp, test/unit/vrrp/fixtures), never our encoder's.
import assert from 'node:assert/strict';
import { RepeatAdvert } from '../../../src/vrrp/repeatAdvert.js';
import { capture, fixture } from './hex.js';

const VIEW = { name: 'the validation view' };

/** The same datagram as a master sends it next time: another IP id, the header checksum with it. */
function nextSend(d: Buffer, id: number): Buffer {
  const n = Buffer.from(d);
  n.writeUInt16BE(id, 4);
  n.writeUInt16BE(0, 10);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += n.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  n.writeUInt16BE(~sum & 0xffff, 10);
  return n;
}

const all = (b: Buffer): [Buffer, number, number] => [b, 0, b.length];

describe('vrrp/repeatAdvert', () => {
  for (const name of ['v3-mcast', 'v2-pass', 'v2-noauth', 'v3-unicast']) {
    it(`${name}: the next send matches; any other byte changed does not`, () => {
      const first = capture(name);
      const r = new RepeatAdvert();
      r.remember(first, VIEW);
      assert.equal(r.matches(...all(first), VIEW), true, 'the same bytes');
      const again = nextSend(first, 0x4242);
      assert.notDeepEqual(again, first);
      assert.equal(r.matches(...all(again), VIEW), true, 'the next send (IP id + header checksum differ)');
      // Every byte validation reads (TTL, addresses, version, VRID, priority, count, interval, VRRP checksum,
      // the addresses, the auth data) and every other one: one bit off and it is not a repeat.
      for (let i = 0; i < first.length; i++) {
        if (i === 4 || i === 5 || i === 10 || i === 11) continue;
        const changed = Buffer.from(again);
        changed[i]! ^= 0x01;
        assert.equal(r.matches(...all(changed), VIEW), false, `byte ${i} changed`);
      }
    });
  }

  it('the same verdicts four bytes at a time (4-byte aligned, as the socket\'s slots are) and byte by byte (unaligned)', () => {
    // Every offset of the datagram inside one buffer, aligned or not, and a length that is not a multiple of four
    // (a trailing byte the word loop leaves to the byte loop): each byte flipped except id and header checksum.
    const first = Buffer.concat([capture('v2-pass'), Buffer.from([0x5a])]);
    const r = new RepeatAdvert();
    r.remember(first, VIEW);
    const batch = new Uint8Array(new ArrayBuffer(256));
    for (let at = 64; at < 68; at++) {
      batch.fill(0xee);
      batch.set(nextSend(first, 0x1234 + at), at);
      assert.equal(r.matches(batch, at, at + first.length, VIEW), true, `the next send at offset ${at}`);
      for (let i = 0; i < first.length; i++) {
        if (i === 4 || i === 5 || i === 10 || i === 11) continue;
        batch[at + i]! ^= 0x80;
        assert.equal(r.matches(batch, at, at + first.length, VIEW), false, `offset ${at}: byte ${i} changed`);
        batch[at + i]! ^= 0x80;
      }
    }
  });

  it('compares in place inside a larger buffer (the socket reads a batch into one buffer)', () => {
    const first = capture('v3-mcast');
    const r = new RepeatAdvert();
    r.remember(first, VIEW);
    const batch = Buffer.alloc(300, 0xee);
    nextSend(first, 7).copy(batch, 100);
    assert.equal(r.matches(batch, 100, 100 + first.length, VIEW), true);
    assert.equal(r.matches(batch, 100, 100 + first.length + 1, VIEW), false, 'one byte longer (Ethernet padding)');
    assert.equal(r.matches(batch, 99, 99 + first.length, VIEW), false);
  });

  it('another validation view (a reload), a shorter datagram, or a forget(): not a repeat', () => {
    const first = capture('v2-pass');
    const r = new RepeatAdvert();
    r.remember(first, VIEW);
    assert.equal(r.matches(...all(first), { ...VIEW }), false, 'a new view object, even with the same content');
    assert.equal(r.matches(first, 0, first.length - 1, VIEW), false);
    r.forget();
    assert.equal(r.matches(...all(first), VIEW), false);
  });

  it('a second remember replaces the first (a new master, a new priority)', () => {
    const a = capture('v3-mcast');
    const b = capture('v3-mcast-prio0');
    const r = new RepeatAdvert();
    r.remember(a, VIEW);
    r.remember(b, VIEW);
    assert.equal(r.matches(...all(b), VIEW), true);
    assert.equal(r.matches(...all(a), VIEW), false);
  });

  it('never remembers keepalived AH adverts (protocol 51: sequence number and ICV change per advert) or non-IPv4 bytes', () => {
    const r = new RepeatAdvert();
    const ah = fixture('ah-mcast-seq1');
    assert.equal(ah[9], 51);
    r.remember(ah, VIEW);
    assert.equal(r.matches(...all(ah), VIEW), false);
    const v6 = capture('v3-ipv6');
    r.remember(v6, VIEW);
    assert.equal(r.matches(...all(v6), VIEW), false, 'an IPv6 VRRP message has no IPv4 header to compare');
  });
});
