// Operator-visible log lines. Text follows keepalived's wording where operators grep for it
// ("(VI_1) Entering MASTER STATE"); JSON carries the same message plus structured fields.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  format: LogFormat;
  minLevel?: LogLevel;
  write?: (line: string) => void;
  /** Wall-clock milliseconds for each line's timestamp (the composition root's clock.wallNow). */
  wallNow: () => number;
}

export function createLogger(opts: LoggerOptions): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = (): Date => new Date(opts.wallNow());
  const min = levelRank[opts.minLevel ?? 'info'];
  const log = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (levelRank[level] < min) return;
    if (opts.format === 'json') {
      write(JSON.stringify({ ts: now().toISOString(), level, msg: message, ...fields }));
    } else {
      write(`${now().toISOString()} vipd[${process.pid}]: ${level === 'info' ? '' : level.toUpperCase() + ': '}${message}`);
    }
  };
  return {
    log,
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  };
}

/**
 * Logs each distinct key at most once per `windowMs`, counting what it suppressed — used for bad packets so a
 * flood cannot flood the log (keepalived rate-limits the same way, vrrp.c:783-798).
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { atMs: number; suppressed: number }>();
  constructor(
    private readonly logger: Logger,
    private readonly windowMs = 60_000,
  ) {}

  warn(key: string, message: string, nowMs: number): void {
    const seen = this.last.get(key);
    if (seen && nowMs - seen.atMs < this.windowMs) {
      seen.suppressed++;
      return;
    }
    const suffix = seen && seen.suppressed > 0 ? ` (${seen.suppressed} similar suppressed)` : '';
    this.last.set(key, { atMs: nowMs, suppressed: 0 });
    this.logger.warn(message + suffix);
  }
}
