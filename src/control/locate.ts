// Where `vipd status` (and any later client command) looks for the agent when given no --socket/--url:
// the control socket of its own identity (socketPath.ts), then any single agent found in the run folders,
// then the default HTTP endpoint — so an agent with moved or disabled metrics is still found without flags.
import { readdirSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentNetnsName } from './netnsName.js';
import { probeSocket } from './probeSocket.js';
import { agentRunDir, controlSocketCandidates, runBases, type RunDirEnv, type SocketIdentity } from './socketPath.js';

export interface AgentSearch {
  /** The wanted identity's socket paths, in order (controlSocketCandidates). */
  readonly socketPaths: readonly string[];
  /** Run folder bases scanned for other agents' sockets when none of socketPaths exists; [] for none. */
  readonly scanBases: readonly string[];
  /** The HTTP endpoint tried last; null for none. */
  readonly url: string | null;
  /** What the user asked for, for messages ("--config-id lb1"); empty when nothing was asked. */
  readonly asked: string;
}

export function processRunDirEnv(): RunDirEnv {
  return { xdgRuntimeDir: process.env.XDG_RUNTIME_DIR || undefined, uid: process.getuid?.() ?? 0, tmpDir: tmpdir() };
}

/**
 * The search for `vipd status` flags. With --config-id or --netns the user named one agent: only its socket
 * is read. Without them: this namespace's default socket, then a scan, then `defaultUrl`.
 */
export function agentSearch(
  flags: { configId?: string; netns?: string },
  defaultUrl: string,
  env: RunDirEnv = processRunDirEnv(),
  ownNetns: () => string | undefined = currentNetnsName,
): AgentSearch {
  const explicit = flags.configId !== undefined || flags.netns !== undefined;
  const id: SocketIdentity = {
    ...(flags.configId ? { configId: flags.configId } : {}),
    ...((flags.netns ?? ownNetns()) ? { netns: flags.netns ?? ownNetns() } : {}),
  };
  const asked = [flags.netns !== undefined ? `--netns ${flags.netns}` : '', flags.configId !== undefined ? `--config-id ${flags.configId}` : '']
    .filter(Boolean)
    .join(' ');
  // Inside a named namespace only that namespace's agents are candidates (its folder under each base); on the
  // host, every folder, so an agent that runs in a namespace is found from outside it too.
  return {
    socketPaths: controlSocketCandidates(id, env),
    scanBases: explicit ? [] : runBases(env).map((base) => agentRunDir(id, base)),
    url: explicit ? null : defaultUrl,
    asked,
  };
}

export function isSocketFile(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Sockets named like control sockets directly in `base` or one folder (a namespace) below it. */
export function listControlSockets(base: string): string[] {
  const out: string[] = [];
  const isControl = (name: string): boolean => /^vipd(_.+)?\.sock$/.test(name);
  for (const name of entries(base)) {
    const p = join(base, name);
    if (isControl(name) && isSocketFile(p)) out.push(p);
    else {
      for (const inner of entries(p)) if (isControl(inner) && isSocketFile(join(p, inner))) out.push(join(p, inner));
    }
  }
  return out;
}

/** The sockets under `bases` that an agent answers on (stale ones left by killed agents are skipped). */
export async function liveControlSockets(bases: readonly string[], except: ReadonlySet<string> = new Set()): Promise<string[]> {
  const found = [...new Set(bases.flatMap(listControlSockets))].filter((p) => !except.has(p));
  const states = await Promise.all(found.map(probeSocket));
  return found.filter((_, i) => states[i] === 'live');
}
