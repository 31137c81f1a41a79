// Issue 5 proof: after a failover (the master's link cut), /metrics on both directors shows the transition, the takeover latency
// observation, the adverts and the new state; `vipd status` (run inside each namespace) shows the same.
// Issue 13 proof: promtool has nothing to say about either director's scrape after the failover; `vipd status`
// with no flags finds agents whose metrics listener is moved or off (their default control socket).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import type { Lab } from '../../src/lab/netns.js';
import { agentRunDir, controlSocketPath } from '../../src/control/socketPath.js';
import { PROMTOOL_MISSING, promtoolCheckMetrics } from '../unit/metrics/promtool.js';
import { AgentSet, holders, vipdBin, waitFor } from '../../src/lab/agents.js';
import { pairConfig } from '../../src/lab/pairConfig.js';
import { sleep, usePairLab } from './labHelpers.js';

const VIP = '10.1.0.100';
const LISTEN = '127.0.0.1:9651';

/** Prometheus text → value of the first series matching name and every given label. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').at(-1));
  }
  return null;
}

describe('integration: metrics and status after a failover', function () {
  this.timeout(60_000);
  const env = usePairLab('mt');
  let lab: Lab;
  let agents: AgentSet;
  beforeEach(() => {
    lab = env.lab();
    agents = env.agents();
  });

  const metrics = async (host: string) =>
    (await lab.exec(host, [process.execPath, '-e', `fetch('http://${LISTEN}/metrics').then(r => r.text()).then(t => process.stdout.write(t))`])).stdout;
  const status = async (host: string, json: boolean) =>
    (await lab.exec(host, [process.execPath, vipdBin(), 'status', '--url', `http://${LISTEN}`, ...(json ? ['--json'] : [])])).stdout;

  it('exports the transition, takeover latency, adverts and state on both sides', async () => {
    const conf = (h: string, p: number) => pairConfig({ routerId: h, priority: p, version: 3, advertInt: 0.1, vips: [`${VIP}/24`] });
    // d1 first, d2 once d1 holds the VIP: started together on a loaded machine, d2 may boot a Master_Down_Interval
    // (0.36 s here) before d1, become MASTER and be preempted, and the counters below would count that too.
    agents.start('vipd', 'd1', conf('d1', 150), [], { metricsListen: LISTEN });
    assert.ok(await waitFor(async () => (await holders(lab, ['d1'], VIP)).length === 1, 10_000));
    const sock = `/tmp/vipd-test-${process.pid}-${Date.now()}.sock`;
    agents.start('vipd', 'd2', conf('d2', 100), ['--control-socket', sock], { metricsListen: LISTEN });
    assert.ok(await waitFor(async () => (await holders(lab, ['d1', 'd2'], VIP)).join() === 'd1', 10_000));
    await sleep(1000); // d2 up and BACKUP (it hears d1's adverts)
    await lab.setPort('sw', 'd1', false);
    assert.ok(await waitFor(async () => (await holders(lab, ['d2'], VIP)).length === 1, 10_000));
    await sleep(300);

    const m2 = await metrics('d2');
    const inst = { iname: 'VI_1', intf: 'eth0', vrid: '51' };
    assert.equal(sample(m2, 'keepalived_vrrp_state', inst), 2, 'd2 is MASTER (2)');
    assert.equal(sample(m2, 'keepalived_become_master_total', inst), 1);
    assert.equal(sample(m2, 'vipd_transitions_total', { iname: 'VI_1', from: 'BACKUP', to: 'MASTER', reason: 'master-down' }), 1);
    assert.ok((sample(m2, 'keepalived_advertisements_received_total', inst) ?? 0) > 0, 'd2 received adverts');
    assert.ok((sample(m2, 'keepalived_advertisements_sent_total', inst) ?? 0) > 0, 'd2 advertises as master');
    assert.equal(sample(m2, 'vipd_takeover_latency_seconds_count', { iname: 'VI_1', phase: 'first_garp' }), 1);
    assert.ok((sample(m2, 'vipd_garp_sent_total', {}) ?? 0) >= 5, 'GARP burst counted');

    // The old master, cut off but alive, shows its side of the story.
    const m1 = await metrics('d1');
    assert.equal(sample(m1, 'keepalived_vrrp_state', inst), 3, 'd1 is FAULT (3)');
    assert.equal(sample(m1, 'keepalived_release_master_total', inst), 1);
    assert.equal(sample(m1, 'vipd_transitions_total', { iname: 'VI_1', from: 'MASTER', to: 'FAULT', reason: 'fault' }), 1);
    assert.ok((sample(m1, 'keepalived_priority_zero_sent_total', inst) ?? 0) >= 1, 'd1 sent priority 0 on its way to FAULT');
    assert.equal(sample(m1, 'vipd_takeover_latency_seconds_count', { iname: 'VI_1', phase: 'first_garp' }), 1, "d1's own earlier takeover");

    // promtool (Prometheus's own lint) on both real scrapes taken after the failover.
    for (const [host, scrape] of [['d2', m2], ['d1', m1]] as const) {
      const lint = promtoolCheckMetrics(scrape);
      if (lint === null) {
        console.log(`      promtool check skipped: ${PROMTOOL_MISSING}`);
        break;
      }
      assert.match(scrape, /^# TYPE vipd_nodejs_eventloop_lag_seconds gauge$/m, `${host}: process metrics in the scrape`);
      assert.equal(lint.output, '', `promtool on ${host}'s /metrics`);
      assert.equal(lint.code, 0);
    }

    const text = await status('d2', false);
    assert.match(text, /VI_1/);
    assert.match(text, /MASTER/);
    const doc = JSON.parse(await status('d2', true)) as { instances: { name: string; state: string; effectivePriority: number }[] };
    assert.equal(doc.instances[0]?.state, 'MASTER');
    assert.equal(doc.instances[0]?.effectivePriority, 100);

    // The same document over the control socket, and a healthy event loop on /healthz.
    const viaSocket = JSON.parse(
      (await lab.exec('d2', [process.execPath, vipdBin(), 'status', '--socket', sock, '--json'])).stdout,
    ) as { instances: { state: string }[] };
    assert.equal(viaSocket.instances[0]?.state, 'MASTER');
    const health = (await lab.exec('d2', [process.execPath, '-e', `fetch('http://${LISTEN}/healthz').then(async r => process.stdout.write(r.status + ' ' + await r.text()))`])).stdout;
    assert.match(health, /^200 /);
  });
});

/** Run a command, resolving with its exit code and output (lab.exec throws on a non-zero exit). */
function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('integration: vipd status finds the agent with no flags (issue 13)', function () {
  this.timeout(60_000);
  const env = usePairLab('ms');
  let lab: Lab;
  let agents: AgentSet;
  let runDirs: string[] = [];
  beforeEach(() => {
    lab = env.lab();
    agents = env.agents();
    runDirs = ['d1', 'd2'].map((h) => agentRunDir({ netns: lab.ns(h) }));
  });
  // After the lab's own teardown (which SIGKILLs the agents): their default sockets live outside the lab.
  afterEach(() => {
    for (const d of runDirs) rmSync(d, { recursive: true, force: true });
  });

  const statusIn = (host: string, ...args: string[]) => run('ip', ['netns', 'exec', lab.ns(host), process.execPath, vipdBin(), 'status', ...args]);
  const statusOnHost = (...args: string[]) => run(process.execPath, [vipdBin(), 'status', ...args]);

  it('reads agents with metrics moved to another port or off, by their default control socket, table and --json', async () => {
    const conf = (h: string, p: number) => pairConfig({ routerId: h, priority: p, version: 3, advertInt: 0.1, vips: [`${VIP}/24`] });
    // Default control sockets: /run/vipd/<netns>/vipd.sock, named after the namespace `ip netns exec` put them in.
    const d1 = agents.start('vipd', 'd1', conf('d1', 150), [], { metricsListen: '127.0.0.1:9165', controlSocket: 'default' });
    assert.ok(await waitFor(async () => (await holders(lab, ['d1'], VIP)).length === 1, 10_000));
    const d2 = agents.start('vipd', 'd2', conf('d2', 100), [], { metricsListen: 'off', controlSocket: 'default' });
    const sock1 = controlSocketPath({ netns: lab.ns('d1') });
    const sock2 = controlSocketPath({ netns: lab.ns('d2') });
    assert.ok(await waitFor(async () => (await statusIn('d2', '--json')).code === 0, 10_000), d2.output());
    assert.ok(await waitFor(async () => (await holders(lab, ['d1', 'd2'], VIP)).join() === 'd1', 10_000));
    await sleep(500); // d2 has heard d1's adverts: BACKUP with a known master

    const table1 = await statusIn('d1');
    assert.equal(table1.code, 0, table1.stderr);
    assert.match(table1.stdout, /^vipd \S+ on d1: 1 instance/);
    assert.match(table1.stdout, /^VI_1\s+eth0\s+51\s+MASTER\s/m);
    const table2 = await statusIn('d2');
    assert.equal(table2.code, 0, table2.stderr);
    assert.match(table2.stdout, /^VI_1\s+eth0\s+51\s+BACKUP\s/m);
    const doc2 = JSON.parse((await statusIn('d2', '--json')).stdout) as { node: string; instances: { state: string; masterAddress: string }[] };
    assert.equal(doc2.node, 'd2');
    assert.equal(doc2.instances[0]?.state, 'BACKUP');
    assert.equal(doc2.instances[0]?.masterAddress, '10.1.0.1');
    assert.equal(JSON.parse((await statusIn('d1', '--json')).stdout).instances[0].state, 'MASTER');

    // On the host (no namespace of its own): two agents, so it names them instead of guessing; --netns picks one.
    const host = await statusOnHost();
    assert.equal(host.code, 1);
    assert.match(host.stderr, /several vipd agents run here/);
    assert.ok(host.stderr.includes(`${sock1} (--netns ${lab.ns('d1')})`), host.stderr);
    assert.ok(host.stderr.includes(`${sock2} (--netns ${lab.ns('d2')})`), host.stderr);
    const picked = await statusOnHost('--netns', lab.ns('d2'), '--json');
    assert.equal(picked.code, 0, picked.stderr);
    assert.equal(JSON.parse(picked.stdout).node, 'd2');

    // A second agent with the same identity is refused before it touches VRRP; the first keeps answering.
    const twin = agents.start('vipd', 'd2', conf('d2', 100), [], { controlSocket: 'default' });
    assert.equal(await twin.exited, 1, twin.output());
    assert.match(twin.output(), /another vipd is running: its control socket \S+vipd\.sock answers/);
    assert.equal((await statusIn('d2', '--json')).code, 0);

    // SIGKILL leaves a dead socket: the next start replaces it. SIGTERM removes socket and folder.
    await d2.stop('SIGKILL');
    assert.ok(existsSync(sock2), 'a killed agent leaves its socket');
    const again = agents.start('vipd', 'd2', conf('d2', 100), [], { metricsListen: 'off', controlSocket: 'default' });
    assert.ok(await waitFor(async () => (await statusIn('d2', '--json')).code === 0, 10_000), again.output());
    assert.equal(await again.stop('SIGTERM'), 0, again.output());
    assert.equal(existsSync(sock2), false, 'socket removed at stop');
    assert.equal(existsSync(agentRunDir({ netns: lab.ns('d2') })), false, 'its namespace folder too');
    assert.equal(await d1.stop('SIGTERM'), 0, d1.output());
    assert.equal(existsSync(sock1), false);
  });
});
