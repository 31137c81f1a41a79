import assert from 'node:assert/strict';
import { decodeLink, encodeLinkDelete, encodeLinkSetUp, encodeMacvlanCreate, type LinkInfo, type MacvlanSpec } from '../../../src/net/rtnlCodec.js';
import { VmacManager, defaultVmacName, vmacAddress, type SysctlFs, type VmacLinkOps, type VmacSpec } from '../../../src/net/vmac.js';
import type { AddressSpec } from '../../../src/net/rtnlCodec.js';

// Hand-assembled rtnetlink bodies (little-endian host), laid out as keepalived's netlink_link_add_vmac() and
// iproute2's `ip link add link eth0 name vrrp.51 address 00:00:5e:00:01:33 type macvlan mode private` send them.
const CREATE_VRRP51 = Buffer.from(
  '00' + '00' + '0000' + '00000000' + '00000000' + '00000000' + // ifinfomsg: AF_UNSPEC, index 0, flags 0, change 0
    '1c00' + '1280' + // IFLA_LINKINFO (18) | NLA_F_NESTED, 28 bytes
    '0b00' + '0100' + '6d6163766c616e' + '00' + // IFLA_INFO_KIND "macvlan" (no NUL) + 1 pad
    '0c00' + '0280' + // IFLA_INFO_DATA (2) | NLA_F_NESTED
    '0800' + '0100' + '01000000' + // IFLA_MACVLAN_MODE = MACVLAN_MODE_PRIVATE
    '0800' + '0500' + '02000000' + // IFLA_LINK = 2
    '0c00' + '0300' + '767272702e353100' + // IFLA_IFNAME "vrrp.51\0"
    '0a00' + '0100' + '00005e000133' + '0000', // IFLA_ADDRESS + 2 pad
  'hex',
);

// What the kernel reports for that macvlan (rtnl_fill_ifinfo: IFLA_LINKINFO without the NESTED flag, kind with NUL).
const NEWLINK_VRRP51 = Buffer.from(
  '00' + '00' + '0100' + '07000000' + '03100100' + '00000000' + // ARPHRD_ETHER, ifindex 7, UP|BROADCAST|MULTICAST|LOWER_UP
    '0c00' + '0300' + '767272702e353100' + // IFLA_IFNAME "vrrp.51"
    '0a00' + '0100' + '00005e000133' + '0000' + // IFLA_ADDRESS
    '0800' + '0500' + '02000000' + // IFLA_LINK 2
    '2400' + '1200' + // IFLA_LINKINFO, 36 bytes
    '0c00' + '0100' + '6d6163766c616e00' + // IFLA_INFO_KIND "macvlan\0"
    '1400' + '0200' + // IFLA_INFO_DATA, 20 bytes
    '0800' + '0100' + '01000000' + // IFLA_MACVLAN_MODE private
    '0600' + '0200' + '0000' + '0000', // IFLA_MACVLAN_FLAGS (u16 0) + pad
  'hex',
);

describe('net/rtnlCodec: link creation for use_vmac', () => {
  it('encodes RTM_NEWLINK for a private-mode macvlan attribute for attribute', () => {
    const b = encodeMacvlanCreate({ name: 'vrrp.51', parentIfindex: 2, mac: '00:00:5E:00:01:33' });
    assert.equal(b.toString('hex'), CREATE_VRRP51.toString('hex'));
  });

  it('rejects a bad MAC or a name longer than IFNAMSIZ-1 (local input)', () => {
    assert.throws(() => encodeMacvlanCreate({ name: 'vrrp.51', parentIfindex: 2, mac: '00:00:5e:00:01' }));
    assert.throws(() => encodeMacvlanCreate({ name: 'a-very-long-name', parentIfindex: 2, mac: '00:00:5e:00:01:33' }));
  });

  it('encodes set-up / set-down with ifi_change = IFF_UP only', () => {
    assert.equal(encodeLinkSetUp(7, true).toString('hex'), '00000000' + '07000000' + '01000000' + '01000000');
    assert.equal(encodeLinkSetUp(7, false).toString('hex'), '00000000' + '07000000' + '00000000' + '01000000');
  });

  it('encodes RTM_DELLINK by index', () => {
    assert.equal(encodeLinkDelete(7).toString('hex'), '00000000' + '07000000' + '00000000' + '00000000');
  });

  it('decodes kind, parent and macvlan mode of a macvlan', () => {
    const l = decodeLink(NEWLINK_VRRP51)!;
    assert.equal(l.name, 'vrrp.51');
    assert.equal(l.mac, '00:00:5e:00:01:33');
    assert.equal(l.parentIfindex, 2);
    assert.equal(l.kind, 'macvlan');
    assert.equal(l.macvlanMode, 1);
  });

  it('a truncated IFLA_LINKINFO leaves kind unset instead of throwing', () => {
    const cut = Buffer.from(NEWLINK_VRRP51.subarray(0, NEWLINK_VRRP51.length - 20));
    const l = decodeLink(cut)!;
    assert.equal(l.name, 'vrrp.51');
    assert.equal(l.kind, undefined);
  });
});

