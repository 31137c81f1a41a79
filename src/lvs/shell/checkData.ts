// keepalived's SIGUSR1 check-data dump (/tmp/keepalived_check.data: check_print.c → check_data.c dump_data_check,
// check_api.c dump_checker; keepalived 2.2.7), rendered from the running config and the core's snapshot so tools
// reading keepalived's file find the same lines: "------< LVS Topology >------", one "------< Virtual server >------"
// block per virtual server with its real servers, then "------< Health checkers >------". keepalived itself calls
// its dumps no stable API; lines whose facts vipd does not have (uids of scripts, SNMP names, the checker's
// internal retry iterator) are left out rather than invented. Pure.
import type { CheckerConfig, LvsMethod, RealServerConfig, VirtualServerConfig } from '../../config/lvsTypes.js';
import type { LvsSnapshot } from '../core/types.js';
import { checkerIndex } from './checkerIndex.js';
import { findRealServer, rsText, vsText } from './keepalivedText.js';

/** keepalived's format_decimal(µs, TIMER_HZ_DIGITS=6): 1000 ms → "1.000000". */
function seconds6(ms: number): string {
  const us = Math.round(ms * 1000);
  return `${Math.floor(us / 1_000_000)}.${String(us % 1_000_000).padStart(6, '0')}`;
}

const onOff = (b: boolean): string => (b ? 'ON' : 'OFF');
const yesNo = (b: boolean): string => (b ? 'yes' : 'no');
const ena = (b: boolean): string => (b ? 'enabled' : 'disabled');

/** dump_forwarding_method: "   forwarding method = NAT", "   forwarding method = TUN, type = GUE, port = 6080, checksum". */
function methodLine(prefix: string, m: LvsMethod): string {
  if (m.kind !== 'TUN') return `   ${prefix}forwarding method = ${m.kind}`;
  if (m.tunnel === 'ipip') return `   ${prefix}forwarding method = TUN, type = IPIP`;
  const csum = m.checksum === 'nocsum' ? ', no checksum' : m.checksum === 'csum' ? ', checksum' : ', remote checksum';
  return m.tunnel === 'gue' ? `   ${prefix}forwarding method = TUN, type = GUE, port = ${m.tunnelPort}${csum}` : `   ${prefix}forwarding method = TUN, type = GRE${csum}`;
}

/** IPv4 granularity as keepalived prints it (inet_ntop2 of the mask). */
function mask4(bits: number): string {
  const m = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((s) => (m >>> s) & 0xff).join('.');
}

function vsHead(vs: VirtualServerConfig): string {
  if (vs.group !== null) return ` VS GROUP = ${vsText(vs)}`;
  const key = vs.keys[0];
  if (key?.kind === 'fwmark') return ` VS FWMARK = ${key.fwmark}`;
  return key ? ` VS VIP = ${key.address}, VPORT = ${key.port}` : ` VS GROUP = ${vs.name}`;
}

function schedulerFlagLines(vs: VirtualServerConfig): string[] {
  const has = (f: string): boolean => vs.schedulerFlags.includes(f);
  if (vs.scheduler === 'sh') return [`   sh-port = ${ena(has('sh-port'))}`, `   sh-fallback = ${ena(has('sh-fallback'))}`];
  if (vs.scheduler === 'mh') return [`   mh-port = ${ena(has('mh-port'))}`, `   mh-fallback = ${ena(has('mh-fallback'))}`];
  return [1, 2, 3].map((n) => `   flag-${n} = ${ena(has(`flag-${n}`))}`);
}

function connectTimeoutOf(rs: RealServerConfig | undefined): number {
  for (const k of rs?.checkers ?? []) if (k.type !== 'FILE_CHECK') return k.connectTimeoutMs;
  return 5000;
}

function dumpVs(vs: VirtualServerConfig, snap: LvsSnapshot['virtualServers'][number] | undefined): string[] {
  const out = [' ------< Virtual server >------', vsHead(vs)];
  if (vs.virtualhost) out.push(`   VirtualHost = ${vs.virtualhost}`);
  out.push(`   Address family = ${vs.keys[0]?.family ?? 'unknown'}`);
  out.push(`   connection timeout = ${seconds6(connectTimeoutOf(vs.realServers[0]))}`);
  out.push(`   delay_loop = ${seconds6(vs.delayLoopMs)}`, `   lvs_sched = ${vs.scheduler}`, '   Hashed = disabled');
  out.push(...schedulerFlagLines(vs));
  out.push(`   One packet scheduling = ${ena(vs.onePacket)}${vs.onePacket && vs.protocol !== 'UDP' ? ' (inactive due to not UDP)' : ''}`);
  if (vs.persistence) {
    out.push(`   persistence timeout = ${vs.persistence.timeoutS}`);
    const v6 = vs.keys[0]?.family === 'inet6';
    const full = v6 ? 128 : 32;
    if (vs.persistence.netmaskBits !== full) out.push(`   persistence granularity = ${v6 ? vs.persistence.netmaskBits : mask4(vs.persistence.netmaskBits)}`);
  }
  out.push(`   protocol = ${vs.protocol}`, `   alpha is ${onOff(vs.alpha)}`, `   omega is ${onOff(vs.omega)}`);
  out.push(`   Inhibit on failure is ${onOff(vs.inhibitOnFailure)}`, `   quorum = ${vs.quorum}, hysteresis = ${vs.hysteresis}`);
  if (vs.quorumUp) out.push(`   Quorum up notify script = ${vs.quorumUp.command}`);
  if (vs.quorumDown) out.push(`   Quorum down notify script = ${vs.quorumDown.command}`);
  if (vs.haSuspend) out.push('   Using HA suspend');
  out.push('   Using smtp notification = no', methodLine('default ', vs.method));
  if (vs.sorryServer) {
    out.push(`   sorry server = ${rsText(vs, vs.sorryServer)}`, methodLine('  ', vs.sorryServer.method), `     Inhibit on failure is ${onOff(vs.sorryServer.inhibit)}`);
  }
  out.push(`   alive = ${snap ? 1 : 0}`, `   quorum_state_up = ${snap?.quorumUp ? 1 : 0}`, '   reloaded = 0');
  for (const rs of vs.realServers) out.push(...dumpRs(vs, rs, snap?.realServers.find((r) => findRealServer(vs, r.id) === rs)));
  return out;
}

