// A user-mode Linux guest for tests that need kernel features the host lacks (IPVS: the lab kernel has none).
// Debian's user-mode-linux package runs a 6.1 kernel as an ordinary process; with hostfs the host's root file
// system is the guest's, so node, the checkout and ipvsadm are all there. One boot runs a list of scenario
// commands from a generated init script and powers off; each writes its output to files in a work directory
// on the host file system, which the host reads once the guest is gone.
//
// Boot once per suite: node starts about ten times slower inside (≈ 5 s), so put many checks in one scenario.
// The guest mounts no tmpfs of its own on /tmp: its root is the host's file system, and a checkout under /tmp (where
// CI may clone) must stay visible to it. The work directory lives under /var/tmp.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

export const UML_BINARY = '/usr/bin/linux.uml';
export const UML_MODULES_ROOT = '/usr/lib/uml/modules';
const MODPROBE = '/usr/sbin/modprobe';

export interface UmlScenario {
  /** File-name-safe name: results go to <name>.out, <name>.err, <name>.rc in the work directory. */
  name: string;
  /** A shell command line run by /bin/sh inside the guest, in the checkout's directory. */
  command: string;
}

export interface UmlOptions {
  /** Modules loaded before the scenarios (dependencies follow), e.g. ['ip_vs', 'ip_vs_rr', 'dummy']. */
  modules: readonly string[];
  /** Shell lines run after the modules, before the scenarios (addresses, links …), stopping at none. */
  setup?: readonly string[];
  scenarios: readonly UmlScenario[];
  /** Wall-time bound for the whole boot; the guest is killed after it. */
  timeoutMs: number;
  /** The directory scenario commands run in (default: the current directory). */
  cwd?: string;
  memMb?: number;
}

export interface UmlScenarioResult {
  /** Exit code, or null when the scenario did not finish (guest killed or crashed). */
  rc: number | null;
  stdout: string;
  stderr: string;
}

export interface UmlRun {
  /** The work directory (shared with the guest): scenarios may write more files there ($UML_OUT). */
  dir: string;
  results: Map<string, UmlScenarioResult>;
  /** Modules that failed to load, with modprobe's message. */
  moduleErrors: string;
  /** The guest console (kernel messages); read it when a scenario did not finish. */
  console: string;
  timedOut: boolean;
  wallMs: number;
  /** Remove the work directory. */
  cleanup(): void;
}

/** The UML kernel's module version directory (e.g. "6.1.176"), or null when none is installed. */
export function umlKernelVersion(): string | null {
  if (!existsSync(UML_MODULES_ROOT)) return null;
  const versions = readdirSync(UML_MODULES_ROOT).sort();
  return versions.at(-1) ?? null;
}

