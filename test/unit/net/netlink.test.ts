import assert from 'node:assert/strict';
import { VirtualClock } from '../../../src/clock/virtualClock.js';
import { NetlinkSocket } from '../../../src/net/netlink.js';
import { parseNlmsgerr, parseNlmsgs } from '../../../src/net/netlinkMsg.js';
import { FakeNative, sysError } from './fakeNative.js';

// Little-endian nlmsghdr: len(4) type(2) flags(2) seq(4) pid(4).
function hdr(len: number, type: number, flags: number, seq: number, pid = 0): string {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(len, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(flags, 6);
  b.writeUInt32LE(seq, 8);
  b.writeUInt32LE(pid, 12);
  return b.toString('hex');
}
const i32 = (v: number): string => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v, 0);
  return b.toString('hex');
};
/** A capped ACK/error for request seq (NETLINK_CAP_ACK): nlmsgerr{error, request header}. */
function ack(seq: number, error = 0, tlvHex = ''): Buffer {
  const flags = 0x100 | (tlvHex ? 0x200 : 0);
  const len = 16 + 4 + 16 + tlvHex.length / 2;
  return Buffer.from(hdr(len, 2, flags, seq, 4242) + i32(error) + hdr(32, 20, 0x605, seq) + tlvHex, 'hex');
}
function msg(type: number, flags: number, seq: number, bodyHex: string): Buffer {
  const pad = '00'.repeat((4 - ((bodyHex.length / 2) % 4)) % 4); // NLMSG_ALIGN
  return Buffer.from(hdr(16 + bodyHex.length / 2, type, flags, seq) + bodyHex + pad, 'hex');
}

function open(net: FakeNative, groups: number[] = [], clock = new VirtualClock()): NetlinkSocket {
  return new NetlinkSocket(0, { native: net, groups, timeoutMs: 200, clock });
}
function lastSeq(net: FakeNative): number {
  return net.sent[net.sent.length - 1]!.data.readUInt32LE(8);
}
const FD = 10;

