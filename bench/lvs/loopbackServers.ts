// Loopback listeners for the LVS benches: one python3 asyncio process serving N ports on 127.0.0.1 the way the
// UML lab's real servers do (test/uml/lvs/labServers.py serve_http): read the request, answer 200 with
// Content-Length and Connection: close, close. A TCP_CHECK connects and closes; that is served too.
import { spawn } from 'node:child_process';

export const SERVERS = `
import asyncio, sys
async def http(r, w):
    try:
        await asyncio.wait_for(r.readuntil(b'\\r\\n\\r\\n'), 5)
        body = b'r1\\n'
        w.write(b'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n' % len(body) + body)
        await w.drain()
    except Exception:
        pass
    finally:
        w.close()
async def main():
    servers = [await asyncio.start_server(http, '127.0.0.1', 0, backlog=1024) for _ in range(int(sys.argv[1]))]
    print(' '.join(str(s.sockets[0].getsockname()[1]) for s in servers), flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
`;

/** The listeners' ports, as the server script prints them (one line, possibly in several chunks). */
function firstLine(stream: NodeJS.ReadableStream): Promise<number[]> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (d: Buffer): void => {
      text += String(d);
      if (!text.includes('\n')) return;
      stream.off('data', onData);
      resolve(text.split('\n')[0]!.trim().split(' ').map(Number));
    };
    stream.on('data', onData);
  });
}

/** Starts the servers (or takes `given` "P1,P2,…" started elsewhere, e.g. to keep them out of `strace -f`). */
export async function startServers(given: string | undefined, count: number): Promise<{ ports: number[]; stop: () => void }> {
  if (given) return { ports: given.split(',').map(Number), stop: () => undefined };
  const py = spawn('python3', ['-c', SERVERS, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return { ports: await firstLine(py.stdout), stop: () => void py.kill() };
}
