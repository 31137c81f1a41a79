// Parameter definitions ($NAME=VALUE), substitution ($NAME / ${NAME}) and the ~SEQ / ~LST generators, following
// keepalived lib/parser.c (check_definition 2169, find_definition 1886, replace_param 2021, add_seq 1417,
// add_lst 1551). One Definitions object per load: no module-level state.

export interface Definition {
  readonly value: string; // multi-line values keep their lines separated by '\n'
  readonly multiline: boolean;
}

/** Built-in ${_NAME} values that depend on where we are (parser.c set_std_definitions). */
export interface BuiltinContext {
  readonly pwd: string;
  readonly instance: string | null;
  readonly env: (name: string) => string | undefined;
  readonly random: () => number; // [0, 1)
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

export class Definitions {
  private readonly defs = new Map<string, Definition>();

  has(name: string): boolean {
    return this.defs.has(name);
  }

  set(name: string, value: string, multiline = false): void {
    this.defs.set(name, { value, multiline });
  }

  get(name: string): Definition | undefined {
    return this.defs.get(name);
  }

  isEmpty(): boolean {
    return this.defs.size === 0;
  }
}

/** `$NAME=VALUE` at line start (no space before '='). Returns null when the line is not a definition. */
export function parseDefinition(line: string): { name: string; value: string; continues: boolean } | null {
  const m = /^\$([A-Za-z_][A-Za-z0-9_]*)=[ \t]*(.*)$/.exec(line);
  if (!m) return null;
  let value = m[2] ?? '';
  let continues = false;
  if (value.endsWith('\\')) {
    // Multi-line definition: the trailing '\' continues on the next line (parser.c:2200-2215).
    continues = true;
    value = value.slice(0, -1).trimEnd();
  }
  return { name: m[1]!, value, continues };
}

function builtin(name: string, params: string[], ctx: BuiltinContext): string | undefined {
  switch (name) {
    case '_PWD':
      return ctx.pwd;
    case '_INSTANCE':
      return ctx.instance ?? undefined;
    case '_HASH':
      return '#';
    case '_BANG':
      return '!';
    case '_ENV':
      return params[0] === undefined ? undefined : (ctx.env(params[0]) ?? '');
    case '_RANDOM': {
      const min = params[0] === undefined ? 0 : Number(params[0]);
      const max = params[1] === undefined ? 32767 : Number(params[1]);
      if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) return undefined;
      return String(min + Math.floor(ctx.random() * (max - min + 1)));
    }
    default:
      return undefined;
  }
}

export interface ReplaceResult {
  readonly text: string;
  readonly replaced: boolean;
  readonly error: string | null;
}

/** Cap on substitutions in one line: a definition that refers to itself would otherwise never end. */
const MAX_REPLACEMENTS = 1000;

/**
 * Replace `$NAME` (followed by blank, ',', ')' or end of line) and `${NAME}` / `${NAME params}` with their
 * values. Undefined names stay verbatim (scripts may contain '$'). Replacement text is rescanned, so values
 * may themselves refer to parameters (substitution happens at use time, not definition time).
 */
export function replaceParams(line: string, defs: Definitions, ctx: BuiltinContext): ReplaceResult {
  let text = line;
  let pos = text.indexOf('$');
  let count = 0;
  let replaced = false;
  while (pos >= 0 && pos < text.length - 1) {
    const braces = text[pos + 1] === '{';
    let i = pos + (braces ? 2 : 1);
    if (!NAME_START.test(text[i] ?? '')) {
      pos = text.indexOf('$', pos + 1);
      continue;
    }
    const nameStart = i;
    while (i < text.length && NAME_CHAR.test(text[i]!)) i++;
    const name = text.slice(nameStart, i);
    let params: string[] = [];
    let end: number; // index just past the reference
    if (braces) {
      const close = text.indexOf('}', i);
      const inner = close < 0 ? null : text.slice(i, close);
      if (inner === null || !/^([ \t]+[A-Za-z0-9_]+)*$/.test(inner)) {
        pos = text.indexOf('$', pos + 1);
        continue;
      }
      params = inner.trim() === '' ? [] : inner.trim().split(/[ \t]+/);
      end = close + 1;
    } else {
      const next = text[i];
      if (next !== undefined && next !== ' ' && next !== '\t' && next !== ',' && next !== ')') {
        pos = text.indexOf('$', pos + 1);
        continue;
      }
      end = i;
    }
    const def = defs.get(name);
    let value: string | undefined;
    if (def) value = params.length === 0 ? def.value : undefined;
    else if (name.startsWith('_')) value = builtin(name, params, ctx);
    if (value === undefined) {
      pos = text.indexOf('$', pos + 1);
      continue;
    }
    if (++count > MAX_REPLACEMENTS) {
      return { text, replaced, error: `parameter substitution of '$${name}' does not terminate` };
    }
    text = text.slice(0, pos) + value + text.slice(end);
    replaced = true;
    // Rescan from the start of the inserted value: it may contain further references.
    pos = text.indexOf('$', pos);
  }
  return { text, replaced, error: null };
}

