// keepalived.conf text for one director of design.md's "LVS director" lab as `vipd demo` runs it: the outer VIP
// (front, VRID 51) and the inner VIP the real servers route back through (back, VRID 52) move together (sync
// group G1); connection sync over the back network follows the group; virtual_server VIP:80 spreads HTTP with
// wrr 3/1/1 behind HTTP_GET checks and VIP:9000 carries long-lived echo connections behind TCP_CHECK. The data
// plane is whatever vipd picks (nftables on a kernel without IPVS): no hand-written rule anywhere.
export interface DirectorConfigOptions {
  routerId: string;
  priority: number;
  /** This director's own back address (sync source; never the inner VIP, which moves). */
  backAddress: string;
  advertInt: number;
  vip: string;
  innerVip: string;
  realServers: readonly { address: string; weight: number }[];
  httpPort: number;
  echoPort: number;
  /** Sync key file, relative to the config file. */
  keyFile: string;
}

export function directorConfig(o: DirectorConfigOptions): string {
  const instance = (name: string, ifname: string, vrid: number, vip: string): string[] => [
    `vrrp_instance ${name} {`,
    '    state BACKUP',
    `    interface ${ifname}`,
    `    virtual_router_id ${vrid}`,
    `    priority ${o.priority}`,
    `    advert_int ${o.advertInt}`,
    `    virtual_ipaddress {`,
    `        ${vip}/24 dev ${ifname}`,
    '    }',
    '}',
    '',
  ];
  // retry 0: one failed probe removes the server (keepalived's default retry 1 would add delay_before_retry to
  // every detection the demo measures); delay_loop 1 probes every second.
  const realServer = (address: string, weight: number, port: number, check: string[]): string[] => [
    `    real_server ${address} ${port} {`,
    `        weight ${weight}`,
    ...check.map((l) => `        ${l}`),
    '    }',
  ];
  const httpCheck = ['HTTP_GET {', '    url {', '        path /', '        status_code 200', '    }', '    connect_timeout 1', '    retry 0', '}'];
  const tcpCheck = ['TCP_CHECK {', '    connect_timeout 1', '    retry 0', '}'];
  return [
    'global_defs {',
    `    router_id ${o.routerId}`,
    '    vrrp_version 3',
    '}',
    '',
    'vrrp_sync_group G1 {',
    '    group {',
    '        VI_OUT',
    '        VI_IN',
    '    }',
    '}',
    '',
    ...instance('VI_OUT', 'eth0', 51, o.vip),
    ...instance('VI_IN', 'eth1', 52, o.innerVip),
    'vipd_conntrack_sync {',
    '    interface eth1',
    '    mcast_group 225.0.0.51',
    '    port 3781',
    `    source_address ${o.backAddress}`,
    `    key_file ${o.keyFile}`,
    '    follow_group G1',
    '    resync_timeout 2',
    '    filter {',
    `        accept address ${o.vip} protocol tcp port ${o.httpPort}`,
    `        accept address ${o.vip} protocol tcp port ${o.echoPort}`,
    '        default ignore',
    '    }',
    '}',
    '',
    `virtual_server ${o.vip} ${o.httpPort} {`,
    '    delay_loop 1',
    '    lb_algo wrr',
    '    lb_kind NAT',
    '    protocol TCP',
    ...o.realServers.flatMap((r) => realServer(r.address, r.weight, o.httpPort, httpCheck)),
    '}',
    '',
    `virtual_server ${o.vip} ${o.echoPort} {`,
    '    delay_loop 1',
    '    lb_algo rr',
    '    lb_kind NAT',
    '    protocol TCP',
    ...o.realServers.flatMap((r) => realServer(r.address, 1, o.echoPort, tcpCheck)),
    '}',
    '',
  ].join('\n');
}
