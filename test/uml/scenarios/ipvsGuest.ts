// Runs INSIDE the user-mode Linux guest (test/uml/uml.ts) with real IPVS: programs services and destinations
// through IpvsClient, and at each checkpoint records what ipvsadm (the independent checker, used only here)
// prints next to what our dump decodes. Also records every raw reply the kernel sent (captures.json, the source
// of the unit-test fixtures). Writes $UML_OUT/ipvs-result.json; the host-side test asserts on it.
//
// One node process for everything: node starts in ≈ 5 s inside the guest.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RealClock } from '../../../src/clock/realClock.js';
import { VipdError } from '../../../src/errors/vipdError.js';
import { serviceFlags } from '../../../src/lvs/ipvs/flags.js';
import { IpvsClient } from '../../../src/lvs/ipvs/client.js';
import type { DestSpec, IpvsDest, IpvsService, ServiceKey, ServiceSpec } from '../../../src/lvs/ipvs/types.js';
import type { NetlinkTransport } from '../../../src/net/genlSocket.js';
import { NETLINK_GENERIC } from '../../../src/net/genlMsg.js';
import { NetlinkSocket, type NetlinkMessage, type NetlinkRequest } from '../../../src/net/netlink.js';

const OUT = process.env['UML_OUT'] ?? '.';

interface Capture {
  /** The request's netlink type and genl command (payload[0]). */
  type: number;
  cmd: number;
  dump: boolean;
  replies: { type: number; flags: number; payload: string }[];
  errno?: number;
}

/** A NetlinkSocket that records each request's replies (hex payloads) for the fixtures. */
class RecordingTransport implements NetlinkTransport {
  readonly captures: Capture[] = [];
  private readonly sock = new NetlinkSocket(NETLINK_GENERIC, { clock: new RealClock() });

  async request(req: NetlinkRequest): Promise<NetlinkMessage[]> {
    const cap: Capture = { type: req.type, cmd: req.payload?.[0] ?? -1, dump: ((req.flags ?? 0) & 0x300) === 0x300, replies: [] };
    this.captures.push(cap);
    try {
      const replies = await this.sock.request(req);
      cap.replies = replies.map((r) => ({ type: r.type, flags: r.flags, payload: r.payload.toString('hex') }));
      return replies;
    } catch (err) {
      cap.errno = (err as { errno?: number }).errno;
      throw err;
    }
  }

  close(): void {
    this.sock.close();
  }
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; status?: number };
    return `${e.stdout ?? ''}${e.stderr ?? ''}[exit ${e.status}]`;
  }
}

type Json = unknown;
function plain(v: Json): Json {
  return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)));
}

interface Checkpoint {
  name: string;
  rules: string;
  list: string;
  thresholds: string;
  persistent: string;
  ours: { service: IpvsService; dests: IpvsDest[] }[];
}

async function checkpoint(c: IpvsClient, name: string): Promise<Checkpoint> {
  const services = await c.getServices();
  const ours = [];
  for (const s of services) ours.push({ service: s, dests: await c.getDests(s as ServiceKey) });
  return {
    name,
    rules: sh('ipvsadm', ['-S', '-n']),
    list: sh('ipvsadm', ['-Ln']),
    thresholds: sh('ipvsadm', ['-Ln', '--thresholds']),
    persistent: sh('ipvsadm', ['-Ln', '--persistent-conn']),
    ours: plain(ours) as Checkpoint['ours'],
  };
}

async function outcome(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
    return { code: 'ok', message: '' };
  } catch (err) {
    return err instanceof VipdError ? { code: err.code, message: err.message } : { code: 'crash', message: String(err) };
  }
}

/** A service on a protocol/address/port with the usual persistence defaults (none). */
function svc(key: ServiceKey, scheduler: string, extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return { ...key, scheduler, flags: 0, timeoutS: 0, netmaskBits: key.family === 'inet' ? 32 : 128, ...extra } as ServiceSpec;
}

function dest(address: string, port: number, forward: DestSpec['forward'], weight: number, extra: Partial<DestSpec> = {}): DestSpec {
  return { address, port, forward, weight, upperThreshold: 0, lowerThreshold: 0, ...extra };
}