/** One ~SEQ / ~LST generator: the variable bindings for each iteration and the rest of the line. */
export interface Generator {
  readonly bindings: ReadonlyArray<ReadonlyArray<readonly [string, string]>>;
  readonly rest: string;
}

/** strtol(…, 0): decimal, 0x hex or leading-0 octal; returns the value and the unparsed remainder. */
function strtol(s: string): { value: number; rest: string } {
  const m = /^[ \t]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) return { value: 0, rest: s };
  const sign = m[1] === '-' ? -1 : 1;
  const body = m[2]!;
  let value: number;
  if (/^0[xX]/.test(body)) value = parseInt(body.slice(2), 16);
  else if (body.length > 1 && body.startsWith('0')) value = parseInt(body, 8);
  else value = parseInt(body, 10);
  return { value: sign * value, rest: s.slice(m[0].length) };
}

/**
 * `~SEQ(var, [start,] [step,] end) rest` / `~SEQx(...)`: start defaults to 1 (or -1 when end < 0), step to
 * ±1 toward end; iteration stops once var passes end (parser.c:1417-1549). Parameters inside the
 * parentheses are substituted first.
 */
export function parseSeq(
  line: string,
  defs: Definitions,
  ctx: BuiltinContext,
): Generator | { error: string } {
  let p = line.slice(4);
  const hex = p.startsWith('x');
  if (hex) p = p.slice(1);
  p = p.replace(/^[ \t]*/, '');
  if (!p.startsWith('(')) return { error: `Invalid ~SEQ definition '${line}'` };
  p = p.slice(1).replace(/^[ \t]*/, '');
  const varMatch = /^[^ \t,)]+/.exec(p);
  if (!varMatch || varMatch[0].startsWith('{')) return { error: `Invalid ~SEQ definition '${line}'` };
  const varName = varMatch[0];
  p = p.slice(varName.length).replace(/^[ \t]*/, '');
  if (!p.startsWith(',')) return { error: `Invalid ~SEQ definition '${line}'` };
  p = p.slice(1);
  const close = p.indexOf(')');
  if (close < 0) return { error: `~SEQ missing terminating ')' '${line}'` };
  const argText = replaceParams(p.slice(0, close), defs, ctx).text;
  const rest = p.slice(close + 1).replace(/^[ \t]*/, '');
  const nums: number[] = [];
  let a = argText;
  for (;;) {
    const r = strtol(a);
    nums.push(r.value);
    a = r.rest.replace(/^[ \t]*/, '');
    if (a === '') break;
    if (!a.startsWith(',') || nums.length === 3) return { error: `Invalid ~SEQ definition '${line}'` };
    a = a.slice(1);
  }
  let start: number;
  let step: number;
  let end: number;
  if (nums.length === 1) {
    end = nums[0]!;
    step = end < 1 ? -1 : 1;
    start = end < 0 ? -1 : 1;
  } else if (nums.length === 2) {
    start = nums[0]!;
    end = nums[1]!;
    step = start <= end ? 1 : -1;
  } else {
    [start, step, end] = nums as [number, number, number];
    if (step === 0 || (start < end && step < 0) || (start > end && step > 0)) {
      return { error: `Invalid ~SEQ values '${line}'` };
    }
  }
  if (hex && (start < 0 || end < 0)) return { error: `~SEQx is only valid for positive numbers '${line}'` };
  const bindings: Array<Array<readonly [string, string]>> = [];
  // keepalived emits the first value even when start is already past end (it checks after emitting).
  for (let v = start; ; v += step) {
    bindings.push([[varName, hex ? v.toString(16) : String(v)]]);
    const next = v + step;
    if ((step > 0 && next > end) || (step < 0 && next < end)) break;
    if (bindings.length > 1_000_000) return { error: `~SEQ produces too many lines '${line}'` };
  }
  return { bindings, rest };
}

/** `~LST(var, v1, v2…) rest` or `~LST({a, b}, {1, 2}, {3, 4}) rest` (parser.c:1551-1687). */
export function parseLst(line: string): Generator | { error: string } {
  const bad = { error: `Invalid ~LST specification '${line}'` };
  const close = line.indexOf(')');
  const open = line.indexOf('(');
  if (open < 0 || close < 0 || line.slice(4, open).trim() !== '') return bad;
  const inner = line.slice(open + 1, close);
  const rest = line.slice(close + 1).replace(/^[ \t]*/, '');
  // Split the top-level comma list, keeping {...} groups together.
  const items: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of inner) {
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    if (ch === ',' && depth === 0) {
      items.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  items.push(cur.trim());
  if (depth !== 0 || items.length < 2) return bad;
  const group = (s: string): string[] =>
    s.startsWith('{') && s.endsWith('}') ? s.slice(1, -1).split(',').map((x) => x.trim()) : [s];
  const vars = group(items[0]!);
  if (vars.some((v) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v))) return bad;
  const bindings: Array<Array<readonly [string, string]>> = [];
  for (const item of items.slice(1)) {
    const values = group(item);
    if (values.length > vars.length) return { error: `~LST specification has too many values '${line}'` };
    bindings.push(vars.map((v, i) => [v, values[i] ?? ''] as const));
  }
  return { bindings, rest };
}
