// keepalived-compatible dump files, so tooling built on keepalived's signals keeps working against vipd:
// keepalived.stats (SIGUSR2; vrrp_print.c:55-115), the VRRP Topology part of keepalived.data (SIGUSR1;
// vrrp_data.c dump_vrrp) and keepalived.json v1 (SIGJSON; vrrp_json.c). mehdy/keepalived-exporter parses
// .data + .stats (internal/collector/parser.go) or .json; gen2brain/keepalived_exporter reads .json.
import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEEPALIVED_STAT_KEYS, zeroCounters } from '../metrics/counters.js';
import { keepalivedVipText, normaliseVip } from '../metrics/scrape.js';
import { KEEPALIVED_STATE_CODE, type InstanceView, type KeepalivedStats, type StatusDocument } from '../status/types.js';

export type CountersByInstance = Readonly<Record<string, Partial<KeepalivedStats> | undefined>>;

/** Only keepalived's 14 fields, zero-filled (vipd's own counters are not part of keepalived's formats). */
function stats(counters: CountersByInstance, name: string): KeepalivedStats {
  const all = { ...zeroCounters(), ...(counters[name] ?? {}) };
  const out = {} as KeepalivedStats;
  for (const k of KEEPALIVED_STAT_KEYS) out[k] = all[k];
  return out;
}

