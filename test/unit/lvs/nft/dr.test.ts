// lvs_method DR's nft commands (dr.ts) against rule sets written by hand from nft(8) (nft_fwd_neigh's `fwd ip to
// ADDR device DEV`, dynamic sets with `update … timeout`) and lvs.md §1.3; the syntax was checked once with
// `nft -f` on nftables 1.0.6 / Linux 6.18, and the namespace test (nftDr.test.ts) runs it for real. Also the
// choice of the egress device (drTopology.ts) from hand-built link and address lists.
import assert from 'node:assert/strict';
import type { DestSpec, ServiceSpec } from '../../../../src/lvs/model.js';
import { drServiceTransition, drSkeletonCommands, type DrOptions } from '../../../../src/lvs/nft/dr.js';
import { egressDevices, ingressLinks } from '../../../../src/lvs/nft/drTopology.js';
import { serviceTransition } from '../../../../src/lvs/nft/ruleset.js';
import type { AddressInfo, LinkInfo } from '../../../../src/net/rtnetlink.js';

const T = 'netdev vipd_dr';
const O: DrOptions = { drTable: 'vipd_dr', egress: new Map([['10.1.0.11', 'eth0'], ['10.1.0.12', 'eth0'], ['10.1.0.13', 'eth0'], ['fd00::11', 'eth1']]) };
const WEB: ServiceSpec = { family: 'inet', protocol: 'tcp', address: '10.1.0.100', port: 80, scheduler: 'wrr', flags: 0, timeoutS: 0, netmaskBits: 32 };
const rs = (last: number, weight: number): DestSpec => ({ address: `10.1.0.${last}`, port: 80, forward: 'route', weight, upperThreshold: 0, lowerThreshold: 0 });
const S = 's_tcp_10.1.0.100_80';
const R = (last: number): string => `r_tcp_10.1.0.100_80_10.1.0.${last}_80`;

/** A new TCP real server of WEB (no persistence), as written from dr.ts's header. */
function newDest(last: number, weight: number): string[] {
  const r = R(last);
  return [
    `add counter ${T} ${r}`,
    `add counter ${T} m${r} { comment "vipd1 rs 10.1.0.${last} 80 route ${weight} 0 0"; }`,
    `add counter ${T} i${r}`,
    `add set ${T} f${r} { type ipv4_addr . inet_service; flags dynamic,timeout; size 1048576; }`,
    `add set ${T} c${r} { type ipv4_addr . inet_service; flags dynamic,timeout; size 1048576; }`,
    `add chain ${T} x${r}`,
    `add chain ${T} ${r}`,
    `add rule ${T} x${r} tcp flags & (fin | rst) != 0 update @c${r} { ip saddr . th sport timeout 120s } update @f${r} { ip saddr . th sport timeout 120s }`,
    `add rule ${T} x${r} tcp flags & (syn | ack) == syn update @f${r} { ip saddr . th sport timeout 900s }`,
    `add rule ${T} x${r} tcp flags & (fin | rst | syn) == 0 ip saddr . th sport != @c${r} update @f${r} { ip saddr . th sport timeout 900s }`,
    `add rule ${T} x${r} counter name "i${r}" fwd ip to 10.1.0.${last} device "eth0"`,
    `add rule ${T} ${r} counter name "${r}"`,
    `add rule ${T} ${r} goto x${r}`,
  ];
}

