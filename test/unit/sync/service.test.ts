// The sync service on in-memory twins and virtual time: every deadline (keep-alives, resync requests, the demotion
// purge, the resync waits of the preemption hold) fires when the test advances the clock, never by sleeping.
import assert from 'node:assert/strict';
import { ConnSync } from '../../../src/sync/service.js';
import { VirtualClock } from '../../../src/clock/virtualClock.js';
import { MemoryKernel, MemorySegment, MemoryTransport } from './twins.js';
import { KEY, tcpEntry } from './sim.js';

/** Advance virtual time in 5 ms steps until `cond` holds; fails after `virtualMs` of virtual time. */
const until = async (clock: VirtualClock, cond: () => boolean, virtualMs = 5000): Promise<void> => {
  for (let t = 0; !cond(); t += 5) {
    if (t > virtualMs) throw new Error(`condition not met within ${virtualMs} virtual ms`);
    await clock.advanceAsync(5);
  }
};

function node(seg: MemorySegment, addr: string, clock: VirtualClock, key = KEY) {
  const kernel = new MemoryKernel();
  const svc = new ConnSync({
    clock,
    conntrack: kernel,
    channel: new MemoryTransport(seg, addr),
    key,
    filter: { rules: [{ action: 'exclude', address: null, portMin: 22, portMax: 22, protocol: 'tcp' }], default: 'include', syncPort: 3781 },
    protocol: { keepaliveMs: 50, noPeerGraceMs: 300, joinWaitMs: 20, resyncRetryMs: 100 },
    confirmTimeoutMs: 2000,
  });
  return { kernel, svc };
}

