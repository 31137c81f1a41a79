// Tiny HTTP pieces for the nftables namespace test, run inside namespaces:
//   node httpBits.js server NAME PORT [HOST]  — answers every request with NAME (on HOST, default 0.0.0.0),
//                                               keeps connections open
//   node httpBits.js client             — JSON lines on stdin:
//     {id, cmd: 'burst', url: {host, port}, n}  → n requests, each on a new connection: the names, in order
//     {id, cmd: 'open', url, name?, idle?}      → one keep-alive connection (held under `name`): who answered;
//                                                 idle: true keeps it open however long it stays idle
//     {id, cmd: 'again', name?}                 → one more request on that same connection: the name, or an error
//     {id, cmd: 'close', name?}                 → the client closes that connection (FIN), once it is fully closed
//     {id, cmd: 'udp', url, n}                  → n datagrams, each from a new socket (a new flow): no answer awaited
import { createSocket } from 'node:dgram';
import { createServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

function request(sock: Socket, keepAlive: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const cleanup = (): void => {
      sock.off('data', onData);
      sock.off('error', onFail);
      sock.off('close', onClose);
    };
    const onData = (d: Buffer): void => {
      buf += d.toString('latin1');
      const head = buf.indexOf('\r\n\r\n');
      if (head < 0) return;
      const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, head))?.[1] ?? -1);
      if (len >= 0 && buf.length >= head + 4 + len) {
        cleanup();
        resolve(buf.slice(head + 4, head + 4 + len));
      }
    };
    const onFail = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const onClose = (): void => onFail(new Error('connection closed'));
    sock.on('data', onData);
    sock.on('error', onFail);
    sock.on('close', onClose);
    sock.write(`GET / HTTP/1.1\r\nHost: vip\r\nConnection: ${keepAlive ? 'keep-alive' : 'close'}\r\n\r\n`);
  });
}

function open(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    s.setTimeout(3000, () => s.destroy(new Error('timeout')));
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

const [mode, name, port, host] = process.argv.slice(2);
if (mode === 'server') {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': Buffer.byteLength(name!), 'content-type': 'text/plain' });
    res.end(name);
  });
  server.keepAliveTimeout = 0; // never close an idle connection: the test decides
  server.listen(Number(port), host ?? '0.0.0.0', () => process.stdout.write('listening\n'));
} else {
  // Held connections by name ('' when unnamed): several long-lived connections for the DR pair test.
  const held = new Map<string, Socket>();
  const out = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v)}\n`);
  createInterface({ input: process.stdin }).on('line', (line) => {
    const req = JSON.parse(line) as { id: number; cmd: string; url?: { host: string; port: number }; n?: number; name?: string; idle?: boolean };
    const run = async (): Promise<unknown> => {
      if (req.cmd === 'burst') {
        const names: string[] = [];
        for (let i = 0; i < (req.n ?? 1); i++) {
          const s = await open(req.url!.host, req.url!.port);
          names.push(await request(s, false));
          s.destroy();
        }
        return names;
      }
      if (req.cmd === 'open') {
        const s = await open(req.url!.host, req.url!.port);
        s.on('error', () => undefined);
        held.set(req.name ?? '', s);
        const who = await request(s, true);
        if (req.idle) s.setTimeout(0); // held idle for as long as the test wants (no 3 s timeout)
        return who;
      }
      if (req.cmd === 'udp') {
        for (let i = 0; i < (req.n ?? 1); i++) {
          const u = createSocket('udp4');
          await new Promise<void>((resolve, reject) => u.send('ping', req.url!.port, req.url!.host, (err) => (err ? reject(err) : resolve())));
          u.close();
        }
        return null;
      }
      const s = held.get(req.name ?? '');
      if (!s || s.destroyed) throw new Error('connection closed');
      if (req.cmd === 'close') {
        held.delete(req.name ?? '');
        await new Promise<void>((resolve) => {
          s.once('close', () => resolve());
          s.end();
        });
        return null;
      }
      return request(s, true);
    };
    run().then(
      (value) => out({ id: req.id, ok: true, value }),
      (err: unknown) => out({ id: req.id, ok: false, error: String((err as Error).message ?? err) }),
    );
  });
}
