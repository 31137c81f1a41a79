// A real server for `vipd demo`, run inside a real-server namespace as its own process:
//   node demoRealServer.js http NAME PORT   answers every HTTP request with "NAME\n" (the client tallies them)
//   node demoRealServer.js echo NAME PORT   echoes every line back prefixed with "NAME " (long-lived connections)
// Prints "listening" once bound, so the demo knows when it can start the directors' health checks.
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';

const [mode, name, port] = process.argv.slice(2);

function listening(): void {
  process.stdout.write('listening\n');
}

if (mode === 'http') {
  const server = createHttpServer((_req, res) => {
    res.setHeader('connection', 'close');
    res.end(`${name}\n`);
  });
  server.listen(Number(port), listening);
} else {
  const server = createTcpServer((sock) => {
    sock.setNoDelay(true);
    let partial = '';
    sock.on('data', (chunk: Buffer) => {
      partial += chunk.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) sock.write(`${name} ${l}\n`);
    });
    sock.on('error', () => undefined);
  });
  server.listen(Number(port), listening);
}
