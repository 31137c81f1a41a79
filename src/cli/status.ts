// `vipd status`: thin CLI wrapper over src/control/status.ts.
import { statusCommand as runStatus } from '../control/status.js';
import { RealClock } from '../clock/realClock.js';

export interface StatusCliOptions {
  json: boolean;
  url?: string;
  socket?: string;
  keepalivedDir?: string;
}

export async function statusCommand(opts: StatusCliOptions): Promise<number> {
  const result = await runStatus({
    target: opts.socket ? { socketPath: opts.socket } : { url: opts.url ?? `http://127.0.0.1:9651` },
    json: opts.json,
    keepalivedDir: opts.keepalivedDir,
    clock: new RealClock(),
  });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  return result.exitCode;
}
