// IpvsClient over a scripted transport: family resolution, the errno → code mapping per command (errnos as the
// 6.1 kernel answered them, ../fixtures/ipvs-kernel-6.1.json), drops counted by reason, rejections instead of
// synchronous throws.
import assert from 'node:assert/strict';
import { VirtualClock } from '../../../../src/clock/virtualClock.js';
import { VipdError } from '../../../../src/errors/vipdError.js';
import { IpvsClient } from '../../../../src/lvs/ipvs/client.js';
import { IPVS_CMD } from '../../../../src/lvs/ipvs/constants.js';
import type { ServiceKey, ServiceSpec } from '../../../../src/lvs/ipvs/types.js';
import { VipdNetError } from '../../../../src/net/errors.js';
import { GENL_ID_CTRL } from '../../../../src/net/genlMsg.js';
import type { NetlinkTransport } from '../../../../src/net/genlSocket.js';
import type { NetlinkMessage, NetlinkRequest } from '../../../../src/net/netlink.js';
import { hex, requireLittleEndian } from './hex.js';

const NEWFAMILY_IPVS = hex('01 02 0000', '0900 0200 4950565300 000000', '0600 0100 1c00 0000', '0800 0300 01000000');
const WEB: ServiceKey = { family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 };
const WEB_SPEC: ServiceSpec = { ...WEB, scheduler: 'wrr', flags: 0, timeoutS: 0, netmaskBits: 32 };
const DEST = { address: '10.1.0.1', port: 80, forward: 'masq' as const, weight: 1, upperThreshold: 0, lowerThreshold: 0 };

function reply(payload: Buffer): NetlinkMessage {
  return { type: 28, flags: 2, seq: 1, pid: 0, payload };
}

/** Answers GETFAMILY, then hands every IPVS request (its genl command) to `ipvs`. */
class FakeKernel implements NetlinkTransport {
  readonly commands: number[] = [];
  constructor(private readonly ipvs: (cmd: number) => NetlinkMessage[] | number) {}
  async request(req: NetlinkRequest): Promise<NetlinkMessage[]> {
    if (req.type === GENL_ID_CTRL) return [{ type: GENL_ID_CTRL, flags: 0, seq: 1, pid: 0, payload: NEWFAMILY_IPVS }];
    const cmd = req.payload![0]!;
    this.commands.push(cmd);
    const r = this.ipvs(cmd);
    if (typeof r === 'number') throw new VipdNetError('VIPD_ERR_NETLINK', `netlink request failed: errno ${r}`, { errno: r, sysCode: `E${r}` });
    return r;
  }
  close(): void {}
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof VipdError ? err.code : `not a VipdError: ${String(err)}`;
  }
}

