// keepalived routes and rules over rtnetlink in design.md's pair lab (d1 10.1.0.1, d2 10.1.0.2, VIP 10.1.0.100):
// the master's virtual_routes and virtual_rules appear with the VIP and move with it on failover; static_routes
// and static_rules are on both directors from start to stop. Checked with `ip route show table all` / `ip rule`.
import assert from 'node:assert/strict';
import type { Lab } from '../../src/lab/netns.js';
import { holders, waitFor, type AgentSet } from '../../src/lab/agents.js';
import { pairConfig } from '../../src/lab/pairConfig.js';
import { usePairLab } from './labHelpers.js';

const VIP = '10.1.0.100';
const HOSTS = ['d1', 'd2'];

const STATIC = [
  'static_routes {',
  '    10.50.0.0/16 via 10.1.0.254 dev eth0',
  '    prohibit 10.51.0.0/16 table 300',
  '}',
  'static_rules {',
  '    to 10.52.0.0/16 table 300 preference 300',
  '}',
  '',
].join('\n');

const VIRTUAL = [
  'virtual_routes {',
  '    src 10.1.0.100 10.60.0.0/16 via 10.1.0.254 dev eth0',
  '    blackhole 10.61.0.0/16 table 100',
  '    10.62.0.0/16 table 1000 nexthop via 10.1.0.253 dev eth0 nexthop via 10.1.0.252 dev eth0 weight 3',
  '    10.63.0.0/16 via 10.1.0.253 or 10.1.0.252',
  '    unreachable 10.64.0.0/16 metric 50',
  '    throw 10.65.0.0/16 table 100',
  '    10.66.0.0/16 dev eth0 mtu lock 1400 advmss 1360 scope link',
  '}',
  'virtual_rules {',
  '    from 10.1.0.100/32 table 100 preference 100',
  '    fwmark 7/255 table 1000 preference 101',
  '    not to 10.0.0.0/8 iif eth0 unreachable preference 102',
  '}',
];

/** Each virtual route as `ip route show table all` prints it (kernel 6.x, iproute2 6.1). */
const VIRTUAL_ROUTES: readonly RegExp[] = [
  /^10\.60\.0\.0\/16 via 10\.1\.0\.254 dev eth0 proto keepalived src 10\.1\.0\.100 $/m,
  /^blackhole 10\.61\.0\.0\/16 table 100 proto keepalived $/m,
  /^10\.62\.0\.0\/16 table 1000 proto keepalived \n\tnexthop via 10\.1\.0\.253 dev eth0 weight 1 \n\tnexthop via 10\.1\.0\.252 dev eth0 weight 3 $/m,
  /^10\.63\.0\.0\/16 proto keepalived \n\tnexthop via 10\.1\.0\.253 dev eth0 weight 1 \n\tnexthop via 10\.1\.0\.252 dev eth0 weight 1 $/m,
  /^unreachable 10\.64\.0\.0\/16 proto keepalived metric 50 $/m,
  /^throw 10\.65\.0\.0\/16 table 100 proto keepalived $/m,
  /^10\.66\.0\.0\/16 dev eth0 proto keepalived scope link mtu lock 1400 advmss 1360 $/m,
];
const VIRTUAL_RULES: readonly RegExp[] = [
  /^100:\tfrom 10\.1\.0\.100 lookup 100 proto keepalived$/m,
  /^101:\tfrom all fwmark 0x7\/0xff lookup 1000 proto keepalived$/m,
  /^102:\tnot from all to 10\.0\.0\.0\/8 iif eth0 unreachable proto keepalived$/m,
];
const STATIC_ROUTES: readonly RegExp[] = [
  /^10\.50\.0\.0\/16 via 10\.1\.0\.254 dev eth0 proto keepalived $/m,
  /^prohibit 10\.51\.0\.0\/16 table 300 proto keepalived $/m,
];
const STATIC_RULES: readonly RegExp[] = [/^300:\tfrom all to 10\.52\.0\.0\/16 lookup 300 proto keepalived$/m];