describe('net/vmac: names and addresses', () => {
  it('uses 00:00:5e:00:01:VRID for IPv4 and 00:00:5e:00:02:VRID for IPv6 (RFC 5798 §7.3)', () => {
    assert.equal(vmacAddress(51, 4), '00:00:5e:00:01:33');
    assert.equal(vmacAddress(255, 6), '00:00:5e:00:02:ff');
    assert.equal(vmacAddress(1, 4), '00:00:5e:00:01:01');
    assert.equal(defaultVmacName(51), 'vrrp.51');
  });
});

/** In-memory kernel: links by name, a log of calls, sysctl files. */
class FakeKernel implements VmacLinkOps {
  links: LinkInfo[] = [];
  calls: string[] = [];
  sysctls = new Map<string, string>();
  private nextIndex = 10;

  constructor() {
    this.links.push(link({ ifindex: 2, name: 'eth0', mac: '02:00:00:00:00:01' }));
    for (const i of ['all', 'default', 'lo', 'eth0']) {
      this.sysctls.set(`net/ipv4/conf/${i}/rp_filter`, '0');
      this.sysctls.set(`net/ipv4/conf/${i}/arp_ignore`, '0');
      this.sysctls.set(`net/ipv4/conf/${i}/arp_filter`, '0');
      this.sysctls.set(`net/ipv4/conf/${i}/arp_announce`, '0');
    }
  }

  fs(): SysctlFs {
    return {
      read: (p) => this.sysctls.get(p) ?? null,
      write: (p, v) => {
        this.calls.push(`sysctl ${p}=${v}`);
        this.sysctls.set(p, v);
      },
      list: (p) => [...new Set([...this.sysctls.keys()].filter((k) => k.startsWith(`${p}/`)).map((k) => k.slice(p.length + 1).split('/')[0]!))],
    };
  }

  async listLinks(): Promise<LinkInfo[]> {
    return this.links.map((l) => ({ ...l }));
  }
  async createMacvlan(s: MacvlanSpec): Promise<'created' | 'exists'> {
    this.calls.push(`create ${s.name} parent=${s.parentIfindex} mac=${s.mac} mode=${s.mode}`);
    if (this.links.some((l) => l.name === s.name)) return 'exists';
    this.links.push(link({ ifindex: this.nextIndex++, name: s.name, mac: s.mac, kind: 'macvlan', macvlanMode: s.mode ?? 1, parentIfindex: s.parentIfindex }));
    return 'created';
  }
  async setLinkUp(ifindex: number, up: boolean): Promise<void> {
    this.calls.push(`up ${ifindex} ${up}`);
    const l = this.links.find((x) => x.ifindex === ifindex)!;
    l.up = up;
  }
  async deleteLink(ifindex: number): Promise<'removed' | 'absent'> {
    this.calls.push(`delete ${ifindex}`);
    const before = this.links.length;
    this.links = this.links.filter((l) => l.ifindex !== ifindex);
    return before === this.links.length ? 'absent' : 'removed';
  }
  async addAddress(spec: AddressSpec): Promise<unknown> {
    this.calls.push(`addr ${spec.ifindex} ${spec.address}/${spec.prefixLen} nodad=${spec.noDad}`);
    return 'added';
  }
}

function link(p: Partial<LinkInfo> & { ifindex: number; name: string }): LinkInfo {
  return { mac: null, up: false, running: false, lowerUp: false, operState: 'down', mtu: 1500, flags: 0, linkType: 1, ...p };
}

