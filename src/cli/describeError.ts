// One line for the operator: `CODE: message` for an error we raised on purpose (the code is in docs/errors.md
// with what to do), the message of a system error (its errno name is part of it), never a stack trace.
// Unexpected errors (bugs) keep their stack so they can be reported.

export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('VIPD_ERR_')) return `${code}: ${err.message}`;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return err.message;
    return err.stack ?? err.message;
  }
  return String(err);
}
