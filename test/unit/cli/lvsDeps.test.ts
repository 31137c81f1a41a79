// The LVS engine is imported when a configuration first has a virtual_server (resident set, issue 12): not at a
// VRRP-only start, not at a VRRP-only reload; once at the reload that adds one; never used before it is loaded.
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { Config } from '../../../src/config/types.js';
import type { VirtualServerConfig } from '../../../src/config/lvsTypes.js';
import { lazyLvsDeps } from '../../../src/cli/lvsDeps.js';
import type { LvsEngine } from '../../../src/cli/lvsEngine.js';
import { LvsPlugin } from '../../../src/lvs/shell/lvsPlugin.js';
import { DEFAULT_LVS_GLOBAL } from '../../../src/lvs/shell/lvsConfig.js';
import { VipdError } from '../../../src/errors/vipdError.js';
import { fakeControl, parse } from '../track/helpers.js';
import { MemoryDataPlane } from '../lvs/memoryDataPlane.js';
import { FakeProbes, SimpleCore, rs, vs } from '../lvs/shell/fakes.js';

const BASE = parse('vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.1.0.100/24\n }\n}\n');
const withLvs = (virtualServers: VirtualServerConfig[]): Config =>
  ({ ...BASE, virtualServers, lvs: { ...DEFAULT_LVS_GLOBAL } }) as unknown as Config;

function fakeEngine(): { engine: LvsEngine; opened: () => number } {
  let opened = 0;
  const probes = new FakeProbes();
  return {
    opened: () => opened,
    engine: {
      createCore: (cfg) => new SimpleCore(cfg),
      probes: probes.factory,
      openPlane: async () => (opened++, new MemoryDataPlane('ipvs')),
      syncDaemon: () => ({ start: () => undefined, onInstanceState: () => undefined, stop: () => undefined }),
    },
  };
}

describe('cli/lvsDeps: the LVS engine on first use', () => {
  it('is not imported for a VRRP-only start or reload, and imported once when a reload adds a virtual server', async () => {
    const { engine, opened } = fakeEngine();
    let imports = 0;
    const deps = lazyLvsDeps(async () => (imports++, engine));
    const plugin = new LvsPlugin(BASE, deps);
    plugin.registerMetrics(new Registry());
    const ctl = fakeControl(BASE);
    await plugin.start(ctl);
    await plugin.reload(BASE, { started: [], removed: [] });
    assert.equal(imports, 0, 'a VRRP-only director never imports the engine');
    const web = withLvs([vs('10.1.0.100', 80, [rs('10.2.0.11', 80, 1)])]);
    await plugin.reload(web, { started: [], removed: [] });
    await plugin.reload(web, { started: [], removed: [] });
    assert.equal(imports, 1);
    assert.equal(opened(), 1, 'the engine opened the data plane');
    assert.ok(plugin.statusSection(0));
    await plugin.stop();
  });

  it('refuses use before load with a VipdError, and retries an import that failed', async () => {
    const { engine } = fakeEngine();
    let fail = true;
    const deps = lazyLvsDeps(async () => {
      if (fail) throw new VipdError('VIPD_ERR_INTERNAL', 'broken install');
      return engine;
    });
    assert.throws(() => deps.createCore(withLvs([]) as never), (e: unknown) => e instanceof VipdError && e.code === 'VIPD_ERR_INTERNAL');
    await assert.rejects(deps.load!(), /broken install/);
    fail = false;
    await deps.load!();
    assert.ok(await deps.openPlane(DEFAULT_LVS_GLOBAL, fakeControl(BASE)));
  });
});
