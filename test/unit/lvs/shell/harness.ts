// One LvsRunner over the fakes: SimpleCore, FakeProbes, MemoryDataPlane, a recording logger, FIFO lines in an
// array and scripts on the fake spawner, all on a VirtualClock.
import { VirtualClock } from '../../../../src/clock/virtualClock.js';
import type { LvsGlobalConfig, VirtualServerConfig } from '../../../../src/config/lvsTypes.js';
import { LvsCounters } from '../../../../src/lvs/shell/lvsCounters.js';
import { LvsEvents } from '../../../../src/lvs/shell/lvsEvents.js';
import { LvsRunner } from '../../../../src/lvs/shell/lvsRunner.js';
import { LvsScripts, type LvsScriptOptions } from '../../../../src/lvs/shell/lvsScripts.js';
import { fakeSpawner, recordingLogger } from '../../track/helpers.js';
import { MemoryDataPlane } from '../memoryDataPlane.js';
import { coreConfig, FakeProbes, SimpleCore } from './fakes.js';

export function scriptOptions(spawner: ReturnType<typeof fakeSpawner>): LvsScriptOptions {
  return {
    spawner,
    prepare: async (argv, who) => ({ argv, uid: who.uid, gid: who.gid, warnings: [] }),
    accounts: async () => ({ users: new Map(), groups: new Map() }),
    self: { uid: 0, gid: 0, name: 'root' },
    env: {},
  };
}

export function harness(virtualServers: VirtualServerConfig[], global: Partial<LvsGlobalConfig> = {}) {
  const clock = new VirtualClock();
  const logger = recordingLogger();
  const cfg = coreConfig(virtualServers, global);
  const core = new SimpleCore(cfg);
  const plane = new MemoryDataPlane();
  const probes = new FakeProbes();
  const spawner = fakeSpawner();
  const scripts = new LvsScripts(clock, logger, { scriptUser: null, enableScriptSecurity: false }, scriptOptions(spawner));
  const fifo: string[] = [];
  const events = new LvsEvents(logger, scripts, [{ write: (l) => void fifo.push(l) }], virtualServers);
  const counters = new LvsCounters();
  const runner = new LvsRunner({
    clock, logger, core, plane, probes: probes.factory, probeDeps: { clock },
    events, counters,
  });
  return { clock, logger, cfg, core, plane, probes, spawner, scripts, fifo, events, counters, runner };
}

/** Let the runner's queue and the probes' promises run (no time passes). */
export async function settle(h: { clock: VirtualClock; runner: LvsRunner }): Promise<void> {
  await h.clock.advanceAsync(0);
  await h.runner.idle();
  await h.clock.advanceAsync(0);
}
