// The agent's control socket: the operator endpoints (/status, /metrics, /healthz, /readyz) on a UNIX socket
// that every agent serves, whatever --metrics-listen says, so `vipd status` needs no flags. Owner root, mode
// 0600 (a non-root `vipd status` falls back to HTTP). A socket left by a crashed agent is replaced; one a
// live agent answers on refuses the start, the way keepalived refuses a second daemon with the same pid file
// ("daemon is already running", main.c keepalived_running). Removed at stop.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmodSync, lstatSync, mkdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { createMetricsHandler, type HandlerOptions } from '../metrics/http.js';
import type { CodeSubset } from '../errors/codes.js';
import { VipdError } from '../errors/vipdError.js';
import { probeSocket } from './probeSocket.js';
import { MAX_SOCKET_PATH_BYTES } from './socketPath.js';

/** Why the socket could not be served; NO_DIR lets startControlSocketAt move on to the next candidate. */
export type ControlSocketProblem = 'IN_USE' | 'NOT_A_SOCKET' | 'NO_DIR' | 'TOO_LONG' | 'LISTEN';

export class ControlSocketError extends VipdError<CodeSubset<'VIPD_ERR_CONTROL_SOCKET_IN_USE' | 'VIPD_ERR_CONTROL_SOCKET'>> {
  override name = 'ControlSocketError';
  constructor(
    readonly problem: ControlSocketProblem,
    message: string,
  ) {
    super(problem === 'IN_USE' ? 'VIPD_ERR_CONTROL_SOCKET_IN_USE' : 'VIPD_ERR_CONTROL_SOCKET', message);
  }
}

export interface ControlSocketServer {
  readonly socketPath: string;
  /** Serve the endpoints from now on; until then every request gets 503 "vipd is starting". */
  attach(opts: HandlerOptions): void;
  /** Stop serving and remove the socket (and the run folders this agent created, when empty). */
  close(): Promise<void>;
}

export interface ControlSocketOptions extends Partial<HandlerOptions> {
  socketPath: string;
  /** Socket file mode; default 0600. */
  mode?: number;
  /**
   * The socket's folder is this agent's alone (/run/vipd/NETNS): remove it at close when empty, whoever
   * created it, as keepalived removes /run/keepalived/NAMESPACE (namespaces.c unmount_run).
   */
  ownFolder?: boolean;
}

const MODE = 0o600;
const DIR_MODE = 0o755;

/** mkdir -p, returning the folders created (deepest last) so close() can remove exactly those. */
function makeRunDir(dir: string): string[] {
  const created: string[] = [];
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    try {
      if (!lstatSync(d).isDirectory()) throw new ControlSocketError('NO_DIR', `${d} exists and is not a folder`);
      break;
    } catch (err) {
      if (err instanceof ControlSocketError) throw err;
      missing.unshift(d);
      if (dirname(d) === d) break;
    }
  }
  for (const d of missing) {
    try {
      mkdirSync(d, { mode: DIR_MODE });
      created.push(d);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EEXIST') continue;
      throw new ControlSocketError('NO_DIR', `cannot create ${d}: ${e.code ?? e.message}`);
    }
  }
  return created;
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void =>
      reject(new ControlSocketError(err.code === 'EADDRINUSE' ? 'IN_USE' : 'LISTEN', `cannot listen on ${path}: ${err.code ?? err.message}`));
    server.once('error', onError);
    server.listen({ path }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function starting(_req: IncomingMessage, res: ServerResponse): void {
  res.statusCode = 503;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Retry-After', '1');
  res.end('vipd is starting\n');
}

/**
 * Bind the control socket at `socketPath`, creating its folder. Errors (ControlSocketError): IN_USE (a live
 * agent answers there), NOT_A_SOCKET (a file that is not a socket: never removed), NO_DIR (the folder cannot
 * be created: the caller may try the next candidate), TOO_LONG, LISTEN.
 */
export async function startControlSocket(opts: ControlSocketOptions): Promise<ControlSocketServer> {
  const path = opts.socketPath;
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new ControlSocketError('TOO_LONG', `control socket path ${path} is ${bytes} bytes; a UNIX socket path holds at most ${MAX_SOCKET_PATH_BYTES}`);
  }
  const createdDirs = makeRunDir(dirname(path));
  const owner = lstatSync(dirname(path)).uid;
  if (process.getuid && owner !== process.getuid()) {
    // A folder someone else owns (say a planted /tmp/vipd-0) could swap the socket under us.
    throw new ControlSocketError('NO_DIR', `${dirname(path)} belongs to uid ${owner}, not to this agent`);
  }
  const undoDirs = (): void => {
    for (const d of [...createdDirs].reverse()) {
      try {
        rmdirSync(d);
      } catch {
        return; // not empty (another agent's socket, a netns folder): leave it and its parents
      }
    }
  };
  const found = await probeSocket(path);
  if (found === 'live') {
    undoDirs();
    throw new ControlSocketError('IN_USE', `another vipd is running: its control socket ${path} answers (stop it first, or give this agent its own --config-id)`);
  }
  if (found === 'other') {
    undoDirs();
    throw new ControlSocketError('NOT_A_SOCKET', `${path} exists and is not a socket; not removing it`);
  }
  if (found === 'dead') unlinkSync(path); // left by an agent that died without cleaning up

  let handler: (req: IncomingMessage, res: ServerResponse) => void = starting;
  const server = createServer((req, res) => handler(req, res));
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  try {
    await listen(server, path);
    // umask 022 leaves the fresh socket 0755: nobody but the owner may connect (connect needs write) until
    // this chmod, so there is no window where others can.
    chmodSync(path, opts.mode ?? MODE);
  } catch (err) {
    server.close();
    undoDirs();
    throw err instanceof ControlSocketError ? err : new ControlSocketError('LISTEN', `cannot serve ${path}: ${(err as Error).message}`);
  }
  const ino = lstatSync(path).ino;
  const attach = (h: HandlerOptions): void => {
    handler = createMetricsHandler(h);
  };
  if (opts.metrics && opts.health) attach({ metrics: opts.metrics, health: opts.health, ready: opts.ready });

  return {
    socketPath: path,
    attach,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          // libuv unlinks the path on close; make sure, but only while the file is still the one we bound.
          try {
            if (lstatSync(path).ino === ino) unlinkSync(path);
          } catch {
            // already gone
          }
          undoDirs();
          if (opts.ownFolder) {
            try {
              rmdirSync(dirname(path));
            } catch {
              // not empty (another --config-id's socket) or already gone
            }
          }
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/**
 * Bind the first candidate whose folder can be created (RUN_DIR, then the fallback: socketPath.ts
 * controlSocketCandidates). Any other failure, above all a live agent on the socket, ends the search.
 */
export async function startControlSocketAt(
  candidates: readonly string[],
  opts: Partial<HandlerOptions> & Pick<ControlSocketOptions, 'ownFolder'> = {},
): Promise<ControlSocketServer> {
  const skipped: string[] = [];
  for (const socketPath of candidates) {
    try {
      return await startControlSocket({ ...opts, socketPath });
    } catch (err) {
      if (!(err instanceof ControlSocketError) || err.problem !== 'NO_DIR') throw err;
      skipped.push(err.message);
    }
  }
  throw new ControlSocketError('NO_DIR', `no folder for the control socket: ${skipped.join('; ')}`);
}
