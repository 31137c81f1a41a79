// Minimal glob(3) for `include`: csh braces {a,b}, '*', '?', '[...]' per path segment, results sorted like
// glob() without GLOB_NOSORT. Node 20 has no fs.glob; keeping this tiny avoids a dependency. The filesystem
// is passed in so tests can use an in-memory tree.
import * as path from 'node:path';

export interface GlobFs {
  readdir(dir: string): string[]; // names; throws or returns [] when dir is unreadable
  isDirectory(p: string): boolean;
  exists(p: string): boolean;
}

/** Expand csh-style braces: `a{b,c{d,e}}f` → abf, acdf, acef. Unbalanced braces are left as they are. */
export function expandBraces(pattern: string): string[] {
  let depth = 0;
  let open = -1;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '{') {
      if (depth === 0) open = i;
      depth++;
    } else if (ch === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        const inner = pattern.slice(open + 1, i);
        const parts: string[] = [];
        let d = 0;
        let cur = '';
        for (const c of inner) {
          if (c === '{') d++;
          if (c === '}') d--;
          if (c === ',' && d === 0) {
            parts.push(cur);
            cur = '';
          } else cur += c;
        }
        parts.push(cur);
        const head = pattern.slice(0, open);
        const tail = pattern.slice(i + 1);
        return parts.flatMap((p) => expandBraces(head + p + tail));
      }
    }
  }
  return [pattern];
}

export function hasMagic(segment: string): boolean {
  return /[*?[]/.test(segment);
}

/** Translate one glob segment to an anchored RegExp. A leading '.' must be matched explicitly. */
export function segmentRegExp(segment: string): RegExp {
  let re = '^';
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let body = segment.slice(i + 1, close);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = close;
      }
    } else if (ch === '\\' && i + 1 < segment.length) {
      re += segment[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

/** All existing paths matching an absolute pattern, sorted. */
export function globSync(pattern: string, fs: GlobFs): string[] {
  const out = new Set<string>();
  for (const expanded of expandBraces(pattern)) {
    const abs = path.resolve(expanded);
    const segments = abs.split('/').filter((s) => s !== '');
    let bases = ['/'];
    for (const seg of segments) {
      const next: string[] = [];
      for (const base of bases) {
        if (!hasMagic(seg)) {
          const p = path.join(base, seg);
          if (fs.exists(p)) next.push(p);
          continue;
        }
        if (!fs.isDirectory(base)) continue;
        const re = segmentRegExp(seg);
        let names: string[];
        try {
          names = fs.readdir(base);
        } catch {
          names = [];
        }
        for (const name of names) {
          if (name.startsWith('.') && !seg.startsWith('.')) continue;
          if (re.test(name)) next.push(path.join(base, name));
        }
      }
      bases = next;
      if (bases.length === 0) break;
    }
    // glob() sorts each pattern's matches; brace alternatives keep their written order (GLOB_BRACE).
    for (const b of bases.sort()) out.add(b);
  }
  return [...out];
}
