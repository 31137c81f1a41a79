// Start and stop VRRP agents (vipd or real keepalived) inside lab namespaces, and observe where a VIP lives.
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import type { Lab } from './netns.js';

export type AgentKind = 'vipd' | 'keepalived';

export interface Agent {
  readonly kind: AgentKind;
  readonly host: string;
  readonly child: ChildProcess;
  /** Everything the agent printed so far (stdout + stderr). */
  output(): string;
  /** Send a signal and wait for the process to exit (SIGKILL after timeoutMs). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

/** Path of the vipd entry script in this checkout (dist/src/lab → repo root). */
export function vipdBin(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../bin/vipd');
}

/**
 * The node flags bin/vipd runs with (its `#!/usr/bin/env -S node …` line), so that agents started as
 * `node bin/vipd` (which skips the shebang) run as an installed vipd does.
 */
export function vipdNodeFlags(): string[] {
  const first = readFileSync(vipdBin(), 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!.*\bnode((?:\s+--\S+)*)\s*$/.exec(first);
  return m ? m[1]!.split(/\s+/).filter(Boolean) : [];
}

export interface AgentStartOptions {
  /** vipd only: value for `--metrics-listen` (default "off", so parallel labs never contend for a port). */
  metricsListen?: string;
  /**
   * vipd only: 'default' lets the agent pick its default control socket (/run/vipd/NETNS/vipd.sock, removed
   * when it stops; a SIGKILL leaves it behind). Otherwise the socket goes into this set's folder, removed by
   * destroy(), unless extraArgs name one.
   */
  controlSocket?: 'default';
  /** vipd only: node options before the script (V8 flags, --cpu-prof …). */
  nodeArgs?: string[];
}

export class AgentSet {
  /** Where the agents' config files (and keepalived pid files) are written; removed by destroy(). */
  readonly dir = mkdtempSync(join(tmpdir(), 'vipd-lab-'));
  private readonly agents: Agent[] = [];

  constructor(private readonly lab: Lab) {}

  writeConfig(name: string, text: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  start(kind: AgentKind, host: string, configText: string, extraArgs: string[] = [], opts: AgentStartOptions = {}): Agent {
    const conf = this.writeConfig(`${host}-${kind}.conf`, configText);
    const socket =
      opts.controlSocket === 'default' || extraArgs.includes('--control-socket') ? [] : ['--control-socket', join(this.dir, `${host}-vipd.sock`)];
    const cmd =
      kind === 'vipd'
        ? [process.execPath, ...vipdNodeFlags(), ...(opts.nodeArgs ?? []), vipdBin(), 'run', '-f', conf, '--metrics-listen', opts.metricsListen ?? 'off', ...socket, ...extraArgs]
        : [
            'keepalived',
            '--dont-fork',
            '--log-console',
            '--vrrp',
            '-f',
            conf,
            '-p',
            join(this.dir, `${host}-keepalived.pid`),
            '-r',
            join(this.dir, `${host}-vrrp.pid`),
            ...extraArgs,
          ];
    const child = this.lab.spawn(host, cmd);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((res) => {
      if (child.exitCode !== null) res(child.exitCode);
      child.once('exit', (code) => res(code));
      child.once('error', () => res(null));
    });
    const agent: Agent = {
      kind,
      host,
      child,
      output: () => out,
      exited,
      stop: async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000) => {
        if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
        // `ip netns exec` execs the agent, so the child pid is the agent itself.
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        const code = await exited;
        clearTimeout(timer);
        return code;
      },
    };
    this.agents.push(agent);
    return agent;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.agents.splice(0).map((a) => a.stop('SIGKILL', 2000)));
  }

  async destroy(): Promise<void> {
    await this.stopAll();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Whether `host` currently has `vip` (address without prefix) on any interface. */
export async function hasAddress(lab: Lab, host: string, vip: string): Promise<boolean> {
  const { stdout } = await lab.ip(host, '-j', 'addr', 'show');
  const links = JSON.parse(stdout) as { addr_info?: { local?: string }[] }[];
  return links.some((l) => (l.addr_info ?? []).some((a) => a.local === vip));
}

/** Hosts among `hosts` that hold `vip` right now. */
export async function holders(lab: Lab, hosts: string[], vip: string): Promise<string[]> {
  const held = await Promise.all(hosts.map((h) => hasAddress(lab, h, vip)));
  return hosts.filter((_, i) => held[i]);
}

/** Poll `check` every `everyMs` until it returns true; false on timeout. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The MAC a host's neighbour table maps `ip` to, or null. */
export async function neighbourMac(lab: Lab, host: string, ip: string): Promise<string | null> {
  const { stdout } = await lab.ip(host, '-j', 'neigh', 'show', ip);
  const rows = JSON.parse(stdout || '[]') as { lladdr?: string }[];
  return rows.find((r) => r.lladdr)?.lladdr ?? null;
}

/** MAC of an interface inside a host. */
export async function linkMac(lab: Lab, host: string, ifname: string): Promise<string> {
  const { stdout } = await lab.ip(host, '-j', 'link', 'show', ifname);
  return (JSON.parse(stdout) as { address: string }[])[0]!.address;
}

export function removeTemp(path: string): void {
  rmSync(path, { recursive: true, force: true });
}
