// Who runs a script and whether it may run at all (keepalived core/notify.c check_script_secure, 830+):
// the script user is `script_user` if configured, else `keepalived_script` if that user exists, else root;
// a bare command name is searched in PATH; a script not executable by its user is disabled; when it runs
// with root rights every component of its path must be root-owned and not writable by others, or — with
// `enable_script_security` — it is disabled (check_security, notify.c:690-745).
import type { ScriptSpawner } from './exec.js';
import { readFile, realpath, lstat, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, delimiter, dirname, join } from 'node:path';

export interface ScriptIdentity {
  readonly uid: number;
  readonly gid: number;
  readonly name: string;
}

/** How a subsystem runs its scripts (notify, LVS notify/quorum/MISC): every field has a real default; tests fake them. */
export interface ScriptRunOptions {
  readonly spawner?: ScriptSpawner;
  readonly prepare?: (argv: readonly string[], who: ScriptIdentity, enableScriptSecurity: boolean) => Promise<PreparedScript | { error: string }>;
  readonly accounts?: () => Promise<Accounts>;
  readonly self?: ScriptIdentity;
  readonly env?: NodeJS.ProcessEnv;
  /** Kill a script still running after this long (keepalived has none; default 60 s). */
  readonly scriptTimeoutMs?: number;
}

export interface Accounts {
  readonly users: ReadonlyMap<string, { uid: number; gid: number }>;
  readonly groups: ReadonlyMap<string, number>;
}

/** /etc/passwd and /etc/group text → name maps (pure). */
export function parseAccounts(passwd: string, group: string): Accounts {
  const users = new Map<string, { uid: number; gid: number }>();
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length >= 4 && f[0] && /^\d+$/.test(f[2]!) && /^\d+$/.test(f[3]!)) users.set(f[0], { uid: Number(f[2]), gid: Number(f[3]) });
  }
  const groups = new Map<string, number>();
  for (const line of group.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && f[0] && /^\d+$/.test(f[2]!)) groups.set(f[0], Number(f[2]));
  }
  return { users, groups };
}

export async function readAccounts(passwdPath = '/etc/passwd', groupPath = '/etc/group'): Promise<Accounts> {
  const [p, g] = await Promise.all([readFile(passwdPath, 'utf8').catch(() => ''), readFile(groupPath, 'utf8').catch(() => '')]);
  return parseAccounts(p, g);
}

export type UserSpec = { readonly user: string; readonly group: string | null } | null;

/** A user (name or number) and optional group → ids; an error string when unknown. */
export function resolveUser(spec: NonNullable<UserSpec>, accounts: Accounts): ScriptIdentity | { error: string } {
  const byName = accounts.users.get(spec.user);
  const uid = byName?.uid ?? (/^\d+$/.test(spec.user) ? Number(spec.user) : undefined);
  if (uid === undefined) return { error: `unknown user ${spec.user}` };
  let gid = byName?.gid;
  if (spec.group !== null) {
    gid = accounts.groups.get(spec.group) ?? (/^\d+$/.test(spec.group) ? Number(spec.group) : undefined);
    if (gid === undefined) return { error: `unknown group ${spec.group}` };
  }
  if (gid === undefined) return { error: `user ${spec.user} has no group; give one` };
  return { uid, gid, name: spec.user };
}

/** Default script user: script_user, else keepalived_script if it exists, else ourselves (keepalived). */
export function defaultScriptUser(configured: UserSpec, accounts: Accounts, self: ScriptIdentity): ScriptIdentity | { error: string } {
  if (configured) return resolveUser(configured, accounts);
  const ks = accounts.users.get('keepalived_script');
  return ks ? { ...ks, name: 'keepalived_script' } : self;
}

export function selfIdentity(): ScriptIdentity {
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, name: 'self' };
}

/** keepalived is_executable (notify.c:449-456). */
export function isExecutableBy(st: Pick<Stats, 'mode' | 'uid' | 'gid'>, uid: number, gid: number): boolean {
  const m = st.mode;
  if (uid === 0) return (m & 0o111) !== 0;
  if (uid === st.uid) return (m & 0o100) !== 0;
  return gid === st.gid ? (m & 0o010) !== 0 : (m & 0o001) !== 0;
}

/**
 * One path component is unsafe if not owned by root, or — a regular file, or a directory without the sticky
 * bit — writable by a non-root group or by everyone (notify.c check_security). A symbolic link's own mode means
 * nothing (always 0777): only its owner counts. Pure.
 */
export function unsafeComponent(st: Pick<Stats, 'mode' | 'uid' | 'gid'> & { isDirectory(): boolean; isFile(): boolean }): boolean {
  if (st.uid !== 0) return true;
  const sticky = (st.mode & 0o1000) !== 0;
  const modeCounts = (st.isDirectory() && !sticky) || st.isFile();
  return modeCounts && ((st.gid !== 0 && (st.mode & 0o020) !== 0) || (st.mode & 0o002) !== 0);
}

