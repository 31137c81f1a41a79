// virtual_routes / static_routes and virtual_rules / static_rules, read word for word as keepalived 2.2.7 reads
// them (vrrp_iproute.c alloc_route, vrrp_iprule.c alloc_rule): every form of Debian's two samples, the examples
// of `man keepalived.conf`, and each way a line is skipped or refused, at its file:line.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { loadConfig } from '../../../src/config/index.js';
import type { RouteConfig, RuleConfig } from '../../../src/config/types.js';
import { diags, errors, instance, load, only, warnings } from './helpers.js';

const SAMPLES = '/usr/share/doc/keepalived/samples';

const net = (p: { address: string; prefixLength: number } | null) => (p ? `${p.address}/${p.prefixLength}` : null);
const route = (r: RouteConfig) => ({
  family: r.family, type: r.type, dst: net(r.destination), via: r.via, src: r.src, dev: r.dev, table: r.table, scope: r.scope,
  nexthops: r.nexthops.map((n) => n.via),
});
const rule = (r: RuleConfig) => ({ from: net(r.from), to: net(r.to), action: r.action, table: r.table, preference: r.preference });

function staticRoutes(body: string, extra: Record<string, string> = {}) {
  return load(`static_routes {\n${body}\n}\n`, {}, extra);
}
function staticRules(body: string, extra: Record<string, string> = {}) {
  return load(`static_rules {\n${body}\n}\n`, {}, extra);
}

