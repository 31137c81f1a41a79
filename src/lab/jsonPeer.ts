// A JSON-lines peer running in a lab namespace (the demo's client, the tests' director and HTTP helpers):
// {id, cmd, …} lines to its stdin, {id, ok, value|error} lines back on its stdout.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { VipdError } from '../errors/vipdError.js';

export interface PeerReply<T> {
  readonly ok: boolean;
  readonly value?: T;
  readonly error?: string;
}

export class JsonPeer {
  private next = 1;
  private readonly waiting = new Map<number, (r: PeerReply<unknown>) => void>();

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const r = JSON.parse(line) as PeerReply<unknown> & { id: number };
      this.waiting.get(r.id)?.(r);
      this.waiting.delete(r.id);
    });
  }

  call<T>(cmd: string, args: Record<string, unknown> = {}): Promise<PeerReply<T>> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve as (r: PeerReply<unknown>) => void);
      this.child.stdin!.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    });
  }

  /** The reply's value; a peer's refusal becomes VIPD_ERR_DEMO naming the command. */
  async value<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const r = await this.call<T>(cmd, args);
    if (!r.ok) throw new VipdError('VIPD_ERR_DEMO', `the lab peer's ${cmd} failed: ${r.error}`);
    return r.value as T;
  }
}
