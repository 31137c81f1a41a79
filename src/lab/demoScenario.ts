// The story `vipd demo` tells, on design.md's pair lab: two vipd directors, a client pinging the VIP, and
// three acts — the master is stopped (SIGTERM), comes back and takes the VIP back (preemption), and loses its
// network (switch port cut). Each act is measured from the client's side (longest gap between replies) and
// from the agents' logs (when the new master entered MASTER). Printing goes through the Timeline.
import { buildPairLab, type Lab } from './netns.js';
import { internalError, VipdError } from '../errors/vipdError.js';
import { holders, waitFor, type Agent, type AgentSet } from './agents.js';
import { pairConfig } from './pairConfig.js';
import { startOutageProbe, type OutageProbe, type OutageReport } from './probe.js';
import { ClientHealth, agentMessage, eachLine, type Timeline } from './demoTimeline.js';
import { parsePrometheusText } from './demoMetrics.js';

export type Director = 'd1' | 'd2';

export const DEMO_VIP = '10.1.0.100';
export const DEMO_METRICS = '127.0.0.1:9651';
export const DEMO_PING_EVERY_MS = 5;
export const DEMO_ADVERT_INT_S = 0.1;
const PRIORITY: Record<Director, number> = { d1: 150, d2: 100 };

export interface ActResult {
  title: string;
  newMaster: Director;
  /** From the fault to the new master's "Entering MASTER STATE" log line, in ms (null if not seen). */
  takeoverMs: number | null;
  /** Longest gap between client replies from just before the fault until after recovery, in ms. */
  outageMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// Runs inside a namespace (`ip netns exec … node -e`): an agent's loopback listener is only reachable there.
const FETCH_SCRIPT =
  'fetch(process.argv[1]).then(async (r) => { process.stdout.write(await r.text()); if (!r.ok) process.exitCode = 1; })' +
  '.catch((e) => { process.stderr.write(String(e) + "\\n"); process.exitCode = 1; })';

export class DemoScenario {
  private readonly agentOf = new Map<Director, Agent>();
  /** Epoch ms of every "Entering MASTER STATE" line, per director. */
  private readonly masterEntries: Record<Director, number[]> = { d1: [], d2: [] };
  private readonly replies: number[] = [];
  private readonly health: ClientHealth;
  private probe: OutageProbe | null = null;
  /** Once the report is printed, agent output (e.g. exits during teardown) is no longer shown. */
  private quiet = false;

  constructor(
    readonly lab: Lab,
    private readonly agents: AgentSet,
    private readonly tl: Timeline,
  ) {
    this.health = new ClientHealth(tl, DEMO_PING_EVERY_MS);
  }

  async build(): Promise<void> {
    this.tl.line('demo', 'building the lab');
    await buildPairLab(this.lab, 1);
  }

  configText(host: Director): string {
    return pairConfig({ routerId: host, priority: PRIORITY[host], version: 3, advertInt: DEMO_ADVERT_INT_S, vips: [`${DEMO_VIP}/24`] });
  }

  startAgent(host: Director): Agent {
    const agent = this.agents.start('vipd', host, this.configText(host), [], { metricsListen: DEMO_METRICS });
    const onLine = (line: string): void => {
      const msg = agentMessage(line);
      if (/Entering MASTER STATE/.test(msg)) this.masterEntries[host].push(Date.now());
      if (!this.quiet) this.tl.line(host, msg);
    };
    eachLine(agent.child.stdout, onLine);
    eachLine(agent.child.stderr, onLine);
    agent.child.once('exit', (code, signal) => {
      if (!this.quiet) this.tl.line(host, `[vipd process exited: ${signal ?? `code ${code}`}]`);
    });
    this.agentOf.set(host, agent);
    this.tl.line(
      'demo',
      `started vipd on ${host} (pid ${agent.child.pid}): vipd run -f ${this.agents.dir}/${host}-vipd.conf --metrics-listen ${DEMO_METRICS}`,
    );
    return agent;
  }

  agent(host: Director): Agent {
    const a = this.agentOf.get(host);
    if (!a) throw internalError(`no agent on ${host}`);
    return a;
  }

