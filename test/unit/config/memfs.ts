// In-memory files for config tests: readFile + glob over a path → content map (absolute paths).
import * as path from 'node:path';
import { globSync } from '../../../src/config/glob.js';
import type { IncludeSources } from '../../../src/config/includes.js';

export interface MemFs extends IncludeSources {
  readonly files: Map<string, string>;
  readFileOrThrow(p: string): string;
}

export function memFs(files: Record<string, string>): MemFs {
  const map = new Map(Object.entries(files).map(([k, v]) => [path.resolve(k), v]));
  const dirs = new Set<string>();
  for (const f of map.keys()) {
    for (let d = path.dirname(f); ; d = path.dirname(d)) {
      dirs.add(d);
      if (d === '/') break;
    }
  }
  const gfs = {
    readdir: (dir: string) => {
      const names = new Set<string>();
      for (const p of [...map.keys(), ...dirs]) {
        if (p !== dir && path.dirname(p) === dir) names.add(path.basename(p));
      }
      return [...names];
    },
    isDirectory: (p: string) => dirs.has(p),
    exists: (p: string) => dirs.has(p) || map.has(p),
  };
  return {
    files: map,
    readFile: (p) => map.get(path.resolve(p)) ?? null,
    readFileOrThrow: (p) => {
      const c = map.get(path.resolve(p));
      if (c === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return c;
    },
    glob: (pattern) => globSync(pattern, gfs),
  };
}
