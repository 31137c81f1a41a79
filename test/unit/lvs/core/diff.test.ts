// diffTables and applyOps on hand-built tables (lvs.md §9.6: minimal, ordered, never outside the owned set).
import assert from 'node:assert/strict';
import { diffTables } from '../../../../src/lvs/core/diff.js';
import type { DestSpec, LvsTable, ServiceSpec } from '../../../../src/lvs/model.js';
import { applyOps } from '../../../../src/lvs/tableOps.js';
import { opText } from './fixtures.js';

const web: ServiceSpec = { family: 'inet', protocol: 'tcp', address: '10.1.0.100', port: 80, scheduler: 'wrr', flags: 0, timeoutS: 0, netmaskBits: 32 };
const dns: ServiceSpec = { family: 'inet', protocol: 'udp', address: '10.1.0.100', port: 53, scheduler: 'rr', flags: 0, timeoutS: 0, netmaskBits: 32 };
const foreign: ServiceSpec = { family: 'inet', fwmark: 7, scheduler: 'rr', flags: 0, timeoutS: 0, netmaskBits: 32 };
const d = (a: string, weight: number, o: Partial<DestSpec> = {}): DestSpec => ({ address: a, port: 80, forward: 'masq', weight, upperThreshold: 0, lowerThreshold: 0, ...o });
const owned = new Set(['tcp:10.1.0.100:80', 'udp:10.1.0.100:53']);
const texts = (desired: LvsTable, actual: LvsTable): string[] => diffTables(desired, actual, owned).map(opText);

describe('lvs core: diffTables (lvs.md §9.6)', () => {
  it('an identical table gives no operation (adopted at start without a flap)', () => {
    const t: LvsTable = { services: [{ spec: web, dests: [d('10.2.0.11', 3), d('10.2.0.12', 1)] }] };
    assert.deepEqual(texts(t, { services: [{ spec: { ...web }, dests: [d('10.2.0.12', 1), d('10.2.0.11', 3)] }] }), []);
  });

  it('a missing service is added before its dests', () => {
    const t: LvsTable = { services: [{ spec: web, dests: [d('10.2.0.11', 3), d('10.2.0.12', 1)] }] };
    assert.deepEqual(texts(t, { services: [] }), ['addService tcp:10.1.0.100:80 wrr', 'addDest tcp:10.1.0.100:80 10.2.0.11:80 w3', 'addDest tcp:10.1.0.100:80 10.2.0.12:80 w1']);
  });

  it('scheduler, flags, timeout, netmask or PE differences give one editService each time (lvs.md §2.7)', () => {
    for (const change of [{ scheduler: 'rr' }, { flags: 1 }, { timeoutS: 360 }, { netmaskBits: 24 }, { peName: 'sip' }]) {
      const ops = diffTables({ services: [{ spec: { ...web, ...change }, dests: [] }] }, { services: [{ spec: web, dests: [] }] }, owned);
      assert.equal(ops.length, 1, JSON.stringify(change));
      assert.equal(ops[0]!.op, 'editService');
    }
  });

  it('dests: delete first, then edits that lower a weight, then edits that raise one, then adds', () => {
    const actual: LvsTable = { services: [{ spec: web, dests: [d('10.2.0.9', 1), d('10.2.0.11', 3), d('10.2.0.12', 0)] }] };
    const desired: LvsTable = { services: [{ spec: web, dests: [d('10.2.0.12', 2), d('10.2.0.11', 0), d('10.2.0.13', 1)] }] };
    assert.deepEqual(texts(desired, actual), [
      'delDest tcp:10.1.0.100:80 10.2.0.9:80',
      'editDest tcp:10.1.0.100:80 10.2.0.11:80 w0',
      'editDest tcp:10.1.0.100:80 10.2.0.12:80 w2',
      'addDest tcp:10.1.0.100:80 10.2.0.13:80 w1',
    ]);
  });

  it('method, thresholds and tunnel differences edit a dest; an equal tunnel does not', () => {
    const tun = (port: number): DestSpec => d('10.2.0.11', 1, { forward: 'tunnel', tunnel: { type: 'gue', port, flags: 0 } });
    const one = (x: DestSpec): LvsTable => ({ services: [{ spec: web, dests: [x] }] });
    assert.equal(texts(one(d('10.2.0.11', 1, { forward: 'route' })), one(d('10.2.0.11', 1))).length, 1);
    assert.equal(texts(one(d('10.2.0.11', 1, { upperThreshold: 10 })), one(d('10.2.0.11', 1))).length, 1);
    assert.equal(texts(one(tun(6080)), one(tun(6081))).length, 1);
    assert.deepEqual(texts(one(tun(6080)), one(tun(6080))), []);
  });

  it('an owned service no longer desired is deleted whole, after the other changes; a foreign one is never touched', () => {
    const actual: LvsTable = { services: [{ spec: dns, dests: [d('10.2.0.11', 1)] }, { spec: foreign, dests: [d('10.9.0.1', 1)] }, { spec: web, dests: [] }] };
    const desired: LvsTable = { services: [{ spec: web, dests: [d('10.2.0.11', 1)] }] };
    assert.deepEqual(texts(desired, actual), ['addDest tcp:10.1.0.100:80 10.2.0.11:80 w1', 'delService udp:10.1.0.100:53']);
  });
});

describe('lvs core: applyOps (the in-memory data plane)', () => {
  it('applying the diff makes the actual table equal to the desired one (a second diff is empty)', () => {
    const actual: LvsTable = { services: [{ spec: dns, dests: [d('10.2.0.11', 1)] }, { spec: web, dests: [d('10.2.0.9', 1), d('10.2.0.11', 3)] }] };
    const desired: LvsTable = { services: [{ spec: { ...web, scheduler: 'rr' }, dests: [d('10.2.0.11', 1), d('10.2.0.13', 2)] }] };
    const after = applyOps(actual, diffTables(desired, actual, owned));
    assert.deepEqual(diffTables(desired, after, owned), []);
    assert.deepEqual(after.services.map((s) => s.spec.scheduler), ['rr']);
  });

  it('keeps the kernel tolerances: add of a present entry changes nothing, delete of an absent one is a no-op, editDest of an absent dest adds it, dest ops on an absent service are dropped', () => {
    const t: LvsTable = { services: [{ spec: web, dests: [d('10.2.0.11', 3)] }] };
    const after = applyOps(t, [
      { op: 'addService', service: { ...web, scheduler: 'rr' } },
      { op: 'addDest', service: web, dest: d('10.2.0.11', 9) },
      { op: 'delDest', service: web, dest: { address: '10.2.0.99', port: 80 } },
      { op: 'editDest', service: web, dest: d('10.2.0.12', 2) },
      { op: 'addDest', service: dns, dest: d('10.2.0.11', 1) },
      { op: 'delService', service: dns },
    ]);
    assert.deepEqual(after, { services: [{ spec: web, dests: [d('10.2.0.11', 3), d('10.2.0.12', 2)] }] });
  });

  it('delService drops the dests with the service', () => {
    const t: LvsTable = { services: [{ spec: web, dests: [d('10.2.0.11', 3)] }] };
    assert.deepEqual(applyOps(t, [{ op: 'delService', service: web }]), { services: [] });
  });
});
