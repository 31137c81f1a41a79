// IpvsClient.applyBatch over a scripted transport with sendBatch (NetlinkSocket's ACK-less batch: one errno per
// message): the messages go in operation order, in chunks of BATCH_CHUNK, each refusal lands on its own
// operation with the code the single-operation methods give it, an operation the encoder refuses is not sent,
// and a chunk whose outcome is unknown fails with everything after it. Errnos as the 6.1 kernel answered them
// (../fixtures/ipvs-kernel-6.1.json): EEXIST 17, ENOENT 2, ESRCH 3.
import assert from 'node:assert/strict';
import { VirtualClock } from '../../../../src/clock/virtualClock.js';
import { IpvsClient } from '../../../../src/lvs/ipvs/client.js';
import { IPVS_CMD } from '../../../../src/lvs/ipvs/constants.js';
import type { IpvsOp, ServiceKey, ServiceSpec } from '../../../../src/lvs/ipvs/types.js';
import { VipdNetError } from '../../../../src/net/errors.js';
import { GENL_ID_CTRL } from '../../../../src/net/genlMsg.js';
import { BATCH_CHUNK, type NetlinkTransport } from '../../../../src/net/genlSocket.js';
import type { NetlinkMessage, NetlinkRequest } from '../../../../src/net/netlink.js';
import { hex, requireLittleEndian } from './hex.js';

/** nlctrl's NEWFAMILY for "IPVS" with family id 0x1c. */
const NEWFAMILY_IPVS = hex('01 02 0000', '0900 0200 4950565300 000000', '0600 0100 1c00 0000', '0800 0300 01000000');
const WEB: ServiceKey = { family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 };
const WEB_SPEC: ServiceSpec = { ...WEB, scheduler: 'wrr', flags: 0, timeoutS: 0, netmaskBits: 32 };
const DEST = { address: '10.1.0.1', port: 80, forward: 'masq' as const, weight: 1, upperThreshold: 0, lowerThreshold: 0 };

interface SentMessage {
  type: number;
  flags: number;
  cmd: number;
}

/** Answers GETFAMILY; takes batches, answering each message with errnoOf(its index over all batches, cmd). */
class BatchKernel implements NetlinkTransport {
  readonly batches: SentMessage[][] = [];
  readonly requests: NetlinkRequest[] = [];
  private seen = 0;
  constructor(
    private readonly errnoOf: (index: number, cmd: number) => number,
    private readonly batchOutcome: (batchNo: number) => 'ok' | Error | 'never' = () => 'ok',
  ) {}
  async request(req: NetlinkRequest): Promise<NetlinkMessage[]> {
    this.requests.push(req);
    if (req.type === GENL_ID_CTRL) return [{ type: GENL_ID_CTRL, flags: 0, seq: 1, pid: 0, payload: NEWFAMILY_IPVS }];
    throw new Error('IPVS commands must come as batches');
  }
  sendBatch(messages: readonly Buffer[]): Promise<Int32Array> {
    // struct nlmsghdr { u32 len; u16 type; u16 flags; u32 seq; u32 pid } then genlmsghdr { u8 cmd; … }
    const sent = messages.map((m) => ({ type: m.readUInt16LE(4), flags: m.readUInt16LE(6), cmd: m[16]! }));
    this.batches.push(sent);
    const outcome = this.batchOutcome(this.batches.length - 1);
    if (outcome === 'never') return new Promise(() => undefined);
    if (outcome instanceof Error) return Promise.reject(outcome);
    const errnos = Int32Array.from(sent.map((m) => this.errnoOf(this.seen++, m.cmd)));
    return Promise.resolve(errnos);
  }
  close(): void {}
}

function manyDests(n: number): IpvsOp[] {
  return Array.from({ length: n }, (_, i) => ({ op: 'addDest' as const, service: WEB, dest: { ...DEST, address: `10.1.${i >> 7}.${(i & 127) + 1}` } }));
}

