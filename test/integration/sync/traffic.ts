// Long-lived TCP traffic for the NAT lab: `server PORT` echoes; `client HOST PORT CONNS INTERVAL_MS` opens
// CONNS connections, each sending a numbered line every INTERVAL_MS and checking that every echo comes back in
// order. On a "report" line on stdin the client prints JSON: how many connections are healthy, closed (reset),
// stalled (no echo for 2 s), and how many messages went out of order.
import { createServer, connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

const [mode, a1, a2, a3, a4] = process.argv.slice(2);

if (mode === 'server') {
  const srv = createServer((s) => {
    s.on('error', () => s.destroy());
    s.pipe(s);
  });
  srv.listen(Number(a1), '0.0.0.0', () => process.stdout.write('listening\n'));
} else {
  const host = a1!;
  const port = Number(a2);
  const n = Number(a3);
  const intervalMs = Number(a4);
  interface Conn { sock: Socket; sent: number; echoed: number; closed: string | null; lastEchoAt: number; outOfOrder: number; buf: string }
  const conns: Conn[] = [];
  let connected = 0;
  for (let i = 0; i < n; i++) {
    const c: Conn = { sock: connect({ host, port }), sent: 0, echoed: 0, closed: null, lastEchoAt: Date.now(), outOfOrder: 0, buf: '' };
    c.sock.setNoDelay(true);
    c.sock.on('connect', () => {
      connected++;
      if (connected === n) process.stdout.write(`connected ${n}\n`);
      c.lastEchoAt = Date.now();
    });
    c.sock.on('data', (d) => {
      c.buf += d.toString();
      let nl;
      while ((nl = c.buf.indexOf('\n')) >= 0) {
        const v = Number(c.buf.slice(0, nl));
        c.buf = c.buf.slice(nl + 1);
        if (v !== c.echoed + 1) c.outOfOrder++;
        c.echoed = v;
        c.lastEchoAt = Date.now();
      }
    });
    c.sock.on('error', (e: NodeJS.ErrnoException) => (c.closed ??= e.code ?? e.message));
    c.sock.on('close', () => (c.closed ??= 'closed'));
    conns.push(c);
  }
  const tick = setInterval(() => {
    for (const c of conns) {
      if (c.closed || c.sock.connecting) continue;
      c.sent++;
      c.sock.write(`${c.sent}\n`);
    }
  }, intervalMs);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === 'report') {
      const now = Date.now();
      const closed = conns.filter((c) => c.closed).length;
      const stalled = conns.filter((c) => !c.closed && now - c.lastEchoAt > 2000).length;
      const reasons: Record<string, number> = {};
      for (const c of conns) if (c.closed) reasons[c.closed] = (reasons[c.closed] ?? 0) + 1;
      process.stdout.write(`${JSON.stringify({
        conns: n, connected, closed, stalled, healthy: n - closed - stalled, reasons,
        outOfOrder: conns.reduce((s, c) => s + c.outOfOrder, 0),
        sent: conns.reduce((s, c) => s + c.sent, 0), echoed: conns.reduce((s, c) => s + c.echoed, 0),
      })}\n`);
    } else if (line.trim() === 'stop') {
      clearInterval(tick);
      for (const c of conns) c.sock.destroy();
      process.exit(0);
    }
  }
}