  /** Throws when an agent that should run has exited, so the demo ends at once instead of timing out. */
  assertRunning(hosts: readonly Director[]): void {
    for (const h of hosts) {
      const c = this.agent(h).child;
      if (c.exitCode !== null || c.signalCode !== null) {
        throw new VipdError('VIPD_ERR_DEMO', `vipd on ${h} exited early (${c.exitCode ?? c.signalCode}); its log is above`);
      }
    }
  }

  /** Wait until `host` is the only director holding the VIP (checking that `running` agents are alive). */
  async waitSoleHolder(host: Director, running: readonly Director[], timeoutMs: number): Promise<void> {
    const ok = await waitFor(
      async () => {
        this.assertRunning(running);
        return (await holders(this.lab, ['d1', 'd2'], DEMO_VIP)).join() === host;
      },
      timeoutMs,
      5,
    );
    if (!ok) throw new VipdError('VIPD_ERR_DEMO', `${host} did not become the only holder of ${DEMO_VIP} within ${timeoutMs / 1000} s`);
  }

  async scrape(host: Director): Promise<Map<string, number>> {
    const { stdout } = await this.lab.exec(host, [process.execPath, '-e', FETCH_SCRIPT, `http://${DEMO_METRICS}/metrics`]);
    return parsePrometheusText(stdout);
  }

  /** Scrape, retrying while the agent's listener comes up. */
  async scrapeWhenUp(host: Director, timeoutMs: number): Promise<Map<string, number>> {
    let got: Map<string, number> | null = null;
    await waitFor(
      async () => {
        got = await this.scrape(host).catch(() => null);
        return got !== null;
      },
      timeoutMs,
      100,
    );
    if (!got) throw new VipdError('VIPD_ERR_DEMO', `${host}'s metrics on ${DEMO_METRICS} did not answer within ${timeoutMs / 1000} s`);
    return got;
  }

  async startClient(): Promise<void> {
    this.tl.line(
      'demo',
      `client c1 pings ${DEMO_VIP} every ${DEMO_PING_EVERY_MS} ms (a line per 100 ms window around each event, otherwise on change)`,
    );
    const probe = startOutageProbe(this.lab, 'c1', DEMO_VIP, DEMO_PING_EVERY_MS);
    this.probe = probe;
    probe.onReply((at) => {
      this.replies.push(at);
      this.health.reply(at);
    });
    if (!(await probe.firstReply(5000))) throw new VipdError('VIPD_ERR_DEMO', `the client got no ping reply from ${DEMO_VIP} within 5 s`);
    this.health.start();
  }

  /** Stop showing agent output (teardown kills the agents; that is not part of the story). */
  silence(): void {
    this.quiet = true;
  }

  async stopClient(): Promise<OutageReport | null> {
    this.health.stop();
    const probe = this.probe;
    this.probe = null;
    return probe ? probe.stop() : null;
  }

  /** Longest gap between client replies that overlaps [fromMs, toMs]. */
  longestGap(fromMs: number, toMs: number): number {
    let max = 0;
    for (let i = 1; i < this.replies.length; i++) {
      const a = this.replies[i - 1]!;
      const b = this.replies[i]!;
      if (b < fromMs || a > toMs) continue;
      max = Math.max(max, b - a);
    }
    return max;
  }

  /**
   * One act: announce it, run `fault`, wait until `newMaster` alone holds the VIP and the client gets replies
   * from it, and measure. `running`: the agents that must stay alive meanwhile.
   */
  async act(title: string, newMaster: Director, running: readonly Director[], fault: () => Promise<void> | void): Promise<ActResult> {
    this.health.verbose = true;
    await sleep(300);
    this.tl.line('demo', `── ${title}`);
    const startedAt = Date.now();
    await fault();
    await this.waitSoleHolder(newMaster, running, 10_000);
    const heldAt = Date.now();
    const resumed = await waitFor(() => (this.replies.at(-1) ?? 0) >= heldAt, 5000, 5);
    if (!resumed) throw new VipdError('VIPD_ERR_DEMO', `the client got no reply from ${newMaster} within 5 s`);
    await sleep(500);
    this.health.verbose = false;
    const entered = this.masterEntries[newMaster].find((t) => t >= startedAt) ?? null;
    return {
      title,
      newMaster,
      takeoverMs: entered === null ? null : entered - startedAt,
      outageMs: this.longestGap(startedAt, Date.now()),
    };
  }
}
