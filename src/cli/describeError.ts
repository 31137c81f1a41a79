// One line for the operator: the message of an error we raised on purpose, never a stack trace. Unexpected
// errors (bugs) keep their stack so they can be reported.
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('VIPD_') || /^E[A-Z]+$/.test(code))) return err.message;
    return err.stack ?? err.message;
  }
  return String(err);
}
