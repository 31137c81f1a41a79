// The client of `vipd demo`, run inside the client namespace as its own process and driven by JSON lines on
// stdin (`{"id":1,"cmd":"burst","n":50}`) with one JSON reply line per command on stdout. Commands:
//   burst {n}    n HTTP GETs to VIP:80, one new connection each, in sequence → the real server names in order
//   open {k}     k long-lived TCP connections to VIP:9000 → the real server name behind each
//   beat {on}    while on, one echo round trip every 10 ms, round-robin over the open connections
//   gap          longest time between two echo replies since the last `gap` (ms), echoes seen, sent
//   check        one line on every open connection → how many answered within 2 s by the same server, and how
//                many connections were closed or reset
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { VipdError } from '../errors/vipdError.js';

const [vip] = process.argv.slice(2) as [string];

interface Conn {
  sock: Socket;
  server: string;
  closed: boolean;
  waiting: ((reply: string) => void)[];
}
const conns: Conn[] = [];
let beatTimer: NodeJS.Timeout | null = null;
let beatIndex = 0;
let lastEcho: number | null = null;
let maxGap = 0;
let echoes = 0;
let beatsSent = 0;

function get(): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: vip, port: 80, path: '/', agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body.trim()));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve('(no answer)'));
    req.end();
  });
}

function roundTrip(c: Conn, text: string, timeoutMs: number): Promise<string | null> {
  if (c.closed) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    c.waiting.push((reply) => {
      clearTimeout(timer);
      resolve(reply);
    });
    c.sock.write(`${text}\n`);
  });
}

function open(): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: vip, port: 9000 });
    sock.setNoDelay(true);
    const c: Conn = { sock, server: '', closed: false, waiting: [] };
    let partial = '';
    sock.on('data', (chunk: Buffer) => {
      partial += chunk.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) c.waiting.shift()?.(l.split(' ')[0] ?? '');
    });
    const gone = (): void => {
      c.closed = true;
    };
    sock.on('close', gone);
    sock.on('error', gone);
    sock.once('connect', async () => {
      c.server = (await roundTrip(c, 'hello', 2000)) ?? '';
      if (c.server) resolve(c);
      else reject(new VipdError('VIPD_ERR_DEMO', `no echo on a new connection to ${vip}:9000`));
    });
    sock.once('error', reject);
  });
}

function beat(): void {
  const live = conns.filter((c) => !c.closed);
  if (!live.length) return;
  const c = live[beatIndex++ % live.length]!;
  beatsSent++;
  void roundTrip(c, 'beat', 5000).then((reply) => {
    if (reply === null) return;
    const now = Date.now();
    if (lastEcho !== null) maxGap = Math.max(maxGap, now - lastEcho);
    lastEcho = now;
    echoes++;
  });
}

async function handle(msg: { cmd: string; n?: number; k?: number; on?: boolean }): Promise<unknown> {
  switch (msg.cmd) {
    case 'burst': {
      const names: string[] = [];
      for (let i = 0; i < (msg.n ?? 1); i++) names.push(await get());
      return names;
    }
    case 'open': {
      const opened: string[] = [];
      for (let i = 0; i < (msg.k ?? 1); i++) {
        const c = await open();
        conns.push(c);
        opened.push(c.server);
      }
      return opened;
    }
    case 'beat':
      if (beatTimer) clearInterval(beatTimer);
      beatTimer = msg.on ? setInterval(beat, 10) : null;
      return null;
    case 'gap': {
      const r = { maxGapMs: maxGap, echoes, sent: beatsSent };
      maxGap = 0;
      echoes = 0;
      beatsSent = 0;
      return r;
    }
    case 'check': {
      const answers = await Promise.all(conns.map((c) => roundTrip(c, 'check', 2000)));
      const same = answers.filter((a, i) => a !== null && a === conns[i]!.server).length;
      return { open: conns.length, answered: same, closed: conns.filter((c) => c.closed).length };
    }
    default:
      throw new VipdError('VIPD_ERR_DEMO', `unknown client command ${msg.cmd}`);
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line) as { id: number; cmd: string };
  handle(msg).then(
    (value) => process.stdout.write(`${JSON.stringify({ id: msg.id, ok: true, value })}\n`),
    (err: unknown) => process.stdout.write(`${JSON.stringify({ id: msg.id, ok: false, error: String(err) })}\n`),
  );
});
process.stdin.on('end', () => process.exit(0));