/** Every scheduler the Debian 6.1 UML kernel ships (twos is not built there: it is the unknown-module case). */
const GUEST_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'] as const;

const WEB: ServiceKey = { family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 };
const DNS: ServiceKey = { family: 'inet', protocol: 'udp', address: '10.0.0.2', port: 53 };
const TLS: ServiceKey = { family: 'inet', protocol: 'tcp', address: '10.0.0.3', port: 443 };
const MARK7: ServiceKey = { family: 'inet', fwmark: 7 };
const MARK8V6: ServiceKey = { family: 'inet6', fwmark: 8 };
const WEB6: ServiceKey = { family: 'inet6', protocol: 'tcp', address: '2001:db8::1', port: 80 };
const SCTP: ServiceKey = { family: 'inet', protocol: 'sctp', address: '10.0.0.9', port: 5000 };

async function main(): Promise<void> {
  const clock = new RealClock();
  const transport = new RecordingTransport();
  const started = Date.now();
  const c = await IpvsClient.open({ clock, transport, timeoutMs: 10_000 });
  const result: Record<string, Json> = { family: plain(c.family) };
  result['info'] = plain(await c.getInfo());
  result['timeoutsBefore'] = plain(await c.getTimeouts());
  result['ipvsadmTimeoutBefore'] = sh('ipvsadm', ['-Ln', '--timeout']);

  // Programming: IPv4 + IPv6, tcp/udp/sctp, fwmark, schedulers with flags, persistence, one-packet, NAT/DR/TUN.
  await c.addService(svc(WEB, 'wrr'));
  await c.addDest(WEB, dest('10.1.0.1', 8080, 'masq', 3));
  await c.addDest(WEB, dest('10.1.0.2', 80, 'route', 1, { upperThreshold: 10, lowerThreshold: 2 }));
  await c.addDest(WEB, dest('10.1.0.3', 80, 'tunnel', 0, { tunnel: { type: 'ipip', port: 0, flags: 0 } }));
  await c.addService(svc(DNS, 'sh', { flags: serviceFlags('sh', { onePacket: true, schedulerFlags: ['sh-fallback', 'sh-port'] }) }));
  await c.addDest(DNS, dest('10.1.0.4', 53, 'masq', 1));
  await c.addService(svc(TLS, 'mh', { flags: serviceFlags('mh', { persistent: true, schedulerFlags: ['mh-port'] }), timeoutS: 300, netmaskBits: 24 }));
  await c.addDest(TLS, dest('10.1.0.5', 443, 'route', 2));
  await c.addService(svc(MARK7, 'rr', { flags: serviceFlags('rr', { persistent: true }), timeoutS: 60 }));
  await c.addDest(MARK7, dest('10.1.0.6', 0, 'route', 1));
  await c.addService(svc(MARK8V6, 'mh', { flags: serviceFlags('mh', { schedulerFlags: ['mh-fallback'] }) }));
  await c.addDest(MARK8V6, dest('2001:db8::20', 0, 'route', 1));
  await c.addService(svc(WEB6, 'wlc', { flags: serviceFlags('wlc', { persistent: true }), timeoutS: 120, netmaskBits: 64 }));
  await c.addDest(WEB6, dest('2001:db8::10', 80, 'masq', 5));
  await c.addDest(WEB6, dest('2001:db8::11', 80, 'tunnel', 4, { tunnel: { type: 'gue', port: 6080, flags: 1 } }));
  await c.addService(svc(SCTP, 'rr'));
  await c.addDest(SCTP, dest('10.1.0.7', 5000, 'masq', 1));
  for (const [i, name] of GUEST_SCHEDULERS.entries()) {
    await c.addService(svc({ family: 'inet', protocol: 'tcp', address: `10.0.2.${i + 1}`, port: 80 }, name));
  }
  const checkpoints: Checkpoint[] = [await checkpoint(c, 'added')];

  // Edits and deletes.
  await c.editService(svc(WEB, 'wlc', { flags: serviceFlags('wlc', { persistent: true }), timeoutS: 30, netmaskBits: 24 }));
  await c.editDest(WEB, dest('10.1.0.1', 8080, 'masq', 7, { upperThreshold: 100, lowerThreshold: 50 }));
  await c.editDest(WEB, dest('10.1.0.3', 80, 'route', 2));
  await c.delDest(WEB, { address: '10.1.0.2', port: 80 });
  await c.delService(MARK7);
  await c.editService(svc(DNS, 'sh', { flags: serviceFlags('sh', { schedulerFlags: ['sh-port'] }) }));
  checkpoints.push(await checkpoint(c, 'edited'));

  // Bad requests: named errors, no crash, the table unchanged.
  const errors: Record<string, Json> = {};
  errors['duplicateService'] = await outcome(c.addService(svc(WEB, 'rr')));
  errors['unknownScheduler'] = await outcome(c.addService(svc({ family: 'inet', protocol: 'tcp', address: '10.0.3.1', port: 80 }, 'bogus')));
  errors['twosScheduler'] = await outcome(c.addService(svc({ family: 'inet', protocol: 'tcp', address: '10.0.3.2', port: 80 }, 'twos')));
  errors['duplicateDest'] = await outcome(c.addDest(WEB, dest('10.1.0.1', 8080, 'masq', 1)));
  errors['missingDest'] = await outcome(c.delDest(WEB, { address: '10.1.0.99', port: 80 }));
  errors['missingService'] = await outcome(c.delService({ family: 'inet', protocol: 'tcp', address: '10.0.9.9', port: 80 }));
  errors['destOfMissingService'] = await outcome(c.addDest({ family: 'inet', protocol: 'udp', address: '10.0.9.9', port: 1 }, dest('10.1.0.1', 1, 'masq', 1)));
  errors['negativeWeight'] = await outcome(c.addDest(WEB, dest('10.1.0.8', 80, 'masq', -1)));
  errors['thresholdsInverted'] = await outcome(c.addDest(WEB, dest('10.1.0.9', 80, 'masq', 1, { upperThreshold: 1, lowerThreshold: 5 })));
  errors['invalidLocally'] = await outcome(c.addService(svc(WEB, 'a-scheduler-name-too-long')));
  result['getMissingService'] = plain(await c.getService({ family: 'inet', protocol: 'tcp', address: '10.0.9.9', port: 80 }));
  result['getOneService'] = plain(await c.getService(TLS));
  result['destsOfMissingService'] = plain(await c.getDests({ family: 'inet', protocol: 'tcp', address: '10.0.9.9', port: 80 }));
  result['errors'] = errors;
  checkpoints.push(await checkpoint(c, 'after-errors'));

  // Sync daemons.
  const daemon: Record<string, Json> = {};
  await c.startDaemon({ state: 'master', ifname: 'dummy0', syncId: 5 });
  await c.startDaemon({ state: 'backup', ifname: 'dummy0', syncId: 6, port: 8849, group: '224.0.0.82', ttl: 2, maxLen: 1400 });
  daemon['both'] = { ipvsadm: sh('ipvsadm', ['-L', '--daemon']), ours: plain(await c.getDaemons()) };
  daemon['duplicateStart'] = await outcome(c.startDaemon({ state: 'master', ifname: 'dummy0', syncId: 5 }));
  await c.stopDaemon('master');
  daemon['backupOnly'] = { ipvsadm: sh('ipvsadm', ['-L', '--daemon']), ours: plain(await c.getDaemons()) };
  await c.stopDaemon('backup');
  daemon['none'] = { ipvsadm: sh('ipvsadm', ['-L', '--daemon']), ours: plain(await c.getDaemons()) };
  result['daemon'] = daemon;

  // Timeouts.
  await c.setTimeouts({ tcpS: 1000, tcpFinS: 100, udpS: 200 });
  result['timeoutsAfter'] = plain(await c.getTimeouts());
  result['ipvsadmTimeoutAfter'] = sh('ipvsadm', ['-Ln', '--timeout']);

  await c.zero();
  await c.flush();
  checkpoints.push(await checkpoint(c, 'flushed'));
  result['checkpoints'] = checkpoints;
  result['drops'] = c.drops;
  result['elapsedMs'] = Date.now() - started;
  c.close();
  writeFileSync(join(OUT, 'captures.json'), JSON.stringify(transport.captures, null, 1));
  writeFileSync(join(OUT, 'ipvs-result.json'), JSON.stringify(result, null, 1));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
