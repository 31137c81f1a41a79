// One clock (docs/architecture.md "Time"): outside the real clock and the composition roots, no file under src/
// arms a process timer or reads the process clock. This test reads the source tree itself, so a new
// `setTimeout(` anywhere else fails the build's unit run with the file and line to fix.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the test runs from dist/test/unit/clock (compiled) or test/unit/clock. */
function repoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (readdirSync(dir).includes('package.json')) return dir;
    if (dirname(dir) === dir) throw new Error('no package.json above this test: cannot find src/');
  }
}

/**
 * Allowed to touch process time: the real clock, and the composition roots — src/cli/** (run.ts builds the
 * Daemon with the one RealClock; status.ts the CLI client's) and src/lab/** (the demo/lab drivers, which run
 * real processes in real time).
 */
const ALLOWED = [/^src\/clock\/realClock\.ts$/, /^src\/cli\//, /^src\/lab\//];

const FORBIDDEN: readonly { name: string; re: RegExp }[] = [
  { name: 'setTimeout(', re: /\bsetTimeout\s*\(/ },
  { name: 'setInterval(', re: /\bsetInterval\s*\(/ },
  { name: 'Date.now(', re: /\bDate\.now\b/ },
  { name: 'performance.now(', re: /\bperformance\.now\b/ },
];

export interface Leak {
  readonly file: string;
  readonly line: number;
  readonly what: string;
}

/** Every forbidden call in `files` (path relative to the repository, '/'-separated), allowed paths skipped. */
export function clockLeaks(files: readonly { path: string; text: string }[]): Leak[] {
  const out: Leak[] = [];
  for (const f of files) {
    if (ALLOWED.some((a) => a.test(f.path))) continue;
    f.text.split('\n').forEach((line, i) => {
      for (const { name, re } of FORBIDDEN) if (re.test(line)) out.push({ file: f.path, line: i + 1, what: name });
    });
  }
  return out;
}

function sourceFiles(root: string, dir = join(root, 'src')): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(root, full));
    else if (e.name.endsWith('.ts')) out.push({ path: relative(root, full).split(sep).join('/'), text: readFileSync(full, 'utf8') });
  }
  return out;
}

describe('clock: one clock for the whole source tree', () => {
  it('flags each forbidden call with file and line, and skips the real clock and the composition roots', () => {
    const leaks = clockLeaks([
      { path: 'src/sync/x.ts', text: 'const a = 1;\nconst t = setTimeout(() => undefined, 5);\nreq.setTimeout(1, f);' },
      { path: 'src/track/y.ts', text: 'const now = Date.now();\nconst m = performance.now();\nsetInterval (f, 1);' },
      { path: 'src/clock/realClock.ts', text: 'setTimeout(cb, 1); Date.now(); performance.now();' },
      { path: 'src/cli/run.ts', text: 'setTimeout(cb, 1);' },
      { path: 'src/lab/demoScenario.ts', text: 'Date.now();' },
      { path: 'src/clock/virtualClock.ts', text: 'setImmediate(r); clock.after(1, cb);' },
    ]);
    assert.deepEqual(leaks, [
      { file: 'src/sync/x.ts', line: 2, what: 'setTimeout(' },
      { file: 'src/sync/x.ts', line: 3, what: 'setTimeout(' },
      { file: 'src/track/y.ts', line: 1, what: 'Date.now(' },
      { file: 'src/track/y.ts', line: 2, what: 'performance.now(' },
      { file: 'src/track/y.ts', line: 3, what: 'setInterval(' },
    ]);
  });

  it('src/ outside src/clock/realClock.ts, src/cli and src/lab arms no process timer and reads no process clock', () => {
    const root = repoRoot();
    const files = sourceFiles(root);
    assert.ok(files.some((f) => f.path === 'src/daemon/daemon.ts'), `the source tree was found at ${root}`);
    const leaks = clockLeaks(files);
    assert.deepEqual(leaks.map((l) => `${l.file}:${l.line}: ${l.what} (use the injected Clock)`), []);
  });
});
