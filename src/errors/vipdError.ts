// The one base class of the errors vipd raises on purpose. Its `code` comes from the table in codes.ts; the
// message is the operator's line (the CLI prints `CODE: message`, never a stack). Subclasses exist only where
// they carry fields of their own (VipdNetError: the errno behind it).
import type { VipdErrorCode } from './codes.js';

export class VipdError<C extends VipdErrorCode = VipdErrorCode> extends Error {
  override name = 'VipdError';

  constructor(
    readonly code: C,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/**
 * For states that cannot happen unless vipd has a bug (a transition to the same state, a second subscription):
 * an error with code VIPD_ERR_INTERNAL, so the report says "bug" rather than blaming the configuration.
 */
export function internalError(message: string): VipdError<'VIPD_ERR_INTERNAL'> {
  return new VipdError('VIPD_ERR_INTERNAL', message);
}
