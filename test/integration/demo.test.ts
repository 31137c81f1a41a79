// `vipd demo` end to end as a user runs it: a child process, exit code, what it prints, and that it leaves no
// namespace, link, process, temp dir or lock behind — after a normal run, after Ctrl-C, and with stale
// namespaces from an interrupted run lying around.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { vipdBin } from '../../src/lab/agents.js';
import { requireLab } from './labHelpers.js';

interface DemoRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run `vipd demo`; `interruptWhen` sends SIGINT once stdout matches it (like Ctrl-C). */
function runDemo(interruptWhen?: RegExp, timeoutMs = 60_000): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vipdBin(), 'demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (interruptWhen && !interrupted && interruptWhen.test(stdout)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vipd demo did not finish within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const demoNamespaces = (): string[] =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith('vdemo'));

const rootLinksNamed = (needle: string): string[] =>
  execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(needle));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes whose command line mentions `needle` (e.g. the demo's config directory). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

/** Everything the demo says it started or stopped, and where its configs were. */
function startedBy(out: string): { pids: number[]; configDir: string | null } {
  const pids = [...out.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
  const stopped = /cleanup: stopped pids ([\d ]+),/.exec(out);
  if (stopped) pids.push(...stopped[1]!.trim().split(' ').map(Number));
  const dir = /-f (\/\S+)\/d1-vipd\.conf/.exec(out);
  return { pids, configDir: dir ? dir[1]! : null };
}

function assertNothingLeft(out: string): void {
  assert.deepEqual(demoNamespaces(), [], 'no vdemo namespace is left');
  assert.deepEqual(rootLinksNamed('vdemo'), [], 'no vdemo link in the root namespace');
  const { pids, configDir } = startedBy(out);
  assert.ok(pids.length >= 2, `the demo names the agents it started:\n${out}`);
  assert.deepEqual(pids.filter(alive), [], 'no process the demo started is still running');
  assert.ok(configDir, 'the demo names its config directory');
  assert.equal(existsSync(configDir), false, `${configDir} was removed`);
  assert.deepEqual(processesMentioning(configDir), [], 'no vipd agent runs from the demo configs');
  assert.equal(existsSync('/run/vipd-demo.pid'), false, 'the demo lock is released');
}

describe('integration: vipd demo', function () {
  this.timeout(120_000);

  beforeEach(function () {
    requireLab(this);
  });

  afterEach(() => {
    // Should the demo itself fail to clean up, do not leave its lab to the next test or helper.
    for (const ns of demoNamespaces()) {
      try {
        execFileSync('ip', ['netns', 'del', ns]);
      } catch {
        /* gone */
      }
    }
  });

  it('runs to completion: takeover, measured outage, moved metrics, status, and nothing left behind', async () => {
    // A namespace from an "interrupted earlier run": the demo must remove it before building its own lab.
    execFileSync('ip', ['netns', 'add', 'vdemo-stale']);
    const run = await runDemo();
    assert.equal(run.code, 0, `exit code 0\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    const out = run.stdout;
    assert.match(out, /removed vdemo-stale left behind by an interrupted demo/);
    assert.match(out, /d1\s+\(VI_1\) Entering MASTER STATE/, 'd1 became master first');
    assert.match(out, /── 1\. SIGTERM → vipd on d1/);
    assert.match(out, /d2\s+\(VI_1\) Entering MASTER STATE/, 'the takeover by d2 is in the timeline');
    assert.match(out, /d1\s+\(VI_1\) Entering FAULT STATE/, 'the link cut is in the timeline');
    const outage = (event: string): number => {
      const m = new RegExp(`${event}[^\\n]* d2 MASTER after \\d+ ms, client outage: (\\d+\\.\\d) ms`).exec(out);
      assert.ok(m, `event ${event}: takeover and measured outage are printed`);
      return Number(m[1]);
    };
    for (const event of ['1\\. SIGTERM', "3\\. d1's switch port goes down"]) {
      const ms = outage(event);
      assert.ok(ms > 0 && ms < 5000, `${event}: outage ${ms} ms is a real, bounded gap`);
    }
    assert.match(out, /2\. vipd starts again on d1[^\n]* d1 MASTER after \d+ ms/, 'd1 preempts when it comes back');
    assert.match(out, /client .*replies in the last 100 ms/, 'the client health timeline is shown');
    assert.match(out, /keepalived_become_master_total\{[^}]*\} +\d+ → \d+ +\(\+2\)/, 'become_master moved on d2 (events 1 and 3)');
    assert.match(out, /keepalived_release_master_total\{[^}]*\} +\d+ → \d+ +\(\+1\)/, 'release_master moved on d2 (event 2)');
    assert.match(out, /vipd_transitions_total\{[^}]*from="BACKUP",to="MASTER"[^}]*\}/, 'the BACKUP→MASTER transition is counted');
    assert.match(out, /vipd_takeover_latency_seconds_count\{[^}]*phase="vips_installed"\} +\d+ → \d+ +\(\+2\)/, 'a takeover latency observation per takeover');
    assert.match(out, /keepalived_advertisements_sent_total\{[^}]*\} +\d+ → \d+ +\(\+[1-9]/, 'd2 sent adverts as master');
    assert.match(out, /== vipd status on d2[\s\S]*VI_1 +eth0 +51 +MASTER/, "d2's vipd status shows it MASTER");
    assertNothingLeft(out);
  });

  it('removes everything when interrupted with Ctrl-C (SIGINT) mid-run', async () => {
    const run = await runDemo(/d1 holds 10\.1\.0\.100/);
    assert.equal(run.code, 130, `exit code 130 after SIGINT\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    assert.match(run.stdout, /SIGINT: stopping the demo and removing the lab/);
    assert.match(run.stdout, /cleanup: stopped/);
    assertNothingLeft(run.stdout);
  });
});
