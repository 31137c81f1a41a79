import assert from 'node:assert/strict';
import { buildCmsgs, cmsgSpace, intCmsgData, packetInfoFromCmsgs, parseCmsgs } from '../../../src/net/cmsg.js';
import type { CmsgLayout } from '../../../src/net/cmsg.js';

const L64: CmsgLayout = { sizeTBytes: 8, littleEndian: true };
const L32: CmsgLayout = { sizeTBytes: 4, littleEndian: true };

// What the kernel hands back on x86-64 for IPV6_RECVPKTINFO + IPV6_RECVHOPLIMIT (hand-assembled):
//   cmsg_len=36 (16 hdr + 20 in6_pktinfo) level=41 type=50, data, pad to 40
//   cmsg_len=20 (16 hdr + 4) level=41 type=52 hop limit 255, pad to 24
const IPV6_RX_64 = Buffer.from(
  '2400000000000000' + '29000000' + '32000000' + 'ff020000000000000000000000000012' + '03000000' + '00000000' +
    '1400000000000000' + '29000000' + '34000000' + 'ff000000' + '00000000',
  'hex',
);

describe('net/cmsg', () => {
  it('parses IPV6_PKTINFO + IPV6_HOPLIMIT as the kernel lays them out (64-bit)', () => {
    const msgs = parseCmsgs(IPV6_RX_64, L64);
    assert.equal(msgs.length, 2);
    assert.deepEqual(
      msgs.map((m) => [m.level, m.type, m.data.length]),
      [
        [41, 50, 20],
        [41, 52, 4],
      ],
    );
    assert.deepEqual(packetInfoFromCmsgs(msgs, L64), { ifindex: 3, dst: 'ff02::12', hopLimit: 255 });
  });

  it('parses IPv4 IP_PKTINFO (32-bit layout)', () => {
    // cmsg_len=24 (12 hdr + 12) level=0 type=8, in_pktinfo{ifindex 2, spec_dst 10.1.0.2, addr 224.0.0.18}
    const buf = Buffer.from('18000000' + '00000000' + '08000000' + '02000000' + '0a010002' + 'e0000012', 'hex');
    assert.deepEqual(packetInfoFromCmsgs(parseCmsgs(buf, L32), L32), { ifindex: 2, dst: '224.0.0.18' });
  });

  it('builds byte-identical control data for sendmsg', () => {
    const built = buildCmsgs(
      [
        { level: 41, type: 50, data: Buffer.from('ff020000000000000000000000000012' + '03000000', 'hex') },
        { level: 41, type: 52, data: intCmsgData(255, L64) },
      ],
      L64,
    );
    assert.equal(built.toString('hex'), IPV6_RX_64.toString('hex'));
    assert.equal(cmsgSpace(20, L64), 40);
    assert.equal(cmsgSpace(4, L32), 16);
  });

  it('stops at a malformed header instead of throwing', () => {
    const bad = Buffer.from('ff00000000000000' + '29000000' + '32000000', 'hex'); // cmsg_len beyond buffer
    assert.deepEqual(parseCmsgs(bad, L64), []);
    const tiny = Buffer.from('0400000000000000' + '29000000' + '32000000', 'hex'); // cmsg_len < header
    assert.deepEqual(parseCmsgs(tiny, L64), []);
    assert.deepEqual(parseCmsgs(Buffer.alloc(3), L64), []);
  });
});
