import assert from 'node:assert/strict';
import { instanceParams, maxAdvertisedVips, validationView } from '../../../src/daemon/instanceParams.js';
import type { VrrpInstanceConfig } from '../../../src/config/types.js';
import { load } from '../config/helpers.js';

function instance(vips: string[], version: 2 | 3 = 2): VrrpInstanceConfig {
  const r = load(
    `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n version ${version}\n virtual_ipaddress {\n${vips.map((v) => `  ${v}`).join('\n')}\n }\n}\n`,
  );
  assert.ok(r.config, r.diagnostics.map((d) => d.message).join('\n'));
  return r.config.instances[0]!;
}

describe('daemon/instanceParams', () => {
  it('advertises at most what fits the MTU and 255; the rest become excluded VIPs (keepalived vrrp.c:3490-3534)', () => {
    const many = Array.from({ length: 300 }, (_, i) => `10.${Math.floor(i / 250) + 1}.${i % 250}.1/32`);
    const c = instance(many);
    assert.equal(maxAdvertisedVips(c, 1500), 255); // (1500 - 20 - 8 - 8) / 4 = 366, capped by the count byte
    assert.equal(maxAdvertisedVips(c, 576), 135); // (576 - 36) / 4
    const p = instanceParams(c, '10.1.0.1', false, 576);
    assert.equal(p.vips.length, 135);
    assert.equal(p.excludedVips.length, 165);
    assert.equal(validationView(c, 576).vips.length, 135, 'we expect peers to advertise the same list');
    const v6 = instance(Array.from({ length: 120 }, (_, i) => `fd00::${(i + 1).toString(16)}/64`), 3);
    assert.equal(maxAdvertisedVips(v6, 1500), 90); // (1500 - 40 - 8) / 16
  });
});
