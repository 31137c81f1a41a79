// The host-side handle on test/uml/lvs/labServers.py (the lab's real servers and client in one python process,
// driven over a UNIX socket), plus the small process helpers every guest scenario needs. Shared by
// test/uml/scenarios/lvsGuest.ts (one director) and test/uml/scenarios/pairGuest.ts (a director pair).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const LAB_SERVERS = join(REPO, 'test/uml/lvs/labServers.py');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Run a command and return what it printed; a failure comes back as text ending in "[exit N]", never thrown. */
export function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; status?: number };
    return `${e.stdout ?? ''}${e.stderr ?? ''}[exit ${e.status}]`;
  }
}

/** The lab's real servers and client, one python process (test/uml/lvs/labServers.py), over its UNIX socket. */
export class LabServers {
  private readonly waiting: ((line: string) => void)[] = [];
  private constructor(
    private readonly sock: Socket,
    readonly child: ChildProcess,
  ) {
    createInterface({ input: sock }).on('line', (l) => this.waiting.shift()?.(l));
  }

  /** Start it with its socket and log in `outDir`. */
  static async start(outDir: string): Promise<LabServers> {
    const path = join(outDir, 'lab-servers.sock');
    const log = openSync(join(outDir, 'lab-servers.log'), 'a');
    const child = spawn('/usr/bin/python3', [LAB_SERVERS, path], { stdio: ['ignore', log, log] });
    closeSync(log);
    for (let i = 0; i < 600 && !existsSync(path); i++) await sleep(50);
    const sock = createConnection(path);
    await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
    return new LabServers(sock, child);
  }

  request(req: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      this.waiting.push((l) => resolve(JSON.parse(l) as Record<string, unknown>));
      this.sock.write(JSON.stringify(req) + '\n');
    });
  }

  close(): void {
    this.sock.destroy();
    this.child.kill('SIGTERM');
  }
}
