// The live timeline `vipd demo` prints: every line carries the time since the demo started and who said it,
// so agent log lines, the client's results and the demo's own actions read as one story.
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