describe('config/routes and rules', () => {
  describe("Debian's samples", function () {
    before(function () {
      if (!fs.existsSync(`${SAMPLES}/keepalived.conf.vrrp.routes`)) {
        console.log(`skipped: ${SAMPLES} is missing (install Debian's keepalived package)`);
        this.skip();
      }
    });

    it('keepalived.conf.vrrp.routes: every static and virtual route, `or` as two next hops, blackhole, `gw`', () => {
      const file = `${SAMPLES}/keepalived.conf.vrrp.routes`;
      const r = loadConfig(file, { configId: 'lb1' });
      assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
      assert.deepEqual(r.diagnostics.map((d) => `${d.line} ${d.message}`), [
        '30 virtual_routes: "or" for routes is deprecated. Please use "nexthop"',
        '32 virtual_routes: "gw" for routes is deprecated. Please use "via"',
      ]);
      const u = { family: 'inet', type: 'unicast', src: null, table: 254, scope: null, nexthops: [] } as const;
      assert.deepEqual(r.config!.staticRoutes.map(route), [
        { ...u, dst: '192.168.209.0/24', via: '192.168.200.254', src: '192.168.100.1', dev: 'eth0' },
        { ...u, dst: '192.168.210.0/24', via: '192.168.200.254', dev: 'eth0' },
        { ...u, dst: '192.168.211.0/24', via: '192.168.200.254', dev: 'eth0' },
        { ...u, dst: '192.168.212.0/24', via: null, dev: 'eth3', scope: 200 },
        { ...u, dst: '192.168.213.0/24', via: null, dev: 'eth1', scope: 253 },
      ]);
      assert.deepEqual(r.config!.instances[0]!.virtualRoutes.map(route), [
        { ...u, dst: '192.168.109.0/24', via: '192.168.200.254', src: '192.168.100.1', dev: 'eth1' },
        { ...u, dst: '192.168.110.0/24', via: '192.168.200.254', dev: 'eth1' },
        { ...u, dst: '192.168.111.0/24', via: null, dev: 'eth2' },
        { ...u, dst: '192.168.112.0/24', via: '192.168.100.254', dev: null },
        { ...u, dst: '192.168.113.0/24', via: null, dev: null, nexthops: ['192.168.100.252', '192.168.100.253'] },
        { ...u, type: 'blackhole', dst: '192.168.113.1/32', via: null, dev: null },
        { ...u, dst: '0.0.0.0/0', via: '192.168.0.1', dev: null, table: 100 },
      ]);
    });

    it('keepalived.conf.vrrp.rules: loads; the two `192.168.x./24` lines are skipped as keepalived skips them', () => {
      const file = `${SAMPLES}/keepalived.conf.vrrp.rules`;
      const r = loadConfig(file, { configId: 'lb1' });
      assert.deepEqual(r.diagnostics.map((d) => `${d.line} ${d.severity} ${d.message}`), [
        '10 warning static_rules: rule has no preference specified - setting to 16384. This is probably not what you want.',
        "11 warning static_rules: invalid rule to address '192.168.100./24' - skipping the rule, as keepalived does",
        '25 warning virtual_rules: rule has no preference specified - setting to 16383. This is probably not what you want.',
        "26 warning virtual_rules: invalid rule to address '192.168.200./24' - skipping the rule, as keepalived does",
      ]);
      assert.deepEqual(r.config!.staticRules.map(rule), [{ from: '192.168.100.0/24', to: null, action: 'table', table: 1, preference: 16384 }]);
      assert.deepEqual(r.config!.instances[0]!.virtualRules.map(rule), [{ from: '192.168.200.0/24', to: null, action: 'table', table: 2, preference: 16383 }]);
      // --strict: what keepalived skips is an error.
      const strict = loadConfig(file, { configId: 'lb1', strict: true });
      assert.equal(strict.config, null);
      assert.deepEqual(strict.diagnostics.filter((d) => d.severity === 'error').map((d) => d.line), [11, 26]);
    });
  });

  describe('routes', () => {
    it("the man page's static_routes: nexthop multipath with weights and onlink, every metric, lock, realms, append", () => {
      const r = staticRoutes(
        [
          '192.168.2.0/24 via 192.168.1.100 dev eth0',
          '192.168.100.0/24 table 6909 nexthop via 192.168.101.1 dev wlan0 onlink weight 1 nexthop via 192.168.101.2 dev wlan0 onlink weight 2',
          '192.168.200.0/24 dev p33p1.2 table 6909 tos 0x04 protocol bird scope link priority 12 mtu 1000 hoplimit 100 advmss 101 rtt 102 ' +
            'rttvar 103 reordering 104 window 105 cwnd 106 ssthresh lock 107 realms 0x10/0x14 rto_min 108 initcwnd 109 initrwnd 110 features ecn no_track',
          '2001:470:69e9:1:2::4 dev p33p1.2 table 6909 tos 0x04 protocol bird scope link priority 12 mtu 1000 hoplimit 100 advmss 101 ' +
            'rtt 1s rttvar 300ms reordering 104 window 105 cwnd 106 ssthresh lock 107 rto_min 108 initcwnd 109 append initrwnd 110 features ecn fastopen_no_cookie 1',
        ].join('\n'),
      );
      assert.deepEqual(errors(r), []);
      const [a, b, c, d] = r.config!.staticRoutes;
      assert.deepEqual(route(a!), { family: 'inet', type: 'unicast', dst: '192.168.2.0/24', via: '192.168.1.100', src: null, dev: 'eth0', table: 254, scope: null, nexthops: [] });
      assert.equal(a!.protocol, 18);
      assert.deepEqual(b!.nexthops, [
        { via: '192.168.101.1', dev: 'wlan0', weight: 1, onlink: true, realms: null },
        { via: '192.168.101.2', dev: 'wlan0', weight: 2, onlink: true, realms: null },
      ]);
      assert.equal(b!.table, 6909);
      assert.deepEqual([c!.tos, c!.protocol, c!.scope, c!.metric, c!.realms, c!.noTrack], [4, 12, 253, 12, (0x10 << 16) | 0x14, true]);
      // rtt/rttvar/rto_min raw values are in kernel units and clamped to 200 ms at least (get_time_rtt).
      assert.deepEqual(c!.metrics, {
        mtu: 1000, hoplimit: 100, advmss: 101, rtt: 1600, rttvar: 800, reordering: 104, window: 105, cwnd: 106, ssthresh: 107,
        rto_min: 200, initcwnd: 109, initrwnd: 110, features: 1,
      });
      assert.deepEqual(c!.locked, ['ssthresh']);
      assert.equal(d!.family, 'inet6');
      assert.equal(net(d!.destination), '2001:470:69e9:1:2::4/128');
      assert.equal(d!.mode, 'append');
      assert.equal(d!.protocol, 18, 'tracked (no no_track): protocol keepalived');
      assert.deepEqual([d!.metrics.rtt, d!.metrics.rttvar, d!.metrics.fastopen_no_cookie], [8000, 1200, 1]);
      assert.deepEqual(warnings(r).map((w) => w.line), [5], 'protocol bird without no_track is reset, with a warning');
    });

    it('every route type keepalived accepts, by name and number; `to`, inet6 default, `from`, pref, expires', () => {
      const r = staticRoutes(
        [
          'blackhole 10.1.0.0/24', 'unreachable 10.2.0.0/24', 'prohibit 10.3.0.0/24', 'throw 10.4.0.0/24 table 100',
          'local 10.5.0.1 dev lo table 200', 'broadcast 10.6.0.255 dev eth0', 'brd 10.6.1.255 dev eth0', 'anycast fd00::7 dev eth0',
          'multicast 239.1.0.0/16 dev eth0', 'unicast 10.7.0.0/16 via 10.9.0.1', '6 10.8.0.0/16', 'to 10.10.0.0/16 via 10.9.0.1',
          'inet6 default via fd00::1', 'fd00:6::/64 from fd00:7::/64 via fd00::fe pref high expires 600', 'any via 10.9.0.1 table 7 metric 5',
        ].join('\n'),
      );
      assert.deepEqual(errors(r), []);
      assert.deepEqual(r.config!.staticRoutes.map((x) => `${x.family} ${x.type} ${net(x.destination)}`), [
        'inet blackhole 10.1.0.0/24', 'inet unreachable 10.2.0.0/24', 'inet prohibit 10.3.0.0/24', 'inet throw 10.4.0.0/24',
        'inet local 10.5.0.1/32', 'inet broadcast 10.6.0.255/32', 'inet broadcast 10.6.1.255/32', 'inet6 anycast fd00::7/128',
        'inet multicast 239.1.0.0/16', 'inet unicast 10.7.0.0/16', 'inet blackhole 10.8.0.0/16', 'inet unicast 10.10.0.0/16',
        'inet6 unicast ::/0', 'inet6 unicast fd00:6::/64', 'inet unicast 0.0.0.0/0',
      ]);
      const v6 = r.config!.staticRoutes[13]!;
      assert.deepEqual([net(v6.from), v6.pref, v6.expires], ['fd00:7::/64', 1, 600]);
    });

    it('table, protocol and scope names come from /etc/iproute2 (numbers and keepalived defaults otherwise)', () => {
      const r = staticRoutes('10.1.0.0/24 via 10.9.0.1 table dmz protocol 0x10 scope 7\n10.2.0.0/24 via 10.9.0.1 table local', {
        '/etc/iproute2/rt_tables': '# reserved\n255\tlocal\n1000 dmz\nbad line here\n',
      });
      assert.deepEqual(errors(r), []);
      assert.deepEqual(r.config!.staticRoutes.map((x) => [x.table, x.protocol, x.scope]), [[1000, 18, 7], [255, 18, null]]);
    });

    it('skips (warning; error with --strict) what keepalived skips, at the line of the route', () => {
      const body = [
        '10.1.0.0/24 via 10.9.0.1 table nosuch', // 2
        '10.2.0.0/24 via 10.9.0.300', // 3
        '10.3.0.0/24 via fd00::1', // 4
        '10.4.0.0/24 nexthop via 10.9.0.1 weight 0', // 5
        '10.5.0.0/24 metric', // 6
        'via 10.9.0.1', // 7
        '10.6.0.0/24 nexthop via 10.9.0.1 colour blue', // 8
        '10.7.0.0/24 realms 1 expires 5', // 9
        '10.8.1.0/16 dev eth0', // 10
        '10.9.0.0/24 frobnicate', // 11
      ].join('\n');
      const r = staticRoutes(body);
      assert.ok(r.config, 'loads (keepalived skips these lines and runs)');
      assert.equal(r.config.staticRoutes.length, 0);
      assert.deepEqual(diags(r), [
        '1 warning nothing to run: no vrrp_instance or virtual_server in this file or its includes', // every route was skipped
        "2 warning static_routes: routing table 'nosuch' not found (not a number, not in /etc/iproute2/rt_tables) - skipping the route, as keepalived does",
        "3 warning static_routes: invalid via address '10.9.0.300' - skipping the route, as keepalived does",
        '4 warning static_routes: cannot mix IPv4 and IPv6 addresses in one route - skipping the route, as keepalived does',
        "5 warning static_routes: invalid weight '0' (1..256) - skipping the route, as keepalived does",
        "6 warning static_routes: 'metric' needs a value - skipping the route, as keepalived does",
        '7 warning static_routes: route must have a destination - skipping the route, as keepalived does',
        '8 warning static_routes: route has trailing nonsense after nexthops - colour - skipping the route, as keepalived does',
        '9 warning static_routes: expires is only valid for IPv6 - skipping the route, as keepalived does',
        '10 warning static_routes: destination 10.8.1.0/16 has host bits set (the kernel refuses it) - skipping the route, as keepalived does',
        "11 warning static_routes: unknown route keyword or invalid destination 'frobnicate' - skipping the route, as keepalived does",
      ]);
      const strict = load(`static_routes {\n${body}\n}\n`, { strict: true });
      assert.equal(strict.config, null);
      assert.deepEqual(errors(strict).map((d) => d.line), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]); // 1: nothing to run
    });

    it('refuses what vipd cannot install, with the reason', () => {
      const r = load(instance('    virtual_routes {\n        10.1.0.0/24 encap ip id 1 dst 10.0.0.1 dev eth0\n        nat 10.2.0.0/24 via 10.9.0.1\n        10.3.0.0/24 vrf blue\n    }'));
      assert.equal(r.config, null);
      assert.deepEqual(errors(r).map((d) => `${d.line} ${d.message}`), [
        "5 virtual_routes: 'encap' (lightweight tunnel encapsulation) is not supported by vipd",
        "6 virtual_routes: 'nat' routes cannot be installed: Linux removed them (the kernel answers EINVAL)",
        "7 virtual_routes: 'vrf' is not supported by vipd; give the VRF's table with 'table'",
      ]);
    });
  });

  describe('rules', () => {
    it("the man page's static_rules: iif/oif, tos, fwmark/mask, realms, goto, uidrange, l3mdev, protocol, ip_proto, ports", () => {
      const r = staticRules(
        [
          'from 192.168.2.0/24 table 1 preference 5',
          'to 192.168.2.0/24 table 1',
          'from 192.168.28.0/24 to 192.168.29.0/26 table small iif p33p1 oif wlan0 tos 22 fwmark 24/12 preference 39 realms 30/20',
          'to 1:2:3:4:5:6:7:0/112 from 7:6:5:4:3:2::/96 table 6908 uidrange 10000-19999',
          'to 1:2:3:4:6:6:7:0/112 from 8:6:5:4:3:2::/96 l3mdev protocol 12 ip_proto UDP sport 10-20 dport 20-30 no_track',
          'preference 40 goto 50',
          'not from 10.0.0.0/8 unreachable preference 41',
          'fwmark 0x10 type blackhole preference 42',
          'prohibit preference 43 dev eth1',
          'nop preference 44',
          'from all lookup main suppress_prefixlength 0 preference 45',
          'tunnel-id 77 table 10 preference 46',
          'inet6 from all lookup 100 sup_group 3 preference 47',
        ].join('\n'),
        { '/etc/iproute2/rt_tables': '42 small\n' },
      );
      assert.deepEqual(errors(r), []);
      const rules = r.config!.staticRules;
      assert.deepEqual(rules.map(rule), [
        { from: '192.168.2.0/24', to: null, action: 'table', table: 1, preference: 5 },
        { from: null, to: '192.168.2.0/24', action: 'table', table: 1, preference: 16384 },
        { from: '192.168.28.0/24', to: '192.168.29.0/26', action: 'table', table: 42, preference: 39 },
        { from: '7:6:5:4:3:2::/96', to: '1:2:3:4:5:6:7:0/112', action: 'table', table: 6908, preference: 16384 },
        { from: '8:6:5:4:3:2::/96', to: '1:2:3:4:6:6:7:0/112', action: 'table', table: null, preference: 16383 },
        { from: null, to: null, action: 'goto', table: null, preference: 40 },
        { from: '10.0.0.0/8', to: null, action: 'unreachable', table: null, preference: 41 },
        { from: null, to: null, action: 'blackhole', table: null, preference: 42 },
        { from: null, to: null, action: 'prohibit', table: null, preference: 43 },
        { from: null, to: null, action: 'nop', table: null, preference: 44 },
        { from: null, to: null, action: 'table', table: 254, preference: 45 },
        { from: null, to: null, action: 'table', table: 10, preference: 46 },
        { from: null, to: null, action: 'table', table: 100, preference: 47 },
      ]);
      const [, , c, d, e, f, g, , i, , k, l, m] = rules;
      assert.deepEqual([c!.iif, c!.oif, c!.tos, c!.fwmark, c!.fwmask, c!.realms], ['p33p1', 'wlan0', 22, 24, 12, (30 << 16) | 20]);
      assert.deepEqual(d!.uidRange, { start: 10000, end: 19999 });
      assert.deepEqual([e!.l3mdev, e!.protocol, e!.ipProto, e!.sport, e!.dport], [true, 12, 17, { start: 10, end: 20 }, { start: 20, end: 30 }]);
      assert.equal(f!.goto, 50);
      assert.equal(g!.not, true);
      assert.equal(i!.iif, 'eth1');
      assert.equal(k!.suppressPrefixLength, 0);
      assert.equal(l!.tunnelId, '77');
      assert.deepEqual([m!.family, m!.suppressIfgroup], ['inet6', 3]);
      assert.deepEqual(warnings(r).map((w) => `${w.line} ${w.message}`), [
        '3 static_rules: rule has no preference specified - setting to 16384. This is probably not what you want.',
        '5 static_rules: rule has no preference specified - setting to 16384. This is probably not what you want.',
        '6 static_rules: rule has no preference specified - setting to 16383. This is probably not what you want.',
      ]);
    });

    it('preferences are handed out in file order across static_rules and instances, per family', () => {
      const r = load(`static_rules {\n    from 10.1.0.0/24 table 1\n}\n${instance('    virtual_rules {\n        from 10.2.0.0/24 table 2\n        from fd00::/64 table 2\n    }')}`);
      const i = only(r);
      assert.deepEqual([r.config!.staticRules[0]!.preference, ...i.virtualRules.map((x) => x.preference)], [16384, 16383, 16384]);
    });

    it('skips (warning; error with --strict) what keepalived skips', () => {
      const body = [
        'from 10.1.0.0/24 preference 1', // 2: no action
        'from 10.1.0.0/24 table 1 goto 5 preference 1', // 3: two actions
        'goto 5', // 4: goto without preference
        'preference 9 goto 5', // 5: preference >= target
        'from 10.1.0.0/24 table 0 preference 1', // 6
        'unreachable realms 3 preference 1', // 7: realms without table
        'from 10.1.0.0/24 to fd00::/8 table 1 preference 1', // 8
        'from 10.1.0.0/24 table 1 colour blue preference 1', // 9
        'from 10.1.0.0/24 throw preference 1', // 10
      ].join('\n');
      const r = staticRules(body);
      assert.ok(r.config);
      assert.equal(r.config.staticRules.length, 0);
      const tail = ' - skipping the rule, as keepalived does';
      assert.deepEqual(diags(r), [
        '1 warning nothing to run: no vrrp_instance or virtual_server in this file or its includes', // every rule was skipped
        `2 warning static_rules: no action specified for rule${tail}`,
        `3 warning static_rules: cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule${tail}`,
        `4 warning static_rules: goto target 5 specified without preference${tail}`,
        `5 warning static_rules: preference 9 >= goto target 5${tail}`,
        `6 warning static_rules: table 0 is not valid${tail}`,
        `7 warning static_rules: suppressor/realm specified for non table action${tail}`,
        `8 warning static_rules: rule specification has mixed IPv4 and IPv6${tail}`,
        `9 warning static_rules: unknown rule option 'colour'${tail}`,
        `10 warning static_rules: invalid rule action 'throw'${tail}`,
      ]);
      assert.deepEqual(errors(load(`static_rules {\n${body}\n}\n`, { strict: true })).map((d) => d.line), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]); // 1: nothing to run
    });

    it('virtual_rules belong to their instance and are no longer refused', () => {
      const i = only(load(instance('    virtual_rules {\n        from 10.1.0.100/32 table 100 preference 100\n        to 10.9.0.0/16 table 100 no_track protocol static priority 101\n    }')));
      assert.deepEqual(i.virtualRules.map((x) => [net(x.from), net(x.to), x.table, x.preference, x.protocol]), [
        ['10.1.0.100/32', null, 100, 100, 18],
        [null, '10.9.0.0/16', 100, 101, 4],
      ]);
    });
  });
});
