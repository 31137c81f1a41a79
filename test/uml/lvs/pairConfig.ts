// The LVS director PAIR lab inside the user-mode Linux guest (issue 10: "a director pair with lvs_sync_daemon
// keeps 100% of long-lived connections over node death, SIGTERM and the old master's return, for NAT and for
// DR"), and the keepalived.conf of each director, run unchanged by keepalived 2.2.7 and vipd
// (test/uml/scenarios/pairGuest.ts, test/integration/lvsPair.test.ts).
//
// IPVS and its kernel sync daemons are per network namespace, so each director is a namespace; the guest's root
// namespace is only the switch (three bridges, no addresses):
//   c1 10.1.0.10 ─┐                        br-front 10.1.0.0/24: d1 .1, d2 .2, VIP .100 (VI_1, VRID 51)
//   s1..s3 .21-.23┘ (DR real servers: the VIP on lo, arp_ignore 1 / arp_announce 2, answer c1 directly)
//   r1..r3 10.2.0.11-.13              br-back 10.2.0.0/24: d1 .1, d2 .2, inner VIP .254 (VI_2, VRID 52), the
//                                     NAT real servers' default route (the inner VIP moves with the master)
//                                     br-sync 10.3.0.0/24: d1 .1, d2 .2, the IPVS sync multicast
// VI_1 and VI_2 are one sync group; `lvs_sync_daemon eth2 inst VI_1`. NAT: 10.1.0.100:9000 → r1..r3;
// DR: 10.1.0.100:9001 → s1..s3 (both rr, TCP_CHECK, long-lived echo connections).

export const VIP = '10.1.0.100';
export const INNER_VIP = '10.2.0.254';
export const CLIENT_NS = 'c1';
export const NAT_PORT = 9000;
export const DR_PORT = 9001;
export const DIRECTORS = ['d1', 'd2'] as const;
export type Director = (typeof DIRECTORS)[number];
export const NAT_SERVERS = [
  { ns: 'r1', address: '10.2.0.11' },
  { ns: 'r2', address: '10.2.0.12' },
  { ns: 'r3', address: '10.2.0.13' },
] as const;
export const DR_SERVERS = [
  { ns: 's1', address: '10.1.0.21' },
  { ns: 's2', address: '10.1.0.22' },
  { ns: 's3', address: '10.1.0.23' },
] as const;
/** The directors' links: inside the namespace eth0/eth1/eth2, in the switch `<dir>-f`/`-b`/`-s`. */
const LINKS = [
  { inner: 'eth0', suffix: 'f', bridge: 'br-front', net: '10.1.0' },
  { inner: 'eth1', suffix: 'b', bridge: 'br-back', net: '10.2.0' },
  { inner: 'eth2', suffix: 's', bridge: 'br-sync', net: '10.3.0' },
] as const;

const hostNumber = (d: Director): number => (d === 'd1' ? 1 : 2);

function hostNamespace(ns: string, bridge: string, address: string): string[] {
  return [
    `ip netns add ${ns}`,
    `ip link add ${ns}-h type veth peer name eth0 netns ${ns}`,
    `ip link set ${ns}-h master ${bridge} up`,
    `ip -n ${ns} link set lo up`,
    `ip -n ${ns} link set eth0 up`,
    `ip -n ${ns} addr add ${address}/24 dev eth0`,
  ];
}

/** The switch, the client and the real servers (once per boot). Directors come and go: directorScript. */
export function pairSetupScript(): string {
  const lines = [
    'set -e',
    // A guest-private /run: with hostfs, `ip netns add` would otherwise put its files in the HOST's /run/netns
    // (and keepalived its pid files in the host's /run). See test/uml/README.md.
    'mount -t tmpfs -o mode=0755 uml-run /run',
  ];
  for (const b of ['br-front', 'br-back', 'br-sync']) {
    // No multicast snooping: without an IGMP querier on the segment the bridge could drop the VRRP or the IPVS
    // sync multicast it has not learnt listeners for.
    lines.push(`ip link add ${b} type bridge mcast_snooping 0`, `ip link set ${b} up`);
  }
  lines.push(...hostNamespace(CLIENT_NS, 'br-front', '10.1.0.10'));
  for (const r of NAT_SERVERS) lines.push(...hostNamespace(r.ns, 'br-back', r.address), `ip -n ${r.ns} route add default via ${INNER_VIP}`);
  for (const s of DR_SERVERS) {
    lines.push(
      ...hostNamespace(s.ns, 'br-front', s.address),
      // DR (lvs.md, ipvsadm(8)): the real server accepts packets for the VIP but never answers ARP for it.
      `ip netns exec ${s.ns} sysctl -q -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2`,
      `ip -n ${s.ns} addr add ${VIP}/32 dev lo`,
    );
  }
  return lines.join('\n') + '\n';
}

