// PolledReader on the recording twin of the addon: re-arming after POLLERR (libuv stops a poll handle for good
// when the socket reports an error), the per-readiness cap that keeps a flood from holding the event loop, and
// the batched reads (recvmmsg, recvmmsgInto).
import assert from 'node:assert/strict';
import { VirtualClock } from '../../../src/clock/virtualClock.js';
import { PolledReader } from '../../../src/net/socketBase.js';
import type { RecvResult } from '../../../src/net/native.js';
import { FakeNative, sysError } from './fakeNative.js';

const FD = 10;
const dgram = (n: number): RecvResult => ({ data: Buffer.from([n]), addr: Buffer.alloc(0), control: Buffer.alloc(0), flags: 0 });
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** FakeNative whose recvmsg can also throw queued errors (a pending socket error such as ENOBUFS). */
class ErrNative extends FakeNative {
  readonly steps: Array<RecvResult | Error> = [];
  override recvmsg(): RecvResult | null {
    const s = this.steps.shift();
    if (s instanceof Error) throw s;
    return s ?? null;
  }
}

/** A FakeNative whose recvmmsgInto reads one-byte datagrams from `queue`, counting system calls. */
function queuedNative(): { net: FakeNative; queue: number[]; syscalls: () => number } {
  const net = new FakeNative();
  const queue: number[] = [];
  let syscalls = 0;
  Object.assign(net, {
    recvmmsgInto: (_fd: number, buf: Buffer, slot: number, info: Int32Array) => {
      syscalls++;
      const n = Math.min(queue.length, info.length / 2);
      for (let i = 0; i < n; i++) {
        buf[i * slot] = queue.shift()!;
        info[2 * i] = 1;
        info[2 * i + 1] = 0;
      }
      return n;
    },
  });
  return { net, queue, syscalls: () => syscalls };
}

/** Arms only back-offs and timeouts these tests never reach. */
const clock = new VirtualClock();

