// `vipd demo` end to end as a user runs it (the whole director: split, real server death, master death): a child
// process, exit code, the timeline's key lines, and that it leaves no
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

  it('runs to completion: the split, a real server removed and re-added, the master dying with every connection kept, and nothing left behind', async () => {
    // A namespace from an "interrupted earlier run": the demo must remove it before building its own lab.
    execFileSync('ip', ['netns', 'add', 'vdemo-stale']);
    const run = await runDemo();
    assert.equal(run.code, 0, `exit code 0\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    const out = run.stdout;
    assert.match(out, /removed vdemo-stale left behind by an interrupted demo/);
    assert.match(out, /d1\s+\(VI_OUT\) Entering MASTER STATE/, 'd1 became master first');
    assert.match(out, /d1\s+LVS: 2 virtual server\(s\) on the \S+ data plane/, 'vipd itself runs the virtual servers');
    // Act 1: wrr 3/1/1 over 50 new connections is exact, whichever server the scheduler starts with.
    assert.match(out, /1\. split of 50 requests \(wrr 3\/1\/1\) +r1 30, r2 10, r3 10/);
    // Act 2: removal and re-adding are measured and bounded by a few probe periods; r2 gets nothing while out.
    const removed = /2\. r2 dead → removed by d1 +(\d+) ms; then 20 requests: ([^\n]*)/.exec(out);
    assert.ok(removed, `the removal is measured:\n${out}`);
    assert.ok(Number(removed[1]) < 5000, `removal ${removed[1]} ms`);
    assert.doesNotMatch(removed[2]!, /r2/, 'no request reaches the dead r2');
    assert.match(out, /d1\s+Removing service \[10\.2\.0\.12\]:tcp:80 from VS \[10\.1\.0\.100\]:tcp:80/);
    const readded = /r2 back → re-added by d1 +(\d+) ms; then 50 requests: r1 30, r2 10, r3 10/.exec(out);
    assert.ok(readded && Number(readded[1]) < 5000, 'the re-adding is measured and the split is back');
    // Act 3: every long-lived connection survives the master's death.
    assert.match(out, /d2\s+\(VI_OUT\) Entering MASTER STATE/, 'the takeover by d2 is in the timeline');
    const taken = /3\. master d1 dead → d2 MASTER after +(\d+) ms/.exec(out);
    assert.ok(taken && Number(taken[1]) < 5000, 'the takeover is measured');
    const kept = /long-lived connections kept +(\d+) of (\d+) \(0 closed\)/.exec(out);
    assert.ok(kept && kept[1] === kept[2] && Number(kept[2]) > 0, `every long-lived connection kept:\n${out}`);
    assert.match(out, /longest echo gap on them \(client outage\) +\d+ ms/);
    assert.match(out, /new requests through d2 +r1 30, r2 10, r3 10/);
    assert.match(out, /vipd_lvs_service_connections_total\{service="tcp:10\.1\.0\.100:80"[^}]*\} 50\n/, "d2's data plane counted the 50 requests it scheduled");
    assert.match(out, /== vipd status on d2[\s\S]*VI_OUT +eth0 +51 +MASTER/, "d2's vipd status shows it MASTER");
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
