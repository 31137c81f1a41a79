// VMAC interfaces (keepalived `use_vmac`): a private-mode macvlan on the instance's interface whose MAC is the
// RFC 5798 §7.3 virtual router MAC, created and deleted over rtnetlink (no `ip` binary), with the sysctls
// keepalived sets written through /proc/sys (no `sysctl` process) and restored on removal.
//
// keepalived keeps the VMAC up in every state (vrrp_vmac.c:netlink_link_add_vmac brings it up once; only
// shutdown deletes it). Two directors therefore have the same MAC up on one segment; what keeps switches from
// learning it at the backup is that the backup's VMAC never transmits: no VIPs, arp_ignore=1 (no ARP replies),
// IPv6 disabled on IPv4 VMACs (no DAD/ND/MLD) and, for IPv6 VMACs, no auto-generated link-local
// (addr_gen_mode none; vrrp_vmac.c:404-437).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VipdError } from '../errors/vipdError.js';
import { MACVLAN_MODE_PRIVATE, type AddressSpec, type LinkInfo, type MacvlanSpec } from './rtnlCodec.js';

export interface VmacSpec {
  /** Interface name, e.g. "vrrp.51". */
  readonly name: string;
  readonly parentIfindex: number;
  readonly parentName: string;
  /** "00:00:5e:00:01:33". */
  readonly mac: string;
  /** Address family of the instance: IPv4 VMACs get keepalived's ARP sysctls and no IPv6. */
  readonly family: 4 | 6;
  /** IPv6: the advert source to put on the VMAC (keepalived set_link_local_address, vrrp_vmac.c:230-247). */
  readonly linkLocal?: string;
}

/** The rtnetlink operations a VmacManager needs (Rtnetlink implements them). */
export interface VmacLinkOps {
  listLinks(): Promise<LinkInfo[]>;
  createMacvlan(spec: MacvlanSpec): Promise<'created' | 'exists'>;
  setLinkUp(ifindex: number, up: boolean): Promise<void>;
  deleteLink(ifindex: number): Promise<'removed' | 'absent'>;
  addAddress(spec: AddressSpec): Promise<unknown>;
}

/** /proc/sys access, paths relative to /proc/sys ("net/ipv4/conf/eth0/arp_ignore"). */
export interface SysctlFs {
  /** Trimmed value, or null when the file does not exist / cannot be read. */
  read(path: string): string | null;
  write(path: string, value: string): void;
  /** Entries of a directory (interface names under net/ipv4/conf). */
  list(path: string): string[];
}

export function procSysctl(root = '/proc/sys'): SysctlFs {
  return {
    read: (p) => {
      try {
        return readFileSync(join(root, p), 'utf8').trim();
      } catch {
        return null;
      }
    },
    write: (p, v) => writeFileSync(join(root, p), `${v}\n`),
    list: (p) => {
      try {
        return readdirSync(join(root, p));
      } catch {
        return [];
      }
    },
  };
}

/** keepalived's VMAC address: 00:00:5e:00:01:<VRID> for IPv4, 00:00:5e:00:02:<VRID> for IPv6 (vrrp_vmac.c:270-279). */
export function vmacAddress(vrid: number, family: 4 | 6): string {
  return `00:00:5e:00:0${family === 4 ? 1 : 2}:${(vrid & 0xff).toString(16).padStart(2, '0')}`;
}

/** Default VMAC name `vrrp.<VRID>` (keepalived create_vmac_name with the default prefix, vrrp.c:2775-2786). */
export function defaultVmacName(vrid: number): string {
  return `vrrp.${vrid}`;
}

/**
 * Sysctls keepalived sets on the VMAC (vrrp_if_config.c:70-82, 313-340), except accept_local=1: with it the
 * kernel accepts the new master's GARP ("who-has VIP tell VIP", a local source) on the old master's VMAC and,
 * while the old master still holds the VIP for a moment, answers it from the shared MAC — so the switch moves
 * the virtual MAC back to the old master's port until the new master's next advert (seen in the lab in 2 of 3
 * preemptions; never with accept_local left at 0). Adverts come from the peer's own address, so nothing needs it.
 */
const VMAC_SYSCTLS4: readonly [string, string][] = [
  ['arp_ignore', '1'],
  ['rp_filter', '0'],
  ['promote_secondaries', '1'],
];
/**
 * keepalived sets arp_ignore=1 and arp_filter=1 on the parent. vipd adds arp_announce=2: replies from the VIP
 * leave through the parent (its connected route comes first), and with the default arp_announce=0 the kernel
 * resolves the client from the parent with the VIP as ARP sender address, which rewrites the client's entry
 * for the VIP to the parent's own MAC — the very thing use_vmac exists to avoid. With 2 the parent asks with
 * its own address. (keepalived leaves this to the operator: doc/NOTE_vrrp_vmac.txt, issues #1230, #511.)
 */
const PARENT_SYSCTLS: readonly [string, string][] = [
  ['arp_ignore', '1'],
  ['arp_filter', '1'],
  ['arp_announce', '2'],
];

