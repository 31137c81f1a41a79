// The agent's control socket: folder created, mode 0600, 503 until attached, a live agent refuses the start,
// a dead socket is replaced, a non-socket file is never removed, everything removed at close.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { existsSync, lstatSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlSocketError, startControlSocket, startControlSocketAt } from '../../../src/control/socketServer.js';
import { createVipdMetrics } from '../../../src/metrics/registry.js';

const metrics = createVipdMetrics({
  processMetrics: false,
  nowMs: () => 1_800_000_000_000,
  buildInfo: { version: '0.1.0', node: 'd1' },
  instances: () => [
    { name: 'VI_1', ifname: 'eth0', vrid: 51, state: 'BACKUP', basePriority: 100, effectivePriority: 100, masterAddress: null, vips: [], lastTransition: null },
  ],
});
const health = () => ({ alive: true });

function get(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A socket file nobody listens on, as a SIGKILLed agent leaves it (libuv unlinks on close, so rename first). */
async function deadSocket(path: string): Promise<void> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(path + '.tmp', () => r()));
  renameSync(path + '.tmp', path);
  await new Promise<void>((r) => s.close(() => r()));
}

async function rejectsCode(p: Promise<unknown>, problem: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ControlSocketError, String(err));
    assert.equal(err.problem, problem);
    assert.equal(err.code, problem === 'IN_USE' ? 'VIPD_ERR_CONTROL_SOCKET_IN_USE' : 'VIPD_ERR_CONTROL_SOCKET');
    assert.match(err.message, message);
    return true;
  });
}

describe('control/socketServer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vipd-ctl-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates its folder, answers 503 until attached, then serves /status; owner-only mode; all removed at close', async () => {
    const socketPath = join(dir, 'run', 'blue', 'vipd.sock');
    const ctl = await startControlSocket({ socketPath });
    try {
      assert.equal(lstatSync(socketPath).mode & 0o777, 0o600);
      const early = await get(socketPath, '/status');
      assert.equal(early.status, 503);
      assert.equal(early.body, 'vipd is starting\n');
      ctl.attach({ metrics, health });
      const r = await get(socketPath, '/status');
      assert.equal(r.status, 200);
      assert.equal(JSON.parse(r.body).instances[0].name, 'VI_1');
      assert.equal((await get(socketPath, '/healthz')).status, 200);
    } finally {
      await ctl.close();
    }
    assert.equal(existsSync(socketPath), false);
    assert.equal(existsSync(join(dir, 'run')), false, 'the folders it created are gone');
    assert.equal(existsSync(dir), true, 'the folder that was there stays');
  });

  it('removes its own (namespace) folder at close when empty, even one it did not create', async () => {
    const folder = join(dir, 'blue');
    const a = await startControlSocket({ socketPath: join(folder, 'vipd.sock'), ownFolder: true });
    const b = await startControlSocket({ socketPath: join(folder, 'vipd_lb1.sock'), ownFolder: true });
    await a.close();
    assert.equal(existsSync(folder), true, 'still holds the other agent\'s socket');
    await b.close();
    assert.equal(existsSync(folder), false);
  });

  it('refuses to start beside a live agent, which keeps serving', async () => {
    const socketPath = join(dir, 'vipd.sock');
    const first = await startControlSocket({ socketPath, metrics, health });
    try {
      await rejectsCode(startControlSocket({ socketPath }), 'IN_USE', /another vipd is running: its control socket .*vipd\.sock answers/);
      await rejectsCode(startControlSocketAt([socketPath, join(dir, 'other.sock')]), 'IN_USE', /another vipd is running/);
      assert.equal((await get(socketPath, '/status')).status, 200);
    } finally {
      await first.close();
    }
  });

  it('replaces a socket left by a dead agent', async () => {
    const socketPath = join(dir, 'vipd.sock');
    await deadSocket(socketPath);
    assert.ok(lstatSync(socketPath).isSocket());
    const ctl = await startControlSocket({ socketPath, metrics, health });
    try {
      assert.equal((await get(socketPath, '/status')).status, 200);
    } finally {
      await ctl.close();
    }
  });

  it('never removes a file that is not a socket', async () => {
    const socketPath = join(dir, 'vipd.sock');
    writeFileSync(socketPath, 'precious');
    await rejectsCode(startControlSocket({ socketPath }), 'NOT_A_SOCKET', /exists and is not a socket; not removing it/);
    assert.equal(readFileSync(socketPath, 'utf8'), 'precious');
  });

  it('moves on to the next candidate when a folder cannot be made, and says why when none can', async () => {
    writeFileSync(join(dir, 'file'), '');
    const fallback = join(dir, 'fallback', 'vipd.sock');
    const ctl = await startControlSocketAt([join(dir, 'file', 'vipd', 'vipd.sock'), fallback], { metrics, health });
    try {
      assert.equal(ctl.socketPath, fallback);
    } finally {
      await ctl.close();
    }
    await rejectsCode(startControlSocketAt([join(dir, 'file', 'x', 'vipd.sock')]), 'NO_DIR', /no folder for the control socket: .*file exists and is not a folder/);
  });

  it('refuses a path longer than a UNIX socket can hold', async () => {
    await rejectsCode(startControlSocket({ socketPath: join(dir, 'x'.repeat(120), 'vipd.sock') }), 'TOO_LONG', /holds at most 107/);
  });
});
