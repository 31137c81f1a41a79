// Throwaway network-namespace labs for `vipd demo`, the integration tests and the benches. Lab setup is the
// one place besides scripts that spawns processes (`ip`, `sysctl`): it is never on the failover path.
// Every name carries the lab's prefix so labs can run side by side, and destroy() removes everything the lab
// made — namespaces (which takes their links with them) and the processes it started.
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { promisify } from 'node:util';
import { VipdError } from '../errors/vipdError.js';

const execFileP = promisify(execFile);

export interface ExecResult {
  stdout: string;
  stderr: string;
}

/** Why a namespace lab cannot run here, or null when it can. */
export function labUnavailableReason(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) to create network namespaces';
  return null;
}

export class Lab {
  private readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();

  /** prefix: short (≤ 6 chars) and unique per concurrently running lab. */
  constructor(readonly prefix: string) {}

  /** Full namespace name for a short host name. */
  ns(host: string): string {
    return `${this.prefix}-${host}`;
  }

  async run(cmd: string, args: string[]): Promise<ExecResult> {
    try {
      const { stdout, stderr } = await execFileP(cmd, args, { maxBuffer: 64 * 1024 * 1024 });
      return { stdout, stderr };
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new VipdError('VIPD_ERR_LAB_COMMAND', `${cmd} ${args.join(' ')}: ${(e.stderr ?? '').trim() || e.message}`);
    }
  }

  /** Run a command inside a host's namespace and wait for it. */
  exec(host: string, cmd: string[]): Promise<ExecResult> {
    return this.run('ip', ['netns', 'exec', this.ns(host), ...cmd]);
  }

  /** `ip` inside a host's namespace. */
  ip(host: string, ...args: string[]): Promise<ExecResult> {
    return this.run('ip', ['-n', this.ns(host), ...args]);
  }

  /** Start a long-running process in a host's namespace; destroy() kills it if still running. */
  spawn(host: string, cmd: string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns(host), ...cmd], { stdio: 'pipe', ...opts });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    child.on('error', () => this.children.delete(child));
    return child;
  }

  async addHost(host: string): Promise<void> {
    const name = this.ns(host);
    await this.run('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    await this.ip(host, 'link', 'set', 'lo', 'up');
    // Labs never need DAD delays; IPv6 addresses must be usable at once.
    await this.exec(host, ['sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
  }

  /** A bridge (in its own namespace `switchHost`) that hosts are plugged into. */
  async addSwitch(switchHost: string, bridge = 'br0'): Promise<void> {
    await this.addHost(switchHost);
    await this.ip(switchHost, 'link', 'add', bridge, 'type', 'bridge', 'mcast_snooping', '0');
    await this.ip(switchHost, 'link', 'set', bridge, 'up');
  }

  /**
   * Plug a host into a switch with a veth pair: `ifname` inside the host, `port` on the switch side.
   * Returns the host-side interface name.
   */
  async plug(host: string, ifname: string, switchHost: string, port: string, bridge = 'br0'): Promise<string> {
    await this.ip(host, 'link', 'add', ifname, 'type', 'veth', 'peer', 'name', port, 'netns', this.ns(switchHost));
    await this.ip(switchHost, 'link', 'set', port, 'master', bridge);
    await this.ip(switchHost, 'link', 'set', port, 'up');
    await this.ip(host, 'link', 'set', ifname, 'up');
    return ifname;
  }

  async addAddress(host: string, ifname: string, cidr: string): Promise<void> {
    await this.ip(host, 'addr', 'add', cidr, 'dev', ifname);
  }

  /** Cut (down) or restore (up) a switch port: the host sees carrier loss on its side of the veth. */
  async setPort(switchHost: string, port: string, up: boolean): Promise<void> {
    await this.ip(switchHost, 'link', 'set', port, up ? 'up' : 'down');
  }

  async destroy(): Promise<void> {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    this.children.clear();
    for (const name of this.namespaces.splice(0).reverse()) {
      // Kill anything still running in the namespace (e.g. keepalived's own children), then delete it.
      await this.run('ip', ['netns', 'pids', name])
        .then(({ stdout }) => {
          for (const pid of stdout.split(/\s+/).filter(Boolean)) {
            try {
              process.kill(Number(pid), 'SIGKILL');
            } catch {
              /* already gone */
            }
          }
        })
        .catch(() => undefined);
      await this.run('ip', ['netns', 'del', name]).catch(() => undefined);
    }
  }
}

export interface PairLabAddresses {
  /** Second octet of 10.X.0.0/24, so concurrent labs could also differ in addressing. */
  net: number;
}

/**
 * design.md's pair topology: switch `sw` with directors d1 (10.N.0.1), d2 (10.N.0.2) and client c1 (10.N.0.10),
 * each with `eth0`; IPv6 fdNN:1::1/::2/::10. Switch ports are named after the hosts.
 */
export async function buildPairLab(lab: Lab, net = 1, hosts = ['d1', 'd2', 'c1']): Promise<void> {
  const hostNumber: Record<string, number> = { d1: 1, d2: 2, d3: 3, c1: 10 };
  await lab.addSwitch('sw');
  for (const host of hosts) {
    await lab.addHost(host);
    await lab.plug(host, 'eth0', 'sw', host);
    const n = hostNumber[host] ?? 20 + hosts.indexOf(host);
    await lab.addAddress(host, 'eth0', `10.${net}.0.${n}/24`);
    await lab.addAddress(host, 'eth0', `fd00:${net}::${n.toString(16)}/64`);
  }
}
