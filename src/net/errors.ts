// Typed errors of the OS edge. Codes come from the one table (src/errors/codes.ts) so the daemon and CLI can
// branch on `err.code` and print an operator-actionable message. The addon throws plain errors with `code` =
// "EPERM" etc.; `fromSyscall` maps the errno to a vipd code and a message that names the missing capability or
// interface. VipdNetError keeps the errno behind it (sysCode, errno, syscall): callers branch on EEXIST/ENODEV.
import type { CodeSubset } from '../errors/codes.js';
import { VipdError } from '../errors/vipdError.js';

export type NetErrorCode = CodeSubset<
  | 'VIPD_ERR_NO_CAP_NET_RAW'
  | 'VIPD_ERR_NO_CAP_NET_ADMIN'
  | 'VIPD_ERR_NO_SUCH_INTERFACE'
  | 'VIPD_ERR_ADDRESS_NOT_AVAILABLE'
  | 'VIPD_ERR_INVALID_ADDRESS'
  | 'VIPD_ERR_SEND_FAILED'
  | 'VIPD_ERR_SEND_WOULD_BLOCK'
  | 'VIPD_ERR_SOCKET'
  | 'VIPD_ERR_CLOSED'
  | 'VIPD_ERR_NETLINK'
  | 'VIPD_ERR_NETLINK_TIMEOUT'
  | 'VIPD_ERR_NETLINK_OVERRUN'
  | 'VIPD_ERR_NATIVE_UNAVAILABLE'
>;

export class VipdNetError extends VipdError<NetErrorCode> {
  override name = 'VipdNetError';
  /** The system errno name behind it ("EPERM", "ENODEV" …), when there is one. */
  readonly sysCode: string | undefined;
  readonly errno: number | undefined;
  readonly syscall: string | undefined;

  constructor(
    code: NetErrorCode,
    message: string,
    extra: { sysCode?: string; errno?: number; syscall?: string; cause?: unknown } = {},
  ) {
    super(code, message, { cause: extra.cause });
    this.sysCode = extra.sysCode;
    this.errno = extra.errno;
    this.syscall = extra.syscall;
  }
}

export const CAP_NET_RAW_MESSAGE = 'raw sockets need CAP_NET_RAW (run as root or grant cap_net_raw)';
export const CAP_NET_ADMIN_MESSAGE =
  'changing addresses and interfaces needs CAP_NET_ADMIN (run as root or grant cap_net_admin)';

interface SysErrorLike {
  code?: unknown;
  errno?: unknown;
  syscall?: unknown;
  message?: unknown;
}

/**
 * Wrap an error thrown by the addon. `what` names the operation for the message ("open VRRP socket on eth0");
 * `ifname` lets ENODEV name the interface; `capability` picks which capability EPERM/EACCES refers to.
 */
export function fromSyscall(
  err: unknown,
  what: string,
  ctx: { ifname?: string; capability?: 'raw' | 'admin'; address?: string } = {},
): VipdNetError {
  if (err instanceof VipdNetError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SysErrorLike;
  const sysCode = typeof e.code === 'string' ? e.code : undefined;
  const errno = typeof e.errno === 'number' ? e.errno : undefined;
  const syscall = typeof e.syscall === 'string' ? e.syscall : undefined;
  const detail = typeof e.message === 'string' ? e.message : String(err);
  const extra = { sysCode, errno, syscall, cause: err };
  switch (sysCode) {
    case 'EPERM':
    case 'EACCES':
      return ctx.capability === 'admin'
        ? new VipdNetError('VIPD_ERR_NO_CAP_NET_ADMIN', `${what}: ${CAP_NET_ADMIN_MESSAGE}`, extra)
        : new VipdNetError('VIPD_ERR_NO_CAP_NET_RAW', `${what}: ${CAP_NET_RAW_MESSAGE}`, extra);
    case 'ENODEV':
    case 'ENXIO':
      return new VipdNetError(
        'VIPD_ERR_NO_SUCH_INTERFACE',
        ctx.ifname ? `interface ${ctx.ifname} does not exist` : `${what}: no such interface`,
        extra,
      );
    case 'EADDRNOTAVAIL':
      return new VipdNetError(
        'VIPD_ERR_ADDRESS_NOT_AVAILABLE',
        `${what}: address ${ctx.address ?? ''} is not configured on this host`.replace('  ', ' '),
        extra,
      );
    case 'EBADF':
      return new VipdNetError('VIPD_ERR_CLOSED', `${what}: socket is closed`, extra);
    default:
      return new VipdNetError('VIPD_ERR_SOCKET', `${what}: ${detail}`, extra);
  }
}

export function noSuchInterface(ifname: string): VipdNetError {
  return new VipdNetError('VIPD_ERR_NO_SUCH_INTERFACE', `interface ${ifname} does not exist`, { sysCode: 'ENODEV' });
}

export function invalidAddress(address: string, expected: string): VipdNetError {
  return new VipdNetError('VIPD_ERR_INVALID_ADDRESS', `"${address}" is not a valid ${expected} address`);
}
