// The story `vipd demo` tells on design.md's "LVS director" lab: two vipd directors (d1 priority 150, d2 100)
// run virtual_server VIP:80 (wrr 3/1/1, HTTP_GET) and VIP:9000 (echo, TCP_CHECK) on the data plane vipd picks,
// with connection sync between them; three real servers r1..r3 route back through the inner VIP. A client
// (src/lab/demoClientPeer.ts) loads the VIP. Acts: the split per real server; a real server dies and returns
// (removal and re-adding measured from the death/restart to the master's log line); the master dies with K
// long-lived connections open (takeover measured, every connection checked). Printing goes through the Timeline.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { internalError, VipdError } from '../errors/vipdError.js';
import { hasAddress, waitFor, type Agent, type AgentSet } from './agents.js';
import type { Lab } from './netns.js';
import { JsonPeer } from './jsonPeer.js';
import { agentMessage, eachLine, type Timeline } from './demoTimeline.js';
import { parsePrometheusText } from './demoMetrics.js';
import { directorConfig } from './directorConfig.js';

export type Director = 'd1' | 'd2';
export type RealServer = 'r1' | 'r2' | 'r3';

export const DEMO_VIP = '10.1.0.100';
export const DEMO_INNER_VIP = '10.2.0.254';
export const DEMO_METRICS = '127.0.0.1:9651';
export const DEMO_ADVERT_INT_S = 0.1;
export const HTTP_PORT = 80;
export const ECHO_PORT = 9000;
export const REAL_SERVERS: readonly RealServer[] = ['r1', 'r2', 'r3'];
export const WEIGHTS: Record<RealServer, number> = { r1: 3, r2: 1, r3: 1 };
const PRIORITY: Record<Director, number> = { d1: 150, d2: 100 };
const DIRECTOR_NUMBER: Record<Director, number> = { d1: 1, d2: 2 };
const rsAddress = (r: RealServer): string => `10.2.0.${10 + Number(r.slice(1))}`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// Runs inside a namespace (`ip netns exec … node -e`): an agent's loopback listener is only reachable there.
const FETCH_SCRIPT =
  'fetch(process.argv[1]).then(async (r) => { process.stdout.write(await r.text()); if (!r.ok) process.exitCode = 1; })' +
  '.catch((e) => { process.stderr.write(String(e) + "\\n"); process.exitCode = 1; })';

const script = (name: string): string => fileURLToPath(new URL(`./${name}.js`, import.meta.url));

/** Count of each name. */
export function tally(names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = (out[n] ?? 0) + 1;
  return out;
}

/** `r1 30, r2 10, r3 10` (in real-server order, then anything else such as failures). */
export function formatTally(t: Record<string, number>): string {
  const keys = [...REAL_SERVERS.filter((r) => r in t), ...Object.keys(t).filter((k) => !(REAL_SERVERS as readonly string[]).includes(k))];
  return keys.map((k) => `${k} ${t[k]}`).join(', ');
}

export interface CheckResult {
  open: number;
  answered: number;
  closed: number;
}

export class DirectorScenario {
  private readonly agentOf = new Map<Director, Agent>();
  private readonly httpServer = new Map<RealServer, ChildProcess>();
  /** Epoch ms of each agent log line that matters to the measurements, per director. */
  private readonly logTimes: { host: Director; atMs: number; msg: string }[] = [];
  private client: JsonPeer | null = null;
  private quiet = false;

  constructor(
    readonly lab: Lab,
    private readonly agents: AgentSet,
    private readonly tl: Timeline,
  ) {}

