// The decoder against real replies of a Linux 6.1 kernel (user-mode Linux, IPVS 1.2.1), captured by
// test/uml/scenarios/ipvsGuest.ts (see ../fixtures/README.md). The expected values are what that scenario
// programmed, written out here by hand; the table ipvsadm printed for the same state is in the README.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeFamily } from '../../../../src/net/genlMsg.js';
import { decodeDaemon, decodeDest, decodeInfo, decodeService, decodeTimeouts } from '../../../../src/lvs/ipvs/decode.js';
import type { IpvsDest, IpvsService } from '../../../../src/lvs/ipvs/types.js';
import { requireLittleEndian } from './hex.js';

const FIXTURE = fileURLToPath(new URL('../../../../../test/unit/lvs/fixtures/ipvs-kernel-6.1.json', import.meta.url));

interface Fixture {
  familyId: number;
  payloads: Record<string, string[]>;
  errnos: Record<string, number>;
}

const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Fixture;
const payloads = (name: string): Buffer[] => (fixture.payloads[name] ?? []).map((h) => Buffer.from(h, 'hex'));

function serviceId(s: IpvsService): string {
  return s.fwmark !== undefined ? `${s.family} fwm ${s.fwmark}` : `${s.family} ${s.protocol} ${s.address} ${s.port}`;
}

describe('IPVS decoding of captured Linux 6.1 replies', function () {
  beforeEach(function () {
    requireLittleEndian(this); // captured on x86-64
  });

  it('nlctrl answers GETFAMILY "IPVS" with the id the later requests used, version 1, maxattr 6', () => {
    const [reply] = payloads('ctrlGetFamilyIpvs');
    const d = decodeFamily(reply!);
    assert.ok('family' in d);
    assert.deepEqual(d.family, { id: fixture.familyId, name: 'IPVS', version: 1, hdrSize: 0, maxAttr: 6 });
  });

  it('GET_INFO and GET_CONFIG (defaults 900/120/300, then 1000/100/200 after SET_CONFIG)', () => {
    const info = decodeInfo(payloads('getInfo')[0]!);
    assert.ok(info.ok);
    assert.deepEqual(info.value, { versionCode: 0x010201, version: '1.2.1', connTabSize: 4096 });
    const before = decodeTimeouts(payloads('getConfigDefault')[0]!);
    assert.ok(before.ok);
    assert.deepEqual(before.value, { tcpS: 900, tcpFinS: 120, udpS: 300 });
    const after = decodeTimeouts(payloads('getConfigAfterSet')[0]!);
    assert.ok(after.ok);
    assert.deepEqual(after.value, { tcpS: 1000, tcpFinS: 100, udpS: 200 });
  });

  it('the GET_SERVICE dump decodes every one of the 20 programmed services with its scheduler, flags and persistence', () => {
    const got = new Map<string, IpvsService>();
    for (const p of payloads('getServiceDump')) {
      const d = decodeService(p);
      assert.ok(d.ok, d.ok ? '' : `${d.reason}: ${d.detail}`);
      got.set(serviceId(d.value), d.value);
      assert.equal(d.value.statsSource, 'stats64');
      assert.equal(d.value.stats.conns, 0n);
    }
    const want: [string, string, number, number, number][] = [
      // id, scheduler, flags (HASHED cleared), persistence timeout, granularity bits
      ['inet tcp 10.0.0.1 80', 'wrr', 0, 0, 32],
      ['inet udp 10.0.0.2 53', 'sh', 0x04 | 0x08 | 0x10, 0, 32], // ONEPACKET | sh-fallback | sh-port
      ['inet tcp 10.0.0.3 443', 'mh', 0x01 | 0x10, 300, 24], // PERSISTENT | mh-port
      ['inet fwm 7', 'rr', 0x01, 60, 32],
      ['inet6 fwm 8', 'mh', 0x08, 0, 128], // mh-fallback
      ['inet6 tcp 2001:db8::1 80', 'wlc', 0x01, 120, 64],
      ['inet sctp 10.0.0.9 5000', 'rr', 0, 0, 32],
      ...['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'].map(
        (name, i) => [`inet tcp 10.0.2.${i + 1} 80`, name, 0, 0, 32] as [string, string, number, number, number],
      ),
    ];
    assert.equal(got.size, want.length);
    for (const [id, scheduler, flags, timeoutS, bits] of want) {
      const s = got.get(id);
      assert.ok(s, `service ${id} missing`);
      assert.deepEqual([s.scheduler, s.flags, s.timeoutS, s.netmaskBits], [scheduler, flags, timeoutS, bits], id);
    }
  });

  it('the GET_DEST dumps decode every destination: NAT, DR, IPIP and GUE tunnels, thresholds, IPv6', () => {
    const got = new Map<string, IpvsDest>();
    for (const p of payloads('getDestDumps')) {
      // ADDR_FAMILY is in every 6.1 reply, so the service family passed here is not what decides.
      const d = decodeDest(p, 'inet');
      assert.ok(d.ok, d.ok ? '' : `${d.reason}: ${d.detail}`);
      got.set(`${d.value.address} ${d.value.port}`, d.value);
    }
    const want: Record<string, Partial<IpvsDest>> = {
      '10.1.0.1 8080': { forward: 'masq', weight: 3, family: 'inet' },
      '10.1.0.2 80': { forward: 'route', weight: 1, upperThreshold: 10, lowerThreshold: 2 },
      '10.1.0.3 80': { forward: 'tunnel', weight: 0, tunnel: { type: 'ipip', port: 0, flags: 0 } },
      '10.1.0.4 53': { forward: 'masq', weight: 1 },
      '10.1.0.5 443': { forward: 'route', weight: 2 },
      '10.1.0.6 0': { forward: 'route', weight: 1 },
      '10.1.0.7 5000': { forward: 'masq', weight: 1 },
      '2001:db8::20 0': { forward: 'route', weight: 1, family: 'inet6' },
      '2001:db8::10 80': { forward: 'masq', weight: 5, family: 'inet6' },
      '2001:db8::11 80': { forward: 'tunnel', weight: 4, family: 'inet6', tunnel: { type: 'gue', port: 6080, flags: 1 } },
    };
    assert.deepEqual([...got.keys()].sort(), Object.keys(want).sort());
    for (const [key, fields] of Object.entries(want)) {
      const d = got.get(key)!;
      for (const [f, v] of Object.entries(fields)) assert.deepEqual(d[f as keyof IpvsDest], v, `${key} ${f}`);
      assert.equal(d.statsSource, 'stats64');
    }
  });

  it('GET_SERVICE (doit) of one service, and the GET_DAEMON dump with master and backup', () => {
    const one = decodeService(payloads('getServiceDoitTls')[0]!);
    assert.ok(one.ok);
    assert.equal(serviceId(one.value), 'inet tcp 10.0.0.3 443');
    const daemons = payloads('getDaemonDumpBoth').map((p) => decodeDaemon(p));
    assert.deepEqual(
      daemons.map((d) => (d.ok ? d.value : d.reason)),
      [
        { state: 'master', ifname: 'dummy0', syncId: 5, maxLen: 1472, group: '224.0.0.81', port: 8848, ttl: 1 },
        { state: 'backup', ifname: 'dummy0', syncId: 6, maxLen: 1400, group: '224.0.0.82', port: 8849, ttl: 2 },
      ],
    );
  });
});