describe('nftables DR: generated commands', () => {
  it('the skeleton: the netdev table, one vmap per family, an ingress chain on the given devices', () => {
    assert.deepEqual(drSkeletonCommands(O, ['eth0', 'vrrp.7']), [
      'add table netdev vipd_dr',
      'add map netdev vipd_dr svc4 { type ipv4_addr . inet_proto . inet_service : verdict; }',
      'add map netdev vipd_dr svc6 { type ipv6_addr . inet_proto . inet_service : verdict; }',
      'add chain netdev vipd_dr ingress { type filter hook ingress devices = { "eth0", "vrrp.7" } priority filter; policy accept; }',
      'flush chain netdev vipd_dr ingress',
      'add rule netdev vipd_dr ingress ip daddr . meta l4proto . th dport vmap @svc4',
      'add rule netdev vipd_dr ingress ip6 daddr . meta l4proto . th dport vmap @svc6',
    ]);
  });

  it('wrr 3/1/1 over TCP: known flows first, SYNs meet numgen, other unknown packets the weighted flow hash', () => {
    const cmds = drServiceTransition(O, null, { spec: WEB, dests: [rs(11, 3), rs(12, 1), rs(13, 1)] });
    assert.deepEqual(cmds, [
      `add counter ${T} ${S}`,
      `add counter ${T} m${S} { comment "vipd1 svc tcp inet 10.1.0.100 80 wrr 0 0 32 -"; }`,
      `add chain ${T} ${S}`,
      ...newDest(11, 3),
      ...newDest(12, 1),
      ...newDest(13, 1),
      `add rule ${T} ${S} ip saddr . th sport @f${R(11)} goto x${R(11)}`,
      `add rule ${T} ${S} ip saddr . th sport @f${R(12)} goto x${R(12)}`,
      `add rule ${T} ${S} ip saddr . th sport @f${R(13)} goto x${R(13)}`,
      `add rule ${T} ${S} counter name "${S}"`,
      `add rule ${T} ${S} tcp flags & (syn | ack) == syn numgen inc mod 5 vmap { 0-2 : goto ${R(11)}, 3 : goto ${R(12)}, 4 : goto ${R(13)} }`,
      `add rule ${T} ${S} jhash ip saddr . th sport mod 5 seed 0x76697064 vmap { 0-2 : goto ${R(11)}, 3 : goto ${R(12)}, 4 : goto ${R(13)} }`,
      `add element ${T} svc4 { 10.1.0.100 . tcp . 80 : goto ${S} }`,
    ]);
  });

  it('sh: the scheduler is the flow hash, one rule for every unknown packet', () => {
    const cmds = drServiceTransition(O, null, { spec: { ...WEB, scheduler: 'sh', flags: 0x10 }, dests: [rs(11, 1), rs(12, 1)] });
    assert.equal(cmds.at(-2), `add rule ${T} ${S} jhash ip saddr . th sport mod 2 seed 0x76697064 vmap { 0 : goto ${R(11)}, 1 : goto ${R(12)} }`);
    assert.equal(cmds.at(-3), `add rule ${T} ${S} counter name "${S}"`);
  });

  it('weight 0: out of both selections, its flow set still looked up first', () => {
    const cmds = drServiceTransition(O, null, { spec: { ...WEB, scheduler: 'rr' }, dests: [rs(11, 1), rs(12, 0)] });
    assert.ok(cmds.includes(`add rule ${T} ${S} ip saddr . th sport @f${R(12)} goto x${R(12)}`));
    assert.ok(cmds.includes(`add rule ${T} ${S} tcp flags & (syn | ack) == syn numgen inc mod 1 vmap { 0 : goto ${R(11)} }`));
    assert.ok(cmds.includes(`add rule ${T} ${S} jhash ip saddr . th sport mod 1 seed 0x76697064 vmap { 0 : goto ${R(11)} }`));
  });

  it('UDP: every unknown packet is a first one (IPVS udp timeout 300 s); IPv6 forwards with fwd ip6', () => {
    const dns: ServiceSpec = { ...WEB, family: 'inet6', protocol: 'udp', address: 'fd00::100', port: 53, netmaskBits: 128 };
    const d: DestSpec = { address: 'fd00::11', port: 53, forward: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0 };
    const r = 'r_udp_fd00xx100_53_fd00xx11_53';
    const s = 's_udp_fd00xx100_53';
    const cmds = drServiceTransition(O, null, { spec: dns, dests: [d] });
    assert.ok(cmds.includes(`add set ${T} f${r} { type ipv6_addr . inet_service; flags dynamic,timeout; size 1048576; }`));
    assert.ok(!cmds.some((c) => c.includes(`c${r}`)), 'no closing set without TCP');
    assert.ok(cmds.includes(`add rule ${T} x${r} update @f${r} { ip6 saddr . th sport timeout 300s }`));
    assert.ok(cmds.includes(`add rule ${T} x${r} counter name "i${r}" fwd ip6 to fd00::11 device "eth1"`));
    assert.deepEqual(cmds.slice(-3), [
      `add rule ${T} ${s} counter name "${s}"`,
      `add rule ${T} ${s} numgen inc mod 1 vmap { 0 : goto ${r} }`,
      `add element ${T} svc6 { fd00::100 . udp . 53 : goto ${s} }`,
    ]);
  });

  it('persistence: client sets per server, looked up after the flows, updated on a new flow', () => {
    const p = { ...WEB, flags: 1, timeoutS: 300, netmaskBits: 24 };
    const cmds = drServiceTransition(O, null, { spec: p, dests: [rs(11, 1)] });
    assert.ok(cmds.includes(`add set ${T} p${R(11)} { type ipv4_addr; flags dynamic,timeout; size 65536; }`));
    assert.ok(cmds.includes(`add rule ${T} ${R(11)} update @p${R(11)} { ip saddr & 255.255.255.0 timeout 300s }`));
    const svc = cmds.filter((c) => c.startsWith(`add rule ${T} ${S} `)).map((c) => c.slice(`add rule ${T} ${S} `.length));
    assert.deepEqual(svc.slice(0, 3), [`ip saddr . th sport @f${R(11)} goto x${R(11)}`, `counter name "${S}"`, `ip saddr & 255.255.255.0 @p${R(11)} goto ${R(11)}`]);
  });

  it('a removed server goes with its flow set; a weight change only refills the service chain', () => {
    const before = { spec: WEB, dests: [rs(11, 1), rs(12, 1)] };
    const weight = drServiceTransition(O, before, { spec: WEB, dests: [rs(11, 2), rs(12, 1)] });
    assert.deepEqual(weight.slice(0, 3), [
      `flush chain ${T} ${S}`,
      `delete counter ${T} m${R(11)}`,
      `add counter ${T} m${R(11)} { comment "vipd1 rs 10.1.0.11 80 route 2 0 0"; }`,
    ]);
    assert.ok(!weight.some((c) => c.includes(`x${R(11)}`) && !c.includes(` ${S} `)));
    const removed = drServiceTransition(O, before, { spec: WEB, dests: [rs(12, 1)] });
    assert.deepEqual(removed.slice(0, 12), [
      `flush chain ${T} ${S}`,
      `flush chain ${T} ${R(11)}`,
      `flush chain ${T} x${R(11)}`,
      `delete chain ${T} ${R(11)}`,
      `delete chain ${T} x${R(11)}`,
      `delete set ${T} f${R(11)}`,
      `delete set ${T} c${R(11)}`,
      `delete counter ${T} ${R(11)}`,
      `delete counter ${T} m${R(11)}`,
      `delete counter ${T} i${R(11)}`,
      `add rule ${T} ${S} ip saddr . th sport @f${R(12)} goto x${R(12)}`,
      `add rule ${T} ${S} counter name "${S}"`,
    ]);
    assert.deepEqual(drServiceTransition(O, before, before), []);
  });

  it('serviceTransition sends a service whose servers become DR from the inet table to the netdev table', () => {
    const nat = { spec: WEB, dests: [{ ...rs(11, 1), forward: 'masq' as const }] };
    const cmds = serviceTransition({ table: 'vipd', sourceNat: false, egress: O.egress }, nat, { spec: WEB, dests: [rs(11, 1)] });
    assert.equal(cmds[0], 'delete element inet vipd svc4 { 10.1.0.100 . tcp . 80 }');
    assert.equal(cmds.at(-1), `add element ${T} svc4 { 10.1.0.100 . tcp . 80 : goto ${S} }`);
  });
});

