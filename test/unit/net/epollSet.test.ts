// The addon's stream-socket calls (connect, send, recvInto, epoll*) and the shared epoll set, against real
// loopback sockets: the LVS probes' connect/readiness path (src/lvs/checkers/probeStream.ts).
import assert from 'node:assert/strict';
import net from 'node:net';
import { EpollSet } from '../../../src/net/epollSet.js';
import { nativeNet, type NativeStreamNet } from '../../../src/net/native.js';
import { sockaddrIn } from '../../../src/net/sockaddr.js';
import {
  AF_INET, EAGAIN, EINPROGRESS, EPOLLERR, EPOLLET, EPOLLIN, EPOLLOUT, SOCK_STREAM, SOL_SOCKET,
} from '../../../src/net/constants.js';
import { untilIo } from '../ioTurns.js';

const ECONNREFUSED = 111;
const EBADF = 9;
const SO_ERROR = 4;

async function listen(onConn: (c: net.Socket) => void): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer(onConn);
  let up = false;
  server.listen(0, '127.0.0.1', () => (up = true));
  await untilIo('listen', () => up);
  return { server, port: (server.address() as net.AddressInfo).port };
}

describe('net/epollSet: raw stream sockets on one epoll set', () => {
  const native = nativeNet() as NativeStreamNet;
  let set: EpollSet;
  const servers: net.Server[] = [];
  const fds: number[] = [];
  beforeEach(() => (set = new EpollSet(native)));
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
    for (const fd of fds.splice(0)) native.close(fd);
  });
  const socket = (): number => {
    const fd = native.socket(AF_INET, SOCK_STREAM, 0);
    fds.push(fd);
    return fd;
  };

  it('connects, sends, reads and sees the end of stream', async () => {
    let got = '';
    const { server, port } = await listen((c) => {
      c.on('data', (d) => {
        got += String(d);
        c.end('pong');
      });
    });
    servers.push(server);
    const fd = socket();
    const rc = native.connect(fd, sockaddrIn('127.0.0.1', port));
    assert.ok(rc === 0 || rc === -EINPROGRESS, `connect returned ${rc}`);
    const seen: number[] = [];
    const id = set.add(fd, EPOLLIN | EPOLLOUT | EPOLLET, (ev) => seen.push(ev));
    assert.ok(id > 0);
    assert.equal(set.size, 1);
    await untilIo('writable', () => seen.some((e) => e & EPOLLOUT));
    assert.equal(native.send(fd, Buffer.from('ping!'), 4), 4); // the length bounds what is sent
    await untilIo('request', () => got === 'ping');
    await untilIo('readable', () => seen.some((e) => e & EPOLLIN));
    const buf = Buffer.alloc(64);
    let text = '';
    let n: number;
    while ((n = native.recvInto(fd, buf)) > 0) text += buf.toString('latin1', 0, n);
    if (n === -EAGAIN) {
      const before = seen.length;
      await untilIo('end of stream', () => seen.length > before);
      n = native.recvInto(fd, buf);
    }
    assert.equal(text, 'pong');
    assert.equal(n, 0);
    set.forget(id);
    assert.equal(set.size, 0);
  });

  it('a refused connect reports EPOLLERR and SO_ERROR ECONNREFUSED (or -ECONNREFUSED at once)', async () => {
    const { server, port } = await listen(() => undefined);
    let closed = false;
    server.close(() => (closed = true));
    await untilIo('closed', () => closed);
    const fd = socket();
    const rc = native.connect(fd, sockaddrIn('127.0.0.1', port));
    if (rc === -ECONNREFUSED) return;
    assert.equal(rc, -EINPROGRESS);
    let events = 0;
    set.add(fd, EPOLLOUT | EPOLLET, (ev) => (events = ev));
    await untilIo('error event', () => events !== 0);
    assert.ok(events & EPOLLERR);
    assert.equal(native.getsockopt(fd, SOL_SOCKET, SO_ERROR, 4).readInt32LE(0), ECONNREFUSED);
  });

  it('errors are returned as -errno, not thrown', () => {
    assert.equal(native.connect(1_000_000, sockaddrIn('127.0.0.1', 1)), -EBADF);
    assert.equal(native.send(1_000_000, Buffer.from('x'), 1), -EBADF);
    assert.equal(native.recvInto(1_000_000, Buffer.alloc(1)), -EBADF);
    assert.equal(set.add(1_000_000, EPOLLIN, () => assert.fail('no events for a refused registration')), -EBADF);
    assert.equal(set.size, 0);
  });

  it('a registration forgotten and closed gets no events; ids are not reused for the fd number that follows', async () => {
    const { server, port } = await listen(() => undefined);
    servers.push(server);
    const a = native.socket(AF_INET, SOCK_STREAM, 0);
    native.connect(a, sockaddrIn('127.0.0.1', port));
    const idA = set.add(a, EPOLLOUT | EPOLLET, () => assert.fail('forgotten registration called'));
    set.forget(idA);
    native.close(a);
    const b = socket(); // likely the same fd number as a
    native.connect(b, sockaddrIn('127.0.0.1', port));
    let hit = false;
    const idB = set.add(b, EPOLLOUT | EPOLLET, () => (hit = true));
    assert.notEqual(idB, idA);
    await untilIo('b writable', () => hit);
  });
});
