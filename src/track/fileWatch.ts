// One track_file's value: read at start (after `init_file` created it if asked), re-read when the file changes
// (keepalived uses inotify on the folder: close-write, move, delete — track_file.c process_inotify) and, as a
// fallback for filesystems where fs.watch is blind, every `rereadMs`. A missing or empty file reads as 0.
import { watch, type FSWatcher } from 'node:fs';
import { readFile, writeFile, access } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { TrackFileConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { parseTrackFileValue } from './priority.js';
import type { Clock, Timer } from '../clock/clock.js';

/** Quiet time after the last change event before the file is read. */
const WATCH_SETTLE_MS = 25;

export interface FileWatchOptions {
  readonly cfg: TrackFileConfig;
  readonly logger: Logger;
  /** The re-read interval and the settle delay after a change event. */
  readonly clock: Clock;
  readonly rereadMs: number;
  /**
   * Started by a reload: `init_file` only creates a missing file and never overwrites (keepalived writes
   * nothing on reload, track_file.c:497-499, which would leave a newly added file's init value unapplied).
   */
  readonly reload?: boolean;
  onValue(value: number): void;
}

export class FileWatch {
  private valueNow = 0;
  private watcher: FSWatcher | null = null;
  private timer: Timer | null = null;
  private settle: Timer | null = null;
  private reading: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly o: FileWatchOptions) {}

  get value(): number {
    return this.valueNow;
  }

  get config(): TrackFileConfig {
    return this.o.cfg;
  }

  /** Create the file if `init_file` asks, read it once, then watch. */
  async start(): Promise<void> {
    const { cfg } = this.o;
    if (cfg.initFile) {
      const exists = await access(cfg.path).then(() => true, () => false);
      if (!exists || (cfg.initFile.overwrite && !this.o.reload)) {
        await writeFile(cfg.path, `${cfg.initFile.value}\n`).catch((err: unknown) =>
          this.o.logger.error(`track_file ${cfg.name}: cannot create ${cfg.path}: ${(err as Error).message}`),
        );
      }
    }
    this.valueNow = await this.read();
    try {
      // Watch the folder, not the file: editors and `mv` replace the inode, which a file watch would lose.
      const name = basename(cfg.path);
      this.watcher = watch(dirname(cfg.path), { persistent: false }, (_ev, changed) => {
        if (changed === null || changed.toString() === name) this.settleThenRefresh();
      });
      this.watcher.on('error', () => undefined);
    } catch (err) {
      this.o.logger.warn(`track_file ${cfg.name}: cannot watch ${dirname(cfg.path)} (${(err as Error).message}); polling every ${this.o.rereadMs} ms`);
    }
    this.timer = this.o.clock.every(this.o.rereadMs, () => this.refresh());
  }

  /**
   * keepalived reads on IN_CLOSE_WRITE; fs.watch reports every modification, including the truncate of
   * `echo 200 > file` before the write. Waiting for the events to settle reads the finished file, not an empty one.
   */
  private settleThenRefresh(): void {
    this.settle?.cancel();
    this.settle = this.o.clock.after(WATCH_SETTLE_MS, () => {
      this.settle = null;
      this.refresh();
    });
  }

  stop(): void {
    this.stopped = true;
    this.settle?.cancel();
    this.settle = null;
    this.watcher?.close();
    this.watcher = null;
    this.timer?.cancel();
    this.timer = null;
  }

  /** Re-read now; reads never overlap, a change during a read triggers one more read. */
  refresh(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.read().then((v) => {
      this.reading = null;
      if (this.stopped) return;
      if (v !== this.valueNow) {
        this.valueNow = v;
        this.o.onValue(v);
      }
      if (this.again) {
        this.again = false;
        this.refresh();
      }
    });
  }

  private async read(): Promise<number> {
    const text = await readFile(this.o.cfg.path, 'utf8').catch(() => '');
    const v = parseTrackFileValue(text.slice(0, 127));
    if (v === null) {
      this.o.logger.warn(`Invalid number read from ${this.o.cfg.path} - ignoring`);
      return this.valueNow;
    }
    return v;
  }
}
