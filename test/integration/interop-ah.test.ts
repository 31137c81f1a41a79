// `auth_type AH` against real keepalived (Debian 2.2.7) in both roles, multicast and unicast: one master at a
// time, the VIP moves both ways (SIGTERM on the master, the higher priority returning and preempting with the
// sequence number it learnt as backup). With different keys each side drops the other's adverts and counts it:
// vipd as ah_icv_mismatch (keepalived's auth_failure), keepalived in its stats file.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { Lab } from '../../src/lab/netns.js';
import { AgentSet, holders, waitFor, type AgentKind } from '../../src/lab/agents.js';
import { pairConfig } from '../../src/lab/pairConfig.js';
import { maxHoldersDuring, requireKeepalived, requireLab, usePairLab } from './labHelpers.js';

const VIP = '10.1.0.100';
const HOSTS = ['d1', 'd2'];
const LISTEN = '127.0.0.1:9651';
/** keepalived 2.2.7 writes its statistics here on SIGUSR2 (KEEPALIVED_STATS_FILE). */
const KEEPALIVED_STATS = '/tmp/keepalived.stats';

function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{')) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').at(-1));
  }
  return 0;
}

describe('integration: auth_type AH interop with real keepalived', function () {
  this.timeout(90_000);
  before(function () {
    requireLab(this);
    requireKeepalived(this);
  });
  const env = usePairLab('ka');
  let lab: Lab;
  let agents: AgentSet;
  beforeEach(() => {
    lab = env.lab();
    agents = env.agents();
  });

  const conf = (host: 'd1' | 'd2', priority: number, unicast: boolean, pass = 'ahsecret') =>
    pairConfig({
      routerId: host, priority, version: 2, advertInt: 1, vips: [`${VIP}/24`], authType: 'AH', authPass: pass,
      ...(unicast ? { unicastSrc: host === 'd1' ? '10.1.0.1' : '10.1.0.2', unicastPeers: [host === 'd1' ? '10.1.0.2' : '10.1.0.1'] } : {}),
    });
  const only = (host: string) => waitFor(async () => (await holders(lab, HOSTS, VIP)).join() === host, 15_000, 20);

  const roles: [AgentKind, AgentKind][] = [
    ['vipd', 'keepalived'],
    ['keepalived', 'vipd'],
  ];
  for (const unicast of [false, true]) {
    for (const [high, low] of roles) {
      it(`${unicast ? 'unicast' : 'multicast'}: ${high} (priority 150) and ${low} (100) elect one master; VIP moves both ways`, async () => {
        let d1 = agents.start(high, 'd1', conf('d1', 150, unicast));
        const d2 = agents.start(low, 'd2', conf('d2', 100, unicast));
        const logs = () => `\n--- d1 ${high}\n${d1.output().slice(-2000)}\n--- d2 ${low}\n${d2.output().slice(-2000)}`;
        assert.ok(await only('d1'), `${high} on d1 should become the only holder${logs()}`);
        assert.equal(await maxHoldersDuring(lab, HOSTS, VIP, 3000), 1, `never two holders while d1 is MASTER${logs()}`);

        await d1.stop('SIGTERM');
        assert.ok(await only('d2'), `${low} on d2 takes over after SIGTERM on ${high}${logs()}`);
        assert.equal(await maxHoldersDuring(lab, HOSTS, VIP, 2000), 1);

        // d1 comes back with its counter at 0, learns d2's sequence as BACKUP, then preempts with the next number.
        d1 = agents.start(high, 'd1', conf('d1', 150, unicast));
        assert.ok(await only('d1'), `${high} on d1 preempts on return${logs()}`);
        assert.equal(await maxHoldersDuring(lab, HOSTS, VIP, 3000), 1, `never two holders after the preemption${logs()}`);
        assert.doesNotMatch(d2.output() + d1.output(), /IPSEC-AH : invalid|ah_icv_mismatch|ah_spi_mismatch/, 'no ICV or SPI failure with the same key');
      });
    }
  }

  // keepalived's known AH quirk: an address owner (255, state MASTER) restarted at once starts again at sequence 1
  // while the backup's counter is far above it. The backup drops those adverts as replays, takes over when its
  // Master_Down timer fires, and its next number (counter + 1) is accepted by the owner, which raises its own
  // counter to it (keepalived also adds one: "Syncing seq_num") and answers with a number above, which the backup
  // accepts and yields to. The backup is MASTER for a moment, then the owner is alone again — on both sides.
  for (const [owner, other] of roles) {
    it(`restart quirk: ${owner} as owner (255) killed and restarted at once; ${other} drops its adverts as replays, takes over, and both resync`, async () => {
      const ownerConf = (): string =>
        pairConfig({ routerId: 'd1', priority: 255, state: 'MASTER', version: 2, advertInt: 1, vips: [`${VIP}/24`], authType: 'AH', authPass: 'ahsecret' });
      let d1 = agents.start(owner, 'd1', ownerConf());
      const d2 = agents.start(other, 'd2', conf('d2', 100, false), [], other === 'vipd' ? { metricsListen: LISTEN } : {});
      const logs = () => `\n--- d1 ${owner}\n${d1.output().slice(-2500)}\n--- d2 ${other}\n${d2.output().slice(-2500)}`;
      assert.ok(await only('d1'), `owner on d1 is the only holder${logs()}`);
      await new Promise((r) => setTimeout(r, 4000)); // a few adverts: the backup's counter is well above 1
      assert.doesNotMatch(d2.output(), /Entering MASTER STATE/, `d2 has been BACKUP all along${logs()}`);
      if (owner === 'keepalived') {
        // The VRRP child first, so that nothing sends a priority-0 advert on its way out.
        process.kill(Number(readFileSync(`${agents.dir}/d1-vrrp.pid`, 'utf8').trim()), 'SIGKILL');
      }
      await d1.stop('SIGKILL');
      // A SIGKILLed keepalived leaves its pid files behind ("daemon is already running" otherwise).
      for (const f of ['d1-keepalived.pid', 'd1-vrrp.pid']) rmSync(`${agents.dir}/${f}`, { force: true });
      d1 = agents.start(owner, 'd1', ownerConf());

      const replays = async (): Promise<boolean> => {
        if (other === 'keepalived') return /IPSEC-AH : sequence number \d+ already processed/.test(d2.output());
        const text = (await lab.exec('d2', [process.execPath, '-e', `fetch('http://${LISTEN}/metrics').then(r => r.text()).then(t => process.stdout.write(t))`])).stdout;
        return sample(text, 'vipd_drops_total', { iname: 'VI_1', reason: 'ah_seq_replay' }) > 0;
      };
      assert.ok(await waitFor(replays, 15_000, 200), `${other} dropped the restarted owner's adverts as replays${logs()}`);
      assert.ok(await waitFor(() => /Entering MASTER STATE/.test(d2.output()), 15_000, 50), `${other} took over meanwhile${logs()}`);
      assert.ok(await only('d1'), `the owner ends up the only holder again${logs()}`);
      assert.equal(await maxHoldersDuring(lab, HOSTS, VIP, 3000), 1, `and stays so${logs()}`);
      if (owner === 'keepalived') assert.match(d1.output(), /IPSEC-AH : Syncing seq_num/, `keepalived synced to vipd's sequence${logs()}`);
    });
  }

  it('different keys: each side drops the other (vipd ah_icv_mismatch, keepalived auth_failure), so both hold the VIP', async () => {
    rmSync(KEEPALIVED_STATS, { force: true });
    const v = agents.start('vipd', 'd1', conf('d1', 150, false, 'keyone'), [], { metricsListen: LISTEN });
    const k = agents.start('keepalived', 'd2', conf('d2', 100, false, 'keytwo'));
    const logs = () => `\n--- vipd\n${v.output().slice(-2000)}\n--- keepalived\n${k.output().slice(-2000)}`;
    assert.ok(await waitFor(async () => (await holders(lab, HOSTS, VIP)).length === 2, 15_000, 50), `both become MASTER${logs()}`);

    const metrics = async () =>
      (await lab.exec('d1', [process.execPath, '-e', `fetch('http://${LISTEN}/metrics').then(r => r.text()).then(t => process.stdout.write(t))`])).stdout;
    const text = await metrics();
    const drops = sample(text, 'vipd_drops_total', { iname: 'VI_1', reason: 'ah_icv_mismatch' });
    assert.ok(drops > 0, `vipd counted keepalived's adverts as ah_icv_mismatch\n${text.split('\n').filter((l) => l.includes('drop')).join('\n')}`);
    assert.ok(sample(text, 'keepalived_authentication_failure_total', { iname: 'VI_1' }) > 0, 'and as keepalived\'s auth_failure');

    assert.match(k.output(), /IPSEC-AH : invalid IPSEC HMAC-MD5 value/, `keepalived dropped vipd's adverts${logs()}`);
    process.kill(k.child.pid!, 'SIGUSR2');
    assert.ok(await waitFor(() => existsSync(KEEPALIVED_STATS) && /Authentication Errors/.test(readFileSync(KEEPALIVED_STATS, 'utf8')), 5000, 50), 'keepalived wrote its stats');
    const stats = readFileSync(KEEPALIVED_STATS, 'utf8');
    const failure = /Authentication Errors:[\s\S]*?Failure: (\d+)/.exec(stats);
    assert.ok(failure && Number(failure[1]) > 0, `keepalived counted auth failures:\n${stats}`);
    rmSync(KEEPALIVED_STATS, { force: true });
  });
});
