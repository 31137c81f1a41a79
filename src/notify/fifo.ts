// A notify FIFO as keepalived keeps it (core/notify.c fifo_open/fifo_close): created if missing (and then
// removed again on close), opened O_RDWR|O_NONBLOCK|O_NOFOLLOW so opening never waits for a reader and a
// write never blocks the daemon, refused unless it is a FIFO we own. Lines are written synchronously, so
// they reach the reader in the order the events happened; a full pipe drops the line (keepalived ignores
// EAGAIN too) and says so in the log.
import { execFile } from 'node:child_process';
import { closeSync, constants, fstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import type { Logger } from '../log/logger.js';

export class NotifyFifo {
  private fd: number | null = null;
  private created = false;
  private dropped = 0;

  constructor(
    readonly path: string,
    private readonly logger: Logger,
    private readonly label: string,
  ) {}

  get isOpen(): boolean {
    return this.fd !== null;
  }

  /** Create (if missing) and open; false (logged) when unusable — notifications then skip this FIFO. */
  async open(): Promise<boolean> {
    const exists = await lstat(this.path).then(() => true, () => false);
    if (!exists) {
      // Node has no mkfifo(3); this runs once at start-up, never on the failover path.
      const err = await new Promise<Error | null>((res) => execFile('mkfifo', ['-m', '0644', this.path], (e) => res(e)));
      if (err) {
        this.logger.error(`Unable to create ${this.label} ${this.path}: ${err.message.trim()}`);
        return false;
      }
      this.created = true;
    }
    try {
      const fd = openSync(this.path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW);
      const st = fstatSync(fd);
      if (!st.isFIFO() || st.uid !== (process.getuid?.() ?? st.uid)) {
        // On a pre-existing path we may have opened something an attacker planted (notify.c:339-345).
        closeSync(fd);
        this.logger.error(`${this.label} ${this.path} is not a fifo we own - not using`);
        return false;
      }
      this.fd = fd;
      return true;
    } catch (err) {
      this.logger.error(`Unable to open ${this.label} ${this.path}: ${(err as Error).message}`);
      this.unlinkIfCreated();
      return false;
    }
  }

  write(line: string): void {
    if (this.fd === null) return;
    try {
      writeSync(this.fd, line);
      if (this.dropped) {
        this.logger.warn(`${this.label} ${this.path}: ${this.dropped} line(s) dropped while the reader was not keeping up`);
        this.dropped = 0;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') this.dropped++;
      else this.logger.error(`${this.label} write error: ${(err as Error).message}`);
    }
  }

  /** Unlink first (if we created it) so a reader looping on reopen cannot reopen it, then close. */
  close(): void {
    this.unlinkIfCreated();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private unlinkIfCreated(): void {
    if (!this.created) return;
    this.created = false;
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}
