// bench/failover: client-seen outage during a failover, vipd pair vs keepalived pair with identical configs,
// side by side in one run on the same lab. A client pings the VIP every 2 ms; the outage is the longest gap
// between replies. Faults: the master's switch port cut (carrier loss) and SIGTERM on the master.
//
//   sudo node dist/bench/failover.js [--trials 5] [--intervals 1,0.01] [--modes linkcut,sigterm]
//                                    [--kinds vipd,vipd-no-handover,keepalived]
// vipd-no-handover runs vipd with --no-handover: on SIGTERM it releases the VIPs right after the priority-0
// advert, as keepalived does, instead of waiting for the new master (make-before-break, vipd's default).
import { Lab, buildPairLab, labUnavailableReason } from '../src/lab/netns.js';
import { AgentSet, holders, waitFor, type AgentKind } from '../src/lab/agents.js';
import { pairConfig } from '../src/lab/pairConfig.js';
import { startOutageProbe } from '../src/lab/probe.js';

type Mode = 'linkcut' | 'sigterm';

interface Args {
  trials: number;
  intervals: number[];
  modes: Mode[];
  kinds: string[];
}

function parseArgs(argv: string[]): Args {
  const get = (name: string, dflt: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
  };
  return {
    trials: Number(get('trials', '5')),
    intervals: get('intervals', '1,0.01').split(',').map(Number),
    modes: get('modes', 'linkcut,sigterm').split(',') as Mode[],
    kinds: get('kinds', 'vipd,vipd-no-handover,keepalived').split(','),
  };
}

const VIP = '10.1.0.100';
let labCounter = 0;

/** One failover; returns the client-seen outage in ms, or null when the trial could not be set up. */
/** Agent and extra arguments for a bench kind name. */
function agentOf(kind: string): { agent: AgentKind; args: string[] } {
  if (kind === 'vipd-no-handover') return { agent: 'vipd', args: ['--no-handover'] };
  return { agent: kind as AgentKind, args: [] };
}

async function trial(kind: string, mode: Mode, advertInt: number): Promise<number | null> {
  const { agent, args } = agentOf(kind);
  const lab = new Lab(`fb${process.pid % 100}${labCounter++}`);
  const agents = new AgentSet(lab);
  try {
    await buildPairLab(lab, 1);
    const version = advertInt < 1 ? 3 : 2;
    const conf = (routerId: string, priority: number) =>
      pairConfig({ routerId, priority, version, advertInt, vips: [`${VIP}/24`] });
    const d1 = agents.start(agent, 'd1', conf('d1', 150), args);
    agents.start(agent, 'd2', conf('d2', 100), args);
    const settled = await waitFor(async () => (await holders(lab, ['d1', 'd2'], VIP)).join() === 'd1', 20_000, 50);
    if (!settled) {
      process.stderr.write(`  ${kind} ${mode} ${advertInt}: d1 never became the only holder\n${d1.output().slice(-2000)}\n`);
      return null;
    }
    // Let the backup see a few adverts so it is in steady state.
    await new Promise((r) => setTimeout(r, Math.max(300, advertInt * 2000)));
    const probe = startOutageProbe(lab, 'c1', VIP, 2);
    if (!(await probe.firstReply(5000))) {
      await probe.stop();
      return null;
    }
    await new Promise((r) => setTimeout(r, 200));
    if (mode === 'linkcut') await lab.setPort('sw', 'd1', false);
    else await d1.stop('SIGTERM');
    const moved = await waitFor(async () => (await holders(lab, ['d2'], VIP)).length === 1, 20_000, 10);
    // Replies resume once the client's neighbour entry points at d2; leave room for that before stopping.
    await new Promise((r) => setTimeout(r, 1000));
    const report = await probe.stop();
    if (!moved) return null;
    return report.maxGapMs;
  } finally {
    await agents.destroy();
    await lab.destroy();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  const reason = labUnavailableReason();
  if (reason) {
    console.error(`bench/failover: ${reason}`);
    process.exitCode = 1;
    return;
  }
  const args = parseArgs(process.argv.slice(2));
  const rows: string[] = [];
  for (const advertInt of args.intervals) {
    for (const mode of args.modes) {
      const samples: Record<string, number[]> = {};
      const failed: Record<string, number> = {};
      for (let t = 0; t < args.trials; t++) {
        // Interleave the agents trial by trial so drift in machine load hits both alike.
        for (const kind of args.kinds) {
          const gap = await trial(kind, mode, advertInt);
          (samples[kind] ??= []);
          if (gap !== null) samples[kind]!.push(gap);
          else failed[kind] = (failed[kind] ?? 0) + 1;
          process.stderr.write(`  advert_int ${advertInt} ${mode} ${kind} trial ${t + 1}: ${gap === null ? 'failed' : gap.toFixed(1) + ' ms'}\n`);
        }
      }
      const med = (k: string) => (samples[k]?.length ? median(samples[k]!) : NaN);
      const fmt = (k: string) => {
        const x = med(k);
        const f = failed[k] ? `, ${failed[k]} failed` : '';
        return Number.isNaN(x) ? `n/a${f}` : `${x.toFixed(1)} (${samples[k]!.map((v) => v.toFixed(0)).join('/')}${f})`;
      };
      const anchor = med('keepalived');
      const ratio = (k: string) => (Number.isNaN(med(k) / anchor) ? 'n/a' : (med(k) / anchor).toFixed(2));
      const others = args.kinds.filter((k) => k !== 'keepalived');
      rows.push(
        `| ${advertInt} s (v${advertInt < 1 ? 3 : 2}) | ${mode} | ${args.kinds.map(fmt).join(' | ')} | ${others.map(ratio).join(' | ')} |`,
      );
    }
  }
  const others = args.kinds.filter((k) => k !== 'keepalived');
  console.log(`| advert_int | fault | ${args.kinds.map((k) => `${k} median ms (trials)`).join(' | ')} | ${others.map((k) => `ratio ${k}/keepalived`).join(' | ')} |`);
  console.log(`|---|---|${args.kinds.map(() => '---|').join('')}${others.map(() => '---|').join('')}`);
  for (const r of rows) console.log(r);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