describe('sync service (in-memory kernel and segment)', () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const s of stops.splice(0)) await s();
  });

  it('replicates, commits before resolving becomeMaster, and purges the old master only after CONFIRM', async () => {
    const seg = new MemorySegment();
    const clock = new VirtualClock();
    const a = node(seg, '10.2.0.1', clock);
    const b = node(seg, '10.2.0.2', clock);
    stops.push(() => a.svc.stop(), () => b.svc.stop());
    for (let i = 0; i < 5; i++) a.kernel.traffic(tcpEntry(i));
    await a.svc.start();
    await a.svc.becomeMaster();
    await b.svc.start();
    await until(clock, () => b.svc.resyncComplete() && b.svc.snapshot().externalEntries === 5);
    for (let i = 5; i < 50; i++) a.kernel.traffic(tcpEntry(i));
    const ssh = { ...tcpEntry(999), orig: { ...tcpEntry(999).orig, dstPort: 22 } };
    a.kernel.traffic(ssh);
    a.kernel.traffic(tcpEntry(0), 'destroy');
    await until(clock, () => b.svc.snapshot().externalEntries === 49);
    assert.equal(b.kernel.table.size, 0, 'a backup keeps the external cache out of its kernel');

    const r = await b.svc.becomeMaster();
    assert.equal(r.committed, 49);
    assert.equal(b.kernel.table.size, 49, 'every entry is in the kernel when becomeMaster resolves');
    await a.svc.becomeBackup();
    assert.deepEqual(a.kernel.log, ['commit 0'], 'no purge before the new master confirms');
    // b's CONFIRM is still in flight (delivered on a later turn): a ages out what it owned once it lands,
    // then rebuilds its external cache from b's bulk.
    await until(clock, () => a.kernel.log.some((l) => l.startsWith('purge')), 4000);
    await until(clock, () => a.svc.resyncComplete() && a.svc.snapshot().externalEntries === 49);
    const snap = b.svc.snapshot();
    assert.equal(snap.role, 'master');
    assert.equal(snap.lastCommit?.created, 49);
  });

  it('a node with the wrong key learns nothing and its messages are dropped as bad-mac', async () => {
    const seg = new MemorySegment();
    const clock = new VirtualClock();
    const a = node(seg, '10.2.0.1', clock);
    const evil = node(seg, '10.2.0.66', clock, Buffer.alloc(32, 1));
    stops.push(() => a.svc.stop(), () => evil.svc.stop());
    for (let i = 0; i < 5; i++) a.kernel.traffic(tcpEntry(i));
    for (let i = 100; i < 105; i++) evil.kernel.traffic(tcpEntry(i));
    await a.svc.start();
    await evil.svc.start();
    await evil.svc.becomeMaster();
    await a.svc.becomeMaster();
    await clock.advanceAsync(300); // six keep-alive intervals: any bulk a peer would accept has been sent
    assert.equal(evil.svc.snapshot().externalEntries, 0);
    assert.equal(a.svc.snapshot().externalEntries, 0);
    assert.ok((a.svc.snapshot().drops['bad-mac'] ?? 0) > 0);
  });

  it('applies a large kernel dump in slices: the event loop keeps turning while 20,000 entries are loaded', async () => {
    const seg = new MemorySegment();
    const clock = new VirtualClock();
    const a = node(seg, '10.2.0.1', clock);
    stops.push(() => a.svc.stop());
    for (let i = 0; i < 20_000; i++) a.kernel.table.set(`k${i}`, tcpEntry(i));
    let turns = 0;
    let done = false;
    const spin = (): void => {
      if (done) return;
      turns++;
      setImmediate(spin);
    };
    setImmediate(spin);
    await a.svc.start();
    done = true;
    assert.equal(a.svc.snapshot().internalEntries, 20_000);
    assert.ok(turns >= 5, `other callbacks ran ${turns} times while the dump was applied`);
  });

  it('takeover adopts the external cache and streams it in a stepped bulk to a joining backup', async () => {
    const seg = new MemorySegment();
    const clock = new VirtualClock();
    const a = node(seg, '10.2.0.1', clock);
    const b = node(seg, '10.2.0.2', clock);
    stops.push(() => a.svc.stop(), () => b.svc.stop());
    for (let i = 0; i < 20_000; i++) a.kernel.traffic(tcpEntry(i));
    await a.svc.start();
    await a.svc.becomeMaster();
    await b.svc.start();
    await until(clock, () => b.svc.resyncComplete() && b.svc.snapshot().externalEntries === 20_000, 10_000);
    const r = await b.svc.becomeMaster();
    assert.equal(r.committed, 20_000);
    const snap = b.svc.snapshot();
    assert.equal(snap.internalEntries, 20_000, 'the external cache became the internal one');
    assert.equal(snap.externalEntries, 0);
  });

  it('a demoted master that hears no CONFIRM ages out what it owned exactly at confirmTimeoutMs', async () => {
    const seg = new MemorySegment();
    const clock = new VirtualClock();
    const a = node(seg, '10.2.0.1', clock);
    stops.push(() => a.svc.stop());
    for (let i = 0; i < 3; i++) a.kernel.traffic(tcpEntry(i));
    await a.svc.start();
    await a.svc.becomeMaster();
    await a.svc.becomeBackup();
    await clock.advanceAsync(1999);
    assert.ok(!a.kernel.log.some((l) => l.startsWith('purge')), 'no purge before the deadline');
    await clock.advanceAsync(1);
    assert.ok(a.kernel.log.some((l) => l.startsWith('purge')), a.kernel.log.join(','));
  });

  it('awaitResync: in-sync when a bulk from the master completes after the call, timeout at its own deadline', async () => {
    const seg = new MemorySegment();
    const clock = new VirtualClock();
    const lone = node(seg, '10.2.0.9', clock);
    stops.push(() => lone.svc.stop());
    let lonely: string | null = null;
    void lone.svc.awaitResync(100).then((r) => (lonely = r));
    await clock.advanceAsync(99);
    assert.equal(lonely, null, 'still waiting 1 ms before its deadline');
    await clock.advanceAsync(1);
    assert.equal(lonely, 'timeout');

    const a = node(seg, '10.2.0.1', clock);
    const b = node(seg, '10.2.0.2', clock);
    stops.push(() => a.svc.stop(), () => b.svc.stop());
    for (let i = 0; i < 5; i++) a.kernel.traffic(tcpEntry(i));
    await a.svc.start();
    await a.svc.becomeMaster();
    let joined: string | null = null;
    void b.svc.awaitResync(60_000).then((r) => (joined = r));
    await b.svc.start();
    await until(clock, () => joined !== null);
    assert.equal(joined, 'in-sync');
    assert.equal(b.svc.snapshot().externalEntries, 5);
  });
});
