// `vipd status` with no --socket/--url: the identity's control socket, then a single agent found in the run
// folders, then HTTP; several agents are named, not guessed between.
import assert from 'node:assert/strict';
import { createServer as createNetServer } from 'node:net';
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentSearch, liveControlSockets } from '../../../src/control/locate.js';
import { statusCommand } from '../../../src/control/status.js';
import { controlSocketPath } from '../../../src/control/socketPath.js';
import { startControlSocket, type ControlSocketServer } from '../../../src/control/socketServer.js';
import { startMetricsServer, type MetricsServer } from '../../../src/metrics/http.js';
import { createVipdMetrics } from '../../../src/metrics/registry.js';
import { VirtualClock } from '../../../src/clock/virtualClock.js';

// The fetch bound is armed on it and never advanced: these sockets answer at once.
const clock = new VirtualClock();

function agentMetrics(node: string) {
  return createVipdMetrics({
    processMetrics: false,
    nowMs: () => 1_800_000_000_000,
    buildInfo: { version: '0.1.0', node },
    instances: () => [
      { name: 'VI_1', ifname: 'eth0', vrid: 51, state: 'MASTER', basePriority: 100, effectivePriority: 100, masterAddress: null, vips: [], lastTransition: null },
    ],
  });
}
const health = () => ({ alive: true });

async function freeUrl(): Promise<string> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

async function deadSocket(path: string): Promise<void> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(path + '.tmp', () => r()));
  renameSync(path + '.tmp', path);
  await new Promise<void>((r) => s.close(() => r()));
}

const nodeOf = (stdout: string): string => (JSON.parse(stdout) as { node: string }).node;

