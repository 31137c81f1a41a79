// What `vipd demo` needs from the machine, and the housekeeping around its fixed-name lab: a lock so two demos
// never tear down each other's namespaces, and removal of namespaces an interrupted demo left behind.
import { accessSync, constants, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { delimiter, join } from 'node:path';
import { effectiveCapabilities } from '../daemon/capabilities.js';

const execFileP = promisify(execFile);

const CAP_NET_ADMIN = 12;
const CAP_NET_RAW = 13;
const CAP_SYS_ADMIN = 21;

export interface Requirement {
  what: string;
  ok: boolean;
}

/** First executable called `name` on PATH (plus the sbin directories sudo's PATH may lack), or null. */
export function findExecutable(name: string, path = process.env['PATH'] ?? ''): string | null {
  const dirs = [...path.split(delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin'].filter(Boolean);
  for (const dir of dirs) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

/** First `name` in the usual shared-library folders (what dlopen would find on Debian/Ubuntu/Fedora), or null. */
export function findLibrary(name: string): string | null {
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib64', '/lib64', '/usr/lib', '/lib', '/usr/local/lib'];
  for (const dir of dirs) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.R_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

/** Everything the demo needs, each marked present or missing. */
export function demoRequirements(capEff: bigint | null = effectiveCapabilities()): Requirement[] {
  const has = (cap: number): boolean => capEff !== null && (capEff & (1n << BigInt(cap))) !== 0n;
  return [
    { what: 'Linux (network namespaces)', ok: process.platform === 'linux' },
    {
      what: 'root, or the capabilities CAP_SYS_ADMIN + CAP_NET_ADMIN + CAP_NET_RAW (create namespaces, addresses, VRRP sockets) — e.g. `sudo ./bin/vipd demo`',
      ok: has(CAP_SYS_ADMIN) && has(CAP_NET_ADMIN) && has(CAP_NET_RAW),
    },
    { what: 'iproute2: the `ip` command with `ip netns` (Debian/Ubuntu: apt-get install iproute2)', ok: findExecutable('ip') !== null },
    {
      what: 'libnftables (the directors\' data plane on a kernel without IPVS; Debian/Ubuntu: apt-get install nftables)',
      ok: findLibrary('libnftables.so.1') !== null,
    },
  ];
}

/** Text explaining what is missing (and the one command installing the packages), or null when the demo can run. */
export function describeMissing(reqs: readonly Requirement[]): string | null {
  if (reqs.every((r) => r.ok)) return null;
  return [
    'vipd demo cannot run here. It builds a throwaway lab of network namespaces and needs:',
    ...reqs.map((r) => `  ${r.ok ? '[ok]     ' : '[MISSING]'} ${r.what}`),
    '',
    'Debian/Ubuntu, everything at once: sudo apt-get install iproute2 nftables',
    '',
  ].join('\n');
}

/** Namespaces whose name starts with `${prefix}-`. */
export async function namespacesWithPrefix(prefix: string): Promise<string[]> {
  const { stdout } = await execFileP('ip', ['netns', 'list']).catch(() => ({ stdout: '' }));
  return stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`${prefix}-`));
}

/** Pids of processes running inside a namespace. */
export async function namespacePids(name: string): Promise<number[]> {
  const { stdout } = await execFileP('ip', ['netns', 'pids', name]).catch(() => ({ stdout: '' }));
  return stdout.split(/\s+/).filter(Boolean).map(Number);
}

/**
 * Kill whatever runs in every `${prefix}-*` namespace and delete the namespaces (their veths go with them).
 * Returns the namespaces removed and the pids killed.
 */
export async function removeNamespaces(prefix: string): Promise<{ namespaces: string[]; pids: number[] }> {
  const namespaces = await namespacesWithPrefix(prefix);
  const pids: number[] = [];
  for (const name of namespaces) {
    for (const pid of await namespacePids(name)) {
      try {
        process.kill(pid, 'SIGKILL');
        pids.push(pid);
      } catch {
        /* already gone */
      }
    }
    await execFileP('ip', ['netns', 'del', name]).catch(() => undefined);
  }
  return { namespaces, pids };
}

/** Whether a pid is a live process. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A pid file so a second demo refuses to start instead of deleting the first one's namespaces as "stale".
 * Returns the pid of the demo already running, or null after taking the lock.
 */
export function takeLock(path: string): number | null {
  try {
    const other = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(other) && other > 0 && other !== process.pid && processAlive(other)) {
      const cmdline = readFileSync(`/proc/${other}/cmdline`, 'utf8');
      if (cmdline.includes('demo')) return other;
    }
  } catch {
    /* no lock, or its owner is gone */
  }
  writeFileSync(path, `${process.pid}\n`);
  return null;
}

export function releaseLock(path: string): void {
  try {
    if (Number(readFileSync(path, 'utf8').trim()) === process.pid) rmSync(path, { force: true });
  } catch {
    /* already gone */
  }
}