/** Why UML tests cannot run here, or null when they can. */
export function umlUnavailableReason(modules: readonly string[] = []): string | null {
  if (process.platform !== 'linux') return 'user-mode Linux needs a Linux host';
  if (process.getuid?.() !== 0) return 'needs root (the guest boots on the host root file system through hostfs)';
  if (!existsSync(UML_BINARY)) return `${UML_BINARY} is missing (apt-get install user-mode-linux)`;
  if (!existsSync(MODPROBE)) return `${MODPROBE} is missing (apt-get install kmod)`;
  const version = umlKernelVersion();
  if (!version) return `no UML kernel modules under ${UML_MODULES_ROOT} (apt-get install user-mode-linux)`;
  const dir = join(UML_MODULES_ROOT, version);
  const listing = existsSync(join(dir, 'modules.dep')) ? readFileSync(join(dir, 'modules.dep'), 'utf8') : '';
  for (const m of modules) {
    if (!new RegExp(`/${m.replace(/_/g, '[_-]')}\\.ko(\\.[a-z]+)?:`).test(listing)) return `UML kernel module ${m} is missing from ${dir}`;
  }
  return null;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The guest's init: mount proc/sys (not /tmp: see the top of this file), point the kernel's module loader at a modprobe that finds the UML
 * modules (so on-demand loads such as ip_vs_<scheduler> work), load the modules, run each scenario with its
 * output in files, then power off. `sync` before poweroff: hostfs writes go through the host's page cache,
 * but the guest's own buffers must be flushed.
 */
export function initScript(dir: string, opts: UmlOptions): string {
  const moddir = join(dir, 'moddir');
  const lines = [
    '#!/bin/sh',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH',
    'mount -t proc proc /proc',
    'mount -t sysfs sys /sys',
    `echo ${shellQuote(join(dir, 'modprobe.sh'))} > /proc/sys/kernel/modprobe`,
    `UML_OUT=${shellQuote(dir)}; export UML_OUT`,
    'ip link set lo up',
    ...opts.modules.map((m) => `${MODPROBE} -d ${shellQuote(moddir)} ${shellQuote(m)} 2>> "$UML_OUT/modules.err"`),
    ...(opts.setup ?? []).map((l) => `${l} >> "$UML_OUT/setup.log" 2>&1`),
    `cd ${shellQuote(opts.cwd ?? process.cwd())}`,
  ];
  for (const s of opts.scenarios) {
    const base = `"$UML_OUT"/${s.name}`;
    lines.push(`( ${s.command} ) > ${base}.out 2> ${base}.err < /dev/null; echo $? > ${base}.rc`);
  }
  lines.push('sync', 'poweroff -f', '');
  return lines.join('\n');
}

/** Boot the guest once, run the scenarios, and collect their results. */
export async function runUml(opts: UmlOptions): Promise<UmlRun> {
  for (const s of opts.scenarios) if (!/^[A-Za-z0-9_.-]+$/.test(s.name)) throw new Error(`bad UML scenario name "${s.name}"`);
  const version = umlKernelVersion();
  if (!version) throw new Error(`no UML kernel modules under ${UML_MODULES_ROOT}`);
  mkdirSync('/var/tmp', { recursive: true });
  const dir = mkdtempSync('/var/tmp/vipd-uml-');
  // modprobe -d DIR looks in DIR/lib/modules/<uname -r>.
  mkdirSync(join(dir, 'moddir', 'lib', 'modules'), { recursive: true });
  symlinkSync(join(UML_MODULES_ROOT, version), join(dir, 'moddir', 'lib', 'modules', version));
  writeFileSync(join(dir, 'modprobe.sh'), `#!/bin/sh\nexec ${MODPROBE} -d ${shellQuote(join(dir, 'moddir'))} "$@"\n`);
  chmodSync(join(dir, 'modprobe.sh'), 0o755);
  const init = join(dir, 'init.sh');
  writeFileSync(init, initScript(dir, opts));
  chmodSync(init, 0o755);

  const args = [
    `mem=${opts.memMb ?? 1536}M`,
    'root=/dev/root',
    'rootfstype=hostfs',
    'rootflags=/',
    'rw',
    `init=${init}`,
    'con=null',
    'con0=null,fd:1',
  ];
  const started = Date.now();
  const child = spawn(UML_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  const consoleChunks: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => consoleChunks.push(b));
  child.stderr.on('data', (b: Buffer) => consoleChunks.push(b));
  let timedOut = false;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('error', () => {
      clearTimeout(timer);
      resolve();
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const wallMs = Date.now() - started;
  const read = (f: string): string => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
  const results = new Map<string, UmlScenarioResult>();
  for (const s of opts.scenarios) {
    const rcText = read(`${s.name}.rc`).trim();
    results.set(s.name, { rc: rcText === '' ? null : Number(rcText), stdout: read(`${s.name}.out`), stderr: read(`${s.name}.err`) });
  }
  return {
    dir,
    results,
    moduleErrors: read('modules.err'),
    console: Buffer.concat(consoleChunks).toString('utf8'),
    timedOut,
    wallMs,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
