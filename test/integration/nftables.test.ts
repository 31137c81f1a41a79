// The nftables data plane on the host kernel (no IPVS here), in namespaces: a client, a director running the
// plane (test/integration/lvs/nftDirector.ts) and three real servers with tiny HTTP servers. Checks the split
// per scheduler, weight 0 (open connections go on, new ones avoid it), delete (its connection dies through the
// conntrack flush, new ones avoid it), that the same table applied twice — also by a restarted director — changes
// no rule, that read() returns what apply() built with counters, and that close() leaves other tables alone.
// Root only; hold /tmp/vipd-netns.lock (see the brief).
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DestSpec, LvsOp, ServiceSpec } from '../../src/lvs/model.js';
import type { Lab } from '../../src/lab/netns.js';
import { newLab, requireLab } from './labHelpers.js';
import { JsonPeer as Peer } from '../../src/lab/jsonPeer.js';
import { directorLab, tally, waitLine } from './lvs/directorLab.js';
import { weightZeroDrains } from './lvs/directorChecks.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const LAB = directorLab(61);
const VIP = LAB.vip;
const rsAddr = LAB.rsAddr;

const WEB: ServiceSpec = { family: 'inet', protocol: 'tcp', address: VIP, port: 80, scheduler: 'wrr', flags: 0, timeoutS: 0, netmaskBits: 32 };
const rs = (i: number, weight: number): DestSpec => ({ address: rsAddr(i), port: 8080, forward: 'masq', weight, upperThreshold: 0, lowerThreshold: 0 });



describe('nftables data plane in namespaces (host kernel, no IPVS)', function () {
  this.timeout(120_000);
  let lab: Lab | undefined;

  afterEach(async () => {
    await lab?.destroy();
    lab = undefined;
  });

  it('splits, drains, deletes, adopts and cleans up like IPVS would', async function () {
    requireLab(this);
    lab = newLab('nf');
    await LAB.build(lab);
    // Someone else's table in the director's namespace: vipd must never touch it.
    await lab.exec('dir', ['nft', 'add table ip other; add chain ip other c { type filter hook input priority 0; }; add rule ip other c counter']);
    const otherBefore = (await lab.exec('dir', ['nft', '-a', 'list', 'table', 'ip', 'other'])).stdout.replace(/packets \d+ bytes \d+/g, '');
    for (const i of [1, 2, 3]) {
      const s = lab.spawn(`rs${i}`, [process.execPath, join(HERE, 'lvs/httpBits.js'), 'server', `rs${i}`, '8080']);
      await waitLine(s, 'listening');
    }
    const startDirector = (): Peer => new Peer(lab!.spawn('dir', [process.execPath, join(HERE, 'lvs/nftDirector.js')]));
    let dir = startDirector();
    const client = new Peer(lab.spawn('c1', [process.execPath, join(HERE, 'lvs/httpBits.js'), 'client']));
    const url = { host: VIP, port: 80 };
    const burst = async (n: number): Promise<Record<string, number>> => tally(await client.value<string[]>('burst', { url, n }));
    const apply = (ops: LvsOp[]): Promise<unknown[]> => dir.value<unknown[]>('apply', { ops });
    const listing = async (): Promise<string> => (await lab!.exec('dir', ['nft', '-a', 'list', 'table', 'inet', 'vipd'])).stdout.replace(/packets \d+ bytes \d+/g, '');

    // wrr 3/1/1 → 30/10/10 of 50 new connections.
    const load: LvsOp[] = [{ op: 'addService', service: WEB }, ...[rs(1, 3), rs(2, 1), rs(3, 1)].map((dest) => ({ op: 'addDest' as const, service: WEB, dest }))];
    assert.deepEqual(await apply(load), []);
    assert.deepEqual(await burst(50), { rs1: 30, rs2: 10, rs3: 10 });

    // rr ignores weights: exactly 10 each of 30.
    assert.deepEqual(await apply([{ op: 'editService', service: { ...WEB, scheduler: 'rr' } }]), []);
    assert.deepEqual(await burst(30), { rs1: 10, rs2: 10, rs3: 10 });

    // sh and persistence: one client, one server.
    assert.deepEqual(await apply([{ op: 'editService', service: { ...WEB, scheduler: 'sh' } }]), []);
    assert.equal(Object.keys(await burst(10)).length, 1);
    assert.deepEqual(await apply([{ op: 'editService', service: { ...WEB, flags: 1, timeoutS: 300, netmaskBits: 24 } }]), []);
    assert.equal(Object.keys(await burst(10)).length, 1);
    assert.deepEqual(await apply([{ op: 'editService', service: WEB }]), []);

    // read() returns what apply() built, with counters.
    const read = await dir.value<{ services: { spec: ServiceSpec; dests: DestSpec[] }[]; counters: Record<string, { service: Record<string, string>; dests: Record<string, { stats: Record<string, string> }> }> }>('read');
    assert.deepEqual(read.services, [{ spec: WEB, dests: [rs(1, 3), rs(2, 1), rs(3, 1)] }]);
    const c = read.counters[`tcp:${VIP}:80`]!;
    assert.ok(Number(c.service['conns']) >= 100, `service conns ${c.service['conns']}`);
    assert.ok(Number(c.dests[`${rsAddr(1)}:8080`]!.stats['inPkts']) > 0);
    assert.ok(Number(c.dests[`${rsAddr(1)}:8080`]!.stats['outBytes']) > 0);
    assert.equal(Number(c.service['inPkts']), Object.values(c.dests).reduce((a, d) => a + Number(d.stats['inPkts']), 0));

    // Weight 0: the open connection goes on, new connections avoid the server.
    const { held, heldIndex } = await weightZeroDrains(client, url, burst, (i) => apply([{ op: 'editDest', service: WEB, dest: rs(i, 0) }]));

    // The same table twice changes nothing (same rules, same handles); so does a restarted director that reads
    // the table back and applies the same desired state.
    const before = await listing();
    const desired: LvsOp[] = [{ op: 'addService', service: WEB }, ...[1, 2, 3].map((i) => ({ op: 'addDest' as const, service: WEB, dest: rs(i, i === heldIndex ? 0 : i === 1 ? 3 : 1) }))];
    assert.deepEqual(await apply(desired), []);
    assert.equal(await listing(), before);
    dir.child.kill('SIGKILL');
    await new Promise((r) => dir.child.once('exit', r));
    dir = startDirector();
    const adopted = await dir.value<{ services: unknown[] }>('read');
    assert.equal(adopted.services.length, 1);
    assert.deepEqual(await apply(desired), []);
    assert.equal(await listing(), before);
    assert.equal((await dir.value<{ stats: { transactions: number } }>('stats')).stats.transactions, 0);
    assert.equal(await client.value<string>('again'), held);

    // Delete: its connection dies (conntrack flushed as IPVS drops it), new connections avoid it.
    assert.deepEqual(await apply([{ op: 'delDest', service: WEB, dest: rs(heldIndex, 0) }]), []);
    const after = await client.call<string>('again');
    assert.ok(!after.ok || after.value !== held, `still answered by ${held} after its deletion`);
    assert.equal((await burst(20))[held], undefined);

    // close(): no vipd table left, the other table as it was.
    await dir.value('close');
    const tables = (await lab.exec('dir', ['nft', 'list', 'tables'])).stdout;
    assert.ok(!/inet vipd/.test(tables), tables);
    assert.equal((await lab.exec('dir', ['nft', '-a', 'list', 'table', 'ip', 'other'])).stdout.replace(/packets \d+ bytes \d+/g, ''), otherBefore);
  });
});
