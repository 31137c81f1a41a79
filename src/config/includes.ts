// Where `include` looks for files: patterns resolve against the including file's folder (keepalived chdir()s
// into it, man keepalived.conf "include"), then go through glob with csh braces. Reading is injectable so
// tests and `vipd` reload can use other sources.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expandBraces, globSync, hasMagic, type GlobFs } from './glob.js';

export interface IncludeSources {
  /** File content, or null when it cannot be read. */
  readFile(p: string): string | null;
  /** Existing paths matching an absolute pattern (braces, *, ?, [..]), sorted. */
  glob(pattern: string): string[];
}

const nodeGlobFs: GlobFs = {
  readdir: (dir) => fs.readdirSync(dir),
  isDirectory: (p) => {
    try {
      return fs.statSync(p).isDirectory();
    } catch {
      return false;
    }
  },
  exists: (p) => fs.existsSync(p),
};

export function nodeSources(): IncludeSources {
  return {
    readFile: (p) => {
      try {
        return fs.readFileSync(p, 'utf8');
      } catch {
        return null;
      }
    },
    glob: (pattern) => globSync(pattern, nodeGlobFs),
  };
}

/** Sources over caller-supplied functions (loadConfig's `readFile` / `glob` options). */
export function customSources(
  readFile: ((p: string) => string) | undefined,
  glob: ((pattern: string) => string[]) | undefined,
): IncludeSources {
  const base = nodeSources();
  return {
    readFile: readFile
      ? (p) => {
          try {
            return readFile(p);
          } catch {
            return null;
          }
        }
      : base.readFile,
    // With only readFile given (in-memory configs), a pattern matches the brace alternatives that can be read.
    glob:
      glob ??
      (readFile
        ? (pattern) =>
            expandBraces(pattern).filter((p) => {
              if (hasMagic(p)) return false;
              try {
                readFile(p);
                return true;
              } catch {
                return false;
              }
            })
        : base.glob),
  };
}

export function resolveInclude(pattern: string, dir: string, sources: IncludeSources): string[] {
  const abs = path.resolve(dir, pattern);
  return sources.glob(abs).map((p) => path.resolve(p));
}
