// A JSON-lines peer in a namespace (a director helper or the HTTP client of httpBits.ts): {id, cmd, …} lines in,
// {id, ok, value|error} lines out.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export class Peer {
  private next = 1;
  private readonly waiting = new Map<number, (r: { ok: boolean; value?: unknown; error?: string }) => void>();
  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const r = JSON.parse(line) as { id: number; ok: boolean };
      this.waiting.get(r.id)?.(r);
      this.waiting.delete(r.id);
    });
  }
  call<T>(cmd: string, args: Record<string, unknown> = {}): Promise<{ ok: boolean; value?: T; error?: string }> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve as never);
      this.child.stdin!.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    });
  }
  async value<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const r = await this.call<T>(cmd, args);
    if (!r.ok) throw new Error(`${cmd}: ${r.error}`);
    return r.value as T;
  }
}

