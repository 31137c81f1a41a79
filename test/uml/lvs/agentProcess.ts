// keepalived 2.2.7 or vipd as a process of a guest scenario, on a keepalived.conf, optionally inside a network
// namespace (`ip netns exec` execs the agent, so the pid is the agent's). Each agent leads its own process
// group: a "node death" kills keepalived's children with it. Shared by test/uml/scenarios/lvsGuest.ts and
// test/uml/scenarios/pairGuest.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, sh, sleep } from './labClient.js';
import type { Agent } from './results.js';

export const VIPD = join(REPO, 'bin/vipd');

export interface RunningAgent {
  agent: Agent;
  child: ChildProcess;
  logPath: string;
  exitCode: number | null | undefined;
  exited: Promise<void>;
}

export interface AgentStart {
  agent: Agent;
  conf: string;
  /** Names the log, pid files and control socket: unique per concurrently running agent. */
  tag: string;
  outDir: string;
  /** Run inside this network namespace (ip netns exec). */
  netns?: string;
}

export function startAgent(s: AgentStart): RunningAgent {
  const { agent, conf, tag, outDir } = s;
  const logPath = join(outDir, `${tag}-${agent}.log`);
  const log = openSync(logPath, 'a');
  const statsDir = join(outDir, `${tag}-stats`);
  mkdirSync(statsDir, { recursive: true });
  // A restart after a SIGKILL finds the dead run's pid files and control socket: never let them get in the way.
  for (const f of ['ka.pid', 'ka-check.pid', 'ka-vrrp.pid', 'vipd.sock']) rmSync(join(outDir, `${tag}-${f}`), { force: true });
  const argv =
    agent === 'keepalived'
      ? ['keepalived', '-n', '-l', '-D', '-f', conf, '-p', join(outDir, `${tag}-ka.pid`), '-c', join(outDir, `${tag}-ka-check.pid`), '-r', join(outDir, `${tag}-ka-vrrp.pid`)]
      : [process.execPath, VIPD, 'run', '-f', conf, '--metrics-listen', 'off', '--control-socket', join(outDir, `${tag}-vipd.sock`), '--stats-dir', statsDir];
  const [cmd, ...args] = s.netns ? ['ip', 'netns', 'exec', s.netns, ...argv] : argv;
  const child = spawn(cmd!, args, { stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  const a: RunningAgent = { agent, child, logPath, exitCode: undefined, exited: Promise.resolve() };
  a.exited = new Promise((resolve) => child.on('exit', (code) => ((a.exitCode = code), resolve())));
  return a;
}

/** SIGTERM, wait up to `boundMs`: ms to exit, or null (not running, or it needed a SIGKILL). */
export async function stopAgent(a: RunningAgent, boundMs = 20_000): Promise<number | null> {
  if (a.exitCode !== undefined) return null;
  const t0 = Date.now();
  a.child.kill('SIGTERM');
  const done = await Promise.race([a.exited.then(() => true), sleep(boundMs).then(() => false)]);
  if (!done) {
    await killAgent(a);
    return null;
  }
  return Date.now() - t0;
}

/** SIGKILL to the agent's whole process group (keepalived's VRRP and checker children too), then wait. */
export async function killAgent(a: RunningAgent): Promise<void> {
  if (a.exitCode !== undefined || a.child.pid === undefined) return;
  try {
    process.kill(-a.child.pid, 'SIGKILL');
  } catch {
    a.child.kill('SIGKILL');
  }
  await a.exited;
}

export function logTail(a: RunningAgent, chars = 3000): string {
  return existsSync(a.logPath) ? readFileSync(a.logPath, 'utf8').slice(-chars) : '';
}

export function agentVersion(agent: Agent): string {
  const text = agent === 'keepalived' ? sh('keepalived', ['--version']) : sh(process.execPath, [VIPD, '--version']);
  return text.split('\n')[0]?.trim() ?? '';
}