type PathVerdict = { unsafe: string } | { wrongType: string } | { missing: string } | null;

/**
 * keepalived's check_security: every prefix of `path` from '/' is lstat()ed (symlinks not followed); all but the
 * last must be directories, the last a regular file or a symlink, and none unsafe (unsafeComponent).
 */
async function checkPathSecure(path: string): Promise<PathVerdict> {
  const parts = path.split('/').filter(Boolean);
  const prefixes = ['/', ...parts.map((_, i) => '/' + parts.slice(0, i + 1).join('/'))];
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i]!;
    const st = await lstat(p).catch(() => null);
    if (!st) return { missing: p };
    const last = i === prefixes.length - 1;
    if (last ? !st.isFile() && !st.isSymbolicLink() : !st.isDirectory()) return { wrongType: p };
    if (unsafeComponent(st)) return { unsafe: p };
  }
  return null;
}

/**
 * The command path keepalived runs and checks (notify.c check_script_secure, "Remove /./, /../, multiple /'s,
 * and resolve symbolic links"): the canonical path, except that the file name the config gave is kept when it
 * names the same file in the canonical directory (some programs behave by the name they are called by: on a
 * merged-/usr system `/bin/sh` becomes `/usr/bin/sh`, not `/usr/bin/dash`). `realFile` is the resolved file when
 * it differs from `command`; both are checked.
 */
async function canonicalCommand(path: string, real: string): Promise<{ command: string; realFile: string | null }> {
  if (real === path) return { command: path, realFile: null };
  const given = basename(path);
  if (given === basename(real)) return { command: real, realFile: null };
  const keepName = join(dirname(real), given);
  const [r, k] = await Promise.all([stat(real).catch(() => null), stat(keepName).catch(() => null)]);
  if (r && (!k || r.dev !== k.dev || r.ino !== k.ino)) return { command: real, realFile: null };
  return { command: keepName, realFile: real };
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface PreparedScript {
  readonly argv: readonly string[];
  readonly uid: number;
  readonly gid: number;
  readonly warnings: readonly string[];
}

/**
 * Check a script before first use; an `error` means "disabled" (keepalived logs and never runs it).
 * `self` is who we run as: ids are only passed to spawn when they differ.
 */
export async function prepareScript(
  argv: readonly string[],
  who: ScriptIdentity,
  enableScriptSecurity: boolean,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PreparedScript | { error: string }> {
  const cmd = argv[0];
  if (!cmd) return { error: 'empty script' };
  let path = cmd;
  if (!cmd.includes('/')) {
    let found: string | null = null;
    for (const dir of (env['PATH'] || DEFAULT_PATH).split(delimiter)) {
      const candidate = join(dir || '.', cmd);
      const st = await stat(candidate).catch(() => null);
      if (st?.isFile()) {
        found = candidate;
        break;
      }
    }
    if (!found) return { error: `Cannot find script ${cmd} in path - disabling` };
    path = found;
  }
  const real = await realpath(path).catch(() => null);
  if (!real) return { error: `Script ${cmd} cannot be accessed - disabling` };
  const { command, realFile } = await canonicalCommand(path, real);
  const st = await stat(realFile ?? command).catch(() => null);
  if (!st) return { error: `Script ${cmd} cannot be accessed - disabling` };
  if (!st.isFile()) return { error: `Wrong file type found in script path '${cmd}' - disabling` };
  if (!isExecutableBy(st, who.uid, who.gid)) {
    return { error: `WARNING - script '${cmd}' is not executable for uid:gid ${who.uid}:${who.gid} - disabling.` };
  }
  const warnings: string[] = [];
  // Only a script that runs with root rights (or is setuid/setgid root) needs a safe path (notify.c:966-972).
  const needsProtection =
    who.uid === 0 || who.gid === 0 || (st.uid === 0 && (st.mode & 0o4100) === 0o4100) || (st.gid === 0 && (st.mode & 0o2010) === 0o2010);
  if (needsProtection) {
    for (const p of realFile ? [command, realFile] : [command]) {
      const verdict = await checkPathSecure(p);
      if (verdict === null) continue;
      if ('missing' in verdict) return { error: `check_script_secure could not find script '${p}' - disabling` };
      if ('wrongType' in verdict) return { error: `Wrong file type found in script path '${p}' (${verdict.wrongType}) - disabling` };
      const msg = `Unsafe permissions found for script '${cmd}' (${verdict.unsafe})`;
      if (enableScriptSecurity) return { error: `${msg} - disabling` };
      warnings.push(msg);
      break;
    }
  }
  return { argv: [command, ...argv.slice(1)], uid: who.uid, gid: who.gid, warnings };
}
