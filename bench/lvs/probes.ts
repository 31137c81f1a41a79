// bench/lvs/probes: host micro-bench of the LVS probes alone (no core, no IPVS): CPU per probe of TCP_CHECK and
// HTTP_GET against loopback listeners (one python3 asyncio process serving `--ports` ports the way the UML lab's
// real servers do, test/uml/lvs/labServers.py), `--count` probes per round, at most `--parallel` in flight,
// `--rounds` rounds after one warm-up round. The CPU is this process's (process.cpuUsage), so the servers' CPU
// does not count. Each finished probe also goes through the shell's counters and the duration histogram
// (LvsCounters.checkFinished → metrics), as in the daemon. For syscalls per probe:
//   node dist/bench/lvs/probes.js --print-servers > /tmp/servers.py; python3 /tmp/servers.py 50   (prints the ports)
//   strace -c -f -o /tmp/s.txt node dist/bench/lvs/probes.js --kind tcp --rounds 5 --server-ports P1,P2,…
//   (and --rounds 0 for the start-up and warm-up round, to subtract)
//
//   node dist/bench/lvs/probes.js [--kind tcp|http|both] [--count 1000] [--rounds 5] [--ports 50] [--parallel 100]
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { RealClock } from '../../src/clock/realClock.js';
import { createProbe } from '../../src/lvs/checkers/factory.js';
import type { Probe } from '../../src/lvs/checkers/types.js';
import { LvsCounters } from '../../src/lvs/shell/lvsCounters.js';
import { registerLvsMetrics } from '../../src/lvs/shell/metrics.js';
import { loopbackChecker } from './loopbackCheckers.js';
import { SERVERS, startServers } from './loopbackServers.js';


async function round(probes: { probe: Probe; type: string }[], parallel: number, counters: LvsCounters): Promise<{ ok: number; failed: Map<string, number> }> {
  let next = 0;
  let ok = 0;
  const failed = new Map<string, number>();
  const worker = async (): Promise<void> => {
    while (next < probes.length) {
      const p = probes[next++]!;
      const o = await p.probe.run();
      counters.checkFinished(p.type, o.durationMs, o.ok ? null : o.reason);
      if (o.ok) ok++;
      else failed.set(o.reason, (failed.get(o.reason) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, probes.length) }, worker));
  return { ok, failed };
}

async function main(): Promise<void> {
  if (process.argv.includes('--print-servers')) {
    process.stdout.write(SERVERS);
    return;
  }
  const { values } = parseArgs({
    options: {
      'print-servers': { type: 'boolean', default: false },
      kind: { type: 'string', default: 'both' },
      count: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '5' },
      ports: { type: 'string', default: '50' },
      parallel: { type: 'string', default: '100' },
      'server-ports': { type: 'string' },
    },
  });
  const count = Number(values.count);
  const rounds = Number(values.rounds);
  const parallel = Number(values.parallel);
  const kinds = values.kind === 'both' ? (['tcp', 'http'] as const) : [values.kind as 'tcp' | 'http'];
  // --server-ports: listeners started elsewhere (`--print-servers` prints their script), so that `strace -f`
  // of this process does not count the servers' system calls.
  const { ports, stop } = await startServers(values['server-ports'], Number(values.ports));
  try {
    const clock = new RealClock();
    const counters = new LvsCounters();
    const metrics = registerLvsMetrics(new Registry(), { snapshot: () => null, table: () => null, counters: () => counters, plane: () => null, syncDaemon: () => null, refresh: () => undefined });
    counters.onCheckDuration = (type, ms) => metrics.checkObserved(type, ms);
    for (const kind of kinds) {
      const probes = Array.from({ length: count }, (_, i) => {
        const cfg = loopbackChecker(kind, ports[i % ports.length]!, { connectTimeoutMs: 5000 });
        return { probe: createProbe(cfg, { clock }), type: cfg.type };
      });
      await round(probes, parallel, counters); // warm-up: JIT, socket buffers, the servers' accept queues
      const perRound: number[] = [];
      let summary = '';
      for (let r = 0; r < rounds; r++) {
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        const res = await round(probes, parallel, counters);
        const cpu = process.cpuUsage(cpu0);
        const wall = performance.now() - t0;
        const us = (cpu.user + cpu.system) / count;
        perRound.push(us);
        summary = `${res.ok}/${count} ok${res.failed.size ? ` (${[...res.failed].map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`;
        console.log(`${kind} round ${r + 1}: ${us.toFixed(1)} µs CPU per probe (user ${(cpu.user / count).toFixed(1)}, system ${(cpu.system / count).toFixed(1)}), wall ${wall.toFixed(0)} ms, ${summary}`);
      }
      if (perRound.length) {
        const sorted = [...perRound].sort((a, b) => a - b);
        console.log(`${kind}: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} µs CPU per probe over ${rounds} rounds of ${count}`);
      }
      for (const p of probes) p.probe.close();
    }
  } finally {
    stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
