// vipd against real keepalived (Debian 2.2.7) in both roles: VRRPv2 and v3, multicast and unicast, with and
// without PASS authentication. While one side is MASTER the other stays BACKUP (never two holders), and the
// VIP moves both ways on SIGTERM, on a returning higher priority, and on a link cut.
import assert from 'node:assert/strict';
import type { Lab } from '../../src/lab/netns.js';
import { AgentSet, holders, waitFor, type AgentKind } from '../../src/lab/agents.js';
import { pairConfig, type PairConfigOptions } from '../../src/lab/pairConfig.js';
import { maxHoldersDuring, requireLab, requireKeepalived, usePairLab } from './labHelpers.js';

const VIP = '10.1.0.100';
const HOSTS = ['d1', 'd2'];


interface Variant {
  name: string;
  /** VIP with prefix; default 10.1.0.100/24. */
  vip?: string;
  opts: Partial<PairConfigOptions> & { version: 2 | 3; advertInt: number };
  unicast?: boolean;
}

const variants: Variant[] = [
  { name: 'VRRPv2 multicast', opts: { version: 2, advertInt: 1 } },
  { name: 'VRRPv2 multicast, PASS auth', opts: { version: 2, advertInt: 1, authPass: 'secret12' } },
  { name: 'VRRPv2 unicast', opts: { version: 2, advertInt: 1 }, unicast: true },
  { name: 'VRRPv2 unicast, PASS auth', opts: { version: 2, advertInt: 1, authPass: 'pw' }, unicast: true },
  { name: 'VRRPv3 multicast', opts: { version: 3, advertInt: 0.1 } },
  { name: 'VRRPv3 unicast', opts: { version: 3, advertInt: 0.1 }, unicast: true },
  { name: 'VRRPv3 IPv6 multicast', opts: { version: 3, advertInt: 0.1 }, vip: 'fd00:1::100/64' },
];

const roles: [AgentKind, AgentKind][] = [
  ['vipd', 'keepalived'],
  ['keepalived', 'vipd'],
];

describe('integration: interop with real keepalived', function () {
  this.timeout(90_000);
  before(function () {
    requireLab(this);
    requireKeepalived(this);
  });
  const env = usePairLab('ki');
  let lab: Lab;
  let agents: AgentSet;
  beforeEach(() => {
    lab = env.lab();
    agents = env.agents();
  });

  for (const v of variants) {
    for (const [high, low] of roles) {
      it(`${v.name}: ${high} (priority 150) and ${low} (100) elect one master; VIP moves both ways`, async () => {
        const vipCidr = v.vip ?? `${VIP}/24`;
        const vip = vipCidr.split('/')[0]!;
        const conf = (host: 'd1' | 'd2', priority: number) =>
          pairConfig({
            routerId: host,
            priority,
            vips: [vipCidr],
            ...v.opts,
            ...(v.unicast ? { unicastSrc: host === 'd1' ? '10.1.0.1' : '10.1.0.2', unicastPeers: [host === 'd1' ? '10.1.0.2' : '10.1.0.1'] } : {}),
          });
        const stepMs = v.opts.advertInt * 1000;
        const bound = Math.max(4 * stepMs + 2000, 3000) + 3000;
        const only = (host: string) => waitFor(async () => (await holders(lab, HOSTS, vip)).join() === host, bound + 4000, 20);

        let d1 = agents.start(high, 'd1', conf('d1', 150));
        const d2 = agents.start(low, 'd2', conf('d2', 100));
        assert.ok(await only('d1'), `${high} on d1 should become the only holder\n${d1.output().slice(-1500)}\n${d2.output().slice(-1500)}`);
        assert.equal(await maxHoldersDuring(lab, HOSTS, vip, Math.max(1000, 3 * stepMs)), 1, 'never two holders while d1 is MASTER');

        // SIGTERM on the master: the other side takes over.
        await d1.stop('SIGTERM');
        assert.ok(await only('d2'), `${low} on d2 takes over after SIGTERM on ${high}\n${d2.output().slice(-1500)}`);

        // The higher priority returns and preempts: the VIP moves back the other way.
        d1 = agents.start(high, 'd1', conf('d1', 150));
        assert.ok(await only('d1'), `${high} on d1 preempts on return\n${d1.output().slice(-1500)}\n${d2.output().slice(-1500)}`);
        assert.equal(await maxHoldersDuring(lab, HOSTS, vip, Math.max(1000, 3 * stepMs)), 1);

        // Link cut on the master.
        await lab.setPort('sw', 'd1', false);
        assert.ok(
          await waitFor(async () => (await holders(lab, ['d2'], vip)).length === 1, bound, 20),
          `${low} on d2 takes over after the link cut\n${d2.output().slice(-1500)}`,
        );
      });
    }
  }
});