const IGMP_LLM_REPORTS = 'net/ipv4/igmp_link_local_mcast_reports';
const conf4 = (ifname: string, key: string) => `net/ipv4/conf/${ifname}/${key}`;
const conf6 = (ifname: string, key: string) => `net/ipv6/conf/${ifname}/${key}`;

interface Owned {
  readonly spec: VmacSpec;
  ifindex: number;
}

interface ParentSave {
  users: number;
  readonly saved: [string, string][];
}

/**
 * Creates, reuses and removes VMAC interfaces and keeps the sysctl bookkeeping needed to put things back:
 * parents' arp_ignore/arp_filter (restored when their last VMAC goes) and, when net.ipv4.conf.all.rp_filter
 * is on, keepalived's clear_rp_filter dance (vrrp_if_config.c:402-520): the kernel uses max(all, iface), so
 * rp_filter=0 on the VMAC only works with all=0; every other interface is first raised to the old `all`
 * value so their filtering does not change.
 */
export class VmacManager {
  private readonly owned = new Map<string, Owned>();
  private readonly parents = new Map<string, ParentSave>();
  private rpSaved: { all: string; default: string | null; ifaces: Map<string, string> } | null = null;
  private igmpSaved: string | null = null;

  private log: (msg: string) => void;

  constructor(
    private readonly ops: VmacLinkOps,
    private readonly sysctl: SysctlFs = procSysctl(),
    log?: (msg: string) => void,
  ) {
    this.log = log ?? (() => undefined);
  }

  /** Where notices go (keepalived logs its sysctl changes as "NOTICE: …"). */
  setLog(log: (msg: string) => void): void {
    this.log = log;
  }

  /** Names of the VMACs this manager created or adopted. */
  names(): string[] {
    return [...this.owned.keys()];
  }

  /**
   * Make the VMAC exist, configured and up; returns its link. An existing private macvlan on the same parent
   * with the right MAC is reused (keepalived does the same after a restart); another macvlan of that name is
   * replaced; any other interface of that name is a conflict (VIPD_ERR_VMAC_CONFLICT), never touched.
   */
  async ensure(spec: VmacSpec): Promise<LinkInfo> {
    let link = (await this.ops.listLinks()).find((l) => l.name === spec.name);
    if (link && !reusable(link, spec)) {
      if (link.kind !== 'macvlan') throw new VipdError('VIPD_ERR_VMAC_CONFLICT', `VMAC ${spec.name} conflicts with existing interface ${spec.name} (${link.kind ?? 'not a macvlan'})`);
      this.log(`Removing old VMAC interface ${spec.name} due to conflicting interface`);
      await this.ops.deleteLink(link.ifindex);
      link = undefined;
    }
    if (!link) {
      const r = await this.ops.createMacvlan({ name: spec.name, parentIfindex: spec.parentIfindex, mac: spec.mac, mode: MACVLAN_MODE_PRIVATE });
      link = (await this.ops.listLinks()).find((l) => l.name === spec.name);
      if (!link) throw new VipdError('VIPD_ERR_VMAC_MISSING', `VMAC ${spec.name}: created (${r}) but not listed by the kernel`);
      if (!reusable(link, spec)) throw new VipdError('VIPD_ERR_VMAC_CONFLICT', `VMAC ${spec.name} conflicts with existing interface ${spec.name}`);
    }
    const first = !this.owned.has(spec.name);
    this.owned.set(spec.name, { spec, ifindex: link.ifindex });
    if (first) this.configure(spec);
    await this.ops.setLinkUp(link.ifindex, true);
    if (spec.family === 6 && spec.linkLocal) {
      await this.ops.addAddress({ ifindex: link.ifindex, address: spec.linkLocal, prefixLen: 64, noDad: true });
    }
    return (await this.ops.listLinks()).find((l) => l.name === spec.name) ?? link;
  }

  /** Delete one VMAC and put back what it changed. Unknown names are ignored. */
  async remove(name: string): Promise<void> {
    const o = this.owned.get(name);
    if (!o) return;
    this.owned.delete(name);
    this.releaseParent(o.spec);
    await this.ops.deleteLink(o.ifindex);
    if (![...this.owned.values()].some((x) => x.spec.family === 4)) {
      this.restoreRpFilter();
      this.restoreLocalIgmp();
    }
  }

  async removeAll(): Promise<void> {
    for (const name of this.names()) {
      try {
        await this.remove(name);
      } catch (err) {
        this.log(`Deleting VMAC interface ${name} failed: ${(err as Error).message}`);
      }
    }
  }