describe('net/socketBase PolledReader', () => {
  it('re-arms the poll after POLLERR, reports it, and reads the socket error and the data after it', async () => {
    const net = new ErrNative();
    const got: number[] = [];
    const errors: string[] = [];
    const r = new PolledReader(net, FD, { clock,
      maxLen: 64,
      controlLen: 0,
      onMessage: (m) => got.push(m.data[0]!),
      onError: (e) => errors.push((e as { code: string }).code),
    });
    r.start();
    await tick();
    assert.equal(net.calls.filter((c) => c.fn === 'pollStart').length, 1);
    net.steps.push(sysError('ENOBUFS', 105, 'recvmsg'), dgram(1), dgram(2));
    net.pollers.get(FD)!(-9); // libuv: UV_EBADF after POLLERR; the handle is stopped
    assert.deepEqual(errors, ['EPOLL', 'ENOBUFS']);
    assert.deepEqual(got, [1, 2], 'data queued after the error is read in the same pass');
    assert.equal(net.calls.filter((c) => c.fn === 'pollStop').length, 1, 'the dead handle is closed');
    assert.equal(net.calls.filter((c) => c.fn === 'pollStart').length, 2, 'a fresh poll watches the fd');
    assert.ok(net.pollers.get(FD), 'polling again');
    net.steps.push(dgram(3));
    net.pollers.get(FD)!(0);
    assert.deepEqual(got, [1, 2, 3], 'still receiving after the overrun');
    r.stop();
  });

  it('does not spin on a socket that keeps failing: two errors in a row end the pass', () => {
    const net = new ErrNative();
    const errors: string[] = [];
    const r = new PolledReader(net, FD, { clock, maxLen: 64, controlLen: 0, onMessage: () => undefined, onError: (e) => errors.push((e as { code: string }).code) });
    r.start();
    net.steps.push(sysError('EBADF', 9, 'recvmsg'), sysError('EBADF', 9, 'recvmsg'), sysError('EBADF', 9, 'recvmsg'));
    net.pollers.get(FD)!(0);
    assert.deepEqual(errors, ['EBADF', 'EBADF']);
    r.stop();
  });

  it('reads at most maxPerEvent datagrams per readiness event and continues on the next loop turn', async () => {
    const net = new FakeNative();
    const got: number[] = [];
    let idle = 0;
    const r = new PolledReader(net, FD, { clock,
      maxLen: 64,
      controlLen: 0,
      maxPerEvent: 3,
      onMessage: (m) => got.push(m.data[0]!),
      onError: () => assert.fail('no error expected'),
      onIdle: () => idle++,
    });
    r.start();
    await tick();
    for (let i = 0; i < 10; i++) net.queues.set(FD, [...(net.queues.get(FD) ?? []), dgram(i)]);
    net.pollers.get(FD)!(0);
    assert.deepEqual(got, [0, 1, 2], 'capped: the event loop gets a turn');
    let timerRan = false;
    setImmediate(() => (timerRan = true));
    for (let i = 0; i < 5 && got.length < 10; i++) await tick();
    assert.equal(timerRan, true);
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.ok(idle >= 1, 'onIdle once the queue is empty');
    r.stop();
  });

  it('reads in batches with recvmmsg when the addon has it', async () => {
    const net = new FakeNative();
    const asked: number[] = [];
    const queued = [1, 2, 3, 4, 5].map(dgram);
    Object.assign(net, {
      recvmmsg: (_fd: number, max: number) => {
        asked.push(max);
        return queued.splice(0, max);
      },
    });
    const got: number[] = [];
    const r = new PolledReader(net, FD, { clock, maxLen: 64, controlLen: 0, batch: 2, onMessage: (m) => got.push(m.data[0]!), onError: () => undefined });
    r.start();
    await tick();
    assert.deepEqual(got, [1, 2, 3, 4, 5]);
    assert.deepEqual(asked, [2, 2, 2, 2]);
    r.stop();
  });

  it('reuses one receive buffer with recvmmsgInto (lengths and flags from the info array)', async () => {
    const net = new FakeNative();
    let calls = 0;
    Object.assign(net, {
      recvmmsgInto: (_fd: number, buf: Buffer, slot: number, info: Int32Array) => {
        if (calls++ > 0) return 0;
        buf.write('abc', 0);
        buf.write('de', slot);
        info.set([3, 0, 2, 0x20]);
        return 2;
      },
    });
    const got: Array<[string, number]> = [];
    const r = new PolledReader(net, FD, { clock,
      maxLen: 16,
      controlLen: 0,
      batch: 4,
      reuseBuffer: true,
      onMessage: (m) => got.push([m.data.toString(), m.flags]),
      onError: () => undefined,
    });
    r.start();
    await tick();
    assert.deepEqual(got, [['abc', 0], ['de', 0x20]]);
    r.stop();
  });

  it('stops at a short batch: recvmmsgInto returning fewer than asked means the queue is empty (no EAGAIN call)', async () => {
    const net = new FakeNative();
    const answers = [2, 4, 1, 4, 4, 0];
    const calls: number[] = [];
    Object.assign(net, {
      recvmmsgInto: (_fd: number, buf: Buffer, slot: number, info: Int32Array) => {
        const n = answers.shift() ?? 0;
        calls.push(n);
        for (let i = 0; i < n; i++) {
          buf[i * slot] = calls.length;
          info[2 * i] = 1;
          info[2 * i + 1] = 0;
        }
        return n;
      },
    });
    const got: number[] = [];
    let idle = 0;
    const r = new PolledReader(net, FD, { clock,
      maxLen: 8,
      controlLen: 0,
      batch: 4,
      reuseBuffer: true,
      onData: (buf, start) => got.push(buf[start]!),
      onMessage: () => assert.fail('onData is used'),
      onError: () => undefined,
      onIdle: () => idle++,
    });
    r.start();
    await tick();
    assert.deepEqual(calls, [2], 'one system call for a short batch');
    assert.equal(idle, 1);
    net.pollers.get(FD)!(0);
    assert.deepEqual(calls, [2, 4, 1], 'a full batch reads on, the short one after it ends the pass');
    net.pollers.get(FD)!(0);
    assert.deepEqual(calls, [2, 4, 1, 4, 4, 0], 'full batches until the queue says empty');
    assert.deepEqual(got, [1, 1, 2, 2, 2, 2, 3, 4, 4, 4, 4, 5, 5, 5, 5]);
    assert.equal(idle, 3);
    r.stop();
  });

  it('coalesces under dense traffic: a pass soon after the last pauses the poll and reads again coalesceMs later', async () => {
    const vclock = new VirtualClock(1000);
    const net = new FakeNative();
    const queue: number[] = [];
    let syscalls = 0;
    Object.assign(net, {
      recvmmsgInto: (_fd: number, buf: Buffer, slot: number, info: Int32Array) => {
        syscalls++;
        const n = Math.min(queue.length, info.length / 2);
        for (let i = 0; i < n; i++) {
          buf[i * slot] = queue.shift()!;
          info[2 * i] = 1;
          info[2 * i + 1] = 0;
        }
        return n;
      },
    });
    const got: number[] = [];
    const r = new PolledReader(net, FD, { clock: vclock,
      maxLen: 8, controlLen: 0, batch: 4, reuseBuffer: true, coalesceMs: 2,
      onData: (buf, start) => got.push(buf[start]!),
      onMessage: () => assert.fail('onData is used'),
      onError: () => undefined,
    });
    const pollStops = () => net.calls.filter((c) => c.fn === 'pollStop').length;
    r.start();
    await tick();
    // Sparse: 10 ms apart, each read at once, the poll stays.
    for (const d of [1, 2]) {
      vclock.advance(10);
      queue.push(d);
      net.pollers.get(FD)!(0);
    }
    assert.deepEqual(got, [1, 2]);
    assert.equal(pollStops(), 0);
    // Dense: 0.5 ms after the last pass. Read at once, then the poll pauses for 2 ms.
    vclock.advance(0.5);
    queue.push(3);
    net.pollers.get(FD)!(0);
    assert.deepEqual(got, [1, 2, 3]);
    assert.equal(pollStops(), 1);
    assert.equal(net.pollers.has(FD), false, 'not polled while paused');
    queue.push(4, 5);
    vclock.advance(1);
    assert.deepEqual(got, [1, 2, 3], 'nothing read during the pause');
    r.drainNow(); // a Master_Down decision reads the queue anyway
    assert.deepEqual(got, [1, 2, 3, 4, 5]);
    const pollStarts = () => net.calls.filter((c) => c.fn === 'pollStart').length;
    const startsBefore = pollStarts();
    // Steady dense traffic: each pause collects a burst, read in one system call, and pauses again without the poll.
    for (let k = 0; k < 5; k++) {
      queue.push(10 + k, 20 + k, 30 + k);
      const before = syscalls;
      vclock.advance(2);
      assert.deepEqual(got.slice(-3), [10 + k, 20 + k, 30 + k]);
      assert.equal(syscalls - before, 1, 'three datagrams, one system call');
      assert.equal(net.pollers.has(FD), false, 'still paused: the traffic is dense');
    }
    assert.equal(pollStarts(), startsBefore, 'no pollStart/pollStop per pause');
    // A pause that collects nothing: the traffic went sparse, the poll watches the socket again.
    vclock.advance(2);
    assert.equal(net.pollers.has(FD), true);
    queue.push(99);
    net.pollers.get(FD)!(0);
    assert.equal(got[got.length - 1], 99, 'read at once');
    r.stop();
    vclock.advance(10);
    assert.equal(net.pollers.has(FD), false, 'stopped');
  });
  it('setCoalesceMs: a changed window is used from the next pass; a pause in progress ends on its own timer', async () => {
    const vclock = new VirtualClock(1000);
    const { net, queue } = queuedNative();
    const got: number[] = [];
    const r = new PolledReader(net, FD, { clock: vclock,
      maxLen: 8, controlLen: 0, batch: 4, reuseBuffer: true, coalesceMs: 2,
      onData: (buf, start) => got.push(buf[start]!),
      onMessage: () => assert.fail('onData is used'),
      onError: () => undefined,
    });
    const pollStops = () => net.calls.filter((c) => c.fn === 'pollStop').length;
    r.start();
    await tick();
    // Widened to 10 ms (the router's window for 100 ms adverts): a dense pass pauses the poll for 10 ms, not 2.
    r.setCoalesceMs(10);
    vclock.advance(10);
    queue.push(1);
    net.pollers.get(FD)!(0);
    vclock.advance(1);
    queue.push(2);
    net.pollers.get(FD)!(0);
    assert.deepEqual(got, [1, 2]);
    assert.equal(net.pollers.has(FD), false, 'dense (1 ms after the last pass): paused');
    queue.push(3);
    vclock.advance(2);
    assert.deepEqual(got, [1, 2], 'still paused after the old 2 ms window');
    vclock.advance(7);
    assert.deepEqual(got, [1, 2]);
    vclock.advance(1);
    assert.deepEqual(got, [1, 2, 3], 'read when the 10 ms pause ends');
    assert.equal(net.pollers.has(FD), false, 'the pause collected a datagram: paused again, for 10 ms');
    // Set to 0 during that pause: it still ends on its timer, then the poll watches the socket and every
    // datagram is read at once, however dense.
    r.setCoalesceMs(0);
    queue.push(4);
    vclock.advance(10);
    assert.deepEqual(got, [1, 2, 3, 4]);
    assert.equal(net.pollers.has(FD), true, 'window 0: polled again');
    const stops = pollStops();
    for (let k = 0; k < 5; k++) {
      vclock.advance(1);
      queue.push(10 + k);
      net.pollers.get(FD)!(0);
      assert.equal(got[got.length - 1], 10 + k, 'read at once');
    }
    assert.equal(pollStops(), stops, 'never paused with window 0');
    r.stop();
  });
});
