// Raw VRRP transport between two network namespaces joined by a veth pair: what one side sends arrives on the
// other with TTL/hop limit 255 and the bytes we built (only kernel-owned fields differ).
import assert from 'node:assert/strict';
import type { Lab } from '../../../src/lab/netns.js';
import { inetChecksum, runChild, skipUnlessRoot, vethLab } from './harness.js';

const NET = 71;

/** VRRPv2 advert, VRID 51, prio 100, 1 VIP (10.71.0.100), auth none, 1 s; checksum filled by inetChecksum. */
function v2Advert(): Buffer {
  const vrrp = Buffer.from('21' + '33' + '64' + '01' + '00' + '01' + '0000' + '0a470064' + '0000000000000000', 'hex');
  vrrp.writeUInt16BE(inetChecksum(vrrp), 6);
  return vrrp;
}

/** 20-byte IPv4 header as keepalived sends it: TOS 0xc0, id 7, DF clear, TTL 255, proto 112, checksum 0. */
function ipv4(dst: string, payload: Buffer): Buffer {
  const d = dst.split('.').map(Number);
  const h = Buffer.from('45' + 'c0' + '0000' + '0007' + '0000' + 'ff' + '70' + '0000' + '0a470001' + '00000000', 'hex');
  h.writeUInt16BE(20 + payload.length, 2);
  Buffer.from(d).copy(h, 16);
  return Buffer.concat([h, payload]);
}

describe('integration/net: raw VRRP sockets across namespaces', function () {
  this.timeout(30_000);
  let lab: Lab | undefined;

  before(async function () {
    skipUnlessRoot(this);
    lab = await vethLab('v', NET);
  });
  after(async () => {
    await lab?.destroy();
  });

  it('IPv4 multicast: B receives A’s advert with TTL 255 and the same bytes; unicast VRRP is not delivered to it', async () => {
    const rx = runChild(lab!, 'b', { op: 'recvVrrp', family: 4, ifname: 'eth0', count: 1, timeoutMs: 8000 });
    await rx.waitFor((l) => l.event === 'ready');
    const mcast = ipv4('224.0.0.18', v2Advert());
    const ucast = ipv4('10.71.0.2', v2Advert());
    const tx = await runChild(lab!, 'a', {
      op: 'sendVrrp',
      family: 4,
      ifname: 'eth0',
      packets: [
        { hex: ucast.toString('hex'), dst: '10.71.0.2' },
        { hex: mcast.toString('hex'), dst: '224.0.0.18' },
      ],
    }).result();
    assert.equal((tx.stats as { sent: number }).sent, 2);
    const pkt = await rx.waitFor((l) => l.event === 'packet');
    const got = Buffer.from(pkt.hex as string, 'hex');
    assert.equal(got.length, mcast.length);
    assert.equal(got[8], 255, 'TTL');
    assert.equal(got.subarray(16, 20).toString('hex'), 'e0000012', 'the multicast copy, not the unicast one');
    assert.equal(inetChecksum(got.subarray(0, 20)), 0, 'kernel filled a valid header checksum');
    const masked = (b: Buffer): string => Buffer.concat([b.subarray(0, 10), b.subarray(12)]).toString('hex');
    assert.equal(masked(got), masked(mcast), 'all other bytes as sent');
    assert.deepEqual(pkt.meta, { ifindex: (pkt.meta as { ifindex: number }).ifindex, src: '10.71.0.1', dst: '224.0.0.18', hopLimit: 255 });
    const done = await rx.result();
    assert.equal(done.received, 1);
  });

  it('IPv4 unicast: a socket bound to unicast_src_ip receives a peer’s advert', async () => {
    const rx = runChild(lab!, 'b', { op: 'recvVrrp', family: 4, ifname: 'eth0', unicast: true, unicastSrc: '10.71.0.2', count: 1, timeoutMs: 8000 });
    await rx.waitFor((l) => l.event === 'ready');
    const pkt = ipv4('10.71.0.2', v2Advert());
    await runChild(lab!, 'a', {
      op: 'sendVrrp',
      family: 4,
      ifname: 'eth0',
      unicast: true,
      unicastSrc: '10.71.0.1',
      packets: [{ hex: pkt.toString('hex'), dst: '10.71.0.2' }],
    }).result();
    const got = await rx.waitFor((l) => l.event === 'packet');
    assert.equal((got.meta as { dst: string }).dst, '10.71.0.2');
    assert.equal((got.meta as { src: string }).src, '10.71.0.1');
  });

  it('IPv6 multicast: the VRRP message arrives with hop limit 255 from A’s link-local, kernel checksum valid', async () => {
    const rx = runChild(lab!, 'b', { op: 'recvVrrp', family: 6, ifname: 'eth0', count: 1, timeoutMs: 8000 });
    await rx.waitFor((l) => l.event === 'ready');
    // VRRPv3 advert VRID 51 prio 100, 1 s (100 cs), VIP fd00:71::100; checksum left 0 for the kernel (IPV6_CHECKSUM 6).
    const msg = Buffer.from('31' + '33' + '64' + '01' + '0064' + '0000' + 'fd000071000000000000000000000100', 'hex');
    await runChild(lab!, 'a', { op: 'sendVrrp', family: 6, ifname: 'eth0', packets: [{ hex: msg.toString('hex'), dst: 'ff02::12' }] }).result();
    const pkt = await rx.waitFor((l) => l.event === 'packet');
    const meta = pkt.meta as { src: string; dst: string; hopLimit: number };
    assert.equal(meta.hopLimit, 255);
    assert.equal(meta.dst, 'ff02::12');
    assert.match(meta.src, /^fe80::/);
    const got = Buffer.from(pkt.hex as string, 'hex');
    assert.equal(got.subarray(0, 6).toString('hex'), msg.subarray(0, 6).toString('hex'));
    assert.equal(got.subarray(8).toString('hex'), msg.subarray(8).toString('hex'));
    // Verify the kernel's checksum with the IPv6 pseudo-header {src, dst, length, 0, 112}.
    const addr = (s: string): Buffer => {
      const [head, tail = ''] = s.split('::');
      const hs = head ? head.split(':') : [];
      const ts = tail ? tail.split(':') : [];
      const all = [...hs, ...Array(8 - hs.length - ts.length).fill('0'), ...ts];
      return Buffer.from(all.map((g) => g.padStart(4, '0')).join(''), 'hex');
    };
    const len = Buffer.alloc(8);
    len.writeUInt32BE(got.length, 0);
    len[7] = 112;
    assert.equal(inetChecksum(Buffer.concat([addr(meta.src), addr('ff02::12'), len, got])), 0);
  });

  it('names a missing interface', async () => {
    const r = runChild(lab!, 'a', { op: 'sendVrrp', family: 4, ifname: 'eth9', packets: [] });
    await assert.rejects(r.result(), /VIPD_ERR_NO_SUCH_INTERFACE: interface eth9 does not exist/);
  });
});
