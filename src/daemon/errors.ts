// Errors the daemon raises on purpose, with stable codes (undici's UND_ERR_* habit). The CLI prints their
// message without a stack trace and exits non-zero.
export type VipdErrorCode = 'VIPD_ERR_STARTUP' | 'VIPD_ERR_CONFIG' | 'VIPD_ERR_NOT_ROOT';

export class VipdError extends Error {
  constructor(
    readonly code: VipdErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VipdError';
  }
}