/** The director's links to the three bridges (addresses, no VIP): its "cables". */
export function directorLinksScript(d: Director): string[] {
  const lines: string[] = [];
  for (const l of LINKS) {
    lines.push(
      `ip link add ${d}-${l.suffix} type veth peer name ${l.inner} netns ${d}`,
      `ip link set ${d}-${l.suffix} master ${l.bridge} up`,
      `ip -n ${d} link set ${l.inner} up`,
      `ip -n ${d} addr add ${l.net}.${hostNumber(d)}/24 dev ${l.inner}`,
    );
  }
  return lines;
}

/** Cut every cable of the director (deleting the switch end deletes both ends, and the addresses on them). */
export function cutDirectorScript(d: Director): string[] {
  return LINKS.map((l) => `ip link del ${d}-${l.suffix}`);
}

/** A fresh director namespace: forwarding on, its links up. */
export function directorScript(d: Director): string[] {
  return [`ip netns add ${d}`, `ip -n ${d} link set lo up`, `ip netns exec ${d} sysctl -q -w net.ipv4.ip_forward=1`, ...directorLinksScript(d)];
}

export function removeDirectorScript(d: Director): string[] {
  return [...cutDirectorScript(d).map((l) => `${l} 2>/dev/null || true`), `ip netns del ${d} 2>/dev/null || true`];
}

/** Echo listeners: r1..r3 on the NAT port, s1..s3 on the DR port (the TCP_CHECK connects there too). */
export function pairListeners(): { ns: string; port: number; kind: 'echo'; name: string }[] {
  return [
    ...NAT_SERVERS.map((r) => ({ ns: r.ns, port: NAT_PORT, kind: 'echo' as const, name: r.ns })),
    ...DR_SERVERS.map((s) => ({ ns: s.ns, port: DR_PORT, kind: 'echo' as const, name: s.ns })),
  ];
}

function block(head: string, body: readonly string[]): string[] {
  return [`${head} {`, ...body.map((l) => `  ${l}`), '}'];
}

function instance(name: string, d: Director, iface: string, vrid: number, vip: string): string[] {
  return block(`vrrp_instance ${name}`, [
    `state ${d === 'd1' ? 'MASTER' : 'BACKUP'}`,
    `interface ${iface}`,
    `virtual_router_id ${vrid}`,
    `priority ${d === 'd1' ? 150 : 100}`,
    'advert_int 1',
    ...block('virtual_ipaddress', [`${vip}/24 dev ${iface}`]),
  ]);
}

function virtualServer(port: number, method: 'NAT' | 'DR', servers: readonly { address: string }[]): string[] {
  const check = block('TCP_CHECK', ['connect_timeout 1', 'retry 1', 'delay_before_retry 1']);
  return block(`virtual_server ${VIP} ${port}`, [
    'delay_loop 1',
    'lvs_sched rr',
    `lvs_method ${method}`,
    'protocol TCP',
    ...servers.flatMap((s) => block(`real_server ${s.address} ${port}`, ['weight 1', ...check])),
  ]);
}

/** keepalived.conf of director `d` (d1: MASTER 150, d2: BACKUP 100), for keepalived 2.2.7 and vipd alike. */
export function pairConfig(d: Director): string {
  return [
    `# vipd LVS pair lab, director ${d}: the same file for keepalived 2.2.7 and vipd`,
    ...block('global_defs', [`router_id ${d}`, 'lvs_sync_daemon eth2 inst VI_1']),
    ...block('vrrp_sync_group G1', [...block('group', ['VI_1', 'VI_2'])]),
    ...instance('VI_1', d, 'eth0', 51, VIP),
    ...instance('VI_2', d, 'eth1', 52, INNER_VIP),
    ...virtualServer(NAT_PORT, 'NAT', NAT_SERVERS),
    ...virtualServer(DR_PORT, 'DR', DR_SERVERS),
    '',
  ].join('\n');
}
