// Client-seen outage: ping the VIP every few milliseconds from a client namespace and measure the longest gap
// between consecutive replies. This is what a user of the service experiences during a failover.
import type { Lab } from './netns.js';

export interface OutageReport {
  sent: number;
  received: number;
  /** Longest gap between two consecutive replies, in ms (0 with fewer than two replies). */
  maxGapMs: number;
  /** When the longest gap started (epoch ms of the last reply before it). */
  maxGapStartMs: number | null;
  firstReplyMs: number | null;
  lastReplyMs: number | null;
}

export interface OutageProbe {
  /** Resolves once the first reply has arrived (false after timeoutMs). */
  firstReply(timeoutMs: number): Promise<boolean>;
  stop(): Promise<OutageReport>;
  /** Called with each reply's epoch ms (for live timelines). */
  onReply(cb: (atMs: number) => void): void;
}

const replyLine = /^\[(\d+\.\d+)\] \d+ bytes from [^:]+: icmp_seq=(\d+)/;

export function startOutageProbe(lab: Lab, host: string, target: string, intervalMs = 2): OutageProbe {
  const child = lab.spawn(host, ['ping', '-D', '-n', '-i', String(intervalMs / 1000), '-W', '1', target]);
  const replies: number[] = [];
  const listeners: ((atMs: number) => void)[] = [];
  let maxSeq = 0;
  let partial = '';
  let resolveFirst: ((ok: boolean) => void) | null = null;
  child.stdout?.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = replyLine.exec(line);
      if (!m) continue;
      const atMs = Number(m[1]) * 1000;
      replies.push(atMs);
      maxSeq = Math.max(maxSeq, Number(m[2]));
      for (const l of listeners) l(atMs);
      resolveFirst?.(true);
      resolveFirst = null;
    }
  });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  return {
    onReply: (cb) => listeners.push(cb),
    firstReply: (timeoutMs) =>
      replies.length > 0
        ? Promise.resolve(true)
        : new Promise<boolean>((res) => {
            resolveFirst = res;
            setTimeout(() => res(false), timeoutMs);
          }),
    stop: async () => {
      child.kill('SIGINT');
      await exited;
      let maxGapMs = 0;
      let maxGapStartMs: number | null = null;
      for (let i = 1; i < replies.length; i++) {
        const gap = replies[i]! - replies[i - 1]!;
        if (gap > maxGapMs) {
          maxGapMs = gap;
          maxGapStartMs = replies[i - 1]!;
        }
      }
      return {
        sent: maxSeq,
        received: replies.length,
        maxGapMs,
        maxGapStartMs,
        firstReplyMs: replies[0] ?? null,
        lastReplyMs: replies.at(-1) ?? null,
      };
    },
  };
}
