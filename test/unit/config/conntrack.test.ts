import assert from 'node:assert/strict';
import { diags, errors, instance, load } from './helpers.js';

const block = (body: string) => `vipd_conntrack_sync lan {\n${body}\n}\n`;

describe('config/vipd_conntrack_sync', () => {
  it('reads every key, resolves key_file against the config folder, applies defaults', () => {
    const r = load(instance('') + block(' interface eth1\n key_file keys/sync.key\n follow_instance VI_1\n filter {\n  ignore protocol tcp port 22\n  accept address 10.1.0.0/24 port 80-90\n }'));
    assert.deepEqual(diags(r), []);
    const c = r.config!.conntrackSync[0]!;
    assert.equal(c.name, 'lan');
    assert.equal(c.interface, 'eth1');
    assert.equal(c.keyFile, '/etc/keepalived/keys/sync.key');
    assert.equal(c.mcastGroup, '225.0.0.51');
    assert.equal(c.port, 3781);
    assert.deepEqual(c.peers, []);
    assert.deepEqual(c.follow, { kind: 'instance', name: 'VI_1' });
    assert.equal(c.resyncTimeoutMs, 5000);
    assert.equal(c.filterDefault, 'accept');
    assert.deepEqual(c.filters.map(({ source: _s, ...f }) => f), [
      { action: 'ignore', address: null, portMin: 22, portMax: 22, protocol: 'tcp' },
      { action: 'accept', address: { network: '10.1.0.0', prefixLength: 24, family: 'inet' }, portMin: 80, portMax: 90, protocol: null },
    ]);
  });
  it('uses unicast peers instead of a group', () => {
    const r = load(instance('') + block(' interface eth1\n peer 10.2.0.2\n peer 10.2.0.3\n port 4000\n key_file /k\n follow_instance VI_1\n resync_timeout 2.5\n ttl 2'));
    const c = r.config!.conntrackSync[0]!;
    assert.deepEqual([c.mcastGroup, c.peers, c.port, c.resyncTimeoutMs, c.ttl], [null, ['10.2.0.2', '10.2.0.3'], 4000, 2500, 2]);
  });
  it('reports missing keys, unknown follow targets and bad filter rules with lines', () => {
    const r = load(instance('') + block(' filter {\n  include address 10.0.0.0/8\n  ignore port 0\n }'));
    assert.equal(r.config, null);
    assert.deepEqual(errors(r).map((d) => `${d.line} ${d.message}`), [
      '9 vipd_conntrack_sync lan: interface is required',
      '9 vipd_conntrack_sync lan: key_file is required',
      '9 vipd_conntrack_sync lan: follow_instance or follow_group is required',
      "12 filter: invalid port or port range '0'",
    ]);
    // `include …` is keepalived's file include at any depth, which is why the rule verbs are accept/ignore.
    assert.match(diags(r).find((d) => d.startsWith('11 '))!, /^11 warning include 'address 10\.0\.0\.0\/8': no matching file/);
    const f = load(instance('') + block(' interface eth1\n key_file /k\n follow_group NOPE'));
    assert.deepEqual(errors(f).map((d) => `${d.line} ${d.message}`), ['9 vipd_conntrack_sync lan: follow_group NOPE is not a vrrp_sync_group']);
  });
  it('refuses mcast_group together with peers', () => {
    const r = load(instance('') + block(' interface eth1\n mcast_group 239.1.1.1\n peer 10.2.0.2\n key_file /k\n follow_instance VI_1'));
    assert.deepEqual(errors(r).map((d) => d.message), ['vipd_conntrack_sync lan: give either mcast_group or peer lines, not both']);
  });
});
