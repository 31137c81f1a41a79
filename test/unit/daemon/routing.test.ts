// routing.ts: config lines → rtnetlink specs, and the ordered, per-line install/remove (keepalived vrrp.c order).
import assert from 'node:assert/strict';
import { installRouting, removeRouting, routeSpec, routingSet, ruleSpec, type RoutingOs } from '../../../src/daemon/routing.js';
import type { RouteSpec, RuleSpec } from '../../../src/net/rtnetlink.js';
import { conf, recordingLogger, type LogLine } from './harness.js';

const CONFIG = `
static_routes {
  10.1.0.0/16 via 10.9.0.1 dev eth0 metric 5 mtu lock 1400
  10.2.0.0/16 dev eth7
  10.3.0.0/16 nexthop via 10.9.0.2 dev eth0 weight 2 nexthop via 10.9.0.3 dev eth9
  blackhole 10.4.0.0/16 table 300
}
static_rules {
  from 10.1.0.0/16 table 300 preference 10
  not fwmark 3/7 prohibit preference 11 iif eth0
}
`;

function recordingOs(failOn: string | null = null): RoutingOs & { calls: string[] } {
  const calls: string[] = [];
  const route = (op: string) => async (s: RouteSpec) => {
    calls.push(`${op} ${s.destination}`);
    if (s.destination === failOn) throw new Error('netlink request failed: ENETUNREACH');
  };
  const rule = (op: string) => async (s: RuleSpec) => void calls.push(`${op} ${s.priority}`);
  return { calls, addRoute: route('addRoute'), removeRoute: route('removeRoute'), addRule: rule('addRule'), removeRule: rule('removeRule') };
}

describe('daemon/routing', () => {
  const config = conf(CONFIG);
  const ifindexOf = (name: string) => ({ eth0: 2 })[name];

  it('turns config lines into specs: names resolved to ifindexes, weights and metrics carried', () => {
    assert.deepEqual(routeSpec(config.staticRoutes[0]!, ifindexOf), {
      destination: '10.1.0.0', prefixLen: 16, type: 'unicast', table: 254, protocol: 18, mode: 'prepend',
      gateway: '10.9.0.1', ifindex: 2, metric: 5, metrics: { mtu: 1400 }, locked: ['mtu'],
    });
    assert.deepEqual(routeSpec(config.staticRoutes[2]!, ifindexOf).nexthops, [{ gateway: '10.9.0.2', ifindex: 2, weight: 2 }, { gateway: '10.9.0.3' }]);
    assert.deepEqual(ruleSpec(config.staticRules[1]!), {
      family: 4, action: 'prohibit', priority: 11, protocol: 18, not: true, fwmark: 3, fwmask: 7, iif: 'eth0',
    });
  });

  it('installs routes then rules line by line; a line naming a missing interface or refused by the kernel is logged and the rest go on', async () => {
    const os = recordingOs('10.4.0.0');
    const log: LogLine[] = [];
    const set = routingSet(config.staticRoutes, config.staticRules, ifindexOf);
    const failed = await installRouting(os, set, recordingLogger(log, false), 'static routing:');
    assert.equal(failed, 3);
    assert.deepEqual(os.calls, ['addRoute 10.1.0.0', 'addRoute 10.4.0.0', 'addRule 10', 'addRule 11']);
    assert.deepEqual(log.map((l) => `${l.level} ${l.message}`), [
      "error static routing: cannot add route '10.2.0.0/16 dev eth7' (/etc/vipd/test.conf:4): interface eth7 does not exist",
      "error static routing: cannot add route '10.3.0.0/16 nexthop via 10.9.0.2 dev eth0 weight 2 nexthop via 10.9.0.3 dev eth9' (/etc/vipd/test.conf:5): interface eth9 does not exist",
      "error static routing: cannot add route 'blackhole 10.4.0.0/16 table 300' (/etc/vipd/test.conf:6): netlink request failed: ENETUNREACH",
    ]);
  });

  it('removes in reverse: rules (last first), then routes (last first); never-sent routes are not removed', async () => {
    const os = recordingOs();
    await removeRouting(os, routingSet(config.staticRoutes, config.staticRules, ifindexOf), recordingLogger([], false), 'x');
    assert.deepEqual(os.calls, ['removeRule 11', 'removeRule 10', 'removeRoute 10.4.0.0', 'removeRoute 10.1.0.0']);
  });
});
