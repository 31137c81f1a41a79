// IpvsDataPlane over an in-memory IPVS (fakeIpvsClient.ts answers like ip_vs_ctl.c): keepalived's tolerances
// (lvs.md §2.3, §9.5) counted per reason, editDest → addDest, refused operations attributed in `failed`, the
// operations handed to the client in batches in order, read() with counters.
import assert from 'node:assert/strict';
import { VirtualClock } from '../../../../src/clock/virtualClock.js';
import { VipdError } from '../../../../src/errors/vipdError.js';
import { IpvsDataPlane, type IpvsToleratedReason } from '../../../../src/lvs/ipvs/plane.js';
import type { DestSpec, ServiceKey, ServiceSpec } from '../../../../src/lvs/ipvs/types.js';
import type { LvsOp } from '../../../../src/lvs/model.js';
import { VipdNetError } from '../../../../src/net/errors.js';
import type { NetlinkTransport } from '../../../../src/net/genlSocket.js';
import { FakeIpvsClient } from './fakeIpvsClient.js';

const WEB: ServiceSpec = { family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'wrr', flags: 0, timeoutS: 0, netmaskBits: 32 };
const MARK: ServiceSpec = { family: 'inet6', fwmark: 7, scheduler: 'rr', flags: 1, timeoutS: 300, netmaskBits: 128 };
const KEY: ServiceKey = { family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 };

function dest(last: number, weight = 1): DestSpec {
  return { address: `10.1.0.${last}`, port: 80, forward: 'masq', weight, upperThreshold: 0, lowerThreshold: 0 };
}

function codes(r: { failed: readonly { op: LvsOp; error: VipdError }[] }): string[] {
  return r.failed.map((f) => `${f.op.op} ${f.error.code}`);
}

