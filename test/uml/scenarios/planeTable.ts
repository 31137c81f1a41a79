// The tables the IPVS data-plane scenario (planeGuest.ts) programs and the host test (test/integration/ipvsPlane
// .test.ts) and bench/lvs/program.ts expect: written once here so guest and host agree, with the ipvsadm -S -n
// lines written out by hand (ipvsadm.c print_service_entry as Debian's ipvsadm 1.31 prints them).
import { serviceFlags } from '../../../src/lvs/ipvs/flags.js';
import type { DestSpec, ServiceKey, ServiceSpec } from '../../../src/lvs/ipvs/types.js';
import { destId, serviceId, type LvsOp, type TableService } from '../../../src/lvs/model.js';

function svc(key: ServiceKey, scheduler: string, extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return { ...key, scheduler, flags: 0, timeoutS: 0, netmaskBits: key.family === 'inet' ? 32 : 128, ...extra } as ServiceSpec;
}

function dest(address: string, port: number, forward: DestSpec['forward'], weight: number, extra: Partial<DestSpec> = {}): DestSpec {
  return { address, port, forward, weight, upperThreshold: 0, lowerThreshold: 0, ...extra };
}

export const WEB: ServiceKey = { family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 };
export const DNS: ServiceKey = { family: 'inet', protocol: 'udp', address: '10.0.0.2', port: 53 };
export const TLS: ServiceKey = { family: 'inet', protocol: 'tcp', address: '10.0.0.3', port: 443 };
export const MARK7: ServiceKey = { family: 'inet', fwmark: 7 };
export const MARK8V6: ServiceKey = { family: 'inet6', fwmark: 8 };
export const WEB6: ServiceKey = { family: 'inet6', protocol: 'tcp', address: '2001:db8::1', port: 80 };

/** NAT/DR/TUN (IPIP, GUE), IPv4 + IPv6, fwmark (both families), persistence with granularity, sh with sh-port. */
export const TABLE: readonly TableService[] = [
  {
    spec: svc(WEB, 'wrr'),
    dests: [
      dest('10.1.0.1', 8080, 'masq', 3, { upperThreshold: 100, lowerThreshold: 50 }),
      dest('10.1.0.2', 80, 'route', 1),
      dest('10.1.0.3', 80, 'tunnel', 2, { tunnel: { type: 'ipip', port: 0, flags: 0 } }),
    ],
  },
  { spec: svc(DNS, 'sh', { flags: serviceFlags('sh', { schedulerFlags: ['sh-port'] }) }), dests: [dest('10.1.0.4', 53, 'masq', 1)] },
  {
    spec: svc(TLS, 'rr', { flags: serviceFlags('rr', { persistent: true }), timeoutS: 300, netmaskBits: 24 }),
    dests: [dest('10.1.0.5', 443, 'route', 2)],
  },
  { spec: svc(MARK7, 'rr', { flags: serviceFlags('rr', { persistent: true }), timeoutS: 60 }), dests: [dest('10.1.0.6', 0, 'route', 1)] },
  { spec: svc(MARK8V6, 'sh'), dests: [dest('2001:db8::20', 0, 'route', 1)] },
  {
    spec: svc(WEB6, 'wlc', { flags: serviceFlags('wlc', { persistent: true }), timeoutS: 120, netmaskBits: 64 }),
    dests: [dest('2001:db8::10', 80, 'masq', 5), dest('2001:db8::11', 80, 'tunnel', 4, { tunnel: { type: 'gue', port: 6080, flags: 1 } })],
  },
];

/** What `ipvsadm -S -n` prints once TABLE is programmed (thresholds are not part of -S). */
export const TABLE_RULES: readonly string[] = [
  '-A -t 10.0.0.1:80 -s wrr',
  '-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m -w 3',
  '-a -t 10.0.0.1:80 -r 10.1.0.2:80 -g -w 1',
  '-a -t 10.0.0.1:80 -r 10.1.0.3:80 -i -w 2 --tun-type ipip',
  '-A -u 10.0.0.2:53 -s sh -b sh-port',
  '-a -u 10.0.0.2:53 -r 10.1.0.4:53 -m -w 1',
  '-A -t 10.0.0.3:443 -s rr -p 300 -M 255.255.255.0',
  '-a -t 10.0.0.3:443 -r 10.1.0.5:443 -g -w 2',
  '-A -f 7 -s rr -p 60',
  '-a -f 7 -r 10.1.0.6:0 -g -w 1',
  '-A -f 8 -6 -s sh',
  '-a -f 8 -6 -r [2001:db8::20]:0 -g -w 1',
  '-A -t [2001:db8::1]:80 -s wlc -p 120 -M 64',
  '-a -t [2001:db8::1]:80 -r [2001:db8::10]:80 -m -w 5',
  '-a -t [2001:db8::1]:80 -r [2001:db8::11]:80 -i -w 4 --tun-type gue --tun-port 6080 --tun-csum',
];

/** The operations that program `table` from nothing: each service, then its destinations. */
export function addOps(table: readonly TableService[]): LvsOp[] {
  return table.flatMap((s) => [{ op: 'addService' as const, service: s.spec }, ...s.dests.map((d) => ({ op: 'addDest' as const, service: s.spec, dest: d }))]);
}

/** `services` TCP services 10.10.x.y:80 (wrr), each with `dests` NAT real servers 10.1.0.1..N:80 of weight 1. */
export function bigTable(services: number, dests: number): TableService[] {
  return Array.from({ length: services }, (_, i) => ({
    spec: svc({ family: 'inet', protocol: 'tcp', address: `10.${10 + (i >> 8)}.${i & 255}.1`, port: 80 }, 'wrr'),
    dests: Array.from({ length: dests }, (_, j) => dest(`10.1.${j >> 8}.${(j & 255) + 1}`, 80, 'masq', 1)),
  }));
}

/** The same table as an `ipvsadm -R` script. */
export function bigTableRestore(services: number, dests: number): string {
  const lines: string[] = [];
  for (const s of bigTable(services, dests)) {
    const k = s.spec as { address: string; port: number };
    lines.push(`-A -t ${k.address}:${k.port} -s wrr`);
    for (const d of s.dests) lines.push(`-a -t ${k.address}:${k.port} -r ${d.address}:${d.port} -m -w ${d.weight}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `table` in a canonical order (services by serviceId, dests by destId): the kernel dumps in hash and list order. */
export function sortedTable(table: readonly TableService[]): TableService[] {
  const by = <T>(key: (x: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  return [...table].sort(by((s: TableService) => serviceId(s.spec))).map((s) => ({ spec: s.spec, dests: [...s.dests].sort(by(destId)) }));
}
