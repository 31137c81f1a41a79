// What `vipd run` loads before it reads its configuration: cli/main.js and the run command it imports. A VRRP-only
// director must not carry the LVS engine, yargs, prom-client's index or the other commands (resident set, issue 12;
// bench/RESULTS.md "Footprint and scale"): those are imported dynamically, when a configuration or a command needs
// them. Read from the compiled JavaScript, where type-only imports are gone and the import statements are real.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST_SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

/** Static `import … from` / `export … from` / `import '…'` specifiers of a compiled module (not `import()`). */
export function staticImports(js: string): string[] {
  return [...js.matchAll(/(?:^|\n)\s*(?:import|export)\s+(?:[^;'"]*?\bfrom\s*)?['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

/** Every module reachable from `entries` (paths relative to dist/src) through static imports; packages by name. */
function closure(entries: string[]): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [...entries];
  while (todo.length) {
    const file = todo.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of staticImports(readFileSync(join(DIST_SRC, file), 'utf8'))) {
      if (spec.startsWith('.')) todo.push(relative(DIST_SRC, normalize(join(DIST_SRC, dirname(file), spec))).split(sep).join('/'));
      else if (!spec.startsWith('node:')) packages.add(spec);
    }
  }
  return { files, packages };
}

describe('architecture: what `vipd run` loads at start', () => {
  const start = closure(['cli/main.js', 'cli/run.js']);

  it('reads the compiled tree (a guard against a wrong root making every test below pass on nothing)', () => {
    assert.ok(existsSync(join(DIST_SRC, 'cli/main.js')), DIST_SRC);
    assert.ok(start.files.has('daemon/daemon.js') && start.files.has('vrrp/instance.js'), [...start.files].join(' '));
    assert.deepEqual(staticImports("import { a } from './a.js';\nimport('./lazy.js');\nexport { b } from \"./b.js\";\nimport './c.js';"), ['./a.js', './b.js', './c.js']);
  });

  it('loads no part of the LVS engine: core, checkers, data planes, sync daemons (src/cli/lvsDeps.ts imports them on first use)', () => {
    // The LVS plugin's shell stays (it registers its metrics and answers SIGHUP), with the few tables it reads:
    // check-config's nftables refusals (nft/configSupport → schedulers, maglev, ipvs/constants) and the model.
    const shellNeeds = ['lvs/model.js', 'lvs/ipvs/constants.js', 'lvs/nft/configSupport.js', 'lvs/nft/schedulers.js', 'lvs/nft/maglev.js'];
    const engineEntries = ['lvs/shell/openPlane.js', 'lvs/shell/ipvsSyncDaemon.js'];
    const lvs = [...start.files].filter((f) => f.startsWith('lvs/'));
    assert.ok(lvs.includes('lvs/shell/lvsPlugin.js'));
    assert.deepEqual(lvs.filter((f) => !(f.startsWith('lvs/shell/') && !engineEntries.includes(f)) && !shellNeeds.includes(f)), []);
    assert.ok(!start.files.has('cli/lvsEngine.js'));
    assert.ok(closure(['cli/lvsEngine.js']).files.has('lvs/core/lvsCore.js'), 'the engine is where the core is');
  });

  it('loads neither yargs nor prom-client\'s index nor the other commands', () => {
    assert.deepEqual([...start.packages].filter((p) => p === 'yargs' || p.startsWith('yargs/') || p === 'prom-client' || p === 'ip'), []);
    for (const f of ['cli/commands.js', 'cli/checkConfig.js', 'cli/status.js', 'cli/demo.js']) assert.ok(!start.files.has(f), `${f} is loaded at start`);
    assert.deepEqual([...start.files].filter((f) => f.startsWith('lab/')), []);
  });

  it('is ASCII only, so V8 keeps every module source one byte per character (tsconfig removeComments; escapes such as \\u2026 in messages)', () => {
    // V8 stores a source with any character above U+00FF as a two-byte string, for the life of the process: the
    // compiled sources of a VRRP director were 2.4 MB of its heap's strings with comments and arrows, 1.7 without.
    const wide = [...start.files].filter((f) => /[^\x00-\x7f]/.test(readFileSync(join(DIST_SRC, f), 'utf8')));
    assert.deepEqual(wide, []);
  });
});
