// A fake vipd_net addon for the ctnetlink client: scripted recvmsg results per fd, polls that tests fire by hand,
// and a hook on every send (to answer requests).
import type { NativeNet, PollHandle, RecvResult } from '../../../src/net/native.js';

export type Step = Buffer | 'ENOBUFS' | null;

export class FakeNet {
  nextFd = 10;
  polls = new Map<number, { fd: number; cb: (status: number) => void; stopped: boolean }>();
  recvQueues = new Map<number, Step[]>();
  sent: Buffer[] = [];
  onSend: ((fd: number, buf: Buffer) => void) | null = null;
  private nextPoll = 1;
  api(): NativeNet {
    return {
      socket: () => this.nextFd++,
      close: () => undefined,
      setsockopt: () => undefined,
      getsockopt: () => Buffer.alloc(0),
      bind: () => undefined,
      sendmsg: (fd, data) => {
        this.sent.push(Buffer.from(data));
        this.onSend?.(fd, data);
        return data.length;
      },
      recvmsg: (fd): RecvResult | null => {
        const q = this.recvQueues.get(fd) ?? [];
        const step = q.shift();
        if (step === undefined || step === null) return null;
        if (step === 'ENOBUFS') throw Object.assign(new Error('recvmsg: ENOBUFS'), { code: 'ENOBUFS' });
        return { data: step, addr: Buffer.alloc(0), control: Buffer.alloc(0), flags: 0 };
      },
      ifNameToIndex: () => 0,
      pollStart: (fd, cb) => {
        const id = this.nextPoll++;
        this.polls.set(id, { fd, cb, stopped: false });
        return id as unknown as PollHandle;
      },
      pollStop: (h) => {
        this.polls.get(h as unknown as number)!.stopped = true;
      },
      pollRef: () => undefined,
      attachFilter: () => undefined,
    } as NativeNet;
  }
  activePolls(fd: number) {
    return [...this.polls.values()].filter((p) => p.fd === fd && !p.stopped);
  }
  push(fd: number, ...steps: Step[]): void {
    this.recvQueues.set(fd, [...(this.recvQueues.get(fd) ?? []), ...steps]);
  }
}
