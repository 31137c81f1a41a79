// The nft commands for each scheduler, method and persistence setting, against rule sets written by hand from
// nft(8) and lvs.md §7.2 (the syntax was checked once with `nft -f` on nftables 1.0.6; the namespace test runs
// them for real).
import assert from 'node:assert/strict';
import type { DestSpec, ServiceSpec } from '../../../../src/lvs/model.js';
import { fullRuleset, serviceTransition, skeletonCommands, type RulesetOptions } from '../../../../src/lvs/nft/ruleset.js';

const O: RulesetOptions = { table: 'vipd', sourceNat: false };
const T = 'inet vipd';
const WEB: ServiceSpec = { family: 'inet', protocol: 'tcp', address: '10.1.0.100', port: 80, scheduler: 'wrr', flags: 0, timeoutS: 0, netmaskBits: 32 };
const rs = (last: number, weight: number, port = 8080): DestSpec => ({ address: `10.2.0.${last}`, port, forward: 'masq', weight, upperThreshold: 0, lowerThreshold: 0 });
const S = 's_tcp_10.1.0.100_80';
const R = (last: number, port = 8080): string => `r_tcp_10.1.0.100_80_10.2.0.${last}_${port}`;

/** The commands of one new real server of WEB (no persistence). */
function newDest(last: number, weight: number): string[] {
  const r = R(last);
  return [
    `add counter ${T} ${r}`,
    `add counter ${T} m${r} { comment "vipd1 rs 10.2.0.${last} 8080 masq ${weight} 0 0"; }`,
    `add chain ${T} ${r}`,
    `add counter ${T} i${r}`,
    `add element ${T} in4 { tcp . 10.1.0.100 . 80 . 10.2.0.${last} . 8080 : "i${r}" }`,
    `add counter ${T} o${r}`,
    `add element ${T} out4 { tcp . 10.1.0.100 . 80 . 10.2.0.${last} . 8080 : "o${r}" }`,
    `add rule ${T} ${r} counter name "${r}"`,
    `add rule ${T} ${r} meta l4proto tcp dnat ip to 10.2.0.${last}:8080`,
  ];
}

function newService(spec: ServiceSpec, comment: string): string[] {
  return [`add counter ${T} ${S}`, `add counter ${T} m${S} { comment "${comment}"; }`, `add chain ${T} ${S}`];
}

