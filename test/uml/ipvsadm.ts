// ipvsadm's text, for comparing our decoded table with what the independent tool prints (tests only; src/
// never runs ipvsadm). Two directions: parse ipvsadm's listings into comparable rows, and render our decoded
// services the way `ipvsadm -S -n` and `ipvsadm -Ln` print them (ipvsadm.c print_service_entry, as observed
// from Debian's ipvsadm 1.31 against a 6.1 kernel: see test/unit/lvs/fixtures/README.md).
import { flagNames } from '../../src/lvs/ipvs/flags.js';
import { IP_VS_SVC_F } from '../../src/lvs/ipvs/constants.js';
import type { IpvsDest, IpvsService } from '../../src/lvs/ipvs/types.js';

export interface TableEntry {
  service: IpvsService;
  dests: IpvsDest[];
}

/** Decoded JSON loses bigint and undefined; the renderers need only these fields. */
type ServiceLike = Pick<IpvsService, 'family' | 'scheduler' | 'flags' | 'timeoutS' | 'netmaskBits' | 'peName'> & {
  protocol?: string;
  address?: string;
  port?: number;
  fwmark?: number;
};

function hostPort(family: string, address: string, port: number): string {
  return family === 'inet6' || address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function dotted(bits: number): string {
  const m = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((s) => (m >>> s) & 0xff).join('.');
}

function ruleName(s: ServiceLike): string {
  if (s.fwmark !== undefined) return `-f ${s.fwmark}${s.family === 'inet6' ? ' -6' : ''}`;
  const opt = s.protocol === 'tcp' ? '-t' : s.protocol === 'udp' ? '-u' : '--sctp-service';
  return `${opt} ${hostPort(s.family, s.address!, s.port!)}`;
}

const FWD_RULE: Record<string, string> = { masq: '-m', route: '-g', tunnel: '-i' };
const FWD_NAME: Record<string, string> = { masq: 'Masq', route: 'Route', tunnel: 'Tunnel', local: 'Local', bypass: 'Bypass' };

function persistence(s: ServiceLike, maskWord: string, timeoutWord: string): string {
  if (!(s.flags & IP_VS_SVC_F.PERSISTENT)) return '';
  let out = ` ${timeoutWord} ${s.timeoutS}`;
  if (s.family === 'inet' && s.netmaskBits !== 32) out += ` ${maskWord} ${dotted(s.netmaskBits)}`;
  if (s.family === 'inet6' && s.netmaskBits !== 128) out += ` ${maskWord} ${s.netmaskBits}`;
  return out;
}

function schedFlags(s: ServiceLike): string[] {
  return flagNames(s.scheduler, s.flags).filter((n) => n !== 'persistent' && n !== 'ops');
}

/** The lines `ipvsadm -S -n` prints for these entries (in our order; compare sorted). */
export function renderRules(table: readonly TableEntry[]): string[] {
  const out: string[] = [];
  for (const { service: s, dests } of table) {
    const name = ruleName(s);
    let line = `-A ${name} -s ${s.scheduler}${persistence(s, '-M', '-p')}`;
    if (s.peName) line += ` --pe ${s.peName}`;
    if (s.flags & IP_VS_SVC_F.ONEPACKET) line += ' -o';
    const sf = schedFlags(s);
    if (sf.length) line += ` -b ${sf.join(',')}`;
    out.push(line);
    for (const d of dests) {
      let dl = `-a ${name} -r ${hostPort(d.family, d.address, d.port)} ${FWD_RULE[d.forward] ?? `?${d.forward}`} -w ${d.weight}`;
      if (d.forward === 'tunnel' && d.tunnel) {
        dl += ` --tun-type ${d.tunnel.type}`;
        if (d.tunnel.type === 'gue') dl += ` --tun-port ${d.tunnel.port}`;
        if (d.tunnel.flags === 1) dl += ' --tun-csum';
        if (d.tunnel.flags === 2) dl += ' --tun-remcsum';
      }
      out.push(dl);
    }
  }
  return out;
}

/** A service's header line in `ipvsadm -Ln` ("TCP  10.0.0.3:443 mh (mh-port) persistent 300 mask 255.255.255.0"). */
export function renderListHeader(s: ServiceLike): string {
  const name =
    s.fwmark !== undefined
      ? `FWM  ${s.fwmark}${s.family === 'inet6' ? ' IPv6' : ''}`
      : `${s.protocol!.toUpperCase().padEnd(4)} ${hostPort(s.family, s.address!, s.port!)}`;
  const sf = schedFlags(s);
  let line = `${name} ${s.scheduler}${sf.length ? ` (${sf.join(',')})` : ''}${persistence(s, 'mask', 'persistent')}`;
  if (s.peName) line += ` pe ${s.peName}`;
  if (s.flags & IP_VS_SVC_F.ONEPACKET) line += ' ops';
  return line;
}

/** The `ipvsadm -Ln` columns of a destination: Forward, Weight, ActiveConn, InActConn. */
export function listColumns(d: IpvsDest): string[] {
  return [FWD_NAME[d.forward] ?? d.forward, String(d.weight), String(d.activeConns), String(d.inactiveConns)];
}

/** Rows of `-Ln`, `-Ln --thresholds` or `-Ln --persistent-conn`: service header → destination → its columns. */
export function parseListing(text: string): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (/^(TCP|UDP|SCTP|FWM) /.test(line)) {
      current = new Map();
      out.set(line, current);
    } else if (current && line.startsWith('  -> ')) {
      const [addr, ...cols] = line.slice(5).trim().split(/\s+/);
      current.set(addr!, cols);
    }
  }
  return out;
}

/** The lines of `ipvsadm -S -n`, sorted, blank lines dropped. */
export function ruleLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .sort();
}
