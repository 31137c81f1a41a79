// The folder layout is the architecture (docs/architecture.md): arrows point down only. These tests read the
// import statements of every file under src/ and fail on an arrow that points up or round, so a shortcut taken
// in a hurry shows here and not months later as a cycle nobody can cut.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../../../src/', import.meta.url));

interface SourceFile {
  /** Path relative to src/, with / separators: "sync/plugin.ts". */
  readonly path: string;
  /** Relative imports and re-exports, resolved to paths relative to src/ ("log/logger.ts"). */
  readonly imports: readonly string[];
}

function sourceFiles(dir = SRC): SourceFile[] {
  const out: SourceFile[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith('.ts')) out.push({ path: rel(p), imports: importsOf(p) });
  }
  return out;
}

function rel(p: string): string {
  return relative(SRC, p).split(sep).join('/');
}

/** `import … from './x.js'`, `export … from '../y.js'`, `import('./z.js')`, type-only ones included. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => rel(normalize(join(dirname(file), s.replace(/\.js$/, '.ts')))));
}

const folderOf = (path: string): string => path.split('/')[0]!;

/** Folders below the composition root: they are used by daemon/ and cli/, never the other way round. */
const LOW = ['track', 'notify', 'sync', 'script', 'metrics', 'status', 'vrrp', 'net', 'conntrack', 'config', 'ip', 'clock', 'errors', 'log', 'plugin', 'control'];
/** The composition layers: only cli/ (and the throwaway labs) may build a daemon. */
const HIGH = ['daemon', 'cli', 'lab'];
/** Subsystems that plug into the daemon through src/plugin: they know the API, not each other. */
const PLUGINS = ['track', 'notify', 'sync'];

describe('architecture: import arrows point down', () => {
  const files = sourceFiles();

  it('reads the tree (a guard against a wrong root making every test below pass on nothing)', () => {
    assert.ok(files.length > 100, `only ${files.length} files under ${SRC}`);
    assert.ok(files.some((f) => f.path === 'daemon/daemon.ts'));
  });

  it('no file in a low folder imports src/daemon, src/cli or src/lab', () => {
    const bad = files
      .filter((f) => LOW.includes(folderOf(f.path)))
      .flatMap((f) => f.imports.filter((i) => HIGH.includes(folderOf(i))).map((i) => `${f.path} → ${i}`));
    assert.deepEqual(bad, []);
  });

  it('plugins do not import each other (shared pieces live in src/plugin, src/script, src/log)', () => {
    const bad = files
      .filter((f) => PLUGINS.includes(folderOf(f.path)))
      .flatMap((f) => f.imports.filter((i) => PLUGINS.includes(folderOf(i)) && folderOf(i) !== folderOf(f.path)).map((i) => `${f.path} → ${i}`));
    assert.deepEqual(bad, []);
  });

  it('the daemon knows no subsystem: only the composition root (src/cli) lists the plugins', () => {
    const bad = files
      .filter((f) => folderOf(f.path) === 'daemon')
      .flatMap((f) => f.imports.filter((i) => PLUGINS.includes(folderOf(i))).map((i) => `${f.path} → ${i}`));
    assert.deepEqual(bad, []);
  });

  it('no import cycle between files (type-only imports included)', () => {
    const graph = new Map(files.map((f) => [f.path, f.imports.filter((i) => i !== f.path)]));
    const cycles = stronglyConnected(graph).filter((c) => c.length > 1);
    assert.deepEqual(cycles, []);
  });

  it('the cycle check finds a cycle (checked on a hand-made graph)', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['b']],
    ]);
    assert.deepEqual(stronglyConnected(g).filter((c) => c.length > 1).map((c) => [...c].sort()), [['b', 'c']]);
  });
});

/** Tarjan's strongly connected components. */
function stronglyConnected(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      out.push(c);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}
