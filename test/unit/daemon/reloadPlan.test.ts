import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/index.js';
import type { Config } from '../../../src/config/types.js';
import { planReload } from '../../../src/daemon/reloadPlan.js';

function conf(text: string): Config {
  const files: Record<string, string> = { '/etc/vipd/test.conf': text };
  const { config, diagnostics } = loadConfig('/etc/vipd/test.conf', {
    readFile: (p) => {
      const t = files[p];
      if (t === undefined) throw new Error(`ENOENT ${p}`);
      return t;
    },
  });
  assert.ok(config, diagnostics.map((d) => d.message).join('\n'));
  return config;
}

const instance = (name: string, vrid: number, body = '', vips = ['10.1.0.100/24']) => `
vrrp_instance ${name} {
  interface eth0
  virtual_router_id ${vrid}
  priority 100
  ${body}
  virtual_ipaddress {
    ${vips.join('\n    ')}
  }
}
`;

describe('daemon/reloadPlan', () => {
  it('leaves an identical instance alone, even when its lines moved', () => {
    const plan = planReload(conf(instance('VI_1', 51)), conf('\n\n! moved\n' + instance('VI_1', 51)));
    assert.deepEqual(plan.unchanged, ['VI_1']);
    assert.deepEqual([...plan.add, ...plan.remove, ...plan.restart, ...plan.reconfigure], []);
  });

  it('changes VIPs and priority in place, without a restart', () => {
    const plan = planReload(
      conf(instance('VI_1', 51)),
      conf(instance('VI_1', 51, '', ['10.1.0.100/24', '10.1.0.101/24']).replace('priority 100', 'priority 120')),
    );
    assert.deepEqual(plan.reconfigure, ['VI_1']);
    assert.deepEqual(plan.restart, []);
  });

  it('restarts an instance whose virtual router changes identity (VRID)', () => {
    const plan = planReload(conf(instance('VI_1', 51)), conf(instance('VI_1', 52)));
    assert.deepEqual(plan.restart, ['VI_1']);
  });

  it('adds and removes instances by name', () => {
    const plan = planReload(conf(instance('VI_1', 51) + instance('VI_2', 52, '', ['10.1.0.102/24'])), conf(instance('VI_1', 51) + instance('VI_3', 53, '', ['10.1.0.103/24'])));
    assert.deepEqual(plan.add, ['VI_3']);
    assert.deepEqual(plan.remove, ['VI_2']);
    assert.deepEqual(plan.unchanged, ['VI_1']);
  });

  it('restarts a whole sync group when one of its members is added', () => {
    const group = (members: string[]) => `vrrp_sync_group G {\n  group {\n    ${members.join('\n    ')}\n  }\n}\n`;
    const a = instance('VI_1', 51) + instance('VI_2', 52, '', ['10.1.0.102/24']);
    const b = a + instance('VI_3', 53, '', ['10.1.0.103/24']);
    const plan = planReload(conf(group(['VI_1', 'VI_2']) + a), conf(group(['VI_1', 'VI_2', 'VI_3']) + b));
    assert.deepEqual(plan.add, ['VI_3']);
    assert.deepEqual([...plan.restart].sort(), ['VI_1', 'VI_2']);
  });
});
