// `vipd demo`: a newcomer's first five minutes in one command. Builds design.md's "LVS director" lab in throwaway
// namespaces (prefix `vdemo`): two vipd directors with virtual_server blocks on the data plane vipd picks and
// connection sync between them, three real servers (tiny node HTTP + echo servers) and a client. The client
// loads the VIP; a real server dies and returns; the master dies with long-lived connections open. A live
// timeline and the measured figures are printed, and d2's `vipd status`. Everything it made is removed at the
// end, on errors and on Ctrl-C. The story is src/lab/directorScenario.ts; this file is preflight, lock, signals
// and report.
import { existsSync } from 'node:fs';
import { VipdError } from '../errors/vipdError.js';
import { Lab } from '../lab/netns.js';
import { AgentSet, vipdBin } from '../lab/agents.js';
import { Timeline, type Write } from '../lab/demoTimeline.js';
import { demoRequirements, describeMissing, namespacePids, namespacesWithPrefix, releaseLock, removeNamespaces, takeLock } from '../lab/demoHost.js';
import {
  DirectorScenario,
  DEMO_ADVERT_INT_S,
  DEMO_INNER_VIP,
  DEMO_VIP,
  ECHO_PORT,
  HTTP_PORT,
  formatTally,
  tally,
} from '../lab/directorScenario.js';
import { describeError } from './describeError.js';