describe('net/netlink', () => {
  it('parses several messages from one datagram and stops at a bad length', () => {
    const dgram = Buffer.concat([msg(16, 2, 7, 'aabbccdd'), msg(16, 2, 7, '11'), Buffer.from(hdr(99, 3, 2, 7), 'hex')]);
    const msgs = parseNlmsgs(dgram);
    assert.deepEqual(
      msgs.map((m) => [m.type, m.seq, m.payload.toString('hex')]),
      [
        [16, 7, 'aabbccdd'],
        [16, 7, '11'],
      ],
    );
  });

  it('parses extended-ack error text', () => {
    // NLMSGERR_ATTR_MSG "Address exists" (14 chars + NUL = 15 → nla_len 19, padded to 20)
    const tlv = '1300' + '0100' + Buffer.from('Address exists\0').toString('hex') + '00';
    const e = parseNlmsgerr(parseNlmsgs(ack(5, -17, tlv))[0]!)!;
    assert.equal(e.error, -17);
    assert.equal(e.request!.seq, 5);
    assert.equal(e.extAckMessage, 'Address exists');
  });

  it('sends REQUEST|ACK and resolves on the matching ACK', async () => {
    const net = new FakeNative();
    const s = open(net);
    const p = s.request({ type: 20, flags: 0x600, payload: Buffer.alloc(8) });
    const sent = net.sent[0]!.data;
    assert.equal(sent.readUInt32LE(0), 24);
    assert.equal(sent.readUInt16LE(4), 20);
    assert.equal(sent.readUInt16LE(6), 0x605);
    net.deliver(FD, { data: ack(lastSeq(net) + 1000), addr: Buffer.alloc(12), control: Buffer.alloc(0), flags: 0 }); // someone else's
    net.deliver(FD, { data: ack(lastSeq(net)), addr: Buffer.alloc(12), control: Buffer.alloc(0), flags: 0 });
    assert.deepEqual(await p, []);
    s.close();
  });

  it('collects a multipart dump until NLMSG_DONE, across datagrams', async () => {
    const net = new FakeNative();
    const s = open(net);
    const p = s.request({ type: 18, flags: 0x300, payload: Buffer.alloc(16) });
    const seq = lastSeq(net);
    assert.equal(net.sent[0]!.data.readUInt16LE(6), 0x301, 'REQUEST|DUMP, no ACK');
    const rx = (data: Buffer): void => net.deliver(FD, { data, addr: Buffer.alloc(12), control: Buffer.alloc(0), flags: 0 });
    rx(Buffer.concat([msg(16, 2, seq, '01'), msg(16, 2, seq, '02')]));
    rx(Buffer.concat([msg(16, 2, seq, '03'), msg(3, 2, seq, i32(0))]));
    const got = await p;
    assert.deepEqual(got.map((m) => m.payload.toString('hex')), ['01', '02', '03']);
    s.close();
  });

  it('rejects with errno and extack text; EPERM names CAP_NET_ADMIN', async () => {
    const net = new FakeNative();
    const s = open(net);
    const rx = (data: Buffer): void => net.deliver(FD, { data, addr: Buffer.alloc(12), control: Buffer.alloc(0), flags: 0 });
    const p1 = s.request({ type: 20 });
    rx(ack(lastSeq(net), -17, '1300' + '0100' + Buffer.from('Address exists\0').toString('hex') + '00'));
    await assert.rejects(p1, { code: 'VIPD_ERR_NETLINK', sysCode: 'EEXIST', errno: 17, message: /Address exists/ });
    const p2 = s.request({ type: 20 });
    rx(ack(lastSeq(net), -1));
    await assert.rejects(p2, { code: 'VIPD_ERR_NO_CAP_NET_ADMIN', message: /CAP_NET_ADMIN/ });
    s.close();
  });

  it('batches requests into one datagram and answers each separately', async () => {
    const net = new FakeNative();
    const s = open(net);
    const p = s.requestAll([{ type: 20 }, { type: 20 }, { type: 21 }]);
    assert.equal(net.sent.length, 1, 'one sendmsg');
    const seqs = parseNlmsgs(net.sent[0]!.data).map((m) => m.seq);
    assert.equal(seqs.length, 3);
    net.deliver(FD, {
      data: Buffer.concat([ack(seqs[0]!), ack(seqs[1]!, -17), ack(seqs[2]!, -99)]),
      addr: Buffer.alloc(12),
      control: Buffer.alloc(0),
      flags: 0,
    });
    const r = await p;
    assert.deepEqual(r[0], []);
    assert.equal((r[1] as { sysCode?: string }).sysCode, 'EEXIST');
    assert.equal((r[2] as { sysCode?: string }).sysCode, 'EADDRNOTAVAIL');
    s.close();
  });

  it('routes group notifications to the event handler, even one carrying our seq', async () => {
    const net = new FakeNative();
    const s = open(net, [1]);
    const events: number[] = [];
    s.onEvent((m) => events.push(m.type));
    const p = s.request({ type: 20 });
    const seq = lastSeq(net);
    net.deliver(FD, { data: Buffer.concat([msg(20, 0, seq, '00'), msg(16, 0, 0, '00'), ack(seq)]), addr: Buffer.alloc(12), control: Buffer.alloc(0), flags: 0 });
    assert.deepEqual(await p, []);
    assert.deepEqual(events, [20, 16]);
    s.close();
  });

  it('times out, reports overruns, and fails pending requests on close', async () => {
    const net = new FakeNative();
    const clock = new VirtualClock();
    const s = open(net, [], clock);
    const unanswered = assert.rejects(s.request({ type: 20 }), { code: 'VIPD_ERR_NETLINK_TIMEOUT' });
    clock.advance(200);
    await unanswered;
    const errs: string[] = [];
    s.onError((e) => errs.push(e.code));
    net.deliver(FD, { data: Buffer.alloc(0), addr: Buffer.alloc(12), control: Buffer.alloc(0), flags: 0x20 });
    assert.deepEqual(errs, ['VIPD_ERR_NETLINK_OVERRUN']);
    const p = s.request({ type: 20 });
    s.close();
    await assert.rejects(p, { code: 'VIPD_ERR_CLOSED' });
  });
});