function dumpRs(vs: VirtualServerConfig, rs: RealServerConfig, snap: LvsSnapshot['virtualServers'][number]['realServers'][number] | undefined): string[] {
  const eff = snap?.effectiveWeight ?? rs.weight;
  const out = ['   ------< Real server >------', `   RIP = ${rs.address}, RPORT = ${rs.port}, WEIGHT = ${eff} EFF WEIGHT = ${eff}`, methodLine('', rs.method)];
  const first = rs.checkers.find((c): c is Exclude<CheckerConfig, { type: 'FILE_CHECK' }> => c.type !== 'FILE_CHECK');
  out.push(`   Alpha is ${onOff(rs.alpha)}`, `   connection timeout = ${seconds6(connectTimeoutOf(rs))}`);
  out.push(`   connection limit range = ${rs.lowerThreshold} -> ${rs.upperThreshold}`, `   Delay loop = ${seconds6(first?.delayLoopMs ?? vs.delayLoopMs)}`);
  out.push(`   Inhibit on failure is ${onOff(rs.inhibitOnFailure)}`);
  if (rs.notifyUp) out.push(`     RS up notify script = ${rs.notifyUp.command}`);
  if (rs.notifyDown) out.push(`     RS down notify script = ${rs.notifyDown.command}`);
  out.push('   Using smtp notification = no', `   initial weight = ${rs.weight}`, `   effective weight = ${eff}`);
  out.push(`   alive = ${snap?.up ? 1 : 0}`);
  if (snap) out.push(`   RS set = ${snap.inTable ? 1 : 0}`);
  return out;
}

function dumpChecker(id: string, c: LvsSnapshot['checks'][number], where: { checker: CheckerConfig; vs: VirtualServerConfig; rs: RealServerConfig } | undefined): string[] {
  const head = where ? ` ${vsText(where.vs)} -> ${rsText(where.vs, where.rs)}` : ` ${id} -> ${c.target}`;
  const out = [head, '   Enabled = yes', `   Up = ${yesNo(c.up)}`, `   Has run = ${yesNo(c.hasRun)}`];
  const k = where?.checker;
  if (!k || k.type === 'FILE_CHECK') {
    if (k) out.push(`   Tracked file = ${k.trackFile}, weight ${k.weight}${k.reverse ? ' reverse' : ''}`);
    return out;
  }
  out.push(`   Alpha = ${yesNo(k.alpha)}`, `   Delay loop = ${k.delayLoopMs * 1000} us`, `   Warmup = ${k.warmupMs * 1000} us`, `   Retries = ${k.retry}`);
  if (k.retry) out.push(`   Delay before retry = ${k.delayBeforeRetryMs * 1000} us`);
  out.push(`   Log all failures = ${yesNo(k.logAllFailures)}`);
  if (k.type === 'MISC_CHECK') {
    out.push(`   Script = ${k.script.command}`, `   Timeout = ${seconds6(k.timeoutMs)}`, `   Dynamic = ${k.dynamic ? 'YES' : 'NO'}`);
    return out;
  }
  const dest = `[${k.connectIp}]:${k.connectPort}`; // inet_sockaddrtopair
  out.push('   Connection', `     Dest = ${dest}`);
  if (k.bindTo) out.push(`     Bind to = [${k.bindTo}]:${k.bindPort ?? 0}`);
  if (k.bindIf) out.push(`     Bind i/f = ${k.bindIf}`);
  if (k.fwmark) out.push(`     Mark = ${k.fwmark}`);
  out.push(`     Timeout = ${seconds6(k.connectTimeoutMs)}`);
  return out;
}

/** keepalived_check.data: the LVS topology and the health checkers, in keepalived 2.2.7's layout. */
export function renderKeepalivedCheckData(virtualServers: readonly VirtualServerConfig[], snapshot: LvsSnapshot, ipvsVersion = '1.2.1'): string {
  const out: string[] = [];
  if (virtualServers.length) {
    out.push('------< LVS Topology >------', ` System is compiled with LVS v${ipvsVersion}`);
    const snaps = new Map(snapshot.virtualServers.map((v) => [v.id, v]));
    for (const vs of virtualServers) out.push(...dumpVs(vs, snaps.get(vs.id)));
  }
  if (snapshot.checks.length) {
    const index = checkerIndex(snapshot, virtualServers);
    out.push('------< Health checkers >------');
    for (const c of snapshot.checks) out.push(...dumpChecker(c.id, c, index.get(c.id)));
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
