// Keyword tables: each block kind maps its keywords to a handler that writes into a draft. Keywords vipd
// knows but does not act on are "ignored" (warning, with the reason); some are "refused" (error). Unknown
// keywords are warnings as in keepalived ("Unknown keyword 'x'", parser.c:3239), errors with strict.
import type { Statement } from './tree.js';
import type { ParseCtx } from './values.js';

export type Handler<D> = (s: Statement, draft: D, ctx: ParseCtx) => void;

export interface KeywordSpec<D> {
  readonly run?: Handler<D>;
  /** 'required': the keyword must open a `{ }` block; 'optional': either form; absent: no block. */
  readonly block?: 'required' | 'optional';
  /** Accepted and ignored: the reason shown in the warning and in docs/keywords.md. */
  readonly ignored?: string;
  /** Refused: the error message. */
  readonly refused?: string;
}

export type KeywordTable<D> = ReadonlyMap<string, KeywordSpec<D>>;

export function table<D>(entries: Record<string, KeywordSpec<D>>): KeywordTable<D> {
  return new Map(Object.entries(entries));
}

/** Spec for a keyword vipd accepts and ignores. */
export function ignored<D>(reason: string, block?: 'required' | 'optional'): KeywordSpec<D> {
  return block ? { ignored: reason, block } : { ignored: reason };
}

export function applyTable<D>(stmts: readonly Statement[], tbl: KeywordTable<D>, draft: D, ctx: ParseCtx, where: string): void {
  for (const s of stmts) {
    const spec = tbl.get(s.keyword);
    if (!spec) {
      ctx.sink.lenient(s, `Unknown keyword '${s.keyword}'${where ? ` in ${where}` : ''}`);
      continue;
    }
    if (spec.block === 'required' && s.block === null) {
      ctx.sink.error(s, `Missing '{' after '${s.keyword}'`);
      continue;
    }
    if (spec.block === undefined && s.block !== null && !spec.refused && !spec.ignored) {
      ctx.sink.error(s, `'${s.keyword}' does not take a '{ }' block`);
      continue;
    }
    if (spec.refused) {
      ctx.sink.error(s, spec.refused);
      continue;
    }
    if (spec.ignored) {
      ctx.sink.warning(s, `'${s.keyword}' is accepted and ignored: ${spec.ignored}`);
      continue;
    }
    spec.run?.(s, draft, ctx);
  }
}

/** Entries of a value block such as `virtual_ipaddress { … }` (each line is one entry). */
export function blockEntries(s: Statement, ctx: ParseCtx): readonly Statement[] {
  if (s.block === null) {
    ctx.sink.error(s, `Missing '{' after '${s.keyword}'`);
    return [];
  }
  return s.block;
}
