// Generic netlink framing, family lookup, errors and time bounds. Bytes are assembled by hand from
// linux/genetlink.h (struct genlmsghdr {u8 cmd; u8 version; u16 reserved}, CTRL_CMD_GETFAMILY = 3,
// CTRL_ATTR_FAMILY_ID = 1 u16, CTRL_ATTR_FAMILY_NAME = 2 string, VERSION = 3, HDRSIZE = 4, MAXATTR = 5 u32).
import assert from 'node:assert/strict';
import { endianness } from 'node:os';
import { VirtualClock } from '../../../src/clock/virtualClock.js';
import { VipdNetError } from '../../../src/net/errors.js';
import { decodeAttrsExact, decodeFamily, decodeGenl, encodeGenl, encodeGetFamily, GENL_ID_CTRL } from '../../../src/net/genlMsg.js';
import { GenlError, GenlSocket, type NetlinkTransport } from '../../../src/net/genlSocket.js';
import type { NetlinkMessage, NetlinkRequest } from '../../../src/net/netlink.js';

function hex(...parts: string[]): Buffer {
  return Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex');
}

/** nlctrl's NEWFAMILY reply for "IPVS" as ctrl_fill_info builds it (the ops and groups nests left out). */
const NEWFAMILY_IPVS = hex(
  '01 02 0000', // genlmsghdr: CTRL_CMD_NEWFAMILY (1), version 2
  '0900 0200 4950565300 000000', // CTRL_ATTR_FAMILY_NAME "IPVS\0" (len 9) + 3 pad
  '0600 0100 1c00 0000', // CTRL_ATTR_FAMILY_ID u16 28
  '0800 0300 01000000', // CTRL_ATTR_VERSION 1
  '0800 0400 00000000', // CTRL_ATTR_HDRSIZE 0
  '0800 0500 06000000', // CTRL_ATTR_MAXATTR 6
);

function msg(payload: Buffer, type = GENL_ID_CTRL): NetlinkMessage {
  return { type, flags: 0, seq: 1, pid: 0, payload };
}

/** A transport whose answers the test scripts; it records the requests. */
class ScriptedTransport implements NetlinkTransport {
  readonly sent: NetlinkRequest[] = [];
  closed = false;
  constructor(private readonly answer: (req: NetlinkRequest) => Promise<NetlinkMessage[]>) {}
  request(req: NetlinkRequest): Promise<NetlinkMessage[]> {
    this.sent.push(req);
    return this.answer(req);
  }
  close(): void {
    this.closed = true;
  }
}

function kernelError(errno: number, sysCode: string): VipdNetError {
  return new VipdNetError('VIPD_ERR_NETLINK', `netlink request failed: ${sysCode}`, { errno, sysCode });
}

