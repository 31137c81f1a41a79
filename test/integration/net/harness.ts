// Shared pieces of the net integration tests: a two-namespace lab joined by one veth pair, and a driver for
// child.ts (started inside a namespace, speaking JSON lines).
import { fileURLToPath } from 'node:url';
import { Lab, labUnavailableReason } from '../../../src/lab/netns.js';
import type { ChildCommand } from './child.js';

export const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

export type Line = Record<string, unknown> & { event: string };

export class ChildRun {
  readonly lines: Line[] = [];
  readonly exited: Promise<number | null>;
  private waiters: { pred: (l: Line) => boolean; resolve: (l: Line) => void }[] = [];
  stderr = '';

  constructor(lab: Lab, host: string, cmd: ChildCommand) {
    const child = lab.spawn(host, [process.execPath, CHILD, JSON.stringify(cmd)]);
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = JSON.parse(buf.slice(0, i)) as Line;
        buf = buf.slice(i + 1);
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => (w.pred(line) ? (w.resolve(line), false) : true));
      }
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Resolves with the first line (already seen or future) matching pred; rejects after timeoutMs or at exit. */
  waitFor(pred: (l: Line) => boolean, timeoutMs = 10_000): Promise<Line> {
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child: no matching line in ${timeoutMs} ms; got ${JSON.stringify(this.lines)} ${this.stderr}`)), timeoutMs);
      const done = (l: Line): void => {
        clearTimeout(timer);
        resolve(l);
      };
      this.waiters.push({ pred, resolve: done });
      void this.exited.then(() => {
        setImmediate(() => {
          const l = this.lines.find(pred);
          if (l) done(l);
          else {
            clearTimeout(timer);
            reject(new Error(`child exited without a matching line: ${JSON.stringify(this.lines)} ${this.stderr}`));
          }
        });
      });
    });
  }

  /** Wait for exit; throws if the child reported an error. Returns the final "done" line. */
  async result(): Promise<Line> {
    await this.exited;
    const err = this.lines.find((l) => l.event === 'error');
    if (err) throw new Error(`child failed: ${err.code as string}: ${err.message as string}`);
    const done = this.lines.find((l) => l.event === 'done');
    if (!done) throw new Error(`child ended without a result: ${this.stderr}`);
    return done;
  }
}

export function runChild(lab: Lab, host: string, cmd: ChildCommand): ChildRun {
  return new ChildRun(lab, host, cmd);
}

/** Hosts a and b, each with eth0, joined directly by a veth pair; 10.N.0.1/24 and 10.N.0.2/24, fdNN::1/::2. */
export async function vethLab(letter: string, net: number): Promise<Lab> {
  const lab = new Lab(`vn${process.pid % 1000}${letter}`);
  try {
    await lab.addHost('a');
    await lab.addHost('b');
    await lab.ip('a', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', lab.ns('b'));
    for (const [h, n] of [
      ['a', 1],
      ['b', 2],
    ] as const) {
      await lab.ip(h, 'link', 'set', 'eth0', 'up');
      await lab.ip(h, 'addr', 'add', `10.${net}.0.${n}/24`, 'dev', 'eth0');
      await lab.ip(h, 'addr', 'add', `fd00:${net}::${n}/64`, 'dev', 'eth0');
    }
    return lab;
  } catch (err) {
    await lab.destroy();
    throw err;
  }
}

/** Skip (with the reason printed) when namespaces are not available. */
export function skipUnlessRoot(ctx: Mocha.Context): void {
  const reason = labUnavailableReason();
  if (reason) {
    console.log(`skipped: ${reason}`);
    ctx.skip();
  }
}

/** RFC 1071 checksum over buf (0 means a stored checksum verifies). Written here, independent of src/. */
export function inetChecksum(buf: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length % 2) sum += buf[buf.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
