// The daemon's VMAC bookkeeping (src/daemon/vmac.ts): names as keepalived picks them, and what is asked of the OS.
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/index.js';
import type { VrrpInstanceConfig } from '../../../src/config/types.js';
import type { LinkInfo, AddressInfo } from '../../../src/net/rtnlCodec.js';
import { vmacNames, vmacSpecFor } from '../../../src/daemon/vmac.js';

function instances(text: string): VrrpInstanceConfig[] {
  const r = loadConfig('/etc/keepalived/keepalived.conf', {
    configId: 'lb1',
    readFile: () => text,
    glob: () => [],
  });
  if (!r.config) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return [...r.config.instances];
}

const inst = (name: string, vrid: number, vip: string, extra: string) =>
  `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  priority 100\n  ${extra}\n  virtual_ipaddress {\n    ${vip}\n  }\n}\n`;

const ETH0: LinkInfo = {
  ifindex: 2,
  name: 'eth0',
  mac: '02:00:00:00:00:01',
  up: true,
  running: true,
  lowerUp: true,
  operState: 'up',
  mtu: 1500,
  flags: 0x11043,
  linkType: 1,
};
const ADDRS: AddressInfo[] = [
  { family: 4, ifindex: 2, address: '10.1.0.1', prefixLen: 24, secondary: false, tentative: false, flags: 0, scope: 0 },
  { family: 6, ifindex: 2, address: 'fe80::1', prefixLen: 64, secondary: false, tentative: false, flags: 0, scope: 253 },
];

describe('daemon/vmac', () => {
  it('names VMACs vrrp.<VRID>, keeps configured names, and gives a clashing IPv6 instance vrrp6.<VRID>', () => {
    const cfgs = instances(
      inst('V4', 51, '10.1.0.100/24', 'use_vmac') +
        inst('V6', 51, 'fd00:1::100/64', 'use_vmac') +
        inst('NAMED', 52, '10.1.0.101/24', 'use_vmac vmac52') +
        inst('PLAIN', 53, '10.1.0.102/24', ''),
    );
    const names = vmacNames(cfgs);
    assert.equal(names.get('V4'), 'vrrp.51');
    assert.equal(names.get('V6'), 'vrrp6.51');
    assert.equal(names.get('NAMED'), 'vmac52');
    assert.equal(names.has('PLAIN'), false);
  });

  it('asks for the IPv4 virtual MAC on the configured interface', () => {
    const [cfg] = instances(inst('V4', 51, '10.1.0.100/24', 'use_vmac'));
    assert.deepEqual(vmacSpecFor(cfg!, 'vrrp.51', [ETH0], ADDRS), {
      name: 'vrrp.51',
      parentIfindex: 2,
      parentName: 'eth0',
      mac: '00:00:5e:00:01:33',
      family: 4,
    });
  });

  it("IPv6: the base's link-local goes onto the VMAC as the advert source (not with vmac_xmit_base)", () => {
    const [cfg] = instances(inst('V6', 51, 'fd00:1::100/64', 'use_vmac'));
    const spec = vmacSpecFor(cfg!, 'vrrp.51', [ETH0], ADDRS);
    assert.ok(!('error' in spec));
    assert.equal(spec.mac, '00:00:5e:00:02:33');
    assert.equal(spec.linkLocal, 'fe80::1');
    const [xb] = instances(inst('V6', 51, 'fd00:1::100/64', 'use_vmac\n  vmac_xmit_base'));
    const s2 = vmacSpecFor(xb!, 'vrrp.51', [ETH0], ADDRS);
    assert.ok(!('error' in s2));
    assert.equal(s2.linkLocal, undefined);
  });

  it('refuses a missing or non-Ethernet interface, like keepalived', () => {
    const [cfg] = instances(inst('V4', 51, '10.1.0.100/24', 'use_vmac'));
    assert.match((vmacSpecFor(cfg!, 'vrrp.51', [], ADDRS) as { error: string }).error, /interface eth0 does not exist/);
    const tun = { ...ETH0, linkType: 65534 };
    assert.match((vmacSpecFor(cfg!, 'vrrp.51', [tun], ADDRS) as { error: string }).error, /not an Ethernet interface/);
  });
});