describe('generic netlink', function () {
  before(function () {
    if (endianness() !== 'LE') this.skip();
  });

  describe('framing (genlMsg.ts)', () => {
    it('genlmsghdr is cmd, version, two reserved zero bytes, then the attributes', () => {
      assert.equal(encodeGenl({ cmd: 4, version: 1 }, hex('0400 0b00')).toString('hex'), '040100000400' + '0b00');
      assert.deepEqual(decodeGenl(hex('0401 0000 0400 0b00')), { cmd: 4, version: 1, attrs: hex('0400 0b00') });
      assert.equal(decodeGenl(hex('0401 00')), null);
    });

    it('GETFAMILY "IPVS" request bytes', () => {
      const want = hex(
        '03 02 0000', // CTRL_CMD_GETFAMILY, version 2
        '0900 0200 4950565300 000000', // CTRL_ATTR_FAMILY_NAME "IPVS\0", padded to 12
      );
      assert.equal(encodeGetFamily('IPVS').toString('hex'), want.toString('hex'));
    });

    it('NEWFAMILY reply → id, version, hdrsize, maxattr; malformed replies named', () => {
      assert.deepEqual(decodeFamily(NEWFAMILY_IPVS), { family: { id: 28, name: 'IPVS', version: 1, hdrSize: 0, maxAttr: 6 } });
      assert.deepEqual(decodeFamily(hex('01 02')), { drop: 'short-genl-header' });
      assert.deepEqual(decodeFamily(hex('03 02 0000')), { drop: 'not-newfamily' });
      assert.deepEqual(decodeFamily(hex('01 02 0000', '0900 0200 4950')), { drop: 'bad-attributes' });
      assert.deepEqual(decodeFamily(hex('01 02 0000', '0800 0300 01000000')), { drop: 'no-family-id' });
    });

    it('decodeAttrsExact accepts an unpadded last attribute and refuses stray or overlong bytes', () => {
      assert.equal(decodeAttrsExact(hex('0500 0100 07'))?.length, 1);
      assert.equal(decodeAttrsExact(hex('0400 0100 00')), null); // one stray byte
      assert.equal(decodeAttrsExact(hex('0300 0100')), null); // nla_len below the header
      assert.equal(decodeAttrsExact(hex('0c00 0100 0000')), null); // runs past the end
    });
  });

  describe('GenlSocket', () => {
    it('looks the family up through nlctrl and sends requests with its id and version', async () => {
      const t = new ScriptedTransport(async (req) => (req.type === GENL_ID_CTRL ? [msg(NEWFAMILY_IPVS)] : []));
      const g = new GenlSocket({ clock: new VirtualClock(), transport: t });
      const fam = await g.family('IPVS');
      assert.equal(fam.id, 28);
      await g.request(fam, 4, Buffer.alloc(0), { dump: true, what: 'dump' });
      assert.equal(t.sent[0]!.type, GENL_ID_CTRL);
      assert.equal(t.sent[1]!.type, 28);
      assert.equal(t.sent[1]!.flags, 0x300); // NLM_F_DUMP
      assert.equal(t.sent[1]!.payload!.toString('hex'), '04010000');
    });

    it('an unregistered family (nlctrl ENOENT) is VIPD_ERR_GENL_FAMILY_MISSING naming it', async () => {
      const g = new GenlSocket({ clock: new VirtualClock(), transport: new ScriptedTransport(() => Promise.reject(kernelError(2, 'ENOENT'))) });
      await assert.rejects(g.family('IPVS'), (e: unknown) => e instanceof GenlError && e.code === 'VIPD_ERR_GENL_FAMILY_MISSING' && /"IPVS"/.test(e.message));
    });

    it('a kernel errno becomes VIPD_ERR_GENL with the errno kept; missing privileges stay VIPD_ERR_NO_CAP_NET_ADMIN', async () => {
      const fam = { id: 28, name: 'IPVS', version: 1, hdrSize: 0, maxAttr: 6 };
      const g = new GenlSocket({ clock: new VirtualClock(), transport: new ScriptedTransport(() => Promise.reject(kernelError(17, 'EEXIST'))) });
      await assert.rejects(g.request(fam, 1, Buffer.alloc(0), { what: 'IPVS NEW_SERVICE' }), (e: unknown) => {
        return e instanceof GenlError && e.code === 'VIPD_ERR_GENL' && e.errno === 17 && e.message === 'IPVS NEW_SERVICE refused: EEXIST';
      });
      const perm = new VipdNetError('VIPD_ERR_NO_CAP_NET_ADMIN', 'needs CAP_NET_ADMIN', { errno: 1, sysCode: 'EPERM' });
      const g2 = new GenlSocket({ clock: new VirtualClock(), transport: new ScriptedTransport(() => Promise.reject(perm)) });
      await assert.rejects(g2.request(fam, 1, Buffer.alloc(0), { what: 'x' }), (e: unknown) => e === perm);
    });

    it('a request with no answer is VIPD_ERR_GENL_TIMEOUT after timeoutMs on the injected clock, and a late answer is ignored', async () => {
      const clock = new VirtualClock();
      let rejectLate: (e: Error) => void = () => undefined;
      const t = new ScriptedTransport(() => new Promise((_res, rej) => (rejectLate = rej)));
      const g = new GenlSocket({ clock, timeoutMs: 250, transport: t });
      let settled: unknown = 'pending';
      const p = g.request({ id: 28, name: 'IPVS', version: 1, hdrSize: 0, maxAttr: 6 }, 15, Buffer.alloc(0), { what: 'IPVS GET_INFO' }).then(
        () => 'resolved',
        (e: unknown) => e,
      );
      void p.then((v) => (settled = v));
      await clock.advanceAsync(249);
      assert.equal(settled, 'pending');
      await clock.advanceAsync(1);
      const err = await p;
      assert.ok(err instanceof GenlError && err.code === 'VIPD_ERR_GENL_TIMEOUT', String(err));
      assert.match((err as GenlError).message, /IPVS GET_INFO: no answer from the kernel in 250 ms/);
      rejectLate(new VipdNetError('VIPD_ERR_CLOSED', 'closed')); // must not surface as an unhandled rejection
      await Promise.resolve();
    });
  });
});
