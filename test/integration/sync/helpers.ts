// Helpers for the sync namespace tests: JSON-line child processes (agents, traffic) and lab scaffolding.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab } from '../../../src/lab/netns.js';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const TEST_KEY = 'a3f1c2d4e5b60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';

/** A child speaking one JSON (or text) line per answer. */
export class LineProc {
  private readonly lines: string[] = [];
  private waiters: Array<() => void> = [];
  stderr = '';
  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      this.lines.push(l);
      for (const w of this.waiters.splice(0)) w();
    });
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }
  async nextLine(timeoutMs = 15000): Promise<string> {
    const end = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (Date.now() > end || this.child.exitCode !== null) {
        throw new Error(`no answer from child (exit ${this.child.exitCode}); stderr: ${this.stderr.slice(-2000)}`);
      }
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
    return this.lines.shift()!;
  }
  write(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }
  async request<T = unknown>(cmd: string, timeoutMs = 60000): Promise<T> {
    this.write(JSON.stringify({ cmd }));
    const ans = JSON.parse(await this.nextLine(timeoutMs)) as { ok: boolean; result: T; error?: string };
    if (!ans.ok) throw new Error(`${cmd}: ${ans.error}`);
    return ans.result;
  }
}

export function startAgent(lab: Lab, host: string, cfg: Record<string, unknown>): LineProc {
  return new LineProc(lab.spawn(host, [process.execPath, join(HERE, 'agent.js'), JSON.stringify({ key: TEST_KEY, ...cfg })]));
}

export function startTraffic(lab: Lab, host: string, args: string[]): LineProc {
  return new LineProc(lab.spawn(host, [process.execPath, join(HERE, 'traffic.js'), ...args]));
}

export async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs = 20000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The MAC of an interface in a namespace. */
export async function macOf(lab: Lab, host: string, ifname: string): Promise<string> {
  const { stdout } = await lab.ip(host, '-j', 'link', 'show', ifname);
  return (JSON.parse(stdout) as Array<{ address: string }>)[0]!.address;
}
