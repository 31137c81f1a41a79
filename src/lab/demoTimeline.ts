// The live timeline `vipd demo` prints: every line carries the time since the demo started and who said it,
// so agent log lines, the client's ping health and the demo's own actions read as one story.
import type { Readable } from 'node:stream';

export type Write = (text: string) => void;

export class Timeline {
  readonly startMs: number;

  constructor(
    private readonly write: Write,
    now: number = Date.now(),
  ) {
    this.startMs = now;
  }

  /** `[+1.234s] source   message` (at: epoch ms of the event, default now). */
  line(source: string, message: string, atMs: number = Date.now()): void {
    const rel = ((atMs - this.startMs) / 1000).toFixed(3);
    this.write(`[+${rel.padStart(6)}s] ${source.padEnd(6)} ${message}\n`);
  }

  /** Plain text, no timestamp (headings, summaries). */
  text(message: string): void {
    this.write(message + '\n');
  }
}

// `2024-05-01T10:00:00.000Z vipd[123]: ` — the text logger's prefix; the timeline has its own clock.
const vipdPrefix = /^\d{4}-\d\d-\d\dT[\d:.]+Z vipd\[\d+\]: /;

/** Strip the agent's own timestamp and pid from a vipd text log line. */
export function agentMessage(line: string): string {
  return line.replace(vipdPrefix, '');
}

/** Call `onLine` for each complete line a stream produces. */
export function eachLine(stream: Readable | null | undefined, onLine: (line: string) => void): void {
  if (!stream) return;
  let partial = '';
  stream.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) if (l.trim() !== '') onLine(l);
  });
}

export interface HealthTick {
  /** Epoch ms at the end of the window. */
  atMs: number;
  replies: number;
  /** ms since the last reply (at atMs), or null before any reply. */
  silentMs: number | null;
  /** Longest gap between replies that ended inside this window, in ms (0 when none). */
  maxGapMs: number;
}

/**
 * The client's ping health in fixed windows (default 100 ms): how many replies arrived and how long it has
 * been silent. A window line is printed for every window while `verbose` is on (around the failover), while
 * the client gets no replies, and when health flips. Because a failover can be shorter than a window, the
 * moment replies resume after a gap is printed as its own line, at the time of the first reply.
 */
export class ClientHealth {
  private timer: NodeJS.Timeout | null = null;
  private repliesInWindow = 0;
  private maxGapInWindowMs = 0;
  private lastReplyMs: number | null = null;
  private wasHealthy: boolean | null = null;
  /** Silence longer than this is an outage: a few lost pings in a row, not scheduling jitter. */
  readonly gapThresholdMs: number;
  verbose = false;

  constructor(
    private readonly timeline: Timeline,
    private readonly pingEveryMs: number,
    private readonly windowMs = 100,
  ) {
    this.gapThresholdMs = Math.max(20, 4 * pingEveryMs);
  }

  reply(atMs: number): void {
    this.repliesInWindow++;
    if (this.lastReplyMs !== null && atMs - this.lastReplyMs > this.gapThresholdMs) {
      const gap = atMs - this.lastReplyMs;
      this.maxGapInWindowMs = Math.max(this.maxGapInWindowMs, gap);
      this.timeline.line(
        'client',
        `replies resume: no reply for ${gap.toFixed(1)} ms (since +${((this.lastReplyMs - this.timeline.startMs) / 1000).toFixed(3)}s)`,
        atMs,
      );
    }
    this.lastReplyMs = Math.max(this.lastReplyMs ?? 0, atMs);
  }

  start(): void {
    this.timer = setInterval(() => this.tick(Date.now()), this.windowMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  tick(atMs: number): HealthTick {
    const t: HealthTick = {
      atMs,
      replies: this.repliesInWindow,
      silentMs: this.lastReplyMs === null ? null : Math.max(0, atMs - this.lastReplyMs),
      maxGapMs: this.maxGapInWindowMs,
    };
    this.repliesInWindow = 0;
    this.maxGapInWindowMs = 0;
    const healthy = t.silentMs !== null && t.silentMs <= this.gapThresholdMs;
    if (this.verbose || !healthy || healthy !== this.wasHealthy) {
      const expected = Math.round(this.windowMs / this.pingEveryMs);
      const bar = '#'.repeat(Math.min(20, Math.round((20 * t.replies) / expected))).padEnd(20, '.');
      const state = healthy
        ? `replying${t.maxGapMs > 0 ? ` (after a ${t.maxGapMs.toFixed(0)} ms gap)` : ''}`
        : `NO REPLY for ${t.silentMs === null ? 'ever' : `${t.silentMs.toFixed(0)} ms`}`;
      this.timeline.line('client', `${bar} ${String(t.replies).padStart(3)}/${expected} replies in the last ${this.windowMs} ms, ${state}`, atMs);
    }
    this.wasHealthy = healthy;
    return t;
  }
}
