import assert from 'node:assert/strict';
import { diags, load } from './helpers.js';

describe('config/vrrp_script and track_file', () => {
  it('reads vrrp_script with defaults', () => {
    const r = load('vrrp_script a {\n script "/usr/bin/check a b"\n}\nvrrp_script b {\n script /bin/b\n interval 2\n timeout 1.5\n weight -20 reverse\n rise 3\n fall 2\n user nobody\n init_fail\n}\n');
    assert.deepEqual(diags(r), ['1 warning nothing to run: no vrrp_instance or virtual_server in this file or its includes']);
    const [a, b] = r.config!.scripts;
    assert.deepEqual(a!.script.argv, ['/usr/bin/check', 'a', 'b']);
    assert.deepEqual([a!.intervalMs, a!.timeoutMs, a!.weight, a!.rise, a!.fall, a!.initFail], [1000, 1000, 0, 1, 1, false]);
    assert.deepEqual([b!.intervalMs, b!.timeoutMs, b!.weight, b!.weightReverse, b!.rise, b!.fall, b!.user?.user, b!.initFail], [2000, 1500, -20, true, 3, 2, 'nobody', true]);
  });
  it('reports a script without script and a weight out of range', () => {
    const r = load('vrrp_script a {\n interval 1\n}\nvrrp_script b {\n script /bin/b\n weight 300\n}\n');
    assert.deepEqual(diags(r), ['1 error vrrp_script a: no script given', "6 error weight: number '300' outside range [-253, 253]"]);
  });
  it('reads track_file (and the deprecated vrrp_track_file) resolving the path against the config folder', () => {
    const r = load('track_file t {\n file run/t.state\n weight -5 reverse\n init_file 3 overwrite\n}\nvrrp_track_file u {\n file /abs/u\n}\n');
    const [t, u] = r.config!.trackFiles;
    assert.deepEqual([t!.path, t!.weight, t!.weightReverse, t!.initFile], ['/etc/keepalived/run/t.state', -5, true, { value: 3, overwrite: true }]);
    assert.deepEqual([u!.path, u!.weight], ['/abs/u', 1]);
  });
  it('reads sync_group_tracking_weight (off by default, as keepalived)', () => {
    const inst = (n: string, id: number) => `vrrp_instance ${n} {\n interface eth0\n virtual_router_id ${id}\n virtual_ipaddress {\n  10.1.0.${id}/24\n }\n}\n`;
    const group = (extra: string) => `vrrp_sync_group G {\n group {\n  A\n  B\n }\n${extra}}\n`;
    const off = load(group('') + inst('A', 1) + inst('B', 2));
    const on = load(group(' sync_group_tracking_weight\n') + inst('A', 1) + inst('B', 2));
    assert.equal(off.config!.syncGroups[0]!.trackingWeight, false);
    assert.equal(on.config!.syncGroups[0]!.trackingWeight, true);
  });
});