  /** Sysctls before the link goes up, so it never runs with the defaults. */
  private configure(spec: VmacSpec): void {
    if (spec.family === 4) {
      this.clearRpFilter();
      this.silenceLocalIgmp();
      for (const [k, v] of VMAC_SYSCTLS4) this.set(conf4(spec.name, k), v);
      // No IPv6 on an IPv4 VMAC: the backup's copy must never send ND/MLD from the shared MAC (vrrp_vmac.c:399-402).
      this.set(conf6(spec.name, 'disable_ipv6'), '1');
      const p = this.parents.get(spec.parentName);
      if (p) p.users++;
      else {
        const saved: [string, string][] = [];
        for (const [k, v] of PARENT_SYSCTLS) {
          const old = this.sysctl.read(conf4(spec.parentName, k));
          if (old !== null && old !== v) saved.push([k, old]);
          this.set(conf4(spec.parentName, k), v);
        }
        this.parents.set(spec.parentName, { users: 1, saved });
      }
    } else {
      // No EUI-64 link-local from the shared MAC (identical on both directors); RFC 5798 §7.4.
      this.set(conf6(spec.name, 'addr_gen_mode'), '1');
      // No router solicitation from the shared MAC when the link-local is added (a backup would send one).
      this.set(conf6(spec.name, 'router_solicitations'), '0');
    }
  }

  private releaseParent(spec: VmacSpec): void {
    if (spec.family !== 4) return;
    const p = this.parents.get(spec.parentName);
    if (!p || --p.users > 0) return;
    this.parents.delete(spec.parentName);
    for (const [k, old] of p.saved) this.set(conf4(spec.parentName, k), old);
  }

  /**
   * Joining 224.0.0.18 on the VMAC makes the kernel send IGMP reports from the shared MAC — from the backup
   * too, at start-up and on every querier's query — and a switch then moves the virtual MAC to the backup's
   * port. keepalived drops them with nftables rules on the VMAC (vrrp_firewall.c; its `disable_local_igmp`
   * does what we do here). vipd spawns no nft process: it stops reports for link-local groups (224.0.0.0/24,
   * which RFC 4541 §2.1.2 has snooping switches flood anyway) while IPv4 VMACs exist, and restores it after.
   */
  private silenceLocalIgmp(): void {
    if (this.igmpSaved !== null) return;
    const v = this.sysctl.read(IGMP_LLM_REPORTS);
    if (v === null || v === '0') return;
    this.log(`NOTICE: setting sysctl net.ipv4.igmp_link_local_mcast_reports from ${v} to 0 (no IGMP from the VMAC)`);
    this.set(IGMP_LLM_REPORTS, '0');
    this.igmpSaved = v;
  }

  private restoreLocalIgmp(): void {
    if (this.igmpSaved === null) return;
    if (this.sysctl.read(IGMP_LLM_REPORTS) === '0') this.set(IGMP_LLM_REPORTS, this.igmpSaved);
    this.igmpSaved = null;
  }

  private clearRpFilter(): void {
    if (this.rpSaved) return;
    const all = this.sysctl.read(conf4('all', 'rp_filter'));
    if (all === null || all === '0') return;
    const allN = Number(all);
    const saved = { all, default: null as string | null, ifaces: new Map<string, string>() };
    const def = this.sysctl.read(conf4('default', 'rp_filter'));
    if (def !== null && Number(def) < allN) {
      this.log(`NOTICE: setting sysctl net.ipv4.conf.default.rp_filter from ${def} to ${all}`);
      this.set(conf4('default', 'rp_filter'), all);
      saved.default = def;
    }
    for (const ifname of this.sysctl.list('net/ipv4/conf')) {
      if (ifname === 'all' || ifname === 'default') continue;
      const v = this.sysctl.read(conf4(ifname, 'rp_filter'));
      if (v !== null && Number(v) < allN) {
        this.set(conf4(ifname, 'rp_filter'), all);
        saved.ifaces.set(ifname, v);
      }
    }
    this.log(`NOTICE: setting sysctl net.ipv4.conf.all.rp_filter from ${all} to 0`);
    this.set(conf4('all', 'rp_filter'), '0');
    this.rpSaved = saved;
  }

  /** Put rp_filter back, but only where nobody changed it since (keepalived restore_rp_filter). */
  private restoreRpFilter(): void {
    const s = this.rpSaved;
    if (!s) return;
    this.rpSaved = null;
    if (this.sysctl.read(conf4('all', 'rp_filter')) === '0') this.set(conf4('all', 'rp_filter'), s.all);
    if (s.default !== null && this.sysctl.read(conf4('default', 'rp_filter')) === s.all) this.set(conf4('default', 'rp_filter'), s.default);
    for (const [ifname, old] of s.ifaces) {
      if (this.sysctl.read(conf4(ifname, 'rp_filter')) === s.all) this.set(conf4(ifname, 'rp_filter'), old);
    }
  }

  /** A sysctl write that fails is logged, not fatal: keepalived carries on too (vrrp_if_config.c:101-128). */
  private set(path: string, value: string): void {
    try {
      this.sysctl.write(path, value);
    } catch (err) {
      this.log(`Unable to set ${path.replaceAll('/', '.')} to ${value}: ${(err as Error).message}`);
    }
  }
}

function reusable(link: LinkInfo, spec: VmacSpec): boolean {
  return (
    link.kind === 'macvlan' &&
    link.macvlanMode === MACVLAN_MODE_PRIVATE &&
    link.parentIfindex === spec.parentIfindex &&
    (link.mac ?? '').toLowerCase() === spec.mac.toLowerCase()
  );
}