/** keepalived.stats, byte-for-byte in keepalived 2.2.7's layout (built with VRRP auth). */
export function renderKeepalivedStats(views: readonly InstanceView[], counters: CountersByInstance): string {
  const out: string[] = [];
  for (const v of views) {
    const s = stats(counters, v.name);
    out.push(
      `VRRP Instance: ${v.name}`,
      '  Advertisements:',
      `    Received: ${s.advert_rcvd}`,
      `    Sent: ${s.advert_sent}`,
      `  Became master: ${s.become_master}`,
      `  Released master: ${s.release_master}`,
      '  Packet Errors:',
      `    Length: ${s.packet_len_err}`,
      `    TTL: ${s.ip_ttl_err}`,
      `    Invalid Type: ${s.invalid_type_rcvd}`,
      `    Advertisement Interval: ${s.advert_interval_err}`,
      `    Address List: ${s.addr_list_err}`,
      '  Authentication Errors:',
      `    Invalid Type: ${s.invalid_authtype}`,
      `    Type Mismatch: ${s.authtype_mismatch}`,
      `    Failure: ${s.auth_failure}`,
      '  Priority Zero:',
      `    Received: ${s.pri_zero_rcvd}`,
      `    Sent: ${s.pri_zero_sent}`,
    );
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

/** keepalived's "sec.usec (Sat Nov 21 20:54:13.286076 2026)" (ctime_us_r, local time). */
export function keepalivedTime(epochMs: number): string {
  const sec = Math.floor(epochMs / 1000);
  const usec = String(Math.round((epochMs - sec * 1000) * 1000)).padStart(6, '0');
  const d = new Date(sec * 1000);
  const ctime = `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${usec} ${d.getFullYear()}`;
  return `${sec}.${usec} (${ctime})`;
}

/**
 * One VIP line as keepalived formats it (vrrp_ipaddress.c format_ipaddress): "ADDR dev IF scope global",
 * IPv6 adds " preferred_lft forever" (the default lifetime), and " set" once installed (dump only).
 */
function vipLine(address: string, ifname: string, installed: boolean): string {
  const v6 = address.includes(':') ? ' preferred_lft forever' : '';
  return `${keepalivedVipText(address)} dev ${ifname} scope global${v6}${installed ? ' set' : ''}`;
}

/**
 * The "VRRP Topology" section of keepalived.data with the lines exporters read (State, Interface,
 * Virtual Router ID, Virtual IP, priorities, Last transition). Not the whole dump: keepalived itself calls
 * .data "not a stable API" (#1928), so we emit only what tooling is known to parse.
 */
export function renderKeepalivedData(views: readonly InstanceView[]): string {
  const out = ['------< VRRP Topology >------'];
  for (const v of views) {
    const version = v.version ?? 2;
    out.push(` VRRP Instance = ${v.name}`, `   VRRP Version = ${version}`);
    if (v.syncGroup) out.push(`   Sync group = ${v.syncGroup}`);
    if (v.family === 'inet6') out.push('   Using Native IPv6');
    out.push(`   State = ${v.state}`);
    if (v.state === 'BACKUP' && v.masterAddress) {
      out.push(`   Master router = ${v.masterAddress}`);
      if (v.masterPriority !== undefined && v.masterPriority !== null) out.push(`   Master priority = ${v.masterPriority}`);
      if (version === 3 && v.masterAdvertIntMs !== undefined) {
        out.push(`   Master advert int = ${(v.masterAdvertIntMs / 1000).toFixed(2)} sec`);
      }
    }
    out.push('   Flags: none', `   Wantstate = ${v.state}`);
    if (v.lastTransition) out.push(`   Last transition = ${keepalivedTime(v.lastTransition.atMs)}`);
    out.push(
      `   Interface = ${v.ifname}`,
      `   Virtual Router ID = ${v.vrid}`,
      `   Priority = ${v.basePriority}`,
      `   Effective priority = ${v.effectivePriority}`,
      `   Total priority = ${v.effectivePriority}`,
    );
    if (v.advertIntMs !== undefined) {
      out.push(
        version === 2
          ? `   Advert interval = ${Math.floor(v.advertIntMs / 1000)} sec`
          : `   Advert interval = ${Math.round(v.advertIntMs)} milli-sec`,
      );
    }
    if (v.vips.length > 0) {
      out.push(`   Virtual IP (${v.vips.length}):`);
      for (const raw of v.vips) {
        const vip = normaliseVip(raw, v.ifname);
        out.push(`     ${vipLine(vip.address, vip.ifname, v.state === 'MASTER')}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}

/** keepalived.json, format version 1 (a bare array of {data, stats}), with the fields we know. */
export function renderKeepalivedJson(views: readonly InstanceView[], counters: CountersByInstance): string {
  const arr = views.map((v) => {
    const data: Record<string, unknown> = {
      iname: v.name,
      ifp_ifname: v.ifname,
      master_priority: v.masterPriority ?? (v.state === 'MASTER' ? v.effectivePriority : 0),
      last_transition: v.lastTransition ? v.lastTransition.atMs / 1000 : 0,
      vrid: v.vrid,
      base_priority: v.basePriority,
      effective_priority: v.effectivePriority,
      vipset: v.state === 'MASTER',
      adver_int: (v.advertIntMs ?? 1000) / 1000,
      master_adver_int: (v.masterAdvertIntMs ?? v.advertIntMs ?? 1000) / 1000,
      state: KEEPALIVED_STATE_CODE[v.state],
      wantstate: KEEPALIVED_STATE_CODE[v.state],
      version: v.version ?? 2,
    };
    if (v.vips.length > 0) {
      data.vips = v.vips.map((raw) => {
        const vip = normaliseVip(raw, v.ifname);
        return vipLine(vip.address, vip.ifname, false);
      });
    }
    return { data, stats: stats(counters, v.name) };
  });
  return JSON.stringify(arr);
}

/** Write a file atomically (temp + rename), as keepalived does for its JSON dump (vrrp_json.c). */
function writeAtomic(path: string, content: string): void {
  // O_EXCL on an unpredictable name: /tmp is world-writable and we run as root, so never follow a planted link.
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, content, { mode: 0o644, flag: 'wx' });
  renameSync(tmp, path);
}

/**
 * Write keepalived.stats, keepalived.data and keepalived.json into `dir` (keepalived: $TMPDIR or /tmp) from
 * a status document; with `netns`, keepalived.NETNS.stats etc. (keepalived's data_use_instance naming). Returns
 * the paths written.
 */
export function writeKeepalivedFiles(dir: string, doc: Pick<StatusDocument, 'instances' | 'counters'>, netns?: string): string[] {
  const base = netns === undefined ? 'keepalived' : `keepalived.${netns}`;
  const files: [string, string][] = [
    [`${base}.stats`, renderKeepalivedStats(doc.instances, doc.counters)],
    [`${base}.data`, renderKeepalivedData(doc.instances)],
    [`${base}.json`, renderKeepalivedJson(doc.instances, doc.counters)],
  ];
  return files.map(([name, content]) => {
    const path = join(dir, name);
    writeAtomic(path, content);
    return path;
  });
}

/**
 * keepalived's SIGUSR1 check-data file (check_print.c: $TMPDIR/keepalived_check.data; with a namespace,
 * keepalived_check.NETNS.data like the other dumps), written atomically. `content` is rendered by the LVS
 * half (src/lvs/shell/checkData.ts). Returns the path written.
 */
export function writeKeepalivedCheckData(dir: string, content: string, netns?: string): string {
  const path = join(dir, netns === undefined ? 'keepalived_check.data' : `keepalived_check.${netns}.data`);
  writeAtomic(path, content);
  return path;
}
