// Logical lines → block tree. A '{' line opens a block under the statement just before it (so '{' may sit on
// the next line, as keepalived allows); '}' closes it. Brace errors use keepalived's wording
// (parser.c:3159-3172): "Extra '}' found", "Unexpected '{'".
import type { DiagnosticSink } from './diagnostics.js';
import type { LogicalLine, Token } from './lexer.js';

export interface Statement {
  readonly keyword: string;
  readonly args: readonly Token[];
  /** Text after the keyword, quotes intact (for script command lines). */
  readonly rest: string;
  readonly file: string;
  readonly line: number;
  /** Children when the statement opened a block, else null. */
  readonly block: readonly Statement[] | null;
}

interface MutableStatement {
  keyword: string;
  args: Token[];
  rest: string;
  file: string;
  line: number;
  block: MutableStatement[] | null;
}

export function buildTree(lines: readonly LogicalLine[], sink: DiagnosticSink): Statement[] {
  const root: MutableStatement[] = [];
  const stack: Array<{ list: MutableStatement[]; opener: MutableStatement | null }> = [{ list: root, opener: null }];
  for (const ln of lines) {
    const top = stack[stack.length - 1]!;
    const first = ln.tokens[0]!;
    if (first.text === '{' && !first.quoted) {
      const prev = top.list[top.list.length - 1];
      if (!prev || prev.block !== null) {
        sink.error(ln, "Unexpected '{'");
        // Still open a block so the matching '}' does not look extra; its content is discarded.
        stack.push({ list: [], opener: null });
        continue;
      }
      prev.block = [];
      stack.push({ list: prev.block, opener: prev });
      continue;
    }
    if (first.text === '}' && !first.quoted) {
      if (stack.length === 1) sink.error(ln, "Extra '}' found");
      else stack.pop();
      continue;
    }
    top.list.push({
      keyword: first.text,
      args: ln.tokens.slice(1),
      rest: ln.rest,
      file: ln.file,
      line: ln.line,
      block: null,
    });
  }
  for (let i = stack.length - 1; i > 0; i--) {
    const opener = stack[i]!.opener;
    if (opener) sink.error(opener, `Missing '}' for block '${opener.keyword}' opened here`);
  }
  return root;
}
