// A connection-sync agent for the namespace tests: runs inside one namespace (started with `ip netns exec`),
// builds the real service (ctnetlink + UDP channel) and obeys JSON-line commands on stdin, answering on stdout:
//   {"cmd":"becomeMaster"|"becomeBackup"|"snapshot"|"resyncComplete"|"stop"} → {"ok":true,"result":…}
// Config: argv[2] is JSON {interface, mcastGroup|null, peers, port, key(hex), filter?, sourceAddress?}.
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CtNetlink } from '../../../src/conntrack/client.js';
import { UdpSyncChannel, datagramBudget, resolveSourceAddress } from '../../../src/sync/channel.js';
import { INCLUDE_ALL, type SyncFilter } from '../../../src/sync/filter.js';
import { ConnSync } from '../../../src/sync/service.js';
import { RealClock } from '../../../src/clock/realClock.js';

interface AgentConfig {
  interface: string;
  mcastGroup: string | null;
  peers: string[];
  port: number;
  key: string;
  filter?: SyncFilter;
  sourceAddress?: string;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as AgentConfig;
const clock = new RealClock();
const svc = new ConnSync({
  clock,
  conntrack: new CtNetlink({ clock }),
  channel: new UdpSyncChannel({
    clock,
    interface: cfg.interface,
    mcastGroup: cfg.mcastGroup,
    peers: cfg.peers,
    port: cfg.port,
    sourceAddress: cfg.sourceAddress ?? (await resolveSourceAddress(cfg.interface, 4, clock)),
  }),
  key: Buffer.from(cfg.key, 'hex'),
  filter: { ...(cfg.filter ?? INCLUDE_ALL), syncPort: cfg.port },
  protocol: { noPeerGraceMs: 1500, maxDatagramBytes: (await datagramBudget(cfg.interface, 4, clock)) ?? undefined },
  confirmTimeoutMs: 3000,
  log: (l) => process.stderr.write(`${Math.round(performance.now())} ${l}\n`),
});

const reply = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

// Benches: VIPD_AGENT_PROF=DIR writes a CPU profile there between the profStart and profStop (or stop) commands.
const profDir = process.env['VIPD_AGENT_PROF'];
const profiler = profDir ? new (await import('node:inspector')).Session() : null;
if (profiler) {
  profiler.connect();
  profiler.post('Profiler.enable');
}
const writeProfile = (): Promise<void> =>
  new Promise((resolve) => {
    if (!profiler || !profDir) return resolve();
    profiler.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(`${profDir}/agent-${process.pid}.cpuprofile`, JSON.stringify(res.profile));
      resolve();
    });
  });

await svc.start();
reply({ ok: true, result: 'started' });
const keepAlive = setInterval(() => undefined, 1 << 30);
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const { cmd } = JSON.parse(line) as { cmd: string };
  try {
    switch (cmd) {
      case 'becomeMaster':
        reply({ ok: true, result: await svc.becomeMaster() });
        break;
      case 'becomeBackup':
        await svc.becomeBackup();
        reply({ ok: true, result: null });
        break;
      case 'snapshot':
        reply({ ok: true, result: svc.snapshot() });
        break;
      case 'followInterface':
        svc.followInterface();
        reply({ ok: true, result: null });
        break;
      case 'resyncComplete':
        reply({ ok: true, result: svc.resyncComplete() });
        break;
      case 'profStart':
        // Benches: profile only the window they measure (VIPD_AGENT_PROF=DIR).
        profiler?.post('Profiler.start');
        reply({ ok: true, result: profiler !== null });
        break;
      case 'profStop':
        await writeProfile();
        reply({ ok: true, result: null });
        break;
      case 'stop':
        await writeProfile();
        await svc.stop();
        reply({ ok: true, result: null });
        clearInterval(keepAlive);
        process.exit(0);
        break;
      default:
        reply({ ok: false, error: `unknown command ${cmd}` });
    }
  } catch (err) {
    reply({ ok: false, error: String(err) });
  }
}
await svc.stop();
clearInterval(keepAlive);
