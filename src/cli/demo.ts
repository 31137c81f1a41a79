// `vipd demo`: a newcomer's first five minutes in one command. Builds design.md's pair lab in throwaway
// namespaces (prefix `vdemo`), runs two vipd agents (d1 priority 150, d2 100, VRRPv3 advert_int 0.1 s) with
// metrics on 127.0.0.1:9651 inside each namespace, pings the VIP from a client, SIGTERMs the master (then lets
// it return and preempt, then cuts its link) and prints a live timeline, the client-seen outage of each event,
// the metrics that moved on d2 and d2's `vipd status`. Everything it made is removed at the end, on errors and
// on Ctrl-C. The scenario itself is src/lab/demoScenario.ts; this file is preflight, lock, signals and report.
import { existsSync } from 'node:fs';
import { VipdError } from '../errors/vipdError.js';
import { Lab } from '../lab/netns.js';
import { AgentSet, vipdBin } from '../lab/agents.js';
import { Timeline, type Write } from '../lab/demoTimeline.js';
import { changedSeries, formatChanges, histogramDeltaMeans, type MetricSamples } from '../lab/demoMetrics.js';
import { demoRequirements, describeMissing, namespacePids, namespacesWithPrefix, releaseLock, removeNamespaces, takeLock } from '../lab/demoHost.js';
import {
  DemoScenario,
  DEMO_ADVERT_INT_S,
  DEMO_METRICS,
  DEMO_PING_EVERY_MS,
  DEMO_VIP,
  type ActResult,
} from '../lab/demoScenario.js';
import { describeError } from './describeError.js';

export const DEMO_PREFIX = 'vdemo';
const LOCK_PATH = '/run/vipd-demo.pid';