describe('IpvsClient', function () {
  beforeEach(function () {
    requireLittleEndian(this);
  });

  it('without IPVS in the kernel, open() rejects with VIPD_ERR_IPVS_UNAVAILABLE naming modprobe ip_vs', async () => {
    const t: NetlinkTransport = {
      request: () => Promise.reject(new VipdNetError('VIPD_ERR_NETLINK', 'netlink request failed: ENOENT', { errno: 2, sysCode: 'ENOENT' })),
      close: () => undefined,
    };
    await assert.rejects(IpvsClient.open({ clock: new VirtualClock(), transport: t }), (e: unknown) => {
      return e instanceof VipdError && e.code === 'VIPD_ERR_IPVS_UNAVAILABLE' && /modprobe ip_vs/.test(e.message);
    });
  });

  it('names each kernel refusal by command and errno (EEXIST 17, ENOENT 2, ESRCH 3, ERANGE 34, as 6.1 answers)', async () => {
    const cases: [string, number, (c: IpvsClient) => Promise<unknown>, string][] = [
      ['duplicate service', 17, (c) => c.addService(WEB_SPEC), 'VIPD_ERR_IPVS_SERVICE_EXISTS'],
      ['unknown scheduler', 2, (c) => c.addService({ ...WEB_SPEC, scheduler: 'bogus' }), 'VIPD_ERR_IPVS_UNKNOWN_SCHEDULER'],
      ['unknown scheduler on edit', 2, (c) => c.editService({ ...WEB_SPEC, scheduler: 'bogus' }), 'VIPD_ERR_IPVS_UNKNOWN_SCHEDULER'],
      ['edit of a missing service', 3, (c) => c.editService(WEB_SPEC), 'VIPD_ERR_IPVS_NO_SUCH_SERVICE'],
      ['delete of a missing service', 3, (c) => c.delService(WEB), 'VIPD_ERR_IPVS_NO_SUCH_SERVICE'],
      ['duplicate dest', 17, (c) => c.addDest(WEB, DEST), 'VIPD_ERR_IPVS_DEST_EXISTS'],
      ['dest of a missing service', 3, (c) => c.addDest(WEB, DEST), 'VIPD_ERR_IPVS_NO_SUCH_SERVICE'],
      ['edit of a missing dest', 2, (c) => c.editDest(WEB, DEST), 'VIPD_ERR_IPVS_NO_SUCH_DEST'],
      ['delete of a missing dest', 2, (c) => c.delDest(WEB, DEST), 'VIPD_ERR_IPVS_NO_SUCH_DEST'],
      ['negative weight', 34, (c) => c.addDest(WEB, { ...DEST, weight: -1 }), 'VIPD_ERR_IPVS_REFUSED'],
      ['second master daemon', 17, (c) => c.startDaemon({ state: 'master', ifname: 'eth0', syncId: 1 }), 'VIPD_ERR_IPVS_REFUSED'],
    ];
    for (const [name, errno, op, code] of cases) {
      const c = await IpvsClient.open({ clock: new VirtualClock(), transport: new FakeKernel(() => errno) });
      assert.equal(await codeOf(op(c)), code, name);
    }
  });

  it('the message names the command, the entry and the errno', async () => {
    const c = await IpvsClient.open({ clock: new VirtualClock(), transport: new FakeKernel(() => 17) });
    await assert.rejects(c.addDest(WEB, DEST), (e: unknown) => e instanceof VipdError && e.message === 'IPVS NEW_DEST TCP 10.0.0.1:80 -> 10.1.0.1:80: E17');
  });

  it('an invalid request is a rejection (VIPD_ERR_IPVS_INVALID), never a synchronous throw, and sends nothing', async () => {
    const k = new FakeKernel(() => []);
    const c = await IpvsClient.open({ clock: new VirtualClock(), transport: k });
    const p = c.addService({ ...WEB_SPEC, address: 'not-an-address' });
    assert.ok(p instanceof Promise);
    assert.equal(await codeOf(p), 'VIPD_ERR_IPVS_INVALID');
    assert.deepEqual(k.commands, []);
  });

  it('getService of a missing service is null (ESRCH); getDests of one is the empty dump', async () => {
    const c = await IpvsClient.open({ clock: new VirtualClock(), transport: new FakeKernel((cmd) => (cmd === IPVS_CMD.GET_SERVICE ? 3 : [])) });
    assert.equal(await c.getService(WEB), null);
    assert.deepEqual(await c.getDests(WEB), []);
  });

  it('drops malformed dump messages by reason, keeps the good ones, and reports each drop', async () => {
    const good = hex(
      '01 01 0000', // NEW_SERVICE
      '4800 0100', // SERVICE nest, len 72
      '0600 0100 0200 0000', // AF_INET
      '0800 0500 07000000', // FWMARK 7
      '0700 0600 727200 00', // "rr"
      '0c00 0700 00000000 ffffffff', // FLAGS
      '0800 0800 00000000', // TIMEOUT
      '0800 0900 ffffffff', // NETMASK
      '0400 0b00', // PE_NAME, empty: no persistence engine
      '0400 0c00', // STATS64, empty
      '0400 0a00', // STATS, empty
      '0400 0e00', // attribute 14, unknown: ignored
    );
    const seen: string[] = [];
    const c = await IpvsClient.open({
      clock: new VirtualClock(),
      transport: new FakeKernel(() => [reply(good), reply(hex('01 01')), reply(hex('05 01 0000'))]),
      onDrop: (reason) => seen.push(reason),
    });
    const services = await c.getServices();
    assert.equal(services.length, 1);
    assert.equal(services[0]!.fwmark, 7);
    assert.deepEqual(seen, ['short-genl-header', 'unexpected-command']);
    assert.equal(c.drops['short-genl-header'], 1);
    assert.equal(c.drops['unexpected-command'], 1);
    assert.equal(c.drops['bad-netmask'], 0);
  });
});
