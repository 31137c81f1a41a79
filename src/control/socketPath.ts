// Where an agent's control socket lives: one documented default, unique per --config-id and per network
// namespace, so `vipd status` finds the agent with no flags (as birdc and chronyc find their daemons).
// Pure: the caller supplies the environment. The agent binds the first candidate whose folder it can
// create; the client looks in the same candidates, in the same order.
import { join } from 'node:path';

/** The run folder (systemd: RuntimeDirectory=vipd). */
export const RUN_DIR = '/run/vipd';

/** sun_path is 108 bytes including the terminating NUL (unix(7)). */
export const MAX_SOCKET_PATH_BYTES = 107;

/** What makes one agent's socket differ from another's on the same file system. */
export interface SocketIdentity {
  /** `--config-id`, only when given explicitly (the hostname default names no file, as in keepalived). */
  readonly configId?: string;
  /** The named network namespace the agent runs in (`net_namespace`, or `ip netns exec NAME`). */
  readonly netns?: string;
}

/** The parts of the process environment the fallback folder depends on. */
export interface RunDirEnv {
  /** $XDG_RUNTIME_DIR, when set (a user's /run/user/UID). */
  readonly xdgRuntimeDir?: string;
  readonly uid: number;
  /** os.tmpdir() */
  readonly tmpDir: string;
}

/** A file-name-safe form of a name: '/' and NUL would leave the folder, so they become '_'. */
function component(name: string): string {
  return name.replace(/[/\0]/g, '_');
}

/**
 * The run folder of an agent: RUN_DIR, or RUN_DIR/NETNS inside a named namespace — keepalived's layout
 * (namespaces.c: /run/keepalived/NAMESPACE holds the pid files of a keepalived in that namespace).
 */
export function agentRunDir(id: Pick<SocketIdentity, 'netns'> = {}, base = RUN_DIR): string {
  return id.netns ? join(base, component(id.netns)) : base;
}

/**
 * The control socket path: /run/vipd/vipd.sock; /run/vipd/vipd_ID.sock with --config-id ID (keepalived names
 * pid files keepalived_INSTANCE.pid the same way, main.c make_pidfile_name); /run/vipd/NETNS/vipd[_ID].sock
 * inside a named network namespace.
 */
export function controlSocketPath(id: SocketIdentity = {}, base = RUN_DIR): string {
  const file = id.configId ? `vipd_${component(id.configId)}.sock` : 'vipd.sock';
  return join(agentRunDir(id, base), file);
}

/** Where an agent that cannot create RUN_DIR (no root, read-only /run) puts its run folder instead. */
export function fallbackRunBase(env: RunDirEnv): string {
  return env.xdgRuntimeDir ? join(env.xdgRuntimeDir, 'vipd') : join(env.tmpDir, `vipd-${env.uid}`);
}

/** Run folder bases in the order the agent tries them and the client looks in them. */
export function runBases(env: RunDirEnv): string[] {
  const fallback = fallbackRunBase(env);
  return fallback === RUN_DIR ? [RUN_DIR] : [RUN_DIR, fallback];
}

/** controlSocketPath in every base, in order. */
export function controlSocketCandidates(id: SocketIdentity, env: RunDirEnv): string[] {
  return runBases(env).map((base) => controlSocketPath(id, base));
}

/** The flags that select this identity in `vipd status`, for messages ("--netns blue -i lb1"). */
export function identityFlags(id: SocketIdentity): string {
  return [id.netns ? `--netns ${id.netns}` : '', id.configId ? `--config-id ${id.configId}` : ''].filter(Boolean).join(' ');
}

/** Inverse of controlSocketPath for discovered sockets: the identity a path under `base` stands for. */
export function identityOfSocket(path: string, base: string): SocketIdentity | null {
  if (!path.startsWith(`${base}/`)) return null;
  const parts = path.slice(base.length + 1).split('/');
  if (parts.length > 2) return null;
  const file = parts.at(-1)!;
  const m = /^vipd(?:_(.+))?\.sock$/.exec(file);
  if (!m) return null;
  return { ...(parts.length === 2 ? { netns: parts[0]! } : {}), ...(m[1] ? { configId: m[1] } : {}) };
}