  async build(): Promise<void> {
    this.tl.line('demo', 'building the lab');
    const lab = this.lab;
    await lab.addSwitch('fr');
    await lab.addSwitch('bk');
    await lab.addHost('c1');
    await lab.plug('c1', 'eth0', 'fr', 'c1');
    await lab.addAddress('c1', 'eth0', '10.1.0.10/24');
    for (const d of ['d1', 'd2'] as const) {
      await lab.addHost(d);
      await lab.plug(d, 'eth0', 'fr', d);
      await lab.plug(d, 'eth1', 'bk', d);
      await lab.addAddress(d, 'eth0', `10.1.0.${DIRECTOR_NUMBER[d]}/24`);
      await lab.addAddress(d, 'eth1', `10.2.0.${DIRECTOR_NUMBER[d]}/24`);
      await lab.exec(d, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    }
    for (const r of REAL_SERVERS) {
      await lab.addHost(r);
      await lab.plug(r, 'eth0', 'bk', r);
      await lab.addAddress(r, 'eth0', `${rsAddress(r)}/24`);
      await lab.ip(r, 'route', 'add', 'default', 'via', DEMO_INNER_VIP);
    }
    this.agents.writeConfig('sync.key', `${randomBytes(32).toString('hex')}\n`);
  }

  private async startServer(r: RealServer, mode: 'http' | 'echo', port: number): Promise<ChildProcess> {
    const child = this.lab.spawn(r, [process.execPath, script('demoRealServer'), mode, r, String(port)]);
    const ok = await new Promise<boolean>((resolve) => {
      eachLine(child.stdout, (l) => l === 'listening' && resolve(true));
      child.once('exit', () => resolve(false));
    });
    if (!ok) throw new VipdError('VIPD_ERR_DEMO', `the ${mode} server on ${r} did not start`);
    return child;
  }

  async startRealServers(): Promise<void> {
    for (const r of REAL_SERVERS) {
      this.httpServer.set(r, await this.startServer(r, 'http', HTTP_PORT));
      await this.startServer(r, 'echo', ECHO_PORT);
    }
    this.tl.line('demo', `real servers up: r1..r3 (${REAL_SERVERS.map(rsAddress).join(', ')}) answer HTTP :${HTTP_PORT} with their name, echo on :${ECHO_PORT}`);
  }

  configText(host: Director): string {
    return directorConfig({
      routerId: host,
      priority: PRIORITY[host],
      backAddress: `10.2.0.${DIRECTOR_NUMBER[host]}`,
      advertInt: DEMO_ADVERT_INT_S,
      vip: DEMO_VIP,
      innerVip: DEMO_INNER_VIP,
      realServers: REAL_SERVERS.map((r) => ({ address: rsAddress(r), weight: WEIGHTS[r] })),
      httpPort: HTTP_PORT,
      echoPort: ECHO_PORT,
      keyFile: 'sync.key',
    });
  }

  startAgent(host: Director): Agent {
    const agent = this.agents.start('vipd', host, this.configText(host), [], { metricsListen: DEMO_METRICS });
    const onLine = (line: string): void => {
      const msg = agentMessage(line);
      this.logTimes.push({ host, atMs: Date.now(), msg });
      if (!this.quiet) this.tl.line(host, msg);
    };
    eachLine(agent.child.stdout, onLine);
    eachLine(agent.child.stderr, onLine);
    agent.child.once('exit', (code, signal) => {
      if (!this.quiet) this.tl.line(host, `[vipd process exited: ${signal ?? `code ${code}`}]`);
    });
    this.agentOf.set(host, agent);
    this.tl.line('demo', `started vipd on ${host} (pid ${agent.child.pid}): vipd run -f ${this.agents.dir}/${host}-vipd.conf --metrics-listen ${DEMO_METRICS}`);
    return agent;
  }

  agent(host: Director): Agent {
    const a = this.agentOf.get(host);
    if (!a) throw internalError(`no agent on ${host}`);
    return a;
  }

  assertRunning(hosts: readonly Director[]): void {
    for (const h of hosts) {
      const c = this.agent(h).child;
      if (c.exitCode !== null || c.signalCode !== null) {
        throw new VipdError('VIPD_ERR_DEMO', `vipd on ${h} exited early (${c.exitCode ?? c.signalCode}); its log is above`);
      }
    }
  }

  /** Wait until `host` holds both VIPs (checking that `running` agents are alive). */
  async waitHolder(host: Director, running: readonly Director[], timeoutMs: number): Promise<void> {
    const ok = await waitFor(
      async () => {
        this.assertRunning(running);
        return (await hasAddress(this.lab, host, DEMO_VIP)) && (await hasAddress(this.lab, host, DEMO_INNER_VIP));
      },
      timeoutMs,
      5,
    );
    if (!ok) throw new VipdError('VIPD_ERR_DEMO', `${host} did not take ${DEMO_VIP} and ${DEMO_INNER_VIP} within ${timeoutMs / 1000} s`);
  }

  /** First log line of `host` at or after `sinceMs` matching `re`, waiting up to timeoutMs; its epoch ms or null. */
  async waitLog(host: Director, re: RegExp, sinceMs: number, timeoutMs: number): Promise<number | null> {
    let at: number | null = null;
    await waitFor(
      () => {
        at = this.logTimes.find((l) => l.host === host && l.atMs >= sinceMs && re.test(l.msg))?.atMs ?? null;
        return at !== null;
      },
      timeoutMs,
      5,
    );
    return at;
  }

  async scrape(host: Director): Promise<Map<string, number>> {
    const { stdout } = await this.lab.exec(host, [process.execPath, '-e', FETCH_SCRIPT, `http://${DEMO_METRICS}/metrics`]);
    return parsePrometheusText(stdout);
  }

  async scrapeWhenUp(host: Director, timeoutMs: number): Promise<void> {
    const ok = await waitFor(async () => (await this.scrape(host).catch(() => null)) !== null, timeoutMs, 100);
    if (!ok) throw new VipdError('VIPD_ERR_DEMO', `${host}'s metrics on ${DEMO_METRICS} did not answer within ${timeoutMs / 1000} s`);
  }

  startClient(): void {
    this.client = new JsonPeer(this.lab.spawn('c1', [process.execPath, script('demoClientPeer'), DEMO_VIP]));
  }

  private peer(): JsonPeer {
    if (!this.client) throw internalError('the demo client is not running');
    return this.client;
  }

  /** n HTTP requests through the VIP, each on a new connection → count per real server. */
  async burst(n: number): Promise<Record<string, number>> {
    return tally(await this.peer().value<string[]>('burst', { n }));
  }

  /** Wait until every real server is in the master's table: a burst of 5 reaches all three. */
  async waitAllServing(timeoutMs: number): Promise<boolean> {
    return waitFor(async () => Object.keys(await this.burst(5)).filter((k) => k.startsWith('r')).length === 3, timeoutMs, 200);
  }

  openLongLived(k: number): Promise<string[]> {
    return this.peer().value<string[]>('open', { k });
  }

  setBeat(on: boolean): Promise<void> {
    return this.peer().value<void>('beat', { on });
  }

  echoGap(): Promise<{ maxGapMs: number; echoes: number; sent: number }> {
    return this.peer().value('gap');
  }

  checkLongLived(): Promise<CheckResult> {
    return this.peer().value<CheckResult>('check');
  }

  /** SIGKILL a real server's HTTP server (its echo server and connections stay). Epoch ms of the kill. */
  async killHttp(r: RealServer): Promise<number> {
    const child = this.httpServer.get(r);
    if (!child) throw internalError(`no HTTP server on ${r}`);
    const exited = new Promise((res) => child.once('exit', res));
    const at = Date.now();
    child.kill('SIGKILL');
    await exited;
    return at;
  }

  /** Start a real server's HTTP server again. Epoch ms when it listens. */
  async restartHttp(r: RealServer): Promise<number> {
    this.httpServer.set(r, await this.startServer(r, 'http', HTTP_PORT));
    return Date.now();
  }

  /** Pattern of the master's log line when `r` leaves (up=false) or rejoins VIP:80. */
  static serviceLine(r: RealServer, up: boolean): RegExp {
    const addr = rsAddress(r).replace(/\./g, '\\.');
    return new RegExp(`${up ? 'Adding' : 'Removing'} service \\[${addr}\\]:tcp:${HTTP_PORT} `);
  }

  /** The master dies: its vipd is SIGKILLed and both its switch ports go down at once (a power cut). */
  async killDirector(host: Director): Promise<number> {
    const at = Date.now();
    this.agent(host).child.kill('SIGKILL');
    await this.lab.setPort('fr', host, false);
    await this.lab.setPort('bk', host, false);
    return at;
  }

  silence(): void {
    this.quiet = true;
  }

  async sleep(ms: number): Promise<void> {
    await sleep(ms);
  }
}
