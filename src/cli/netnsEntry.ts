// keepalived's `net_namespace NAME`: the whole agent runs inside the network namespace bound at
// /run/netns/NAME (keepalived: setns() in main.c:2616-2626 via namespaces.c set_namespaces, before any socket).
// vipd gets there by re-executing itself in place (native execInNetns: setns, then execve — same pid, nothing
// spawned, every thread born inside; the reasons are in native/vipd_net.c). On the second pass the process
// finds itself inside and goes on. This runs once at start-up, never on the failover path.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { VipdError } from '../errors/vipdError.js';
import { nativeNet } from '../net/native.js';

/** Where `ip netns add NAME` binds a namespace (keepalived: RUNSTATEDIR "/netns/"; /var/run is /run). */
export const NETNS_DIR = '/run/netns';
/** Set across the re-exec, so that a process that is still not inside stops instead of re-executing forever. */
export const ENTERED_ENV = 'VIPD_NETNS_ENTERED';

/** A namespace's identity: the nsfs inode behind /proc/self/ns/net or a /run/netns bind mount. */
export interface NetnsIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
}

export type NetnsStep =
  | { readonly kind: 'inside' }
  | { readonly kind: 'enter'; readonly nsPath: string }
  | { readonly kind: 'error'; readonly message: string };

export function netnsPath(name: string): string {
  return join(NETNS_DIR, name);
}

/** What to do for `net_namespace name`, given where the process is and what /run/netns/name is. Pure. */
export function decideNetnsStep(
  name: string,
  current: NetnsIdentity,
  target: NetnsIdentity | null,
  enteredBefore: string | undefined,
): NetnsStep {
  const nsPath = netnsPath(name);
  if (!target) return { kind: 'error', message: missingMessage(name) };
  if (target.dev === current.dev && target.ino === current.ino) return { kind: 'inside' };
  if (enteredBefore === name) {
    return { kind: 'error', message: `net_namespace ${name}: re-executed into ${nsPath} but the process is still not inside it` };
  }
  return { kind: 'enter', nsPath };
}

function missingMessage(name: string): string {
  return `net_namespace ${name}: there is no network namespace ${name} (${netnsPath(name)} does not exist; create it with \`ip netns add ${name}\`)`;
}

/** Why joining failed, in the operator's terms (errors from native execInNetns carry code and syscall). */
export function describeEnterError(name: string, err: unknown): string {
  const e = err as { code?: string; syscall?: string; message?: string };
  const nsPath = netnsPath(name);
  if (e.code === 'ENOENT' && e.syscall === 'open') return missingMessage(name);
  if (e.code === 'EPERM' && e.syscall === 'setns') return `net_namespace ${name}: cannot enter ${nsPath}: setns needs CAP_SYS_ADMIN`;
  if (e.code === 'EINVAL' && e.syscall === 'setns') return `net_namespace ${name}: ${nsPath} is not a network namespace`;
  return `net_namespace ${name}: cannot enter ${nsPath}: ${e.message ?? String(err)}`;
}

/** The OS edge of the entry, injectable for tests. */
export interface NetnsPorts {
  /** Identity of a namespace file; null when it does not exist. */
  identify(path: string): NetnsIdentity | null;
  /** Join nsPath and execve argv; returns only by throwing. */
  execIn(nsPath: string, argv: readonly string[]): never;
  readonly env: Record<string, string | undefined>;
  /** The command line to run again: node, its flags, the script and its arguments. */
  readonly argv: readonly string[];
}

export function processNetnsPorts(): NetnsPorts {
  return {
    identify: (path) => {
      try {
        const st = statSync(path, { bigint: true });
        return { dev: st.dev, ino: st.ino };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    execIn: (nsPath, argv) => {
      const net = nativeNet();
      if (!net.execInNetns) throw new VipdError('VIPD_ERR_NATIVE_UNAVAILABLE', 'the vipd_net addon predates execInNetns; rebuild it with `npm ci`');
      return net.execInNetns(nsPath, argv);
    },
    env: process.env,
    argv: [process.execPath, ...process.execArgv, ...process.argv.slice(1)],
  };
}

/**
 * Make sure this process runs inside `net_namespace name`: returns null once it does (after the re-exec, or at
 * once when it was started inside, e.g. under `ip netns exec`), or an error message. When the process is not
 * inside yet, a successful call does not return: the process image is replaced.
 */
export function enterNetns(name: string, ports: NetnsPorts): string | null {
  let step: NetnsStep;
  try {
    const current = ports.identify('/proc/self/ns/net');
    if (!current) return `net_namespace ${name}: /proc/self/ns/net is missing (is /proc mounted?)`;
    step = decideNetnsStep(name, current, ports.identify(netnsPath(name)), ports.env[ENTERED_ENV]);
  } catch (err) {
    return `net_namespace ${name}: cannot read ${netnsPath(name)}: ${(err as Error).message}`;
  }
  if (step.kind === 'error') return step.message;
  if (step.kind === 'inside') {
    // Scripts started later inherit the environment; the marker has done its job.
    delete ports.env[ENTERED_ENV];
    return null;
  }
  ports.env[ENTERED_ENV] = name;
  try {
    ports.execIn(step.nsPath, ports.argv);
  } catch (err) {
    delete ports.env[ENTERED_ENV];
    return describeEnterError(name, err);
  }
}
