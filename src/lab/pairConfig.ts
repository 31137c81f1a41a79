// keepalived.conf text for one director of design.md's pair lab. The same text is given to vipd and to real
// keepalived in benches and interop tests, so both run "identical configs".
export interface PairConfigOptions {
  routerId: string;
  instance?: string;
  ifname?: string;
  vrid?: number;
  priority: number;
  state?: 'MASTER' | 'BACKUP';
  version: 2 | 3;
  /** seconds, as written in keepalived.conf (v3 allows 0.01 steps). */
  advertInt: number;
  vips: string[];
  authPass?: string;
  /** With authPass: PASS (default) or keepalived's IPsec AH. */
  authType?: 'PASS' | 'AH';
  unicastSrc?: string;
  unicastPeers?: string[];
  nopreempt?: boolean;
  preemptDelay?: number;
  /** Extra lines inside vrrp_instance. */
  extra?: string[];
}

export function pairConfig(o: PairConfigOptions): string {
  const lines = [
    'global_defs {',
    `    router_id ${o.routerId}`,
    `    vrrp_version ${o.version}`,
    '}',
    '',
    `vrrp_instance ${o.instance ?? 'VI_1'} {`,
    `    state ${o.state ?? 'BACKUP'}`,
    `    interface ${o.ifname ?? 'eth0'}`,
    `    virtual_router_id ${o.vrid ?? 51}`,
    `    priority ${o.priority}`,
    `    advert_int ${o.advertInt}`,
  ];
  if (o.nopreempt) lines.push('    nopreempt');
  if (o.preemptDelay !== undefined) lines.push(`    preempt_delay ${o.preemptDelay}`);
  if (o.authPass !== undefined) {
    lines.push('    authentication {', `        auth_type ${o.authType ?? 'PASS'}`, `        auth_pass ${o.authPass}`, '    }');
  }
  if (o.unicastPeers?.length) {
    if (o.unicastSrc) lines.push(`    unicast_src_ip ${o.unicastSrc}`);
    lines.push('    unicast_peer {', ...o.unicastPeers.map((p) => `        ${p}`), '    }');
  }
  lines.push('    virtual_ipaddress {', ...o.vips.map((v) => `        ${v}`), '    }');
  lines.push(...(o.extra ?? []).map((l) => `    ${l}`));
  lines.push('}', '');
  return lines.join('\n');
}