describe('IpvsClient.applyBatch', function () {
  beforeEach(function () {
    requireLittleEndian(this);
  });

  it('sends the operations in order as IPVS commands (family id 0x1c, NLM_F_REQUEST, no ACK) in one batch', async () => {
    const k = new BatchKernel(() => 0);
    const c = await IpvsClient.open({ clock: new VirtualClock(), transport: k });
    const r = await c.applyBatch([
      { op: 'addService', service: WEB_SPEC },
      { op: 'addDest', service: WEB, dest: DEST },
      { op: 'editDest', service: WEB, dest: { ...DEST, weight: 2 } },
      { op: 'editService', service: { ...WEB_SPEC, scheduler: 'rr' } },
      { op: 'delDest', service: WEB, dest: DEST },
      { op: 'delService', service: WEB },
    ]);
    assert.deepEqual(r, [null, null, null, null, null, null]);
    assert.equal(k.batches.length, 1);
    const C = IPVS_CMD;
    assert.deepEqual(k.batches[0]!.map((m) => m.cmd), [C.NEW_SERVICE, C.NEW_DEST, C.SET_DEST, C.SET_SERVICE, C.DEL_DEST, C.DEL_SERVICE]);
    assert.ok(k.batches[0]!.every((m) => m.type === 0x1c && m.flags === 0x1), JSON.stringify(k.batches[0]));
    assert.equal(k.requests.length, 1, 'only the family lookup went as a request');
  });

  it('each refusal lands on its own operation, named like the single-operation methods name it', async () => {
    const errnos: Record<number, number> = { 1: 17, 3: 2, 4: 3 };
    const k = new BatchKernel((i) => errnos[i] ?? 0);
    const c = await IpvsClient.open({ clock: new VirtualClock(), transport: k });
    const r = await c.applyBatch([
      { op: 'addService', service: WEB_SPEC },
      { op: 'addService', service: WEB_SPEC },
      { op: 'addDest', service: WEB, dest: DEST },
      { op: 'editDest', service: WEB, dest: { ...DEST, address: '10.1.0.9' } },
      { op: 'delService', service: { ...WEB, port: 81 } },
      { op: 'addDest', service: WEB, dest: { ...DEST, address: '10.1.0.2' } },
    ]);
    assert.deepEqual(
      r.map((e) => e?.code ?? null),
      [null, 'VIPD_ERR_IPVS_SERVICE_EXISTS', null, 'VIPD_ERR_IPVS_NO_SUCH_DEST', 'VIPD_ERR_IPVS_NO_SUCH_SERVICE', null],
    );
    assert.match(r[1]!.message, /NEW_SERVICE TCP 10\.0\.0\.1:80 \(wrr\).*EEXIST/);
    assert.match(r[3]!.message, /SET_DEST TCP 10\.0\.0\.1:80 -> 10\.1\.0\.9:80.*ENOENT/);
    assert.match(r[4]!.message, /DEL_SERVICE TCP 10\.0\.0\.1:81.*ESRCH/);
  });

  it('an operation the encoder refuses is not sent and fails with VIPD_ERR_IPVS_INVALID; the others go', async () => {
    const k = new BatchKernel(() => 0);
    const c = await IpvsClient.open({ clock: new VirtualClock(), transport: k });
    const r = await c.applyBatch([
      { op: 'addService', service: WEB_SPEC },
      { op: 'addService', service: { family: 'inet', fwmark: 0, scheduler: 'rr', flags: 0, timeoutS: 0, netmaskBits: 32 } },
      { op: 'addDest', service: WEB, dest: DEST },
    ]);
    assert.deepEqual(r.map((e) => e?.code ?? null), [null, 'VIPD_ERR_IPVS_INVALID', null]);
    assert.deepEqual(k.batches[0]!.map((m) => m.cmd), [IPVS_CMD.NEW_SERVICE, IPVS_CMD.NEW_DEST]);
  });

  it(`goes in chunks of ${BATCH_CHUNK} commands, one after the other, and attributes errors across chunks`, async () => {
    const k = new BatchKernel((i) => (i === BATCH_CHUNK + 3 ? 17 : 0));
    const c = await IpvsClient.open({ clock: new VirtualClock(), transport: k });
    const n = 2 * BATCH_CHUNK + 76;
    const r = await c.applyBatch(manyDests(n));
    assert.deepEqual(k.batches.map((b) => b.length), [BATCH_CHUNK, BATCH_CHUNK, 76]);
    assert.equal(r.length, n);
    assert.deepEqual(r.flatMap((e, i) => (e ? [`${i} ${e.code}`] : [])), [`${BATCH_CHUNK + 3} VIPD_ERR_IPVS_DEST_EXISTS`]);
  });

  it('a chunk with an unknown outcome (replies lost) fails with every later operation, which is not sent', async () => {
    const overrun = new VipdNetError('VIPD_ERR_NETLINK_OVERRUN', 'netlink receive buffer overrun: replies lost');
    const k = new BatchKernel(() => 0, (b) => (b === 1 ? overrun : 'ok'));
    const c = await IpvsClient.open({ clock: new VirtualClock(), transport: k });
    const r = await c.applyBatch(manyDests(3 * BATCH_CHUNK));
    assert.equal(k.batches.length, 2);
    assert.ok(r.slice(0, BATCH_CHUNK).every((e) => e === null));
    assert.ok(r.slice(BATCH_CHUNK).every((e) => e?.code === 'VIPD_ERR_NETLINK_OVERRUN'));
  });

  it('a chunk the kernel never answers fails with VIPD_ERR_GENL_TIMEOUT after the bound on the clock', async () => {
    const clock = new VirtualClock();
    const k = new BatchKernel(() => 0, () => 'never');
    const c = await IpvsClient.open({ clock, timeoutMs: 1000, transport: k });
    const pending = c.applyBatch(manyDests(3));
    await clock.advanceAsync(1000);
    const r = await pending;
    assert.deepEqual(r.map((e) => e?.code), ['VIPD_ERR_GENL_TIMEOUT', 'VIPD_ERR_GENL_TIMEOUT', 'VIPD_ERR_GENL_TIMEOUT']);
  });

  it('without sendBatch, the requests are all on the wire before the first answer (pipelined), each with its result', async () => {
    const answers: ((errno: number) => void)[] = [];
    let lookups = 0;
    const t: NetlinkTransport = {
      request: (req) => {
        if (req.type === GENL_ID_CTRL) {
          lookups++;
          return Promise.resolve([{ type: GENL_ID_CTRL, flags: 0, seq: 1, pid: 0, payload: NEWFAMILY_IPVS }]);
        }
        return new Promise<NetlinkMessage[]>((resolve, reject) =>
          answers.push((errno) => (errno ? reject(new VipdNetError('VIPD_ERR_NETLINK', `errno ${errno}`, { errno, sysCode: 'EEXIST' })) : resolve([]))),
        );
      },
      close: () => undefined,
    };
    const c = await IpvsClient.open({ clock: new VirtualClock(), transport: t });
    const pending = c.applyBatch(manyDests(5));
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(lookups, 1);
    assert.equal(answers.length, 5, 'all five requests sent before any answer');
    answers.forEach((answer, i) => answer(i === 2 ? 17 : 0));
    const r = await pending;
    assert.deepEqual(r.map((e) => e?.code ?? null), [null, null, 'VIPD_ERR_IPVS_DEST_EXISTS', null, null]);
  });
});
