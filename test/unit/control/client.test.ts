import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchStatus, fetchStatusText, StatusFetchError, DEFAULT_STATUS_URL } from '../../../src/control/client.js';
import { statusCommand } from '../../../src/control/status.js';
import { createVipdMetrics } from '../../../src/metrics/registry.js';
import { startControlSocket, startMetricsServer, type MetricsServer } from '../../../src/metrics/http.js';

const metrics = createVipdMetrics({
  processMetrics: false,
  buildInfo: { version: '0.1.0', node: 'd1' },
  nowMs: () => 1_800_000_000_000,
  instances: () => [
    {
      name: 'VI_1',
      ifname: 'eth0',
      vrid: 51,
      state: 'MASTER',
      basePriority: 100,
      effectivePriority: 100,
      masterAddress: '10.1.0.1',
      vips: ['10.1.0.100/24'],
      lastTransition: { from: 'BACKUP', to: 'MASTER', reason: 'master_down_timer', atMs: 1_800_000_000_000 - 5000 },
    },
  ],
});

function listenHttp(handler: Parameters<typeof createHttpServer>[1]): Promise<{ server: HttpServer; port: number }> {
  const server = createHttpServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })),
  );
}

/** A port nobody listens on: bind it, note it, close it. */
async function freePort(): Promise<number> {
  const { server, port } = await listenHttp(() => undefined);
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function rejectsWith(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof StatusFetchError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

describe('control/client', () => {
  let server: MetricsServer;
  before(async () => {
    server = await startMetricsServer({ host: '127.0.0.1', port: 0, metrics, health: () => ({ alive: true }) });
  });
  after(() => server.close());

  it('defaults to the documented metrics address', () => {
    assert.equal(DEFAULT_STATUS_URL, 'http://127.0.0.1:9651');
  });

  it('reads the status document from a base URL or the /status URL', async () => {
    const base = `http://127.0.0.1:${server.address.port}`;
    const a = await fetchStatus({ url: base });
    const b = await fetchStatus({ url: `${base}/status` });
    assert.equal(a.instances[0]?.name, 'VI_1');
    assert.deepEqual(a, b);
  });

  it('says clearly that no vipd runs when the connection is refused', async () => {
    const port = await freePort();
    await rejectsWith(
      fetchStatus({ url: `http://127.0.0.1:${port}` }),
      'VIPD_ERR_STATUS_NOT_RUNNING',
      new RegExp(`^no vipd running at http://127\\.0\\.0\\.1:${port} \\(connection refused\\)$`),
    );
  });

  it('says clearly that no vipd runs when the control socket does not exist', async () => {
    await rejectsWith(
      fetchStatus({ socketPath: '/nonexistent/vipd.sock' }),
      'VIPD_ERR_STATUS_NOT_RUNNING',
      /^no vipd running at unix:\/nonexistent\/vipd\.sock \(no such socket\)$/,
    );
  });

  it('reads status over the UNIX control socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vipd-cli-'));
    const socketPath = join(dir, 'vipd.sock');
    const ctl = await startControlSocket({ socketPath, metrics, health: () => ({ alive: true }) });
    try {
      const doc = await fetchStatus({ socketPath });
      assert.equal(doc.node, 'd1');
    } finally {
      await ctl.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('times out on a daemon that accepts but never answers', async () => {
    const sockets: Socket[] = [];
    const silent: NetServer = createNetServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    try {
      await rejectsWith(fetchStatusText({ url: `http://127.0.0.1:${port}` }, 200), 'VIPD_ERR_STATUS_TIMEOUT', /did not answer within 0\.2 s/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('reports HTTP errors and non-vipd answers', async () => {
    const { server: other, port } = await listenHttp((req, res) => {
      if (req.url === '/status') {
        res.statusCode = 503;
        res.end('reload in progress\n');
      } else {
        res.end('<html>not vipd</html>');
      }
    });
    try {
      await rejectsWith(fetchStatus({ url: `http://127.0.0.1:${port}` }), 'VIPD_ERR_STATUS_HTTP', /answered HTTP 503: reload in progress$/);
      await rejectsWith(fetchStatus({ url: `http://127.0.0.1:${port}/other` }), 'VIPD_ERR_STATUS_BAD_RESPONSE', /did not return JSON/);
    } finally {
      await new Promise<void>((r) => other.close(() => r()));
    }
  });

  it('rejects non-http URLs', async () => {
    await rejectsWith(fetchStatus({ url: 'https://127.0.0.1:9651' }), 'VIPD_ERR_STATUS_BAD_URL', /http only/);
    await rejectsWith(fetchStatus({ url: 'not a url' }), 'VIPD_ERR_STATUS_BAD_URL', /invalid status URL/);
  });

  describe('statusCommand', () => {
    it('prints the table and exits 0', async () => {
      const r = await statusCommand({ target: { url: `http://127.0.0.1:${server.address.port}` }, nowMs: 1_800_000_000_000 });
      assert.equal(r.exitCode, 0);
      assert.match(r.stdout, /^vipd 0\.1\.0 on d1: 1 instance\n/);
      assert.match(r.stdout, /VI_1 +eth0 +51 +MASTER .* BACKUP->MASTER \(master_down_timer\) +5s ago\n/);
      assert.equal(r.stderr, '');
    });

    it('--json passes the daemon\'s document through unchanged', async () => {
      const url = `http://127.0.0.1:${server.address.port}`;
      const r = await statusCommand({ target: { url }, json: true });
      assert.equal(r.exitCode, 0);
      assert.equal(r.stdout, await fetchStatusText({ url }));
    });

    it('exits 1 with one line on stderr when no daemon runs', async () => {
      const port = await freePort();
      const r = await statusCommand({ target: { url: `http://127.0.0.1:${port}` } });
      assert.equal(r.exitCode, 1);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, `vipd status: no vipd running at http://127.0.0.1:${port} (connection refused)\n`);
    });

    it('can also write keepalived-compatible files for existing exporters', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vipd-kaf-'));
      try {
        const r = await statusCommand({ target: { url: `http://127.0.0.1:${server.address.port}` }, keepalivedDir: dir });
        assert.equal(r.exitCode, 0);
        assert.match(r.stderr, /keepalived\.stats/);
        assert.match(readFileSync(join(dir, 'keepalived.stats'), 'utf8'), /^VRRP Instance: VI_1\n/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
