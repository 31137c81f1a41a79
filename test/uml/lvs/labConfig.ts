// The LVS director lab of design.md ("LVS director"), inside the user-mode Linux guest, and the keepalived.conf
// files that keepalived 2.2.7 and vipd both run unchanged (test/uml/scenarios/lvsGuest.ts,
// test/integration/lvsSideBySide.test.ts, bench/lvs/failover-checks.ts).
//
// The guest's root namespace is the director d1 (IPVS lives there, both agents run there):
//   c1 (netns) 10.1.0.10 ── br-front 10.1.0.1 + VIP 10.1.0.100 ── IPVS NAT ── br-back 10.2.0.1 ── r1..r4 (netns)
//   r1 10.2.0.11, r2 .12, r3 .13 and r4 .14 (the sorry server, and the real server a reload adds), each with
//   its default route via the director so NAT replies come back through it.

export const VIP = '10.1.0.100';
export const CLIENT_NS = 'c1';
export const REAL_SERVERS = [
  { ns: 'r1', address: '10.2.0.11' },
  { ns: 'r2', address: '10.2.0.12' },
  { ns: 'r3', address: '10.2.0.13' },
  { ns: 'r4', address: '10.2.0.14' },
] as const;

/** Shell lines (run by /bin/sh in the guest's root namespace) that build the lab. */
export function labSetupScript(): string {
  const lines = [
    'set -e',
    // The guest's root file system is the host's (hostfs): without a guest-private /run, `ip netns add` would
    // leave its mount-point files in the HOST's /run/netns (and keepalived its files in /run), where they
    // collide with the host's own labs. tmpfs mounted here is visible to the guest only.
    'mount -t tmpfs -o mode=0755 uml-run /run',
    'echo 1 > /proc/sys/net/ipv4/ip_forward',
    'ip link add br-front type bridge',
    'ip link set br-front up',
    'ip addr add 10.1.0.1/24 dev br-front',
    `ip addr add ${VIP}/24 dev br-front`,
    'ip link add br-back type bridge',
    'ip link set br-back up',
    'ip addr add 10.2.0.1/24 dev br-back',
    `ip netns add ${CLIENT_NS}`,
    `ip link add ${CLIENT_NS}-d type veth peer name eth0 netns ${CLIENT_NS}`,
    `ip link set ${CLIENT_NS}-d master br-front up`,
    `ip -n ${CLIENT_NS} link set lo up`,
    `ip -n ${CLIENT_NS} link set eth0 up`,
    `ip -n ${CLIENT_NS} addr add 10.1.0.10/24 dev eth0`,
    `ip -n ${CLIENT_NS} route add default via 10.1.0.1`,
  ];
  for (const r of REAL_SERVERS) {
    lines.push(
      `ip netns add ${r.ns}`,
      `ip link add ${r.ns}-d type veth peer name eth0 netns ${r.ns}`,
      `ip link set ${r.ns}-d master br-back up`,
      `ip -n ${r.ns} link set lo up`,
      `ip -n ${r.ns} link set eth0 up`,
      `ip -n ${r.ns} addr add ${r.address}/24 dev eth0`,
      `ip -n ${r.ns} route add default via 10.2.0.1`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Listeners the lab starts: HTTP on 80 in r1..r4 (answers its name), echo on 9000 in r1..r3, plain on 81/82. */
export function labListeners(): { ns: string; port: number; kind: 'http' | 'echo'; name: string }[] {
  const out: { ns: string; port: number; kind: 'http' | 'echo'; name: string }[] = [];
  for (const r of REAL_SERVERS) {
    out.push({ ns: r.ns, port: 80, kind: 'http', name: r.ns });
    out.push({ ns: r.ns, port: 81, kind: 'http', name: r.ns });
    out.push({ ns: r.ns, port: 82, kind: 'http', name: r.ns });
    if (r.ns !== 'r4') out.push({ ns: r.ns, port: 9000, kind: 'echo', name: r.ns });
  }
  return out;
}

/** The file r3's MISC_CHECK script rewrites on every run: its mtime tells when the agent last checked r3. */
export function miscRunMark(dir: string): string {
  return `${dir}/r3.ran`;
}

/** The file whose presence makes r3's MISC_CHECK script exit 1. */
export function miscDownFlag(dir: string): string {
  return `${dir}/r3.down`;
}

const CHECK_TIMING = ['connect_timeout 1', 'retry 1', 'delay_before_retry 1'];

function block(head: string, body: readonly string[]): string[] {
  return [`${head} {`, ...body.map((l) => `  ${l}`), '}'];
}

function httpGet(): string[] {
  return block('HTTP_GET', ['url {', '  path /', '  status_code 200', '}', ...CHECK_TIMING]);
}

function tcpCheck(): string[] {
  return block('TCP_CHECK', CHECK_TIMING);
}

function miscCheck(dir: string): string[] {
  // Exit 0 while the flag file is absent (r3 healthy), 1 once it exists. misc_timeout 5, not 1: a process
  // start inside a loaded UML guest can take over a second, and a spurious timeout edits the table mid-split
  // (a wrr 3/1/1 split of 31/10/9 was seen that way). The fault makes the script exit 1 at once either way.
  // The script also marks each run (miscRunMark) so that a bench can fault at a known phase of the check cycle.
  return block('MISC_CHECK', [`misc_path "/bin/sh -c ': > ${miscRunMark(dir)}; test ! -e ${miscDownFlag(dir)}'"`, 'misc_timeout 5', 'retry 1', 'delay_before_retry 1']);
}

function realServer(address: string, port: number, weight: number, checker: string[]): string[] {
  return block(`real_server ${address} ${port}`, [`weight ${weight}`, ...checker]);
}

function virtualServer(port: number, sched: string, extra: readonly string[], reals: string[][]): string[] {
  return block(`virtual_server ${VIP} ${port}`, ['delay_loop 1', `lvs_sched ${sched}`, 'lvs_method NAT', 'protocol TCP', ...extra, ...reals.flat()]);
}

/**
 * The side-by-side config. `reload` is the variant a SIGHUP switches to: on port 80, r1's weight 3 → 2,
 * r3 removed, r4 added (TCP_CHECK); everything else unchanged (the held echo connections on 9000 must survive).
 */
export function labConfig(dir: string, variant: 'base' | 'reload' = 'base'): string {
  const web =
    variant === 'base'
      ? [realServer('10.2.0.11', 80, 3, httpGet()), realServer('10.2.0.12', 80, 1, tcpCheck()), realServer('10.2.0.13', 80, 1, miscCheck(dir))]
      : [realServer('10.2.0.11', 80, 2, httpGet()), realServer('10.2.0.12', 80, 1, tcpCheck()), realServer('10.2.0.14', 80, 1, tcpCheck())];
  const lines = [
    `# vipd LVS side-by-side lab (${variant}): the same file for keepalived 2.2.7 and vipd`,
    ...block('global_defs', ['router_id lvs_lab', 'script_user root', 'enable_script_security']),
    // wrr 3/1/1 with one checker type per real server (design.md's LVS director).
    ...virtualServer(80, 'wrr', [], web),
    // Long-lived echo connections (held across the reload).
    ...virtualServer(9000, 'rr', [], ['10.2.0.11', '10.2.0.12', '10.2.0.13'].map((a) => realServer(a, 9000, 1, tcpCheck()))),
    // Quorum with a sorry server: losing r1 leaves weight 1 < quorum 2 → r2 out, r4 (sorry) in (lvs.md §2.5).
    ...virtualServer(81, 'rr', ['quorum 2', 'hysteresis 0', 'sorry_server 10.2.0.14 81'], [
      realServer('10.2.0.11', 81, 1, tcpCheck()),
      realServer('10.2.0.12', 81, 1, tcpCheck()),
    ]),
    // inhibit_on_failure: a dead real server stays at weight 0 (lvs.md §2.3).
    ...virtualServer(82, 'rr', ['inhibit_on_failure'], [realServer('10.2.0.11', 82, 2, tcpCheck()), realServer('10.2.0.12', 82, 1, tcpCheck())]),
    '',
  ];
  return lines.join('\n');
}

export const CPU_VIP = '10.1.0.200';
export const CPU_FIRST_PORT = 20000;

/** `count` real servers spread over r1..r4 (count/4 ports each) on one service, all checked by `kind`, delay_loop 1. */
export function cpuConfig(kind: 'tcp' | 'http', count: number): string {
  const reals: string[][] = [];
  for (let i = 0; i < count; i++) {
    const r = REAL_SERVERS[i % REAL_SERVERS.length]!;
    reals.push(realServer(r.address, CPU_FIRST_PORT + Math.floor(i / REAL_SERVERS.length), 1, kind === 'tcp' ? tcpCheck() : httpGet()));
  }
  return [
    `# vipd LVS CPU bench: ${count} real servers, ${kind === 'tcp' ? 'TCP_CHECK' : 'HTTP_GET'}, delay_loop 1`,
    ...block('global_defs', ['router_id lvs_cpu', 'script_user root']),
    ...block(`virtual_server ${CPU_VIP} 80`, ['delay_loop 1', 'lvs_sched rr', 'lvs_method NAT', 'protocol TCP', ...reals.flat()]),
    '',
  ].join('\n');
}

/** Listeners for cpuConfig: the ports each real server namespace must answer on. */
export function cpuListeners(count: number): { ns: string; port: number; kind: 'http'; name: string }[] {
  const out: { ns: string; port: number; kind: 'http'; name: string }[] = [];
  for (let i = 0; i < count; i++) {
    const r = REAL_SERVERS[i % REAL_SERVERS.length]!;
    out.push({ ns: r.ns, port: CPU_FIRST_PORT + Math.floor(i / REAL_SERVERS.length), kind: 'http', name: r.ns });
  }
  return out;
}