/** The series the summary shows when they moved on d2. */
const WATCHED_METRICS = [
  'keepalived_become_master_total',
  'keepalived_release_master_total',
  'vipd_transitions_total',
  'vipd_takeover_latency_seconds',
  'keepalived_advertisements_received_total',
  'keepalived_advertisements_sent_total',
  'keepalived_priority_zero_received_total',
  'vipd_garp_sent_total',
  'vipd_na_sent_total',
  'keepalived_vrrp_state',
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface DemoOptions {
  write?: Write;
  writeErr?: Write;
}

export async function demoCommand(opts: DemoOptions = {}): Promise<number> {
  const write = opts.write ?? ((t: string) => void process.stdout.write(t));
  const writeErr = opts.writeErr ?? ((t: string) => void process.stderr.write(t));

  const missing = describeMissing(demoRequirements());
  if (missing) {
    writeErr(missing);
    return 1;
  }
  if (!existsSync(vipdBin())) {
    writeErr(`vipd demo: ${vipdBin()} not found; run it from a checkout after \`npm ci\`\n`);
    return 1;
  }
  const other = takeLock(LOCK_PATH);
  if (other !== null) {
    writeErr(`vipd demo: another demo is running (pid ${other}, ${LOCK_PATH}); it owns the ${DEMO_PREFIX}-* namespaces\n`);
    return 1;
  }

  const tl = new Timeline(write);
  const lab = new Lab(DEMO_PREFIX);
  const agents = new AgentSet(lab);
  const sc = new DemoScenario(lab, agents, tl);

  // Idempotent teardown shared by the normal end, errors and signals.
  let cleaning: Promise<void> | null = null;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      sc.silence();
      await sc.stopClient().catch(() => undefined);
      const running: number[] = [];
      for (const ns of await namespacesWithPrefix(DEMO_PREFIX)) running.push(...(await namespacePids(ns)));
      await agents.destroy().catch(() => undefined);
      await lab.destroy().catch(() => undefined);
      // Safety net: anything the Lab did not know about (or that escaped a failed step).
      await removeNamespaces(DEMO_PREFIX);
      const left = await namespacesWithPrefix(DEMO_PREFIX);
      releaseLock(LOCK_PATH);
      tl.text(
        `cleanup: stopped ${running.length ? `pids ${running.join(' ')}` : 'no processes'}, ` +
          `removed namespaces ${DEMO_PREFIX}-{sw,d1,d2,c1} (with their veths) and ${agents.dir}` +
          (left.length ? `; COULD NOT REMOVE ${left.join(' ')}` : ''),
      );
    })());

  // The demo owns the terminal: Ctrl-C (or a kill) must still remove the lab. This handler ends the process
  // itself after cleanup because the interrupted steps below would otherwise keep running against a torn-down lab.
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    tl.text(`\n${signal}: stopping the demo and removing the lab …`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);

  try {
    const stale = await removeNamespaces(DEMO_PREFIX);
    if (stale.namespaces.length) {
      tl.text(`removed ${stale.namespaces.join(' ')} left behind by an interrupted demo`);
    }
    tl.text(
      [
        'vipd demo: two directors and a client in throwaway network namespaces',
        `  ${DEMO_PREFIX}-sw  a bridge;  ${DEMO_PREFIX}-d1 10.1.0.1 (vipd, priority 150)  ${DEMO_PREFIX}-d2 10.1.0.2 (vipd, priority 100)`,
        `  ${DEMO_PREFIX}-c1  10.1.0.10, the client, pings VIP ${DEMO_VIP} every ${DEMO_PING_EVERY_MS} ms`,
        `  VRRPv3, VRID 51, advert_int ${DEMO_ADVERT_INT_S} s; metrics on http://${DEMO_METRICS}/metrics inside each director's namespace`,
        '  Three events: 1. SIGTERM to the master   2. it comes back and takes over again   3. its network link fails',
        '',
      ].join('\n'),
    );
    await sc.build();
    // d1 first, so the story starts from a settled master (started together, d2 may win the first election
    // by a few ms of process start-up and then be preempted, which is correct but distracting).
    const d1 = sc.startAgent('d1');
    await sc.waitSoleHolder('d1', ['d1'], 15_000);
    sc.startAgent('d2');
    await sc.scrapeWhenUp('d2', 5000);
    await sleep(300);
    sc.assertRunning(['d1', 'd2']);
    tl.line('demo', `d1 holds ${DEMO_VIP}; d2 is its backup`);
    await sc.startClient();
    await sleep(700);
    const before = await sc.scrape('d2');

    const acts: ActResult[] = [];
    let d1Exit: Promise<number | null> = Promise.resolve(null);
    acts.push(
      await sc.act('1. SIGTERM → vipd on d1, the MASTER (a clean stop: it hands over, then exits)', 'd2', ['d2'], () => {
        d1Exit = d1.stop('SIGTERM', 5000);
      }),
    );
    const d1Code = await d1Exit;
    if (d1Code !== 0) throw new VipdError('VIPD_ERR_DEMO', `vipd on d1 exited with ${d1Code} after SIGTERM (expected 0)`);
    const afterStop = await sc.scrape('d2');
    acts.push(await sc.act('2. vipd starts again on d1 (priority 150 > 100: it preempts d2)', 'd1', ['d2'], () => void sc.startAgent('d1')));
    const beforeCut = await sc.scrape('d2');
    acts.push(
      await sc.act("3. d1's switch port goes down (a dead link: no goodbye, d2's master-down timer decides)", 'd2', ['d1', 'd2'], () =>
        sc.lab.setPort('sw', 'd1', false),
      ),
    );
    const report = await sc.stopClient();
    const after = await sc.scrape('d2');

    tl.text('');
    tl.text('== Result (client c1 pinging the VIP; outage = longest gap between replies, one ping every 5 ms)');
    for (const a of acts) {
      const takeover = a.takeoverMs === null ? '' : `${a.newMaster} MASTER after ${a.takeoverMs} ms, `;
      tl.text(`  ${a.title.split(' (')[0]!.padEnd(48)} ${takeover}client outage: ${a.outageMs.toFixed(1)} ms`);
    }
    if (report) tl.text(`  pings: ${report.sent} sent, ${report.received} answered`);
    tl.text(
      [
        '  1: a stopping master sends a priority-0 advert, so the backup takes over after its skew time (~0.06 s here)',
        '     instead of waiting for 3 missed adverts; the old master keeps the VIP until then.',
        '  3: a dead master says nothing: the backup takes over when its master-down timer runs out',
        `     (3 × advert_int + skew ≈ ${(3 * DEMO_ADVERT_INT_S + ((256 - 100) / 256) * DEMO_ADVERT_INT_S).toFixed(2)} s), which is the client's outage.`,
      ].join('\n'),
    );
    const latency = (from: MetricSamples, to: MetricSamples, act: string): void => {
      for (const [labels, h] of histogramDeltaMeans(from, to, 'vipd_takeover_latency_seconds')) {
        tl.text(`  d2 vipd_takeover_latency_seconds${labels} (${act}): ${(h.meanSeconds * 1000).toFixed(2)} ms`);
      }
    };
    latency(before, afterStop, 'event 1');
    latency(beforeCut, after, 'event 3');
    tl.text('');
    tl.text(`== Metrics that moved on d2 (http://${DEMO_METRICS}/metrics in ${lab.ns('d2')}, before event 1 → after event 3)`);
    for (const l of formatChanges(changedSeries(before, after, WATCHED_METRICS))) tl.text(`  ${l}`);
    tl.text('');
    tl.text(`== vipd status on d2 (ip netns exec ${lab.ns('d2')} vipd status)`);
    const status = await lab.exec('d2', [process.execPath, vipdBin(), 'status']).catch((err: unknown) => ({ stdout: describeError(err) }));
    tl.text(status.stdout.trimEnd());
    tl.text('');
    return 0;
  } catch (err) {
    writeErr(`vipd demo: ${describeError(err)}\n`);
    return 1;
  } finally {
    await cleanup();
    for (const s of signals) process.off(s, onSignal);
  }
}
