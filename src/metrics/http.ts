// The operator HTTP surface on node:http: /metrics (Prometheus), /healthz (loop alive), /readyz (some
// instance is MASTER: a Kubernetes readiness probe that routes to the VIP holder — keepalived PR #2682
// asked for exactly this), /status (JSON for `vipd status`). The same handler serves the agent's UNIX control
// socket (src/control/socketServer.ts), so `vipd status` works whatever the TCP listener's settings.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VipdError } from '../errors/vipdError.js';
import type { InstanceView, StatusDocument } from '../status/types.js';
import type { HealthView } from './types.js';

/**
 * Default listen address: loopback only (metrics and status reveal topology; exposing them is an explicit
 * choice), port 9651 — next to, but not on, the two keepalived exporters' defaults (mehdy 9165,
 * gen2brain 9650), so vipd can run beside an existing keepalived + exporter during a migration.
 */
export const DEFAULT_METRICS_HOST = '127.0.0.1';
export const DEFAULT_METRICS_PORT = 9651;
export const DEFAULT_METRICS_LISTEN = `${DEFAULT_METRICS_HOST}:${DEFAULT_METRICS_PORT}`;

/** What the handler needs from VipdMetrics (structural, so tests and the daemon can pass narrower objects). */
export interface MetricsSource {
  readonly contentType: string;
  metricsText(): Promise<string>;
  status(): StatusDocument;
  instances(): readonly InstanceView[];
}

export interface HandlerOptions {
  metrics: MetricsSource;
  /** /healthz: whether the daemon loop is alive. */
  health: () => HealthView;
  /** /readyz override; default: at least one instance is MASTER. */
  ready?: () => { ready: boolean; detail: string };
}

export interface MetricsServerOptions extends HandlerOptions {
  host?: string;
  port?: number;
}

export interface MetricsServer {
  close(): Promise<void>;
  readonly address: { host: string; port: number };
}

/** Parse `--metrics-listen`: "HOST:PORT", "[v6]:PORT", ":PORT" (all interfaces) or "PORT". */
export function parseListenAddress(text: string): { host: string; port: number } {
  const t = text.trim();
  let host: string;
  let portText: string;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(t);
  if (v6) {
    host = v6[1]!;
    portText = v6[2]!;
  } else if (/^\d+$/.test(t)) {
    host = DEFAULT_METRICS_HOST;
    portText = t;
  } else {
    const i = t.lastIndexOf(':');
    if (i < 0 || t.indexOf(':') !== i) throw new VipdError('VIPD_ERR_LISTEN_ADDRESS', `invalid listen address "${text}" (expected HOST:PORT or [IPv6]:PORT)`);
    host = t.slice(0, i) || '0.0.0.0';
    portText = t.slice(i + 1);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new VipdError('VIPD_ERR_LISTEN_ADDRESS', `invalid port in listen address "${text}"`);
  return { host, port };
}

function defaultReady(metrics: MetricsSource): { ready: boolean; detail: string } {
  const masters = metrics.instances().filter((v) => v.state === 'MASTER');
  if (masters.length === 0) return { ready: false, detail: 'no instance is MASTER' };
  return { ready: true, detail: `MASTER: ${masters.map((v) => v.name).join(', ')}` };
}

function send(res: ServerResponse, req: IncomingMessage, status: number, type: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'no-store');
  res.end(req.method === 'HEAD' ? undefined : body);
}

const TEXT = 'text/plain; charset=utf-8';
const INDEX = 'vipd\n\n/metrics  Prometheus metrics\n/healthz  daemon loop alive\n/readyz   200 when an instance is MASTER\n/status   instance status (JSON)\n';

/** The request handler shared by the TCP listener and the control socket. */
export function createMetricsHandler(opts: HandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, req, 405, TEXT, 'method not allowed\n');
      return;
    }
    try {
      switch (path) {
        case '/metrics':
          opts.metrics.metricsText().then(
            (text) => send(res, req, 200, opts.metrics.contentType, text),
            (err: unknown) => send(res, req, 500, TEXT, `metrics collection failed: ${String(err)}\n`),
          );
          return;
        case '/healthz': {
          const h = opts.health();
          const detail = h.detail ? `: ${h.detail}` : '';
          send(res, req, h.alive ? 200 : 503, TEXT, `${h.alive ? 'ok' : 'unhealthy'}${detail}\n`);
          return;
        }
        case '/readyz': {
          const r = (opts.ready ?? (() => defaultReady(opts.metrics)))();
          send(res, req, r.ready ? 200 : 503, TEXT, `${r.ready ? 'ready' : 'not ready'}: ${r.detail}\n`);
          return;
        }
        case '/status':
          send(res, req, 200, 'application/json; charset=utf-8', `${JSON.stringify(opts.metrics.status(), null, 2)}\n`);
          return;
        case '/':
          send(res, req, 200, TEXT, INDEX);
          return;
        default:
          send(res, req, 404, TEXT, 'not found\n');
      }
    } catch (err) {
      send(res, req, 500, TEXT, `internal error: ${String(err)}\n`);
    }
  };
}

function harden(server: Server): void {
  // Small, bounded requests only: a stuck scraper must not hold sockets open forever.
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}

function listen(server: Server, what: string, arg: { host: string; port: number } | { path: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new VipdError('VIPD_ERR_LISTEN', `cannot listen on ${what}: ${why}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen(arg, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Start /metrics, /healthz, /readyz, /status on host:port (default 127.0.0.1:9651; port 0 picks one). */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const host = opts.host ?? DEFAULT_METRICS_HOST;
  const port = opts.port ?? DEFAULT_METRICS_PORT;
  const server = createServer(createMetricsHandler(opts));
  harden(server);
  await listen(server, host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`, { host, port });
  const a = server.address() as AddressInfo;
  return { close: () => closeServer(server), address: { host: a.address, port: a.port } };
}
