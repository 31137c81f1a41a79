import assert from 'node:assert/strict';
import { planBindings } from '../../../src/track/bindings.js';
import { parse } from './helpers.js';

const scripts = `
vrrp_script chk_w {
    script "/bin/true"
    weight -20
}
vrrp_script chk_0 {
    script "/bin/true"
}
track_file tf {
    file /run/tf
}
track_file tf5 {
    file /run/tf5
    weight 5
}
`;

function inst(name: string, vrid: number, body: string, prio = 100): string {
  return `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n priority ${prio}\n virtual_ipaddress {\n  10.1.0.${vrid}/24\n }\n${body}\n}\n`;
}

const show = (cfgText: string) => {
  const plan = planBindings(parse(cfgText));
  return { b: plan.bindings.map((b) => `${b.instance} ${b.reason} ${b.weight}${b.reverse ? ' reverse' : ''}`), w: plan.warnings };
};

describe('track/bindings (which trackers act on which instance)', () => {
  it("uses the tracked object's weight unless the reference overrides it", () => {
    const r = show(scripts + inst('VI_1', 1, ' track_script {\n  chk_w\n  chk_0 weight 15 reverse\n }\n track_interface {\n  eth1 weight -10\n  eth2\n }\n track_file {\n  tf\n }'));
    assert.deepEqual(r.b.sort(), [
      'VI_1 track_file tf 1',
      'VI_1 track_interface eth1 -10',
      'VI_1 track_interface eth2 0',
      'VI_1 track_script chk_0 15 reverse',
      'VI_1 track_script chk_w -20',
    ]);
    assert.deepEqual(r.w, []);
  });

  it('an owner (255) drops weighted trackers and makes a default-weight track file unweighted', () => {
    const r = show(scripts + inst('VI_1', 1, ' state MASTER\n track_script {\n  chk_w\n  chk_0\n }\n track_interface {\n  eth1 weight -10\n }\n track_file {\n  tf\n  tf5\n }', 255));
    assert.deepEqual(r.b.sort(), ['VI_1 track_file tf 0', 'VI_1 track_script chk_0 0']);
    assert.equal(r.w.length, 4);
    assert.ok(r.w.every((w) => w.includes('address owner')), r.w.join('\n'));
  });

  it('sync-group members: own weighted scripts dropped, interfaces unweighted; group trackers reach every member', () => {
    const text =
      scripts +
      inst('VI_1', 1, ' track_script {\n  chk_w\n }\n track_interface {\n  eth1 weight -10\n }') +
      inst('VI_2', 2, '') +
      'vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n track_script {\n  chk_0\n }\n}\n';
    const r = show(text);
    assert.deepEqual(r.b.sort(), ['VI_1 track_interface eth1 0', 'VI_1 track_script chk_0 0', 'VI_2 track_script chk_0 0']);
    assert.ok(r.w.some((w) => /\(VI_1\) ignoring track_script chk_w with weight -20 due to SYNC group/.test(w)), r.w.join('\n'));
  });

  it("a tracker on both the instance and its group takes the group's weight unless the instance's is 0", () => {
    const text =
      scripts +
      inst('VI_1', 1, ' track_file {\n  tf\n }') +
      inst('VI_2', 2, '') +
      'vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n track_file {\n  tf5\n  tf weight 7\n }\n}\n';
    const r = show(text);
    // VI_1's own tf became weight 0 (sync group rule), so it stays 0 (unweighted wins).
    assert.deepEqual(r.b.sort(), ['VI_1 track_file tf 0', 'VI_1 track_file tf5 5', 'VI_2 track_file tf 7', 'VI_2 track_file tf5 5']);
  });
});
