// keepalived.conf lexer: physical lines → logical lines of tokens, each token carrying file + line.
// Follows keepalived lib/parser.c read_line (2625-3017): decomment, multi-line $definitions, @conditionals,
// $NAME=VALUE, ~SEQ/~LST, parameter substitution, include (line-level splice), then the split at the first
// unquoted '{' or '}' so braces may share lines. All state lives in one Lexer per load.
import * as path from 'node:path';
import type { DiagnosticSink, SourceRef } from './diagnostics.js';
import { Definitions, parseDefinition, parseLst, parseSeq, replaceParams, type BuiltinContext } from './vars.js';
import { resolveInclude, type IncludeSources } from './includes.js';

export interface Token {
  readonly text: string;
  readonly quoted: boolean;
  readonly file: string;
  readonly line: number;
}

export interface LogicalLine {
  readonly tokens: readonly Token[];
  /** The logical line after substitution, quotes intact. */
  readonly text: string;
  /** Everything after the first token, quotes intact: script commands are re-split from this. */
  readonly rest: string;
  readonly file: string;
  readonly line: number;
}

export interface LexOptions {
  readonly configId: string | null;
  readonly sources: IncludeSources;
  readonly env?: (name: string) => string | undefined;
  readonly random?: () => number;
}

/** Generators and substitutions may nest; this bounds runaway recursion in a hostile or mistaken file. */
const MAX_DEPTH = 64;

/**
 * Strip comments: '#' or '!' outside double quotes end the line; '\#' and '\!' outside quotes are literal;
 * a trailing '\' (continuation) is kept. Leading and trailing blanks are removed (parser.c:2298-2346).
 */
export function decomment(line: string): { text: string; unterminatedQuote: boolean } {
  let out = '';
  let quote = false;
  let cont = false;
  const s = line.replace(/^[ \t]+/, '');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '"') {
      quote = !quote;
      out += ch;
      continue;
    }
    if (ch === '\\') {
      const next = s[i + 1];
      if (next === undefined) {
        cont = true;
        break;
      }
      if (!quote && (next === '#' || next === '!')) out += next;
      else out += ch + next;
      i++;
      continue;
    }
    if (!quote && (ch === '#' || ch === '!')) break;
    out += ch;
  }
  out = out.replace(/[ \t]+$/, '');
  if (cont) out += '\\';
  return { text: out, unterminatedQuote: quote };
}

/** Whitespace-separated tokens; a token starting with '"' runs to the next '"' (alloc_strvec_r, parser.c:1244). */
export function tokenize(text: string): { tokens: Array<{ text: string; quoted: boolean; end: number }>; unmatchedQuote: boolean } {
  const tokens: Array<{ text: string; quoted: boolean; end: number }> = [];
  let i = 0;
  for (;;) {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
    if (i >= text.length) break;
    if (text[i] === '"') {
      const close = text.indexOf('"', i + 1);
      if (close < 0) return { tokens, unmatchedQuote: true };
      tokens.push({ text: text.slice(i + 1, close), quoted: true, end: close + 1 });
      i = close + 1;
    } else {
      const start = i;
      while (i < text.length && text[i] !== ' ' && text[i] !== '\t' && text[i] !== '"') i++;
      tokens.push({ text: text.slice(start, i), quoted: false, end: i });
    }
  }
  return { tokens, unmatchedQuote: false };
}

/** Index of the first '{' or '}' outside double quotes, or -1. */
function firstBrace(text: string): number {
  let quote = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quote = !quote;
    else if (!quote && (ch === '{' || ch === '}')) return i;
  }
  return -1;
}

const INCLUDE_RE = /^include([rmwba])?[ \t]+(.+)$/;

export class Lexer {
  private readonly defs = new Definitions();
  private readonly out: LogicalLine[] = [];
  private multiDef: { name: string; lines: string[] } | null = null;
  private readonly env: (name: string) => string | undefined;
  private readonly random: () => number;

  constructor(
    private readonly opts: LexOptions,
    private readonly sink: DiagnosticSink,
  ) {
    this.env = opts.env ?? ((n) => process.env[n]);
    this.random = opts.random ?? Math.random;
  }

  /** Lex the main file (absolute path) and everything it includes. */
  run(mainFile: string): LogicalLine[] {
    const text = this.opts.sources.readFile(mainFile);
    if (text === null) {
      this.sink.error({ file: mainFile, line: 0 }, `cannot read configuration file '${mainFile}'`);
      return [];
    }
    this.lexFile(mainFile, text, [mainFile]);
    return this.out;
  }

  private lexFile(file: string, content: string, stack: readonly string[]): void {
    const lines = content.split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    for (let i = 0; i < lines.length; i++) {
      const at: SourceRef = { file, line: i + 1 };
      const physical = lines[i]!.replace(/\r+$/, '');
      if (physical.includes('\0')) {
        this.sink.error(at, 'configuration appears to have embedded NULs - ignoring line');
        continue;
      }
      // An unterminated quote is reported once, by emit(), as keepalived's "Unmatched quote".
      const dc = decomment(physical);
      if (this.multiDef) {
        if (this.continueDefinition(dc.text)) continue;
      }
      if (dc.text === '') continue;
      this.logical(dc.text, at, stack, 0);
    }
    this.finishDefinition();
  }

  /** Feed one physical line to a pending multi-line definition; false when the definition already ended. */
  private continueDefinition(text: string): boolean {
    const def = this.multiDef!;
    if (text === '') {
      this.finishDefinition();
      return true;
    }
    if (text.endsWith('\\')) {
      const body = text.slice(0, -1).trimEnd();
      if (body !== '') def.lines.push(body);
      return true;
    }
    def.lines.push(text);
    this.finishDefinition();
    return true;
  }

