// Issue 5 proof: after a failover (the master's link cut), /metrics on both directors shows the transition, the takeover latency
// observation, the adverts and the new state; `vipd status` (run inside each namespace) shows the same.
import assert from 'node:assert/strict';
import type { Lab } from '../../src/lab/netns.js';
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
