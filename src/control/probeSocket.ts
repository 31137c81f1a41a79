// Is an agent answering on a UNIX socket path? One connect(), no request: used by the agent before it binds
// (refuse to start beside a live agent, replace a dead socket) and by `vipd status` when it looks for agents.
import { lstatSync } from 'node:fs';
import { connect } from 'node:net';

/** none: no file; live: something accepts; dead: a socket nobody listens on; other: not a socket. */
export type SocketState = 'none' | 'live' | 'dead' | 'other';

export function probeSocket(path: string): Promise<SocketState> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return Promise.resolve('none');
  }
  if (!isSocket) return Promise.resolve('other');
  return new Promise((resolve) => {
    const c = connect({ path });
    c.once('connect', () => {
      c.destroy();
      resolve('live');
    });
    // ECONNREFUSED: nobody listens (the agent died). Anything else (EACCES) means we cannot tell, and a file
    // we cannot tell about is never treated as dead: it is not ours to remove.
    c.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'dead' : 'live'));
  });
}