  private finishDefinition(): void {
    if (!this.multiDef) return;
    this.defs.set(this.multiDef.name, this.multiDef.lines.join('\n'), true);
    this.multiDef = null;
  }

  private builtins(at: SourceRef): BuiltinContext {
    return { pwd: path.dirname(at.file), instance: this.opts.configId, env: this.env, random: this.random };
  }

  /** One logical line through conditionals, definitions, generators, substitution, include, brace split. */
  private logical(input: string, at: SourceRef, stack: readonly string[], depth: number): void {
    if (depth > MAX_DEPTH) {
      this.sink.error(at, 'parameter, ~SEQ or ~LST expansion nested too deeply');
      return;
    }
    let text = input;
    for (let round = 0; ; round++) {
      if (round > MAX_DEPTH) {
        this.sink.error(at, 'parameter substitution does not terminate');
        return;
      }
      if (text.startsWith('@')) {
        // `@ID rest` kept only when ID is the config id; `@^ID rest` is the negation (parser.c:2878-2907).
        const m = /^@(\^?)([^ \t]+)[ \t]+(.*)$/.exec(text);
        if (!m) return;
        const matches = this.opts.configId !== null && m[2] === this.opts.configId;
        if (matches === (m[1] === '^')) return;
        text = m[3]!.trim();
        if (text === '') return;
      }
      if (text.startsWith('$')) {
        const def = parseDefinition(text);
        if (def) {
          if (def.continues) this.multiDef = { name: def.name, lines: def.value === '' ? [] : [def.value] };
          else this.defs.set(def.name, def.value, false);
          return;
        }
      }
      if (text.startsWith('~SEQ') || text.startsWith('~LST')) {
        this.generate(text, at, stack, depth);
        return;
      }
      if (!text.includes('$')) break;
      const r = replaceParams(text, this.defs, this.builtins(at));
      if (r.error) {
        this.sink.error(at, r.error);
        return;
      }
      if (!r.replaced) break;
      if (r.text.includes('\n')) {
        // A multi-line definition expands to several logical lines at the point of use.
        for (const piece of r.text.split('\n')) {
          const t = piece.trim();
          if (t !== '') this.logical(t, at, stack, depth + 1);
        }
        return;
      }
      text = r.text.trim();
      if (text === '') return;
    }

    const inc = INCLUDE_RE.exec(text);
    if (inc) {
      this.include(inc[1] ?? '', inc[2]!.trim(), at, stack);
      return;
    }

    const brace = firstBrace(text);
    if (brace < 0) {
      this.emit(text, at);
    } else if (brace === 0) {
      this.emit(text[0]!, at);
      const residue = text.slice(1).trim();
      if (residue !== '') this.logical(residue, at, stack, depth + 1);
    } else {
      this.emit(text.slice(0, brace).trimEnd(), at);
      this.logical(text.slice(brace), at, stack, depth + 1);
    }
  }

  private generate(text: string, at: SourceRef, stack: readonly string[], depth: number): void {
    const gen = text.startsWith('~SEQ') ? parseSeq(text, this.defs, this.builtins(at)) : parseLst(text);
    if ('error' in gen) {
      this.sink.error(at, gen.error);
      return;
    }
    for (const binding of gen.bindings) {
      for (const [name, value] of binding) this.defs.set(name, value, false);
      if (gen.rest !== '') this.logical(gen.rest, at, stack, depth + 1);
    }
  }

  private include(variant: string, spec: string, at: SourceRef, stack: readonly string[]): void {
    const pattern = spec.startsWith('"') && spec.endsWith('"') && spec.length >= 2 ? spec.slice(1, -1) : spec;
    const strictCheck = variant !== ''; // includer/includem/includew/includeb/includea: misses are errors
    const files = resolveInclude(pattern, path.dirname(at.file), this.opts.sources);
    if (files.length === 0) {
      // keepalived only logs a plain include that matches nothing; under --strict it is an error, since a
      // director whose instances all live in an include that matches nothing would run with none (issue 13).
      const msg = `include '${pattern}': no matching file`;
      if (strictCheck) this.sink.error(at, msg);
      else this.sink.lenient(at, msg);
      return;
    }
    for (const file of files) {
      if (stack.includes(file)) {
        this.sink.error(at, `include cycle: ${[...stack, file].join(' -> ')}`);
        continue;
      }
      const content = this.opts.sources.readFile(file);
      if (content === null) {
        const msg = `Configuration file '${file}' open problem - skipping`;
        if (strictCheck) this.sink.error(at, msg);
        else this.sink.lenient(at, msg);
        continue;
      }
      this.finishDefinition();
      this.lexFile(file, content, [...stack, file]);
    }
  }

  private emit(text: string, at: SourceRef): void {
    const t = tokenize(text);
    if (t.unmatchedQuote) this.sink.error(at, `Unmatched quote: '${text}'`);
    if (t.tokens.length === 0) return;
    const first = t.tokens[0]!;
    this.out.push({
      tokens: t.tokens.map((x) => ({ text: x.text, quoted: x.quoted, file: at.file, line: at.line })),
      text,
      rest: text.slice(first.end).trim(),
      file: at.file,
      line: at.line,
    });
  }
}

/** Convenience wrapper: lex `mainFile` (absolute) with the given options. */
export function lex(mainFile: string, opts: LexOptions, sink: DiagnosticSink): LogicalLine[] {
  return new Lexer(opts, sink).run(mainFile);
}
