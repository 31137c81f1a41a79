// Config diagnostics: every problem is collected (never thrown) and printed as `file:line: message`, the way
// `keepalived -t` prefixes errors with their position (lib/parser.c:249-287 vreport_config_error).

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly file: string;
  /** 1-based physical line in `file`; 0 when the problem has no single position (cross-object checks). */
  readonly line: number;
  readonly severity: Severity;
  readonly message: string;
}

export interface SourceRef {
  readonly file: string;
  readonly line: number;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}` : d.file;
  const prefix = d.severity === 'warning' ? 'warning: ' : '';
  return `${where}: ${prefix}${d.message}`;
}

/** Collects diagnostics for one load. Owned by a single loadConfig call, never shared. */
export class DiagnosticSink {
  readonly items: Diagnostic[] = [];
  /** How many of the errors are there only because of `strict`. */
  private strictErrors = 0;

  /** With strict, findings keepalived treats as non-fatal (unknown keywords) become errors. */
  constructor(readonly strict: boolean = false) {}

  error(at: SourceRef, message: string): void {
    this.items.push({ file: at.file, line: at.line, severity: 'error', message });
  }

  warning(at: SourceRef, message: string): void {
    this.items.push({ file: at.file, line: at.line, severity: 'warning', message });
  }

  /** A warning normally, an error under `strict` (unknown and ignored keywords, empty includes, nothing to run). */
  lenient(at: SourceRef, message: string): void {
    if (this.strict) {
      this.error(at, message);
      this.strictErrors++;
    } else this.warning(at, message);
  }

  hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }

  /** Errors that do not come from `strict` alone (the file would be refused without --strict too). */
  hasPlainErrors(): boolean {
    return this.items.filter((d) => d.severity === 'error').length > this.strictErrors;
  }
}