const SPEC4: VmacSpec = { name: 'vrrp.51', parentIfindex: 2, parentName: 'eth0', mac: '00:00:5e:00:01:33', family: 4 };

describe('net/vmac: VmacManager', () => {
  it("creates the macvlan, writes keepalived's sysctls before bringing it up, and returns the live link", async () => {
    const k = new FakeKernel();
    const m = new VmacManager(k, k.fs());
    const l = await m.ensure(SPEC4);
    assert.equal(l.name, 'vrrp.51');
    assert.equal(l.up, true);
    assert.equal(k.calls[0], 'create vrrp.51 parent=2 mac=00:00:5e:00:01:33 mode=1');
    const upAt = k.calls.indexOf(`up ${l.ifindex} true`);
    for (const s of [
      'sysctl net/ipv4/conf/vrrp.51/arp_ignore=1',
      'sysctl net/ipv4/conf/vrrp.51/rp_filter=0',
      'sysctl net/ipv4/conf/vrrp.51/promote_secondaries=1',
      'sysctl net/ipv6/conf/vrrp.51/disable_ipv6=1',
      'sysctl net/ipv4/conf/eth0/arp_ignore=1',
      'sysctl net/ipv4/conf/eth0/arp_filter=1',
      'sysctl net/ipv4/conf/eth0/arp_announce=2',
    ]) {
      const at = k.calls.indexOf(s);
      assert.ok(at > 0 && at < upAt, `${s} before the link goes up`);
    }
    assert.ok(!k.calls.some((c) => c.includes('accept_local')), 'accept_local stays 0 (old master must not answer GARPs)');
  });

  it('reuses an existing private macvlan with the right MAC on the same parent', async () => {
    const k = new FakeKernel();
    k.links.push(link({ ifindex: 5, name: 'vrrp.51', mac: '00:00:5e:00:01:33', kind: 'macvlan', macvlanMode: 1, parentIfindex: 2 }));
    const l = await new VmacManager(k, k.fs()).ensure(SPEC4);
    assert.equal(l.ifindex, 5);
    assert.ok(!k.calls.some((c) => c.startsWith('create') || c.startsWith('delete')));
    assert.ok(k.calls.includes('up 5 true'));
  });

  it('replaces a macvlan of that name with the wrong MAC or mode', async () => {
    const k = new FakeKernel();
    k.links.push(link({ ifindex: 5, name: 'vrrp.51', mac: '00:00:5e:00:01:34', kind: 'macvlan', macvlanMode: 4, parentIfindex: 2 }));
    const notes: string[] = [];
    const l = await new VmacManager(k, k.fs(), (m) => notes.push(m)).ensure(SPEC4);
    assert.ok(k.calls.indexOf('delete 5') < k.calls.findIndex((c) => c.startsWith('create')));
    assert.notEqual(l.ifindex, 5);
    assert.match(notes.join('\n'), /Removing old VMAC interface vrrp\.51/);
  });

  it('never touches another kind of interface of that name', async () => {
    const k = new FakeKernel();
    k.links.push(link({ ifindex: 5, name: 'vrrp.51', mac: '00:00:5e:00:01:33', kind: 'bridge' }));
    await assert.rejects(new VmacManager(k, k.fs()).ensure(SPEC4), { code: 'VIPD_ERR_VMAC_CONFLICT', message: /conflicts with existing interface/ });
    assert.deepEqual(k.calls, []);
  });

  it("restores the parent's sysctls when its last VMAC is removed, and deletes the links", async () => {
    const k = new FakeKernel();
    k.sysctls.set('net/ipv4/conf/eth0/arp_ignore', '2');
    const m = new VmacManager(k, k.fs());
    const a = await m.ensure(SPEC4);
    const b = await m.ensure({ ...SPEC4, name: 'vrrp.52', mac: '00:00:5e:00:01:34' });
    await m.remove('vrrp.51');
    assert.ok(k.calls.includes(`delete ${a.ifindex}`));
    assert.equal(k.sysctls.get('net/ipv4/conf/eth0/arp_ignore'), '1', 'still in use by vrrp.52');
    await m.remove('vrrp.52');
    assert.ok(k.calls.includes(`delete ${b.ifindex}`));
    assert.equal(k.sysctls.get('net/ipv4/conf/eth0/arp_ignore'), '2');
    assert.equal(k.sysctls.get('net/ipv4/conf/eth0/arp_filter'), '0');
    assert.equal(k.sysctls.get('net/ipv4/conf/eth0/arp_announce'), '0');
    assert.deepEqual(m.names(), []);
  });

  it('with all.rp_filter on, raises every interface to it, sets all=0, and puts everything back on removal', async () => {
    const k = new FakeKernel();
    k.sysctls.set('net/ipv4/conf/all/rp_filter', '2');
    k.sysctls.set('net/ipv4/conf/lo/rp_filter', '1');
    const m = new VmacManager(k, k.fs());
    await m.ensure(SPEC4);
    assert.equal(k.sysctls.get('net/ipv4/conf/all/rp_filter'), '0');
    assert.equal(k.sysctls.get('net/ipv4/conf/default/rp_filter'), '2');
    assert.equal(k.sysctls.get('net/ipv4/conf/eth0/rp_filter'), '2');
    assert.equal(k.sysctls.get('net/ipv4/conf/lo/rp_filter'), '2');
    assert.equal(k.sysctls.get('net/ipv4/conf/vrrp.51/rp_filter'), '0');
    await m.removeAll();
    assert.equal(k.sysctls.get('net/ipv4/conf/all/rp_filter'), '2');
    assert.equal(k.sysctls.get('net/ipv4/conf/default/rp_filter'), '0');
    assert.equal(k.sysctls.get('net/ipv4/conf/eth0/rp_filter'), '0');
    assert.equal(k.sysctls.get('net/ipv4/conf/lo/rp_filter'), '1');
  });

  it('stops IGMP reports for link-local groups while IPv4 VMACs exist, and restores the setting', async () => {
    const k = new FakeKernel();
    k.sysctls.set('net/ipv4/igmp_link_local_mcast_reports', '1');
    const m = new VmacManager(k, k.fs());
    const a = await m.ensure(SPEC4);
    assert.ok(k.calls.indexOf('sysctl net/ipv4/igmp_link_local_mcast_reports=0') < k.calls.indexOf(`up ${a.ifindex} true`));
    await m.ensure({ ...SPEC4, name: 'vrrp.52', mac: '00:00:5e:00:01:34' });
    await m.remove('vrrp.51');
    assert.equal(k.sysctls.get('net/ipv4/igmp_link_local_mcast_reports'), '0', 'vrrp.52 still there');
    await m.remove('vrrp.52');
    assert.equal(k.sysctls.get('net/ipv4/igmp_link_local_mcast_reports'), '1');
  });

  it('IPv6: no ARP sysctls, no auto link-local (addr_gen_mode none), the advert source added after up', async () => {
    const k = new FakeKernel();
    const m = new VmacManager(k, k.fs());
    const l = await m.ensure({ name: 'vrrp.51', parentIfindex: 2, parentName: 'eth0', mac: '00:00:5e:00:02:33', family: 6, linkLocal: 'fe80::1' });
    assert.ok(k.calls.indexOf('sysctl net/ipv6/conf/vrrp.51/addr_gen_mode=1') < k.calls.indexOf(`up ${l.ifindex} true`));
    assert.ok(k.calls.indexOf('sysctl net/ipv6/conf/vrrp.51/router_solicitations=0') < k.calls.indexOf(`up ${l.ifindex} true`));
    assert.ok(k.calls.indexOf(`up ${l.ifindex} true`) < k.calls.indexOf(`addr ${l.ifindex} fe80::1/64 nodad=true`));
    assert.ok(!k.calls.some((c) => c.includes('arp_')));
  });

  it('a sysctl that cannot be written is logged, not fatal', async () => {
    const k = new FakeKernel();
    const fs = k.fs();
    const notes: string[] = [];
    const m = new VmacManager(k, { ...fs, write: () => { throw new Error('EROFS'); } }, (n) => notes.push(n));
    await m.ensure(SPEC4);
    assert.match(notes.join('\n'), /Unable to set net\.ipv4\.conf\.vrrp\.51\.arp_ignore to 1: EROFS/);
  });
});
