// `vipd demo`: a newcomer's first five minutes in one command. Builds design.md's pair lab in throwaway
// namespaces (prefix `vdemo`), runs two vipd agents (d1 priority 150, d2 100, VRRPv3 advert_int 0.1 s) with
// metrics on 127.0.0.1:9651 inside each namespace, pings the VIP from a client, SIGTERMs the master and prints
// a live timeline, the client-seen outage, the metrics that moved on d2 and d2's `vipd status`. Everything it
// made is removed at the end, on errors and on Ctrl-C.
import { existsSync } from 'node:fs';
import { Lab, buildPairLab } from '../lab/netns.js';
import { AgentSet, holders, vipdBin, waitFor, type Agent } from '../lab/agents.js';
import { pairConfig } from '../lab/pairConfig.js';
import { startOutageProbe, type OutageProbe } from '../lab/probe.js';
import { ClientHealth, Timeline, agentMessage, eachLine, type Write } from '../lab/demoTimeline.js';
import { changedSeries, formatChanges, histogramDeltaMeans, parsePrometheusText } from '../lab/demoMetrics.js';
import { demoRequirements, describeMissing, namespacePids, namespacesWithPrefix, releaseLock, removeNamespaces, takeLock } from '../lab/demoHost.js';
import { describeError } from './describeError.js';

export const DEMO_PREFIX = 'vdemo';
const LOCK_PATH = '/run/vipd-demo.pid';
const VIP = '10.1.0.100';
const METRICS = '127.0.0.1:9651';
const PING_EVERY_MS = 5;
const ADVERT_INT_S = 0.1;

/** The series the summary shows when they moved on the new master. */
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

export interface DemoOptions {
  write?: Write;
  writeErr?: Write;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// Runs inside a namespace (`ip netns exec … node -e`), because the agent's loopback listener is only
// reachable from its own namespace.
const FETCH_SCRIPT =
  'fetch(process.argv[1]).then(async (r) => { process.stdout.write(await r.text()); if (!r.ok) process.exitCode = 1; })' +
  '.catch((e) => { process.stderr.write(String(e) + "\\n"); process.exitCode = 1; })';

async function scrape(lab: Lab, host: string): Promise<Map<string, number>> {
  const { stdout } = await lab.exec(host, [process.execPath, '-e', FETCH_SCRIPT, `http://${METRICS}/metrics`]);
  return parsePrometheusText(stdout);
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
  const health = new ClientHealth(tl, PING_EVERY_MS);
  let probe: OutageProbe | null = null;

  // Idempotent teardown shared by the normal end, errors and signals.
  let cleaning: Promise<void> | null = null;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      health.stop();
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
        `  ${DEMO_PREFIX}-c1  10.1.0.10, the client, pings VIP ${VIP} every ${PING_EVERY_MS} ms`,
        `  VRRPv3, VRID 51, advert_int ${ADVERT_INT_S} s; metrics on http://${METRICS}/metrics inside each director's namespace`,
        '',
      ].join('\n'),
    );
    tl.line('demo', 'building the lab');
    await buildPairLab(lab, 1);

    let d2MasterAt: number | null = null;
    const startAgent = (host: 'd1' | 'd2', priority: number): Agent => {
      const text = pairConfig({ routerId: host, priority, version: 3, advertInt: ADVERT_INT_S, vips: [`${VIP}/24`] });
      const agent = agents.start('vipd', host, text, [], { metricsListen: METRICS });
      const onLine = (line: string): void => {
        const msg = agentMessage(line);
        if (host === 'd2' && /Entering MASTER STATE/.test(msg)) d2MasterAt ??= Date.now();
        tl.line(host, msg);
      };
      eachLine(agent.child.stdout, onLine);
      eachLine(agent.child.stderr, onLine);
      tl.line('demo', `started vipd on ${host} (pid ${agent.child.pid}): vipd run -f ${agents.dir}/${host}-vipd.conf --metrics-listen ${METRICS}`);
      return agent;
    };
    const d1 = startAgent('d1', 150);
    const d2 = startAgent('d2', 100);
    // An agent that dies early (bad build, port in use) should end the demo at once, not after a timeout.
    const bothRunning = (): void => {
      for (const a of [d1, d2]) {
        if (a.child.exitCode !== null || a.child.signalCode !== null) {
          throw new Error(`vipd on ${a.host} exited early (code ${a.child.exitCode ?? a.child.signalCode}); its log is above`);
        }
      }
    };

    const d1Alone = async (): Promise<boolean> => {
      bothRunning();
      return (await holders(lab, ['d1', 'd2'], VIP)).join() === 'd1';
    };
    if (!(await waitFor(d1Alone, 15_000, 20))) {
      throw new Error('d1 (priority 150) did not become the only holder of the VIP within 15 s');
    }
    tl.line('demo', `d1 holds ${VIP}; d2 is its backup`);
    let before: Map<string, number> | null = null;
    await waitFor(
      async () => {
        before = await scrape(lab, 'd2').catch(() => null);
        return before !== null;
      },
      5000,
      100,
    );
    if (!before) throw new Error(`d2's metrics on ${METRICS} did not answer within 5 s`);

    tl.line('demo', `client c1 pings ${VIP} every ${PING_EVERY_MS} ms (a line per 100 ms window around the failover, otherwise on change)`);
    probe = startOutageProbe(lab, 'c1', VIP, PING_EVERY_MS);
    probe.onReply((at) => health.reply(at));
    if (!(await probe.firstReply(5000))) throw new Error(`the client got no ping reply from ${VIP} within 5 s`);
    health.start();
    await sleep(1000);
    bothRunning();
    before = await scrape(lab, 'd2');
    health.verbose = true;
    await sleep(300);

    tl.line('demo', `SIGTERM → vipd on d1 (pid ${d1.child.pid}), the MASTER`);
    const killedAt = Date.now();
    const d1Exit = d1.stop('SIGTERM', 5000);
    if (!(await waitFor(async () => (await holders(lab, ['d2'], VIP)).length === 1, 10_000, 5))) {
      throw new Error('d2 did not take the VIP within 10 s');
    }
    const heldAt = Date.now();
    let resumed = false;
    probe.onReply((at) => {
      if (at >= heldAt) resumed = true;
    });
    if (!(await waitFor(() => resumed, 5000, 5))) throw new Error('the client got no reply from the new master within 5 s');
    tl.line('demo', `d1's vipd exited with code ${await d1Exit}`);
    await sleep(500);
    health.verbose = false;
    await sleep(200);
    health.stop();
    const report = await probe.stop();
    probe = null;
    const after = await scrape(lab, 'd2');

    tl.text('');
    tl.text('== Result');
    if (d2MasterAt !== null) tl.text(`  takeover:      d2 entered MASTER ${d2MasterAt - killedAt} ms after the SIGTERM to d1`);
    tl.text(
      `  client outage: ${report.maxGapMs.toFixed(1)} ms  (longest gap between ping replies; one ping every ${PING_EVERY_MS} ms, ` +
        `${report.sent} sent, ${report.received} answered)`,
    );
    for (const [labels, h] of histogramDeltaMeans(before, after, 'vipd_takeover_latency_seconds')) {
      tl.text(`  d2 vipd_takeover_latency_seconds${labels}: ${(h.meanSeconds * 1000).toFixed(2)} ms`);
    }
    tl.text('');
    tl.text(`== Metrics that moved on d2 (http://${METRICS}/metrics in ${lab.ns('d2')}, before → after the failover)`);
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
    if (probe) await probe.stop().catch(() => undefined);
    await cleanup();
    for (const s of signals) process.off(s, onSignal);
  }
}
