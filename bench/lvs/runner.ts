// bench/lvs/runner: the daemon's LVS check loop on the host, without IPVS — the real core (LvsCore), the real
// probes and runner (LvsRunner on the RealClock: one timer for the core's nextDeadline), the shell's counters and
// duration histogram, and an in-memory data plane — checking `--count` real servers (TCP_CHECK or HTTP_GET,
// delay_loop 1 s, spread over the second by the core's warmup jitter) on as many loopback listeners (python3
// asyncio, as bench/lvs/probes.ts). After `--warmup` s, CPU of this process (process.cpuUsage) over `--window` s.
// What bench/lvs/failover-checks.js measures in UML, minus IPVS and the daemon's other parts; profile it with
//   node --cpu-prof --cpu-prof-dir /tmp/prof dist/bench/lvs/runner.js --kind tcp
//
//   node dist/bench/lvs/runner.js [--kind tcp|http] [--count 1000] [--ports 1000] [--warmup 3] [--window 10]
//        [--server-ports P1,P2,…]
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { RealClock } from '../../src/clock/realClock.js';
import { createLogger } from '../../src/log/logger.js';
import { createProbe } from '../../src/lvs/checkers/factory.js';
import { LvsCore } from '../../src/lvs/core/lvsCore.js';
import { LvsCounters } from '../../src/lvs/shell/lvsCounters.js';
import { LvsEvents } from '../../src/lvs/shell/lvsEvents.js';
import { LvsRunner } from '../../src/lvs/shell/lvsRunner.js';
import { LvsScripts } from '../../src/lvs/shell/lvsScripts.js';
import { registerLvsMetrics } from '../../src/lvs/shell/metrics.js';
import { coreConfig, rs, vs } from '../../test/unit/lvs/shell/fakes.js';
import { MemoryDataPlane } from '../../test/unit/lvs/memoryDataPlane.js';
import { loopbackChecker } from './loopbackCheckers.js';
import { startServers } from './loopbackServers.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kind: { type: 'string', default: 'tcp' },
      count: { type: 'string', default: '1000' },
      ports: { type: 'string', default: '1000' },
      warmup: { type: 'string', default: '3' },
      window: { type: 'string', default: '10' },
      'server-ports': { type: 'string' },
    },
  });
  const kind = values.kind as 'tcp' | 'http';
  const count = Number(values.count);
  const { ports, stop } = await startServers(values['server-ports'], Number(values.ports));
  try {
    const clock = new RealClock({ unref: false });
    const logger = createLogger({ format: 'text', minLevel: 'warn', wallNow: () => clock.wallNow() });
    // One listener per real server: checks of equal targets would be one shared probe (core/checkId.ts).
    if (ports.length < count) throw new Error(`${count} real servers need ${count} listeners (--ports), got ${ports.length}`);
    const servers = Array.from({ length: count }, (_, i) => rs('127.0.0.1', ports[i]!, 1, { checkers: [loopbackChecker(kind, ports[i]!, { connectTimeoutMs: 1000 })] }));
    const cfg = coreConfig([vs('10.1.0.100', 80, servers)]);
    const core = new LvsCore(cfg, { random: Math.random });
    const scripts = new LvsScripts(clock, logger, { scriptUser: null, enableScriptSecurity: false });
    const counters = new LvsCounters();
    const metrics = registerLvsMetrics(new Registry(), { snapshot: () => null, table: () => null, counters: () => counters, plane: () => null, syncDaemon: () => null, refresh: () => undefined });
    let checksDone = 0;
    counters.onCheckDuration = (type, ms) => {
      checksDone++;
      metrics.checkObserved(type, ms);
    };
    const runner = new LvsRunner({
      clock, logger, core, plane: new MemoryDataPlane(), probes: createProbe, probeDeps: { clock },
      events: new LvsEvents(logger, scripts, [], cfg.virtualServers),
      counters,
    });
    await runner.start();
    await clock.sleep(Number(values.warmup) * 1000);
    const failures0 = [...counters.checkFailures.values()].reduce((a, b) => a + b, 0);
    const checks0 = checksDone;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await clock.sleep(Number(values.window) * 1000);
    const cpu = process.cpuUsage(cpu0);
    const wall = (performance.now() - t0) / 1000;
    const snap = runner.snapshot();
    const checks = snap.checks.length;
    const up = snap.virtualServers[0]!.realServers.filter((r) => r.up).length;
    const failures = [...counters.checkFailures.values()].reduce((a, b) => a + b, 0) - failures0;
    const ran = checksDone - checks0;
    const rate = (cpu.user + cpu.system) / 1e6 / wall;
    console.log(
      `${kind === 'tcp' ? 'TCP_CHECK' : 'HTTP_GET'} × ${checks}, delay_loop 1: ${rate.toFixed(3)} CPU s per s (user ${(cpu.user / 1e6 / wall).toFixed(3)}, system ${(cpu.system / 1e6 / wall).toFixed(3)}) over ${wall.toFixed(1)} s (${(ran / wall).toFixed(0)} checks per s, ${((cpu.user + cpu.system) / ran).toFixed(1)} µs CPU per check); ${up}/${count} up; ${failures} failed checks in the window; ${JSON.stringify(Object.fromEntries(counters.checkFailures))}`,
    );
    await runner.stop({ keepTable: true });
  } finally {
    stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
