// --strict turns what keepalived only warns about into errors (issue 13): an include that matches nothing,
// and a configuration with nothing to run ("Warning - keepalived has no configuration to run", main.c).
import assert from 'node:assert/strict';
import { diags, instance, load, MAIN } from './helpers.js';

const NOTHING = 'nothing to run: no vrrp_instance or virtual_server in this file or its includes';

describe('config/strict: empty includes and nothing to run', () => {
  const onlyEmptyInclude = 'global_defs {\n router_id d1\n}\ninclude /etc/keepalived/conf.d/*.conf\n';

  it('without --strict: an include that matches nothing and an empty result are warnings (keepalived runs it)', () => {
    const r = load(onlyEmptyInclude);
    assert.deepEqual(diags(r), [
      `1 warning ${NOTHING}`,
      "4 warning include '/etc/keepalived/conf.d/*.conf': no matching file",
    ]);
    assert.ok(r.config, 'config still loads');
    assert.equal(r.config.instances.length, 0);
  });

  it('with --strict: both are errors with file:line, and the config is refused', () => {
    const r = load(onlyEmptyInclude, { strict: true });
    assert.deepEqual(
      r.diagnostics.map((d) => `${d.file}:${d.line} ${d.severity} ${d.message}`),
      [`${MAIN}:1 error ${NOTHING}`, `${MAIN}:4 error include '/etc/keepalived/conf.d/*.conf': no matching file`],
    );
    assert.equal(r.config, null);
  });

  it('says nothing about "nothing to run" in a file refused for its own errors (a broken vrrp_instance)', () => {
    const r = load('vrrp_instance VI_1\n interface eth0\n', { strict: true });
    assert.ok(r.diagnostics.some((d) => d.severity === 'error'));
    assert.equal(r.diagnostics.filter((d) => d.message.startsWith('nothing to run')).length, 0, diags(r).join('\n'));
  });

  it('with --strict: a file with no vrrp_instance and no include is an error at its first line', () => {
    const r = load('global_defs {\n router_id d1\n}\n', { strict: true });
    assert.deepEqual(diags(r), [`1 error ${NOTHING}`]);
    assert.equal(r.diagnostics[0]!.file, MAIN);
    assert.equal(r.config, null);
  });

  it('counts a virtual_server as something to run (an LVS-only file is clean, even with --strict)', () => {
    const r = load('virtual_server 10.1.0.100 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 10.1.1.1 80 {\n }\n}\n', { strict: true });
    assert.deepEqual(diags(r), []);
    assert.equal(r.config?.virtualServers.length, 1);
  });

  it('with --strict: an empty include beside a real instance is still an error at its own line', () => {
    const r = load(`include /nowhere/*.conf\n${instance('')}`, { strict: true });
    assert.deepEqual(diags(r), ["1 error include '/nowhere/*.conf': no matching file"]);
    assert.equal(r.config, null);
  });

  it('with --strict: an include that finds the instances is clean', () => {
    const r = load('include conf.d/*.conf\n', { strict: true }, { '/etc/keepalived/conf.d/vi1.conf': instance('') });
    assert.deepEqual(diags(r), []);
    assert.equal(r.config?.instances.length, 1);
  });
});
