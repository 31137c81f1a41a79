// Socket errors → probe failure reasons. Errors about the target (refused, unreachable, reset) are the real
// server's fault; errors about our own end (bind, interface, permissions) are 'local' (issue 10: reported with the
// errno and counted as a failure, where keepalived only reschedules, lvs.md §3.1, #1637/#1679).
import { getSystemErrorMap } from 'node:util';
import type { ProbeFailReason } from './types.js';
import { fail, type Verdict } from './verdict.js';

const TARGET_ERRORS: Readonly<Record<string, readonly [ProbeFailReason, string]>> = {
  ECONNREFUSED: ['refused', 'connection refused'],
  ECONNRESET: ['reset', 'connection reset'],
  EPIPE: ['reset', 'connection closed by the peer'],
  ECONNABORTED: ['reset', 'connection aborted'],
  EHOSTUNREACH: ['unreachable', 'host unreachable'],
  ENETUNREACH: ['unreachable', 'network unreachable'],
  EHOSTDOWN: ['unreachable', 'host down'],
  ENETDOWN: ['unreachable', 'network down'],
  ETIMEDOUT: ['timeout', 'timed out'],
};

/** `what` names the target and the step ("connect to 10.2.0.11:80"). */
export function errorVerdict(what: string, err: unknown): Verdict {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TARGET_ERRORS[code]) {
    const [reason, text] = TARGET_ERRORS[code]!;
    return fail(reason, `${what}: ${text}`);
  }
  const m = (err as { message?: unknown } | null)?.message;
  const message = typeof m === 'string' ? m : String(err);
  return fail('local', `${what}: local error ${typeof code === 'string' ? code : ''}${typeof code === 'string' ? ' ' : ''}(${message})`);
}

let errnoTable: Map<number, [string, string]> | null = null;

/** The name and text of a positive errno ("ECONNREFUSED", "connection refused"), as node reports them. */
export function errnoInfo(errno: number): { code: string; message: string } {
  errnoTable ??= getSystemErrorMap();
  const e = errnoTable.get(-errno);
  return e ? { code: e[0], message: e[1] } : { code: `errno ${errno}`, message: `errno ${errno}` };
}

/** The verdict for an errno returned by a system call (`syscall` names it for local errors). */
export function errnoVerdict(what: string, syscall: string, errno: number): Verdict {
  const { code, message } = errnoInfo(errno);
  return errorVerdict(what, { code, message: `${syscall}: ${message}` });
}

/** "10.2.0.11:80", "[2001:db8::1]:80". */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Whether an error is about the target (refused, reset, unreachable) rather than a protocol or local problem. */
export function isTargetError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TARGET_ERRORS[code] !== undefined;
}