describe('net/netlink batches, streaming dumps and overruns', () => {
  const rx = (net: FakeNative, data: Buffer, flags = 0): void =>
    net.deliver(FD, { data, addr: Buffer.alloc(12), control: Buffer.alloc(0), flags });

  it('sendBatch: requests without NLM_F_ACK, one NOOP|ACK barrier, errors reported per request', async () => {
    const net = new FakeNative();
    const s = open(net);
    const reqs = [0, 1, 2].map(() => msg(0x100, 0x405, 0, '02000000'));
    const p = s.sendBatch(reqs);
    assert.equal(net.sent.length, 1, 'one datagram');
    const sent = parseNlmsgs(net.sent[0]!.data);
    assert.equal(sent.length, 4);
    for (const m of sent.slice(0, 3)) assert.equal(m.flags & 0x4, 0, 'no per-request ACK');
    assert.deepEqual([sent[3]!.type, sent[3]!.flags], [1, 0x5], 'NOOP barrier with REQUEST|ACK');
    assert.deepEqual(sent.map((m) => m.seq - sent[0]!.seq), [0, 1, 2, 3], 'consecutive sequence numbers');
    rx(net, Buffer.concat([ack(sent[1]!.seq, -17), ack(sent[3]!.seq)]));
    assert.deepEqual([...(await p)], [0, 17, 0]);
    s.close();
  });

  it('sendBatch rejects when the barrier fails', async () => {
    const net = new FakeNative();
    const s = open(net);
    const p = s.sendBatch([msg(0x100, 0x405, 0, '02000000')]);
    const sent = parseNlmsgs(net.sent[0]!.data);
    rx(net, ack(sent[1]!.seq, -22));
    await assert.rejects(p, { code: 'VIPD_ERR_NETLINK', sysCode: 'EINVAL' });
    s.close();
  });

  it('requestEach hands dump messages over as they arrive', async () => {
    const net = new FakeNative();
    const s = open(net);
    const seen: string[] = [];
    const p = s.requestEach({ type: 0x101, payload: Buffer.alloc(4) }, (m) => seen.push(m.payload.toString('hex')));
    const seq = lastSeq(net);
    assert.equal(net.sent[0]!.data.readUInt16LE(6), 0x301);
    rx(net, msg(0x100, 2, seq, 'aa'));
    assert.deepEqual(seen, ['aa'], 'before the dump is done');
    rx(net, Buffer.concat([msg(0x100, 2, seq, 'bb'), msg(3, 2, seq, i32(0))]));
    await p;
    assert.deepEqual(seen, ['aa', 'bb']);
    s.close();
  });

  it('reports an event overrun once the queue has drained, after the events still queued; grows the buffer', () => {
    class OverrunNative extends FakeNative {
      steps: Array<Buffer | Error> = [];
      override recvmsg(): import('../../../src/net/native.js').RecvResult | null {
        const st = this.steps.shift();
        if (st instanceof Error) throw st;
        return st ? { data: st, addr: Buffer.alloc(12), control: Buffer.alloc(0), flags: 0 } : null;
      }
    }
    const net = new OverrunNative();
    const s = new NetlinkSocket(12, { clock: new VirtualClock(), native: net, groups: [1], rcvbufBytes: 1 << 20, rcvbufMaxBytes: 4 << 20 });
    const log: string[] = [];
    s.onEvent((m) => log.push(`event ${m.type}`));
    s.onError((e) => log.push(e.code));
    net.steps.push(Object.assign(new Error('ENOBUFS'), { code: 'ENOBUFS', errno: 105 }), msg(0x100, 0, 0, '02000000'));
    net.pollers.get(FD)!(-9);
    assert.deepEqual(log, ['event 256', 'VIPD_ERR_NETLINK_OVERRUN']);
    assert.equal(s.overruns, 1);
    const rcvbufs = net.calls.filter((c) => c.fn === 'setsockopt' && c.args[1] === 1 && c.args[2] === 33).map((c) => c.args[3]);
    assert.deepEqual(rcvbufs, [1 << 20, 2 << 20]);
    assert.ok(net.pollers.get(FD), 'still polling after POLLERR');
    s.leaveGroup(1);
    assert.ok(net.calls.some((c) => c.fn === 'setsockopt' && c.args[1] === 270 && c.args[2] === 2 && c.args[3] === 1), 'DROP_MEMBERSHIP');
    s.close();
  });

  it('closes the socket when polling cannot start', () => {
    const net = new FakeNative();
    net.failOn = { match: (c) => c.fn === 'pollStart', error: sysError('ENOMEM', 12, 'uv_poll_init') };
    assert.throws(() => open(net));
    assert.ok(net.closed.has(FD), 'fd closed');
  });
});
