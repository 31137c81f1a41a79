// `vipd status` client: read the running daemon's /status over TCP or its UNIX control socket, with errors
// an operator can act on ("no vipd running at …") instead of a stack trace.
import { request, type RequestOptions } from 'node:http';
import type { StatusDocument } from '../status/types.js';
import { DEFAULT_METRICS_LISTEN } from '../metrics/http.js';
import type { Clock } from '../clock/clock.js';
import type { CodeSubset } from '../errors/codes.js';
import { VipdError } from '../errors/vipdError.js';

export const DEFAULT_STATUS_URL = `http://${DEFAULT_METRICS_LISTEN}`;
export const DEFAULT_STATUS_TIMEOUT_MS = 3000;

export type StatusTarget = { url: string } | { socketPath: string };

export type StatusErrorCode = CodeSubset<
  | 'VIPD_ERR_STATUS_NOT_RUNNING'
  | 'VIPD_ERR_STATUS_TIMEOUT'
  | 'VIPD_ERR_STATUS_HTTP'
  | 'VIPD_ERR_STATUS_BAD_RESPONSE'
  | 'VIPD_ERR_STATUS_PERMISSION'
  | 'VIPD_ERR_STATUS_NETWORK'
  | 'VIPD_ERR_STATUS_BAD_URL'
  | 'VIPD_ERR_STATUS_AMBIGUOUS'
>;

/** A failure to read status, with a one-line message fit for the terminal. */
export class StatusFetchError extends VipdError<StatusErrorCode> {
  override name = 'StatusFetchError';
}

/** What `vipd status` prints the target as: the URL or `unix:/path`. */
export function describeTarget(target: StatusTarget): string {
  return 'url' in target ? target.url.replace(/\/status\/?$/, '').replace(/\/$/, '') : `unix:${target.socketPath}`;
}

function requestOptions(target: StatusTarget): RequestOptions {
  if ('socketPath' in target) return { socketPath: target.socketPath, path: '/status' };
  let u: URL;
  try {
    u = new URL(target.url);
  } catch {
    throw new StatusFetchError('VIPD_ERR_STATUS_BAD_URL', `invalid status URL "${target.url}"`);
  }
  if (u.protocol !== 'http:') throw new StatusFetchError('VIPD_ERR_STATUS_BAD_URL', `unsupported status URL scheme "${u.protocol}" (http only)`);
  const path = u.pathname === '/' || u.pathname === '' ? '/status' : u.pathname;
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : 80, path: path + u.search };
}

function networkError(err: NodeJS.ErrnoException, where: string): StatusFetchError {
  switch (err.code) {
    case 'ECONNREFUSED':
      return new StatusFetchError('VIPD_ERR_STATUS_NOT_RUNNING', `no vipd running at ${where} (connection refused)`);
    case 'ENOENT':
      return new StatusFetchError('VIPD_ERR_STATUS_NOT_RUNNING', `no vipd running at ${where} (no such socket)`);
    case 'EACCES':
    case 'EPERM':
      return new StatusFetchError('VIPD_ERR_STATUS_PERMISSION', `cannot read vipd status at ${where}: permission denied (try as root)`);
    case 'ECONNRESET':
      return new StatusFetchError('VIPD_ERR_STATUS_NETWORK', `vipd at ${where} closed the connection`);
    default:
      return new StatusFetchError('VIPD_ERR_STATUS_NETWORK', `cannot reach vipd at ${where}: ${err.code ?? err.message}`);
  }
}

/** The raw /status body (for `vipd status --json`: passed through unchanged). */
/** How long to wait for the daemon's answer, on which clock. */
export interface FetchOptions {
  readonly clock: Clock;
  readonly timeoutMs?: number;
}

export function fetchStatusText(target: StatusTarget, fetch: FetchOptions): Promise<string> {
  const timeoutMs = fetch.timeoutMs ?? DEFAULT_STATUS_TIMEOUT_MS;
  const where = describeTarget(target);
  return new Promise((resolve, reject) => {
    let opts: RequestOptions;
    try {
      opts = requestOptions(target);
    } catch (err) {
      reject(err);
      return;
    }
    // The whole exchange is bounded (not only socket idleness): a daemon that trickles bytes is stuck too.
    const bound = fetch.clock.after(timeoutMs, () => {
      req.destroy();
      reject(
        new StatusFetchError('VIPD_ERR_STATUS_TIMEOUT', `vipd at ${where} did not answer within ${timeoutMs / 1000} s (daemon stuck or overloaded?)`),
      );
    });
    const req = request({ ...opts, method: 'GET', headers: { Accept: 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        bound.cancel();
        if (res.statusCode !== 200) {
          const first = body.split('\n')[0]?.trim() ?? '';
          reject(new StatusFetchError('VIPD_ERR_STATUS_HTTP', `vipd at ${where} answered HTTP ${res.statusCode}${first ? `: ${first}` : ''}`));
        } else {
          resolve(body);
        }
      });
      res.on('error', (err: NodeJS.ErrnoException) => {
        bound.cancel();
        reject(networkError(err, where));
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      bound.cancel();
      reject(networkError(err, where));
    });
    req.end();
  });
}

/** Parse and sanity-check a /status body. */
export function parseStatus(text: string, where = 'vipd'): StatusDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new StatusFetchError('VIPD_ERR_STATUS_BAD_RESPONSE', `${where} did not return JSON (is that a vipd status endpoint?)`);
  }
  const d = doc as Partial<StatusDocument> | null;
  if (!d || typeof d !== 'object' || d.statusVersion !== 1 || !Array.isArray(d.instances)) {
    throw new StatusFetchError('VIPD_ERR_STATUS_BAD_RESPONSE', `${where} returned an unknown status format`);
  }
  return d as StatusDocument;
}

export async function fetchStatus(target: StatusTarget, fetch: FetchOptions): Promise<StatusDocument> {
  return parseStatus(await fetchStatusText(target, fetch), describeTarget(target));
}
