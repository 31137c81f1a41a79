// CtNetlink against a fake addon: poll re-arming after POLLERR, overrun reporting once the queue drained, and
// the ACK-less batched commit (errors only, NOOP barrier, EEXIST → update without NAT).
import assert from 'node:assert/strict';
import { readRecord } from '../../../src/conntrack/record.js';
import { CtNetlink } from '../../../src/conntrack/client.js';
import { parseNlmsgs as splitMessages } from '../../../src/net/netlinkMsg.js';
import { FakeNet } from './fakeNet.js';
import type { ConntrackEntry } from '../../../src/conntrack/types.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
// Minimal IPv4 TCP NEW event (orig tuple only): 10.1.0.10:40000 → 10.1.0.100:80.
const EVENT = hex(`48000000 0001 0006 00000000 00000000 02000000
  3400 0180 1400 0180 0800 0100 0a01000a 0800 0200 0a010064
  1c00 0280 0500 0100 06000000 0600 0200 9c400000 0600 0300 00500000`);

const tuple = (src: string, dst: string, sp: number, dp: number) => ({ src, dst, proto: 6, srcPort: sp, dstPort: dp, icmpId: 0, icmpType: 0, icmpCode: 0 });
const entry = (i: number): ConntrackEntry => ({
  family: 4,
  orig: tuple(`10.9.0.${i}`, '10.1.0.100', 1000 + i, 80),
  reply: tuple('10.2.0.11', `10.9.0.${i}`, 80, 1000 + i),
  status: 0x0e, timeoutS: 300, mark: 0, zone: 0, tcp: { state: 3, wscaleOrig: 7, wscaleReply: 7 },
});

function errorMsg(seq: number, errno: number): Buffer {
  const b = Buffer.alloc(36);
  b.writeUInt32LE(36, 0);
  b.writeUInt16LE(2, 4); // NLMSG_ERROR
  b.writeUInt32LE(seq, 8);
  b.writeInt32LE(-errno, 16);
  return b;
}

describe('conntrack client (fake addon)', () => {
  it('re-arms the event poll after POLLERR and reports the overrun once the queue drained', () => {
    const fake = new FakeNet();
    const ct = new CtNetlink({ native: fake.api() });
    const events: string[] = [];
    let overruns = 0;
    ct.subscribe({ onRecord: (kind, rec, off) => events.push(`${kind} ${readRecord(rec, off).orig.src}`), onOverrun: () => overruns++ });
    const evFd = 11;
    const [poll] = fake.activePolls(evFd);
    assert.ok(poll);
    fake.push(evFd, 'ENOBUFS', EVENT, null);
    poll.cb(-9); // libuv: UV_EBADF after POLLERR, the handle is stopped
    assert.equal(poll.stopped, true);
    assert.equal(fake.activePolls(evFd).length, 1, 'a fresh poll watches the socket again');
    assert.deepEqual(events, ['new 10.1.0.10']);
    assert.equal(overruns, 1);
    assert.equal(ct.stats.overruns, 1);
    ct.close();
  });

  it('commits in ACK-less batches with a barrier; EEXIST entries are updated without NAT', async () => {
    const fake = new FakeNet();
    const reqFd = 10;
    const ct = new CtNetlink({ native: fake.api(), window: 4 });
    fake.onSend = (fd, buf) => {
      if (fd !== reqFd) return;
      for (const m of splitMessages(buf)) {
        if (m.type === 1) fake.push(reqFd, errorMsg(m.seq, 0)); // NOOP barrier → ACK
        else if (m.type === 0x0100 && m.flags & 0x400 && m.seq % 3 === 0) fake.push(reqFd, errorMsg(m.seq, 17)); // EEXIST
        assert.equal(m.type === 1 || (m.flags & 0x4) === 0, true, 'no per-request ACK');
      }
      setImmediate(() => fake.activePolls(reqFd)[0]?.cb(0));
    };
    const res = await ct.commit([1, 2, 3, 4, 5, 6, 7, 8, 9].map(entry));
    const creates = fake.sent.flatMap((b) => splitMessages(b)).filter((m) => m.type === 0x0100 && m.flags & 0x400);
    const updates = fake.sent.flatMap((b) => splitMessages(b)).filter((m) => m.type === 0x0100 && !(m.flags & 0x400));
    assert.equal(creates.length, 9);
    assert.equal(updates.length, res.updated);
    assert.equal(res.created + res.updated, 9);
    assert.ok(res.updated >= 2, `some creates hit EEXIST (${res.updated})`);
    assert.equal(res.failed, 0);
    for (const u of updates) assert.equal(u.payload.includes(Buffer.from([0x0d, 0x80])), false, 'no CTA_NAT_DST in updates');
    ct.close();
  });
});
