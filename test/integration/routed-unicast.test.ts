// Directors in different sites: unicast VRRP between two subnets joined by a router namespace. The adverts
// cross a router (TTL 254 on arrival, which unicast does not check), and the VRRPv3 checksum uses the real peer
// address in the pseudo-header. One director holds the VIP; cutting its uplink moves it to the other site.
import assert from 'node:assert/strict';
import type { Lab } from '../../src/lab/netns.js';
import { AgentSet, holders, waitFor } from '../../src/lab/agents.js';
import { pairConfig } from '../../src/lab/pairConfig.js';
import { maxHoldersDuring, newLab, requireLab } from './labHelpers.js';

const VIP = '10.9.9.9';

async function buildRoutedLab(lab: Lab): Promise<void> {
  await lab.addHost('rt');
  await lab.exec('rt', ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  for (const [d, net] of [['d1', 1], ['d2', 3]] as const) {
    await lab.addHost(d);
    // veth d<->rt directly: eth0 in the director, `d1`/`d2` in the router.
    await lab.ip(d, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', d, 'netns', lab.ns('rt'));
    await lab.ip(d, 'link', 'set', 'eth0', 'up');
    await lab.ip('rt', 'link', 'set', d, 'up');
    await lab.addAddress(d, 'eth0', `10.${net}.0.${net === 1 ? 1 : 2}/24`);
    await lab.addAddress('rt', d, `10.${net}.0.254/24`);
    await lab.ip(d, 'route', 'add', 'default', 'via', `10.${net}.0.254`);
  }
}

describe('integration: unicast peers in different subnets (routed)', function () {
  this.timeout(60_000);
  let lab: Lab;
  let agents: AgentSet;

  beforeEach(async function () {
    requireLab(this);
    lab = newLab('ru');
    agents = new AgentSet(lab);
    await buildRoutedLab(lab);
  });

  afterEach(async function () {
    await agents?.destroy();
    await lab?.destroy();
  });

  for (const version of [2, 3] as const) {
    it(`VRRPv${version}: one master across the router, takeover when its uplink is cut`, async () => {
      const conf = (host: 'd1' | 'd2', priority: number) =>
        pairConfig({
          routerId: host,
          priority,
          version,
          advertInt: version === 3 ? 0.1 : 1,
          vips: [`${VIP}/32`],
          unicastSrc: host === 'd1' ? '10.1.0.1' : '10.3.0.2',
          unicastPeers: [host === 'd1' ? '10.3.0.2' : '10.1.0.1'],
        });
      const d1 = agents.start('vipd', 'd1', conf('d1', 150));
      const d2 = agents.start('vipd', 'd2', conf('d2', 100));
      const only = (h: string, ms: number) => waitFor(async () => (await holders(lab, ['d1', 'd2'], VIP)).join() === h, ms, 20);
      assert.ok(await only('d1', 10_000), `${d1.output().slice(-1500)}\n${d2.output().slice(-1500)}`);
      assert.equal(await maxHoldersDuring(lab, ['d1', 'd2'], VIP, version === 3 ? 1000 : 3000), 1, 'd2 hears d1 across the router');
      assert.doesNotMatch(d2.output(), /dropped advert/, 'routed adverts (TTL 254) are accepted');
      await lab.ip('rt', 'link', 'set', 'd1', 'down');
      assert.ok(await waitFor(async () => (await holders(lab, ['d2'], VIP)).length === 1, 10_000), d2.output().slice(-1500));
    });
  }
});