export const DEMO_PREFIX = 'vdemo';
const LOCK_PATH = '/run/vipd-demo.pid';
/** Act 1: a multiple of 5 so wrr 3/1/1 splits it exactly (30/10/10 of 50). */
const SPLIT_REQUESTS = 50;
/** Act 2: requests sent while r2 is out. */
const AFTER_REQUESTS = 20;
/** Act 3: long-lived connections open when the master dies. */
const LONG_LIVED = 30;

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
  const sc = new DirectorScenario(lab, agents, tl);

  // Idempotent teardown shared by the normal end, errors and signals.
  let cleaning: Promise<void> | null = null;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      sc.silence();
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
          `removed namespaces ${DEMO_PREFIX}-{fr,bk,c1,d1,d2,r1,r2,r3} (with their veths) and ${agents.dir}` +
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
        'vipd demo: a load-balancing director pair and three real servers in throwaway network namespaces',
        `  front 10.1.0.0/24 (${DEMO_PREFIX}-fr): client c1 .10, VIP ${DEMO_VIP}; back 10.2.0.0/24 (${DEMO_PREFIX}-bk): r1..r3 .11-.13, inner VIP ${DEMO_INNER_VIP}`,
        `  ${DEMO_PREFIX}-d1 (vipd, priority 150) and ${DEMO_PREFIX}-d2 (vipd, priority 100): VRRPv3 advert_int ${DEMO_ADVERT_INT_S} s, both VIPs in sync group G1,`,
        `  connection sync over the back network; virtual_server ${DEMO_VIP} ${HTTP_PORT} wrr 3/1/1 (HTTP_GET) and ${DEMO_VIP} ${ECHO_PORT} rr (TCP_CHECK), delay_loop 1`,
        `  Three acts: 1. the split of ${SPLIT_REQUESTS} requests   2. r2 dies and returns   3. the master dies with ${LONG_LIVED} long-lived connections open`,
        '',
      ].join('\n'),
    );
    await sc.build();
    await sc.startRealServers();
    // d1 first, so the story starts from a settled master.
    sc.startAgent('d1');
    await sc.waitHolder('d1', ['d1'], 15_000);
    sc.startAgent('d2');
    await sc.scrapeWhenUp('d2', 5000);
    sc.assertRunning(['d1', 'd2']);
    tl.line('demo', `d1 holds ${DEMO_VIP} and ${DEMO_INNER_VIP}; d2 is its backup`);
    sc.startClient();
    if (!(await sc.waitAllServing(10_000))) throw new VipdError('VIPD_ERR_DEMO', `r1..r3 did not all answer through ${DEMO_VIP}:${HTTP_PORT} within 10 s`);
    const opened = await sc.openLongLived(LONG_LIVED);
    tl.line('client', `opened ${LONG_LIVED} long-lived connections to ${DEMO_VIP}:${ECHO_PORT}: ${formatTally(tally(opened))}`);

    // Act 1: the split.
    tl.line('demo', `── 1. the client sends ${SPLIT_REQUESTS} HTTP requests to ${DEMO_VIP}:${HTTP_PORT}, a new connection each (wrr 3/1/1)`);
    const split = await sc.burst(SPLIT_REQUESTS);
    tl.line('client', `answered by: ${formatTally(split)}`);

    // Act 2: a real server dies and returns.
    tl.line('demo', '── 2. the HTTP server on r2 is killed (SIGKILL: its port refuses connections)');
    const killedAt = await sc.killHttp('r2');
    const removedAt = await sc.waitLog('d1', DirectorScenario.serviceLine('r2', false), killedAt, 10_000);
    if (removedAt === null) throw new VipdError('VIPD_ERR_DEMO', 'd1 did not remove r2 within 10 s of its death');
    const removalMs = removedAt - killedAt;
    tl.line('demo', `r2 removed from ${DEMO_VIP}:${HTTP_PORT} ${removalMs} ms after its death`);
    const without = await sc.burst(AFTER_REQUESTS);
    tl.line('client', `${AFTER_REQUESTS} requests answered by: ${formatTally(without)}`);
    tl.line('demo', 'the HTTP server on r2 starts again');
    const restartedAt = await sc.restartHttp('r2');
    const addedAt = await sc.waitLog('d1', DirectorScenario.serviceLine('r2', true), restartedAt, 10_000);
    if (addedAt === null) throw new VipdError('VIPD_ERR_DEMO', 'd1 did not re-add r2 within 10 s of its return');
    const readdMs = addedAt - restartedAt;
    tl.line('demo', `r2 back in ${DEMO_VIP}:${HTTP_PORT} ${readdMs} ms after it listens again`);
    const back = await sc.burst(SPLIT_REQUESTS);
    tl.line('client', `${SPLIT_REQUESTS} requests answered by: ${formatTally(back)}`);

    // Act 3: the master dies with the long-lived connections open.
    await sc.setBeat(true);
    await sc.sleep(500);
    await sc.echoGap();
    tl.line('demo', `── 3. d1, the MASTER, dies: vipd SIGKILLed and both its links cut (no goodbye; d2's master-down timer decides)`);
    const diedAt = await sc.killDirector('d1');
    await sc.waitHolder('d2', ['d2'], 10_000);
    const masterAt = await sc.waitLog('d2', /Entering MASTER STATE/, diedAt, 5000);
    await sc.sleep(1000);
    await sc.setBeat(false);
    const gap = await sc.echoGap();
    const kept = await sc.checkLongLived();
    tl.line('client', `long-lived connections after the failover: ${kept.answered} of ${kept.open} still answer from the same real server, ${kept.closed} closed`);
    const after = await sc.burst(SPLIT_REQUESTS);
    tl.line('client', `${SPLIT_REQUESTS} new requests through d2 answered by: ${formatTally(after)}`);

    const takeoverMs = masterAt === null ? null : masterAt - diedAt;
    tl.text('');
    tl.text(`== Result (measured by the demo; real servers checked every 1 s, one failed probe removes)`);
    tl.text(`  1. split of ${SPLIT_REQUESTS} requests (wrr 3/1/1)           ${formatTally(split)}`);
    tl.text(`  2. r2 dead → removed by d1                    ${removalMs} ms; then ${AFTER_REQUESTS} requests: ${formatTally(without)}`);
    tl.text(`     r2 back → re-added by d1                   ${readdMs} ms; then ${SPLIT_REQUESTS} requests: ${formatTally(back)}`);
    tl.text(`  3. master d1 dead → d2 MASTER after           ${takeoverMs === null ? 'n/a' : `${takeoverMs} ms`}`);
    tl.text(`     long-lived connections kept                ${kept.answered} of ${kept.open} (${kept.closed} closed)`);
    tl.text(`     longest echo gap on them (client outage)   ${gap.maxGapMs} ms (${gap.echoes} echoes)`);
    tl.text(`     new requests through d2                    ${formatTally(after)}`);
    tl.text(
      [
        '  2: removal waits for the next probe (delay_loop 1 s) plus its connect failure; re-adding likewise waits',
        '     for the next probe to succeed. A removed real server\'s connections are dropped, as IPVS does.',
        '  3: a dead master says nothing: d2 takes over when its master-down timer runs out',
        `     (3 × advert_int + skew ≈ ${(3 * DEMO_ADVERT_INT_S + ((256 - 100) / 256) * DEMO_ADVERT_INT_S).toFixed(2)} s); the connections live on because d2 already has`,
        '     their conntrack entries (connection sync) and runs the same virtual servers.',
      ].join('\n'),
    );
    tl.text('');
    tl.text(`== Connection counters of d2's data plane since it took over (http://127.0.0.1:9651/metrics in ${lab.ns('d2')})`);
    // A scrape serves the counters last read back from the kernel and asks for fresher ones: scrape until they
    // include the requests sent through d2 (at most 3 s), then show them.
    let samples = await sc.scrape('d2');
    for (let i = 0; i < 15 && (samples.get('node_ipvs_connections_total') ?? 0) < SPLIT_REQUESTS; i++) {
      await sc.sleep(200);
      samples = await sc.scrape('d2');
    }
    const counters = [...samples.entries()].filter(([series]) => /^(vipd_lvs_\w*|node_ipvs_)connections_total\b/.test(series));
    for (const [series, value] of counters) tl.text(`  ${series} ${value}`);
    if (!counters.length) tl.text('  (no connection counters exposed)');
    tl.text(`  (the ${SPLIT_REQUESTS} new requests; the ${LONG_LIVED} long-lived connections came by connection sync, d2 never scheduled them)`);
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
