// The committed fixtures (test/fixtures/config) load from disk with the values the pair lab needs.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/config/index.js';

// dist/test/unit/config → repo root
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const FIX = path.join(ROOT, 'test/fixtures/config');

function ok(name: string, configId?: string) {
  const r = loadConfig(path.join(FIX, name), { configId: configId ?? 'none', strict: true });
  assert.deepEqual(r.diagnostics, [], `${name}: ${JSON.stringify(r.diagnostics)}`);
  assert.ok(r.config);
  return r.config;
}

describe('config/fixtures (pair lab: VRID 51, VIP 10.1.0.100/24 on eth0)', () => {
  for (const [file, state, prio] of [['d1.conf', 'MASTER', 150], ['d2.conf', 'BACKUP', 100]] as const) {
    it(`${file}: v2 multicast, ${state} ${prio}`, () => {
      const i = ok(file).instances[0]!;
      assert.deepEqual([i.vrid, i.interface, i.initialState, i.priority, i.version, i.advertIntMs], [51, 'eth0', state, prio, 2, 1000]);
      assert.deepEqual(i.vips.map((v) => `${v.address}/${v.prefixLength} ${v.dev}`), ['10.1.0.100/24 eth0']);
    });
  }
  it('d1-pass / d2-pass: PASS authentication', () => {
    for (const f of ['d1-pass.conf', 'd2-pass.conf']) assert.deepEqual(ok(f).instances[0]!.auth, { type: 'PASS', password: 'vipdlab1' });
  });
  it('d1-v3 / d2-v3: VRRPv3 at 10 ms', () => {
    for (const f of ['d1-v3.conf', 'd2-v3.conf']) {
      const i = ok(f).instances[0]!;
      assert.deepEqual([i.version, i.advertIntMs], [3, 10]);
    }
  });
  it('d1-unicast / d2-unicast: each peers with the other', () => {
    const a = ok('d1-unicast.conf').instances[0]!;
    const b = ok('d2-unicast.conf').instances[0]!;
    assert.deepEqual([a.unicastSrcIp, a.unicastPeers.map((p) => p.address)], ['10.1.0.1', ['10.1.0.2']]);
    assert.deepEqual([b.unicastSrcIp, b.unicastPeers.map((p) => p.address)], ['10.1.0.2', ['10.1.0.1']]);
  });
  it('pair-conditional: one file, two directors by --config-id', () => {
    const d1 = ok('pair-conditional.conf', 'd1');
    const d2 = ok('pair-conditional.conf', 'd2');
    assert.deepEqual([d1.global.routerId, d1.instances[0]!.priority, d1.instances[0]!.initialState, d1.instances[0]!.unicastPeers.map((p) => p.address)], ['d1', 150, 'MASTER', ['10.1.0.2']]);
    assert.deepEqual([d2.global.routerId, d2.instances[0]!.priority, d2.instances[0]!.initialState, d2.instances[0]!.unicastPeers.map((p) => p.address)], ['d2', 100, 'BACKUP', ['10.1.0.1']]);
    assert.equal(d1.instances[0]!.vips[0]!.address, '10.1.0.100');
  });
  it('conntrack/d1: include + sync group + vipd_conntrack_sync with key_file beside the config', () => {
    const c = ok('conntrack/d1.conf');
    assert.deepEqual(c.syncGroups[0]!.members, ['VI_OUT', 'VI_IN']);
    const s = c.conntrackSync[0]!;
    assert.equal(s.keyFile, path.join(FIX, 'conntrack/sync.key'));
    assert.deepEqual(s.follow, { kind: 'group', name: 'G1' });
    assert.equal(s.filterDefault, 'ignore');
  });
  it('the loaded config is frozen', () => {
    const c = ok('d1.conf');
    assert.throws(() => {
      (c.instances[0] as { priority: number }).priority = 1;
    }, TypeError);
  });
});