describe('IpvsDataPlane', () => {
  it('applies operations in order in one batch and reads the table back with its counters', async () => {
    const fake = new FakeIpvsClient();
    const plane = new IpvsDataPlane(fake);
    const tunnel6: DestSpec = { ...dest(3), forward: 'tunnel', address: 'fd00::3', family: 'inet6', tunnel: { type: 'ipip', port: 0, flags: 0 } };
    const r = await plane.apply([
      { op: 'addService', service: WEB },
      { op: 'addDest', service: KEY, dest: dest(1, 3) },
      { op: 'addDest', service: KEY, dest: tunnel6 },
      { op: 'addService', service: MARK },
      { op: 'addDest', service: MARK, dest: { ...dest(9), address: 'fd00::9', port: 0, forward: 'route' } },
    ]);
    assert.deepEqual(r.failed, []);
    assert.equal(fake.batches.length, 1);
    assert.deepEqual(fake.batches[0], [
      'addService tcp:10.0.0.1:80',
      'addDest tcp:10.0.0.1:80 10.1.0.1:80',
      'addDest tcp:10.0.0.1:80 [fd00::3]:80',
      'addService fwm:inet6:7',
      'addDest fwm:inet6:7 [fd00::9]:0',
    ]);
    const t = await plane.read();
    assert.deepEqual(t.services, [
      { spec: WEB, dests: [dest(1, 3), tunnel6] },
      { spec: MARK, dests: [{ ...dest(9), address: 'fd00::9', port: 0, forward: 'route' }] },
    ]);
    const web = t.counters.get('tcp:10.0.0.1:80')!;
    assert.equal(web.service.conns, 1n);
    assert.deepEqual(web.dests.get('[fd00::3]:80'), { stats: { ...web.dests.get('[fd00::3]:80')!.stats }, activeConns: 1, inactiveConns: 2, persistentConns: 3 });
    assert.equal(web.dests.get('10.1.0.1:80')!.stats.conns, 10n);
    assert.equal(t.counters.get('fwm:inet6:7')!.dests.size, 1);
  });

  it('a delDest of a destination of the other family carries that family (its address says it)', async () => {
    const fake = new FakeIpvsClient();
    const seen: unknown[] = [];
    const applyBatch = fake.applyBatch.bind(fake);
    fake.applyBatch = (ops) => {
      seen.push(...ops.map((o) => ('dest' in o ? o.dest.family : undefined)));
      return applyBatch(ops);
    };
    await new IpvsDataPlane(fake).apply([
      { op: 'delDest', service: KEY, dest: { address: 'fd00::3', port: 80 } },
      { op: 'delDest', service: KEY, dest: { address: '10.1.0.3', port: 80 } },
    ]);
    assert.deepEqual(seen, ['inet6', undefined]);
  });

  it('read() keys rows by identity: a dump that repeats a row yields it once', async () => {
    const fake = new FakeIpvsClient();
    const plane = new IpvsDataPlane(fake);
    await plane.apply([{ op: 'addService', service: WEB }, { op: 'addDest', service: KEY, dest: dest(1) }]);
    fake.repeatInDump = true;
    const t = await plane.read();
    assert.equal(t.services.length, 1);
    assert.equal(t.services[0]!.dests.length, 1);
  });

  it('EEXIST on add and ENOENT/ESRCH on delete count as success, each counted by reason and reported', async () => {
    const fake = new FakeIpvsClient();
    const seen: string[] = [];
    const plane = new IpvsDataPlane(fake, { onTolerated: (reason, op, err) => seen.push(`${reason} ${op.op} ${err.code}`) });
    await plane.apply([{ op: 'addService', service: WEB }, { op: 'addDest', service: KEY, dest: dest(1) }]);
    const r = await plane.apply([
      { op: 'addService', service: WEB }, // EEXIST
      { op: 'addDest', service: KEY, dest: dest(1) }, // EEXIST
      { op: 'delDest', service: KEY, dest: dest(2) }, // ENOENT
      { op: 'delService', service: MARK }, // ESRCH
      { op: 'delDest', service: MARK, dest: dest(2) }, // ESRCH: the service is gone, so is the dest
    ]);
    assert.deepEqual(r.failed, []);
    const expected: Record<IpvsToleratedReason, number> = {
      'add-service-exists': 1,
      'add-dest-exists': 1,
      'del-service-missing': 1,
      'del-dest-missing': 2,
      'edit-dest-readded': 0,
    };
    assert.deepEqual(plane.tolerated, expected);
    assert.deepEqual(seen, [
      'add-service-exists addService VIPD_ERR_IPVS_SERVICE_EXISTS',
      'add-dest-exists addDest VIPD_ERR_IPVS_DEST_EXISTS',
      'del-dest-missing delDest VIPD_ERR_IPVS_NO_SUCH_DEST',
      'del-service-missing delService VIPD_ERR_IPVS_NO_SUCH_SERVICE',
      'del-dest-missing delDest VIPD_ERR_IPVS_NO_SUCH_SERVICE',
    ]);
  });

  it('an editDest answered ENOENT is retried as addDest (keepalived ipvs_talk) and the dest is there after', async () => {
    const fake = new FakeIpvsClient();
    const plane = new IpvsDataPlane(fake);
    await plane.apply([{ op: 'addService', service: WEB }]);
    const r = await plane.apply([{ op: 'editDest', service: KEY, dest: dest(4, 9) }]);
    assert.deepEqual(r.failed, []);
    assert.equal(plane.tolerated['edit-dest-readded'], 1);
    assert.deepEqual(fake.batches.slice(1), [['editDest tcp:10.0.0.1:80 10.1.0.4:80'], ['addDest tcp:10.0.0.1:80 10.1.0.4:80']]);
    assert.deepEqual((await plane.read()).services[0]!.dests, [dest(4, 9)]);
  });

  it('an editDest whose retry is refused is in `failed` as the editDest, with the addDest refusal', async () => {
    const fake = new FakeIpvsClient();
    const plane = new IpvsDataPlane(fake);
    await plane.apply([{ op: 'addService', service: WEB }]);
    fake.inject.set('addDest tcp:10.0.0.1:80 10.1.0.4:80', new VipdError('VIPD_ERR_IPVS_REFUSED', 'IPVS NEW_DEST …: ERANGE'));
    const edit: LvsOp = { op: 'editDest', service: KEY, dest: dest(4, -1) };
    const r = await plane.apply([edit]);
    assert.deepEqual(codes(r), ['editDest VIPD_ERR_IPVS_REFUSED']);
    assert.equal(r.failed[0]!.op, edit);
  });

  it('an editDest without its service (ESRCH) is refused without a retry', async () => {
    const plane = new IpvsDataPlane(new FakeIpvsClient());
    const r = await plane.apply([{ op: 'editDest', service: KEY, dest: dest(4) }]);
    assert.deepEqual(codes(r), ['editDest VIPD_ERR_IPVS_NO_SUCH_SERVICE']);
    assert.equal(plane.tolerated['edit-dest-readded'], 0);
  });

  it('the retry keeps keepalived order: an operation on the edited dest or its service waits for it (new batch)', async () => {
    const fake = new FakeIpvsClient();
    const plane = new IpvsDataPlane(fake);
    await plane.apply([{ op: 'addService', service: WEB }]);
    const r = await plane.apply([
      { op: 'editDest', service: KEY, dest: dest(5) }, // missing → re-added after its batch
      { op: 'addDest', service: KEY, dest: dest(6) }, // other dest, same batch
      { op: 'delDest', service: KEY, dest: dest(5) }, // depends on the retry: next batch
    ]);
    assert.deepEqual(r.failed, []);
    assert.deepEqual(fake.batches.slice(1), [
      ['editDest tcp:10.0.0.1:80 10.1.0.5:80', 'addDest tcp:10.0.0.1:80 10.1.0.6:80'],
      ['addDest tcp:10.0.0.1:80 10.1.0.5:80'],
      ['delDest tcp:10.0.0.1:80 10.1.0.5:80'],
    ]);
    assert.deepEqual((await plane.read()).services[0]!.dests, [dest(6)]);
  });

  it('refused operations are in `failed`, in order, with their own error; the others take effect; no throw', async () => {
    const fake = new FakeIpvsClient();
    const plane = new IpvsDataPlane(fake);
    const other: ServiceKey = { family: 'inet', protocol: 'udp', address: '10.0.0.2', port: 53 };
    const ops: LvsOp[] = [
      { op: 'addService', service: WEB },
      { op: 'addDest', service: other, dest: dest(1) }, // ESRCH
      { op: 'editService', service: { ...other, scheduler: 'rr', flags: 0, timeoutS: 0, netmaskBits: 32 } }, // ESRCH
      { op: 'addDest', service: KEY, dest: dest(2) },
    ];
    const r = await plane.apply(ops);
    assert.deepEqual(codes(r), ['addDest VIPD_ERR_IPVS_NO_SUCH_SERVICE', 'editService VIPD_ERR_IPVS_NO_SUCH_SERVICE']);
    assert.equal(r.failed[0]!.op, ops[1]);
    assert.equal(r.failed[1]!.op, ops[2]);
    assert.deepEqual((await plane.read()).services.map((s) => s.dests.length), [1]);
  });

  it('1,000 services × 10 dests go to the client as one batch call (the client chunks it), not 11,000', async () => {
    const fake = new FakeIpvsClient();
    const plane = new IpvsDataPlane(fake);
    const ops: LvsOp[] = [];
    for (let i = 0; i < 1000; i++) {
      const svc: ServiceSpec = { ...WEB, address: `10.${(i >> 8) + 10}.${i & 255}.1` };
      ops.push({ op: 'addService', service: svc });
      for (let j = 1; j <= 10; j++) ops.push({ op: 'addDest', service: svc, dest: dest(j) });
    }
    const r = await plane.apply(ops);
    assert.deepEqual(r.failed, []);
    assert.equal(fake.batches.length, 1);
    assert.equal(fake.batches[0]!.length, 11_000);
    const t = await plane.read();
    assert.equal(t.services.length, 1000);
    assert.ok(t.services.every((s) => s.dests.length === 10));
  });

  it('reads never overlap: the kernel runs one dump per socket (a second answers EBUSY)', async () => {
    // A scrape's counter refresh and a repair's re-read may ask at once; the plane owns the socket, so it queues them.
    class OneDumpAtATime extends FakeIpvsClient {
      dumping = 0;
      overlaps = 0;
      private async dump<T>(rows: () => Promise<T>): Promise<T> {
        if (this.dumping > 0) this.overlaps++;
        this.dumping++;
        await new Promise<void>((r) => setImmediate(r));
        try {
          return await rows();
        } finally {
          this.dumping--;
        }
      }
      override getServices() {
        return this.dump(() => super.getServices());
      }
      override getDests(k: ServiceKey) {
        return this.dump(() => super.getDests(k));
      }
    }
    const fake = new OneDumpAtATime();
    const plane = new IpvsDataPlane(fake);
    await plane.apply([{ op: 'addService', service: WEB }, { op: 'addDest', service: KEY, dest: dest(1) }]);
    const [a, b] = await Promise.all([plane.read(), plane.read()]);
    assert.equal(fake.overlaps, 0);
    assert.deepEqual(a, b);
    await assert.doesNotReject(plane.read());
  });

  it('stats(): tolerated refusals and the client\'s dropped replies, every reason from the start (for the metrics)', async () => {
    const fake = new FakeIpvsClient();
    const plane = new IpvsDataPlane(fake);
    await plane.apply([{ op: 'delService', service: KEY }]);
    fake.drops['bad-enum'] = 2;
    const st = plane.stats();
    assert.equal(st.tolerated['del-service-missing'], 1);
    assert.equal(st.tolerated['add-dest-exists'], 0);
    assert.equal(st.malformedReplies['bad-enum'], 2);
    assert.equal(Object.keys(st.malformedReplies).length, 12);
  });

  it('close() closes the client', async () => {
    const fake = new FakeIpvsClient();
    await new IpvsDataPlane(fake).close();
    assert.equal(fake.closed, true);
  });

  it('without IPVS, open() rejects with VIPD_ERR_IPVS_UNAVAILABLE naming modprobe ip_vs and the nftables plane', async () => {
    const t: NetlinkTransport = {
      request: () => Promise.reject(new VipdNetError('VIPD_ERR_NETLINK', 'netlink request failed: ENOENT', { errno: 2, sysCode: 'ENOENT' })),
      close: () => undefined,
    };
    await assert.rejects(IpvsDataPlane.open({ clock: new VirtualClock(), transport: t }), (e: unknown) => {
      assert.ok(e instanceof VipdError);
      assert.equal(e.code, 'VIPD_ERR_IPVS_UNAVAILABLE');
      assert.match(e.message, /modprobe ip_vs/);
      assert.match(e.message, /vipd_lvs_dataplane nftables/);
      return true;
    });
  });
});
