import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createVipdMetrics } from '../../../src/metrics/registry.js';
import {
  DEFAULT_METRICS_LISTEN,
  parseListenAddress,
  startMetricsServer,
  type MetricsServer,
} from '../../../src/metrics/http.js';
import type { InstanceView } from '../../../src/status/types.js';
import type { HealthView } from '../../../src/metrics/types.js';
import { parseExposition, value } from './exposition.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(target: { port: number } | { socketPath: string }, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', ...target, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metrics/http', () => {
  let server: MetricsServer | undefined;
  let state: InstanceView['state'] = 'BACKUP';
  let health: HealthView = { alive: true, detail: 'event loop lag 1 ms' };

  const metrics = createVipdMetrics({
    processMetrics: false,
    nowMs: () => 1_700_000_000_000,
    buildInfo: { version: '0.0.1', node: 'd1' },
    instances: () => [
      {
        name: 'VI_1',
        ifname: 'eth0',
        vrid: 51,
        state,
        basePriority: 100,
        effectivePriority: 100,
        masterAddress: '10.1.0.2',
        vips: ['10.1.0.100/24'],
        lastTransition: null,
      },
    ],
  });

  before(async () => {
    server = await startMetricsServer({ host: '127.0.0.1', port: 0, metrics, health: () => health });
  });
  after(async () => {
    await server?.close();
  });

  it('binds the requested address and reports the port it got', () => {
    assert.equal(server!.address.host, '127.0.0.1');
    assert.ok(server!.address.port > 0);
  });

  it('serves Prometheus text on /metrics', async () => {
    metrics.advertSent({ name: 'VI_1', ifname: 'eth0', vrid: 51 });
    const r = await get(server!.address, '/metrics');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const samples = parseExposition(r.body);
    assert.equal(value(samples, 'keepalived_vrrp_state', { iname: 'VI_1', ip_address: '10.1.0.100/24' }), 1);
    assert.equal(value(samples, 'keepalived_advertisements_sent_total', { iname: 'VI_1' }), 1);
  });

  it('answers /healthz from the health callback', async () => {
    health = { alive: true, detail: 'event loop lag 1 ms' };
    let r = await get(server!.address, '/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok: event loop lag 1 ms\n');
    health = { alive: false, detail: 'loop stalled 3000 ms' };
    r = await get(server!.address, '/healthz');
    assert.equal(r.status, 503);
    assert.match(r.body, /unhealthy: loop stalled/);
  });

  it('answers /readyz 200 only while an instance is MASTER', async () => {
    state = 'BACKUP';
    let r = await get(server!.address, '/readyz');
    assert.equal(r.status, 503);
    assert.equal(r.body, 'not ready: no instance is MASTER\n');
    state = 'MASTER';
    r = await get(server!.address, '/readyz');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ready: MASTER: VI_1\n');
  });

  it('serves the status document as JSON on /status', async () => {
    state = 'FAULT';
    const r = await get(server!.address, '/status');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    const doc = JSON.parse(r.body);
    assert.equal(doc.statusVersion, 1);
    assert.equal(doc.node, 'd1');
    assert.equal(doc.instances[0].state, 'FAULT');
    assert.equal(doc.counters.VI_1.advert_sent, 1);
  });

  it('404s unknown paths, 405s other methods, and answers HEAD without a body', async () => {
    assert.equal((await get(server!.address, '/nope')).status, 404);
    const post = await get(server!.address, '/metrics', 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    health = { alive: true };
    const head = await get(server!.address, '/healthz', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });

  it('returns 500 with the reason when collection throws', async () => {
    const broken = await startMetricsServer({
      port: 0,
      health: () => ({ alive: true }),
      metrics: {
        contentType: 'text/plain',
        metricsText: () => Promise.reject(new Error('boom')),
        status: () => {
          throw new Error('status boom');
        },
        instances: () => [],
      },
    });
    try {
      const r = await get(broken.address, '/metrics');
      assert.equal(r.status, 500);
      assert.match(r.body, /boom/);
      assert.equal((await get(broken.address, '/status')).status, 500);
    } finally {
      await broken.close();
    }
  });

  it('fails with a clear message when the port is taken', async () => {
    await assert.rejects(
      startMetricsServer({ host: '127.0.0.1', port: server!.address.port, metrics, health: () => health }),
      new RegExp(`cannot listen on 127\\.0\\.0\\.1:${server!.address.port}: address already in use`),
    );
  });

  it('parses --metrics-listen forms', () => {
    assert.equal(DEFAULT_METRICS_LISTEN, '127.0.0.1:9651');
    assert.deepEqual(parseListenAddress('127.0.0.1:9651'), { host: '127.0.0.1', port: 9651 });
    assert.deepEqual(parseListenAddress('[::1]:9651'), { host: '::1', port: 9651 });
    assert.deepEqual(parseListenAddress(':9651'), { host: '0.0.0.0', port: 9651 });
    assert.deepEqual(parseListenAddress('9700'), { host: '127.0.0.1', port: 9700 });
    assert.throws(() => parseListenAddress('::1:9651'), /invalid listen address/);
    assert.throws(() => parseListenAddress('host:99999'), /invalid port/);
    assert.throws(() => parseListenAddress('host:'), /invalid port/);
  });
});