describe('nftables ruleset: generated commands', () => {
  it('the skeleton: maps, nat chains with one vmap lookup per family, traffic counter maps', () => {
    assert.deepEqual(skeletonCommands(O), [
      'add table inet vipd',
      'add map inet vipd svc4 { type ipv4_addr . inet_proto . inet_service : verdict; }',
      'add map inet vipd svc6 { type ipv6_addr . inet_proto . inet_service : verdict; }',
      'add map inet vipd fwm { type nf_proto . mark : verdict; }',
      'add map inet vipd in4 { type inet_proto . ipv4_addr . inet_service . ipv4_addr . inet_service : counter; }',
      'add map inet vipd out4 { type inet_proto . ipv4_addr . inet_service . ipv4_addr . inet_service : counter; }',
      'add map inet vipd in6 { type inet_proto . ipv6_addr . inet_service . ipv6_addr . inet_service : counter; }',
      'add map inet vipd out6 { type inet_proto . ipv6_addr . inet_service . ipv6_addr . inet_service : counter; }',
      'add chain inet vipd prerouting { type nat hook prerouting priority dstnat; policy accept; }',
      'add chain inet vipd output { type nat hook output priority -100; policy accept; }',
      'add chain inet vipd traffic { type filter hook forward priority filter; policy accept; }',
      'flush chain inet vipd prerouting',
      'add rule inet vipd prerouting ip daddr . meta l4proto . th dport vmap @svc4',
      'add rule inet vipd prerouting ip6 daddr . meta l4proto . th dport vmap @svc6',
      'add rule inet vipd prerouting meta mark != 0 meta nfproto . meta mark vmap @fwm',
      'flush chain inet vipd output',
      'add rule inet vipd output ip daddr . meta l4proto . th dport vmap @svc4',
      'add rule inet vipd output ip6 daddr . meta l4proto . th dport vmap @svc6',
      'add rule inet vipd output meta mark != 0 meta nfproto . meta mark vmap @fwm',
      'flush chain inet vipd traffic',
      'add rule inet vipd traffic meta l4proto { tcp, udp, sctp } meta nfproto ipv4 ct status dnat ct direction original counter name ct original protocol . ct original ip daddr . ct original proto-dst . ct reply ip saddr . ct reply proto-src map @in4',
      'add rule inet vipd traffic meta l4proto { tcp, udp, sctp } meta nfproto ipv4 ct status dnat ct direction reply counter name ct original protocol . ct original ip daddr . ct original proto-dst . ct reply ip saddr . ct reply proto-src map @out4',
      'add rule inet vipd traffic meta l4proto { tcp, udp, sctp } meta nfproto ipv6 ct status dnat ct direction original counter name ct original protocol . ct original ip6 daddr . ct original proto-dst . ct reply ip6 saddr . ct reply proto-src map @in6',
      'add rule inet vipd traffic meta l4proto { tcp, udp, sctp } meta nfproto ipv6 ct status dnat ct direction reply counter name ct original protocol . ct original ip6 daddr . ct original proto-dst . ct reply ip6 saddr . ct reply proto-src map @out6',
    ]);
  });

  it('sourceNat adds a srcnat chain that masquerades DNATed connections of VIP . real server pairs', () => {
    const extra = skeletonCommands({ table: 'vipd', sourceNat: true }).slice(skeletonCommands(O).length);
    assert.deepEqual(extra, [
      'add set inet vipd snat4 { type ipv4_addr . ipv4_addr; }',
      'add set inet vipd snat6 { type ipv6_addr . ipv6_addr; }',
      'add chain inet vipd postrouting { type nat hook postrouting priority srcnat; policy accept; }',
      'flush chain inet vipd postrouting',
      'add rule inet vipd postrouting ct status dnat ct original ip daddr . ip daddr @snat4 masquerade',
      'add rule inet vipd postrouting ct status dnat ct original ip6 daddr . ip6 daddr @snat6 masquerade',
    ]);
    const cmds = serviceTransition({ table: 'vipd', sourceNat: true }, null, { spec: WEB, dests: [rs(11, 1)] });
    assert.ok(cmds.includes('add element inet vipd snat4 { 10.1.0.100 . 10.2.0.11 }'));
  });

  it('wrr 3/1/1: numgen inc over ranges as wide as the weights (reduced by their gcd)', () => {
    const cmds = serviceTransition(O, null, { spec: WEB, dests: [rs(11, 300), rs(12, 100), rs(13, 100)] });
    assert.deepEqual(cmds, [
      ...newService(WEB, 'vipd1 svc tcp inet 10.1.0.100 80 wrr 0 0 32 -'),
      ...newDest(11, 300),
      ...newDest(12, 100),
      ...newDest(13, 100),
      `add rule ${T} ${S} counter name "${S}"`,
      `add rule ${T} ${S} numgen inc mod 5 vmap { 0-2 : goto ${R(11)}, 3 : goto ${R(12)}, 4 : goto ${R(13)} }`,
      `add element ${T} svc4 { 10.1.0.100 . tcp . 80 : goto ${S} }`,
    ]);
  });

  it('rr ignores weights; a weight-0 server keeps its chain but is out of the map', () => {
    const cmds = serviceTransition(O, null, { spec: { ...WEB, scheduler: 'rr' }, dests: [rs(11, 5), rs(12, 0), rs(13, 1)] });
    assert.equal(cmds.at(-2), `add rule ${T} ${S} numgen inc mod 2 vmap { 0 : goto ${R(11)}, 1 : goto ${R(13)} }`);
    assert.ok(cmds.includes(`add chain ${T} ${R(12)}`));
  });

  it('random: numgen random over the weight ranges', () => {
    const cmds = serviceTransition(O, null, { spec: { ...WEB, scheduler: 'random' }, dests: [rs(11, 2), rs(12, 4)] });
    assert.equal(cmds.at(-2), `add rule ${T} ${S} numgen random mod 3 vmap { 0 : goto ${R(11)}, 1-2 : goto ${R(12)} }`);
  });

  it('sh hashes the client address with a fixed seed; sh-port (SCHED2) adds the source port', () => {
    const sh = serviceTransition(O, null, { spec: { ...WEB, scheduler: 'sh' }, dests: [rs(11, 1), rs(12, 1)] });
    assert.equal(sh.at(-2), `add rule ${T} ${S} jhash ip saddr mod 2 seed 0x76697064 vmap { 0 : goto ${R(11)}, 1 : goto ${R(12)} }`);
    const port = serviceTransition(O, null, { spec: { ...WEB, scheduler: 'sh', flags: 0x10 }, dests: [rs(11, 1), rs(12, 1)] });
    assert.equal(port.at(-2), `add rule ${T} ${S} jhash ip saddr . th sport mod 2 seed 0x76697064 vmap { 0 : goto ${R(11)}, 1 : goto ${R(12)} }`);
  });

  it('mh: jhash mod 4093 into the Maglev slots, runs folded into ranges covering 0-4092', () => {
    const cmds = serviceTransition(O, null, { spec: { ...WEB, scheduler: 'mh' }, dests: [rs(11, 1), rs(12, 1), rs(13, 1)] });
    const rule = cmds.at(-2)!;
    const m = /^add rule inet vipd s_tcp_10\.1\.0\.100_80 jhash ip saddr mod 4093 seed 0x76697064 vmap \{ (.*) \}$/.exec(rule);
    assert.ok(m, rule);
    let next = 0;
    for (const el of m[1]!.split(', ')) {
      const e = /^(\d+)(?:-(\d+))? : goto r_tcp_10\.1\.0\.100_80_10\.2\.0\.1[123]_8080$/.exec(el);
      assert.ok(e, el);
      assert.equal(Number(e[1]), next);
      next = Number(e[2] ?? e[1]) + 1;
    }
    assert.equal(next, 4093);
  });

  it('no server with a weight: the service chain only counts (the packet goes on unchanged)', () => {
    const cmds = serviceTransition(O, null, { spec: WEB, dests: [rs(11, 0)] });
    assert.equal(cmds.at(-2), `add rule ${T} ${S} counter name "${S}"`);
  });

  it('persistence: a lookup per server first, an update with the timeout in each server chain, granularity as a mask', () => {
    const spec = { ...WEB, flags: 1, timeoutS: 300, netmaskBits: 24 };
    const cmds = serviceTransition(O, null, { spec, dests: [rs(11, 1), rs(12, 0)] });
    assert.ok(cmds.includes(`add set ${T} p${R(11)} { type ipv4_addr; flags dynamic,timeout; size 65536; }`));
    assert.ok(cmds.includes(`add set ${T} p${R(12)} { type ipv4_addr; flags dynamic,timeout; size 65536; }`));
    assert.ok(cmds.includes(`add rule ${T} ${R(11)} update @p${R(11)} { ip saddr & 255.255.255.0 timeout 300s }`));
    assert.deepEqual(cmds.slice(-5), [
      `add rule ${T} ${S} counter name "${S}"`,
      `add rule ${T} ${S} ip saddr & 255.255.255.0 @p${R(11)} goto ${R(11)}`,
      // A weight-0 server keeps its persistent clients, as IPVS templates do (lvs.md §0.7).
      `add rule ${T} ${S} ip saddr & 255.255.255.0 @p${R(12)} goto ${R(12)}`,
      `add rule ${T} ${S} numgen inc mod 1 vmap { 0 : goto ${R(11)} }`,
      `add element ${T} svc4 { 10.1.0.100 . tcp . 80 : goto ${S} }`,
    ]);
  });

  it('IPv6: svc6/in6 keys, ip6 dnat with brackets, a /64 granularity mask', () => {
    const spec: ServiceSpec = { family: 'inet6', protocol: 'udp', address: 'fd00::100', port: 53, scheduler: 'rr', flags: 1, timeoutS: 60, netmaskBits: 64 };
    const d: DestSpec = { address: 'fd00::11', port: 53, forward: 'masq', weight: 1, upperThreshold: 0, lowerThreshold: 0 };
    const cmds = serviceTransition(O, null, { spec, dests: [d] });
    const r = 'r_udp_fd00xx100_53_fd00xx11_53';
    assert.ok(cmds.includes(`add rule ${T} ${r} meta l4proto udp dnat ip6 to [fd00::11]:53`));
    assert.ok(cmds.includes(`add rule ${T} ${r} update @p${r} { ip6 saddr & ffff:ffff:ffff:ffff:: timeout 60s }`));
    assert.ok(cmds.includes(`add element ${T} in6 { udp . fd00::100 . 53 . fd00::11 . 53 : "i${r}" }`));
    assert.equal(cmds.at(-1), `add element ${T} svc6 { fd00::100 . udp . 53 : goto s_udp_fd00xx100_53 }`);
  });

  it('fwmark: keyed by family . mark, no traffic counters, port 0 keeps the port, a port maps any transport', () => {
    const spec: ServiceSpec = { family: 'inet', fwmark: 7, scheduler: 'rr', flags: 0, timeoutS: 0, netmaskBits: 32 };
    const cmds = serviceTransition(O, null, { spec, dests: [rs(21, 1, 0), rs(22, 1, 8080)] });
    assert.ok(cmds.includes(`add rule ${T} r_fwm4_7_10.2.0.21_0 dnat ip to 10.2.0.21`));
    assert.ok(cmds.includes(`add rule ${T} r_fwm4_7_10.2.0.22_8080 meta l4proto { tcp, udp, sctp } dnat ip to 10.2.0.22:8080`));
    assert.ok(!cmds.some((c) => c.includes('in4')));
    assert.equal(cmds.at(-1), `add element ${T} fwm { ipv4 . 7 : goto s_fwm4_7 }`);
  });

  it('a weight change re-fills the service chain and replaces the server spec, nothing else', () => {
    const before = { spec: WEB, dests: [rs(11, 3), rs(12, 1)] };
    const after = { spec: WEB, dests: [rs(11, 3), rs(12, 0)] };
    assert.deepEqual(serviceTransition(O, before, after), [
      `flush chain ${T} ${S}`,
      `delete counter ${T} m${R(12)}`,
      `add counter ${T} m${R(12)} { comment "vipd1 rs 10.2.0.12 8080 masq 0 0 0"; }`,
      `add rule ${T} ${S} counter name "${S}"`,
      `add rule ${T} ${S} numgen inc mod 1 vmap { 0 : goto ${R(11)} }`,
    ]);
  });

  it('the same state twice changes nothing', () => {
    const st = { spec: WEB, dests: [rs(11, 3), rs(12, 1)] };
    assert.deepEqual(serviceTransition(O, st, { spec: { ...WEB }, dests: [rs(11, 3), rs(12, 1)] }), []);
  });

  it('removing a server: service chain flushed first, then its objects, its chain last', () => {
    const cmds = serviceTransition(O, { spec: WEB, dests: [rs(11, 1), rs(12, 1)] }, { spec: WEB, dests: [rs(11, 1)] });
    assert.deepEqual(cmds, [
      `flush chain ${T} ${S}`,
      `flush chain ${T} ${R(12)}`,
      `delete element ${T} in4 { tcp . 10.1.0.100 . 80 . 10.2.0.12 . 8080 }`,
      `delete counter ${T} i${R(12)}`,
      `delete element ${T} out4 { tcp . 10.1.0.100 . 80 . 10.2.0.12 . 8080 }`,
      `delete counter ${T} o${R(12)}`,
      `delete chain ${T} ${R(12)}`,
      `delete counter ${T} ${R(12)}`,
      `delete counter ${T} m${R(12)}`,
      `add rule ${T} ${S} counter name "${S}"`,
      `add rule ${T} ${S} numgen inc mod 1 vmap { 0 : goto ${R(11)} }`,
    ]);
  });

  it('turning persistence on re-fills every server chain and adds the sets', () => {
    const before = { spec: WEB, dests: [rs(11, 1)] };
    const after = { spec: { ...WEB, flags: 1, timeoutS: 60 }, dests: [rs(11, 1)] };
    const cmds = serviceTransition(O, before, after);
    assert.deepEqual(cmds.slice(0, 8), [
      `flush chain ${T} ${S}`,
      `delete counter ${T} m${S}`,
      `add counter ${T} m${S} { comment "vipd1 svc tcp inet 10.1.0.100 80 wrr 1 60 32 -"; }`,
      `flush chain ${T} ${R(11)}`,
      `add set ${T} p${R(11)} { type ipv4_addr; flags dynamic,timeout; size 65536; }`,
      `add rule ${T} ${R(11)} update @p${R(11)} { ip saddr timeout 60s }`,
      `add rule ${T} ${R(11)} counter name "${R(11)}"`,
      `add rule ${T} ${R(11)} meta l4proto tcp dnat ip to 10.2.0.11:8080`,
    ]);
  });

  it('deleting a service removes its dispatch element first and its chain last', () => {
    const cmds = serviceTransition(O, { spec: WEB, dests: [rs(11, 1)] }, null);
    assert.equal(cmds[0], `delete element ${T} svc4 { 10.1.0.100 . tcp . 80 }`);
    assert.equal(cmds[1], `flush chain ${T} ${S}`);
    assert.deepEqual(cmds.slice(-3), [`delete chain ${T} ${S}`, `delete counter ${T} ${S}`, `delete counter ${T} m${S}`]);
  });

  it('fullRuleset = skeleton + every service from nothing', () => {
    const st = { spec: WEB, dests: [rs(11, 1)] };
    assert.deepEqual(fullRuleset(O, [st]), [...skeletonCommands(O), ...serviceTransition(O, null, st)]);
  });
});
