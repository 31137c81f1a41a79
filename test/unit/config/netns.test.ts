// net_namespace and its two companions, as keepalived 2.2.7 reads them (global_parser.c:1576-1619, 2272-2274):
// top-level keywords, the first net_namespace wins.
import assert from 'node:assert/strict';
import { isNetnsName } from '../../../src/config/keywords/global.js';
import { diags, errors, instance, load } from './helpers.js';

describe('config/net_namespace', () => {
  it('takes the namespace name from the top level', () => {
    const r = load('net_namespace blue\n' + instance(''));
    assert.deepEqual(diags(r), []);
    assert.equal(r.config!.global.netNamespace, 'blue');
  });

  it('is null when absent', () => {
    assert.equal(load(instance('')).config!.global.netNamespace, null);
  });

  it('keeps the first of two and warns at the second (keepalived: "Duplicate net_namespace definition")', () => {
    const r = load('net_namespace blue\nnet_namespace red\n' + instance(''));
    assert.equal(r.config!.global.netNamespace, 'blue');
    assert.deepEqual(diags(r), ['2 warning Duplicate net_namespace definition red - ignoring (keeping blue)']);
  });

  it('refuses a missing name and names ip netns would refuse', () => {
    for (const bad of ['net_namespace', 'net_namespace a/b', 'net_namespace ..']) {
      const r = load(`${bad}\n` + instance(''));
      assert.equal(r.config, null, bad);
      assert.equal(errors(r).length, 1, bad);
      assert.equal(errors(r)[0]!.line, 1);
    }
  });

  it('refuses net_namespace inside global_defs, where keepalived would ignore it and run in the wrong namespace', () => {
    const r = load('global_defs {\n  net_namespace blue\n}\n' + instance(''));
    assert.equal(r.config, null);
    assert.match(errors(r)[0]!.message, /top level/);
    assert.equal(errors(r)[0]!.line, 2);
  });

  it('refuses net_namespace_ipvs (IPVS would be programmed elsewhere) and accepts namespace_with_ipsets with a reason', () => {
    const r = load('net_namespace_ipvs\nnet_namespace_ipvs lvs\nnamespace_with_ipsets\n' + instance(''));
    assert.equal(r.config, null);
    const w = diags(r);
    assert.equal(w.length, 3);
    assert.match(w[0]!, /^1 error net_namespace_ipvs puts IPVS in another namespace/);
    assert.match(w[1]!, /^2 error net_namespace_ipvs/);
    assert.match(w[2]!, /^3 warning 'namespace_with_ipsets' is accepted and ignored: vipd installs no ipsets/);
  });

  it('follows @conditionals: keepalived.conf.conditional_conf picks its namespace by --config-id', () => {
    const text = '@high net_namespace high\n@low net_namespace low\n' + instance('');
    assert.equal(load(text, { configId: 'high' }).config!.global.netNamespace, 'high');
    assert.equal(load(text, { configId: 'low' }).config!.global.netNamespace, 'low');
    assert.equal(load(text, { configId: 'other' }).config!.global.netNamespace, null);
  });

  it('isNetnsName follows iproute2', () => {
    assert.equal(isNetnsName('vip-1.a_b'), true);
    assert.equal(isNetnsName(''), false);
    assert.equal(isNetnsName('.'), false);
    assert.equal(isNetnsName('x/y'), false);
    assert.equal(isNetnsName('n'.repeat(256)), false);
  });
});