describe('nftables DR: links', () => {
  const link = (ifindex: number, name: string, flags = 0x1043): LinkInfo => ({
    ifindex,
    name,
    mac: '02:00:00:00:00:01',
    up: true,
    running: true,
    lowerUp: true,
    operState: 'up',
    mtu: 1500,
    flags,
    linkType: 1,
  });
  const addr = (ifindex: number, address: string, prefixLen: number, tentative = false): AddressInfo =>
    ({ family: address.includes(':') ? 6 : 4, ifindex, address, prefixLen, secondary: false, tentative, flags: 0, scope: 0 }) as AddressInfo;
  const links = [link(1, 'lo', 0x49), link(2, 'eth0'), link(3, 'eth1'), link(4, 'vrrp.7')];

  it('hooks every link but loopback', () => {
    assert.deepEqual(ingressLinks(links), ['eth0', 'eth1', 'vrrp.7']);
  });

  it('a real server is reached through the link with the longest connected prefix holding it; VIPs (/32) do not count', () => {
    const own = [
      addr(1, '127.0.0.1', 8),
      addr(2, '10.1.0.1', 16),
      addr(3, '10.1.2.1', 24),
      addr(2, '10.9.0.100', 32),
      addr(3, 'fd00::1', 64),
      addr(4, 'fd01::1', 64, true),
    ];
    const out = egressDevices(['10.1.2.5', '10.1.7.5', '10.9.0.100', '127.0.0.5', 'fd00::11', 'fd01::11', 'bogus'], links, own);
    assert.deepEqual(Object.fromEntries(out), { '10.1.2.5': 'eth1', '10.1.7.5': 'eth0', 'fd00::11': 'eth1' });
  });
});