describe('integration: routes and rules (static_*, virtual_*)', function () {
  this.timeout(90_000);
  const env = usePairLab('vr');
  let lab: Lab;
  let agents: AgentSet;
  beforeEach(() => {
    lab = env.lab();
    agents = env.agents();
  });

  const conf = (routerId: string, priority: number) =>
    STATIC + pairConfig({ routerId, priority, version: 3, advertInt: 0.1, vips: [`${VIP}/24`], extra: VIRTUAL });

  const routes = async (host: string) => (await lab.ip(host, '-4', 'route', 'show', 'table', 'all')).stdout;
  const rules = async (host: string) => (await lab.ip(host, '-4', 'rule', 'show')).stdout;
  const count = (text: string, res: readonly RegExp[]) => res.filter((re) => re.test(text)).length;
  /** Wait until `host` shows all (or none) of the given routes and rules. */
  const shows = (host: string, rts: readonly RegExp[], rls: readonly RegExp[], all: boolean) =>
    waitFor(async () => {
      const [r, l] = [await routes(host), await rules(host)];
      return all ? count(r, rts) === rts.length && count(l, rls) === rls.length : count(r, rts) === 0 && count(l, rls) === 0;
    }, 10_000, 50);
  const explain = async (host: string) => `${host} routes:\n${await routes(host)}\n${host} rules:\n${await rules(host)}`;

  it('virtual routes and rules follow the VIP to the new master; static ones stay from start to stop', async () => {
    const d1 = agents.start('vipd', 'd1', conf('d1', 150));
    const d2 = agents.start('vipd', 'd2', conf('d2', 100));
    assert.ok(await waitFor(async () => (await holders(lab, HOSTS, VIP)).join() === 'd1', 10_000, 20), 'd1 holds the VIP');

    assert.ok(await shows('d1', VIRTUAL_ROUTES, VIRTUAL_RULES, true), `d1 (MASTER) has every virtual route and rule\n${await explain('d1')}\n${d1.output()}`);
    assert.ok(await shows('d2', VIRTUAL_ROUTES, VIRTUAL_RULES, false), `d2 (BACKUP) has none\n${await explain('d2')}`);
    for (const h of HOSTS) assert.ok(await shows(h, STATIC_ROUTES, STATIC_RULES, true), `${h} has the static routes and rules\n${await explain(h)}`);

    // Deleted behind vipd's back (here on the BACKUP): the static route and rule come back (keepalived reinstates them).
    await lab.ip('d2', 'route', 'del', '10.50.0.0/16', 'via', '10.1.0.254', 'dev', 'eth0');
    await lab.ip('d2', 'rule', 'del', 'pref', '300');
    assert.ok(await shows('d2', STATIC_ROUTES, STATIC_RULES, true), `d2 restored its static route and rule\n${await explain('d2')}\n${d2.output()}`);
    assert.match(d2.output(), /restoring deleted static route '10\.50\.0\.0\/16 via 10\.1\.0\.254 dev eth0'/);
    assert.match(d2.output(), /restoring deleted static rule 'to 10\.52\.0\.0\/16 table 300 preference 300'/);

    // Failover: d1 loses its link (FAULT) and gives everything virtual up; d2 takes the VIP and installs it all.
    await lab.setPort('sw', 'd1', false);
    assert.ok(await waitFor(async () => (await holders(lab, HOSTS, VIP)).join() === 'd2', 10_000, 20), 'd2 takes the VIP');
    assert.ok(await shows('d2', VIRTUAL_ROUTES, VIRTUAL_RULES, true), `d2 (new MASTER) has every virtual route and rule\n${await explain('d2')}\n${d2.output()}`);
    assert.ok(await shows('d1', VIRTUAL_ROUTES, VIRTUAL_RULES, false), `d1 (FAULT) removed them\n${await explain('d1')}`);
    // The link is down: the kernel drops d1's routes through eth0 by itself; the rules and the eth0-less routes stay.
    assert.ok(await shows('d1', [STATIC_ROUTES[1]!], STATIC_RULES, true), `d1 keeps its static routes and rules\n${await explain('d1')}`);
    assert.ok(await shows('d2', STATIC_ROUTES, STATIC_RULES, true), `d2 keeps its static routes and rules\n${await explain('d2')}`);

    // Back: d1 preempts and the virtual set moves back.
    await lab.setPort('sw', 'd1', true);
    assert.ok(await waitFor(async () => (await holders(lab, HOSTS, VIP)).join() === 'd1', 15_000, 20), 'd1 takes the VIP back');
    assert.ok(await shows('d1', VIRTUAL_ROUTES, VIRTUAL_RULES, true), `d1 has them again\n${await explain('d1')}`);
    assert.ok(await shows('d2', VIRTUAL_ROUTES, VIRTUAL_RULES, false), `d2 gave them up\n${await explain('d2')}`);

    // Stop: everything vipd installed goes, virtual and static, and nothing it did not install.
    assert.equal(await d1.stop(), 0, d1.output());
    assert.equal(await d2.stop(), 0, d2.output());
    for (const h of HOSTS) {
      const [r, l] = [await routes(h), await rules(h)];
      assert.doesNotMatch(r, /proto keepalived/, `${h}: no route left behind\n${r}`);
      assert.doesNotMatch(l, /proto keepalived/, `${h}: no rule left behind\n${l}`);
      assert.match(r, /^10\.1\.0\.0\/24 dev eth0 proto kernel scope link src 10\.1\.0\.\d $/m, `${h}: the connected route is untouched`);
      assert.match(l, /^32766:\tfrom all lookup main\s*$/m, `${h}: the kernel's own rules are untouched`);
    }
  });

  it('installs exactly what keepalived 2.2.7 installs for the same file', async () => {
    const kernelView = async () => `${(await routes('d1')).replace(/^.*table local.*\n/gm, '')}\n${await rules('d1')}`;
    const capture = async (kind: 'vipd' | 'keepalived') => {
      const a = agents.start(kind, 'd1', conf('d1', 150));
      assert.ok(await waitFor(async () => (await holders(lab, ['d1'], VIP)).length === 1, 10_000, 20), `${kind} takes the VIP\n${a.output()}`);
      assert.ok(await shows('d1', VIRTUAL_ROUTES, VIRTUAL_RULES, true), `${kind} installed the virtual set\n${await explain('d1')}\n${a.output()}`);
      const view = await kernelView();
      await a.stop();
      assert.ok(await shows('d1', [...VIRTUAL_ROUTES, STATIC_ROUTES[1]!], [...VIRTUAL_RULES, ...STATIC_RULES], false), `${kind} removed everything at stop\n${await explain('d1')}`);
      return view;
    };
    const keepalived = await capture('keepalived');
    const vipd = await capture('vipd');
    // Every route here that has no gateway names its scope: keepalived sends scope global for a route without
    // `scope`, vipd the scope `ip route add` picks (link for a unicast route without gateway; docs/configuration.md).
    assert.equal(vipd, keepalived);
  });
});