describe('control/locate: vipd status without flags', () => {
  let base: string;
  let fallback: string;
  const open: { close(): Promise<void> }[] = [];
  const agent = async (path: string, node: string): Promise<ControlSocketServer> => {
    const s = await startControlSocket({ socketPath: path, metrics: agentMetrics(node), health });
    open.push(s);
    return s;
  };
  const http = async (node: string): Promise<string> => {
    const s: MetricsServer = await startMetricsServer({ host: '127.0.0.1', port: 0, metrics: agentMetrics(node), health });
    open.push(s);
    return `http://127.0.0.1:${s.address.port}`;
  };
  const env = () => ({ uid: 0, tmpDir: '/nonexistent' });
  // The search the CLI builds, with the two run folder bases moved into a temp folder.
  const search = (flags: { configId?: string; netns?: string }, url: string, ownNetns?: string) => {
    const s = agentSearch(flags, url, env(), () => ownNetns);
    const move = (p: string) => p.replace(/^\/run\/vipd/, base).replace(/^\/nonexistent\/vipd-0/, fallback);
    return { ...s, socketPaths: s.socketPaths.map(move), scanBases: s.scanBases.map(move) };
  };

  beforeEach(() => {
    const dir = mkdtempSync(join(tmpdir(), 'vipd-locate-'));
    base = join(dir, 'run');
    fallback = join(dir, 'fallback');
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    rmSync(join(base, '..'), { recursive: true, force: true });
  });

  it('builds the search from flags: own netns by default; explicit flags read only that socket', () => {
    const auto = agentSearch({}, 'http://127.0.0.1:9651', env(), () => 'blue');
    assert.deepEqual(auto.socketPaths, ['/run/vipd/blue/vipd.sock', '/nonexistent/vipd-0/blue/vipd.sock']);
    assert.deepEqual(auto.scanBases, ['/run/vipd/blue', '/nonexistent/vipd-0/blue'], 'inside a netns, only its own agents');
    assert.deepEqual(agentSearch({}, 'u', env(), () => undefined).scanBases, ['/run/vipd', '/nonexistent/vipd-0'], 'on the host, all');
    assert.equal(auto.url, 'http://127.0.0.1:9651');
    const named = agentSearch({ configId: 'lb1' }, 'http://127.0.0.1:9651', env(), () => undefined);
    assert.deepEqual(named.socketPaths, ['/run/vipd/vipd_lb1.sock', '/nonexistent/vipd-0/vipd_lb1.sock']);
    assert.deepEqual(named.scanBases, []);
    assert.equal(named.url, null);
    assert.equal(named.asked, '--config-id lb1');
  });

  it('reads the default socket of an agent whose HTTP listener is elsewhere or off', async () => {
    await agent(controlSocketPath({}, base), 'd1');
    const r = await statusCommand({ clock, search: search({}, await freeUrl()), json: true });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(nodeOf(r.stdout), 'd1');
    const table = await statusCommand({ clock, search: search({}, await freeUrl()) });
    assert.match(table.stdout, /^vipd 0\.1\.0 on d1: 1 instance/);
  });

  it('reads the socket of the namespace it runs in, and the fallback folder', async () => {
    await agent(controlSocketPath({ netns: 'blue' }, base), 'in-blue');
    await agent(controlSocketPath({ netns: 'red' }, fallback), 'in-red');
    assert.equal(nodeOf((await statusCommand({ clock, search: search({}, await freeUrl(), 'blue'), json: true })).stdout), 'in-blue');
    assert.equal(nodeOf((await statusCommand({ clock, search: search({}, await freeUrl(), 'red'), json: true })).stdout), 'in-red');
  });

  it('finds the one agent running anywhere under the run folders (an agent in a netns, status on the host)', async () => {
    await agent(controlSocketPath({ netns: 'blue', configId: 'lb1' }, base), 'only');
    await deadSocket(join(base, 'vipd.sock')); // a killed agent's leftover is no agent
    const r = await statusCommand({ clock, search: search({}, await freeUrl()), json: true });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(nodeOf(r.stdout), 'only');
  });

  it('inside a namespace, never shows another namespace\'s agent', async () => {
    await agent(controlSocketPath({ netns: 'red' }, base), 'in-red');
    const url = await freeUrl();
    const r = await statusCommand({ clock, search: search({}, url, 'blue') });
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /no vipd running at http/);
    const withId = await agent(controlSocketPath({ netns: 'blue', configId: 'lb1' }, base), 'blue-lb1');
    assert.ok(withId);
    assert.equal(nodeOf((await statusCommand({ clock, search: search({}, url, 'blue'), json: true })).stdout), 'blue-lb1');
  });

  it('names several agents and the flags that choose one, instead of guessing', async () => {
    await agent(controlSocketPath({ configId: 'lb1' }, base), 'a');
    await agent(controlSocketPath({ netns: 'blue' }, base), 'b');
    assert.deepEqual(await liveControlSockets([base]), [controlSocketPath({ netns: 'blue' }, base), controlSocketPath({ configId: 'lb1' }, base)]);
    const r = await statusCommand({ clock, search: search({}, await http('via-http')) });
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /several vipd agents run here; name one with --netns\/--config-id or --socket: /);
    assert.match(r.stderr, /blue\/vipd\.sock \(--netns blue\)/);
    assert.match(r.stderr, /vipd_lb1\.sock \(--config-id lb1\)/);
    const chosen = await statusCommand({ clock, search: search({ configId: 'lb1' }, 'unused'), json: true });
    assert.equal(nodeOf(chosen.stdout), 'a');
  });

  it('falls back to HTTP when no socket answers (a dead one included)', async () => {
    mkdirSync(base);
    await deadSocket(join(base, 'vipd.sock'));
    const r = await statusCommand({ clock, search: search({}, await http('via-http')), json: true });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(nodeOf(r.stdout), 'via-http');
  });

  it('says where it looked when nothing answers', async () => {
    const url = await freeUrl();
    const r = await statusCommand({ clock, search: search({}, url) });
    assert.equal(r.exitCode, 1);
    assert.equal(
      r.stderr,
      `vipd status: no vipd running at ${url} (connection refused); no agent answers on the control socket ${base}/vipd.sock or ${fallback}/vipd.sock\n`,
    );
  });

  it('with --config-id, does not read another agent over HTTP', async () => {
    const r = await statusCommand({ clock, search: search({ configId: 'lb9' }, await http('someone-else')) });
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /^vipd status: no vipd with --config-id lb9: no agent answers on the control socket .*vipd_lb9\.sock/);
  });

  it('reports an agent that is still starting instead of looking further', async () => {
    const s = await startControlSocket({ socketPath: controlSocketPath({}, base) });
    open.push(s);
    const r = await statusCommand({ clock, search: search({}, await http('via-http')) });
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /answered HTTP 503: vipd is starting/);
  });
});
