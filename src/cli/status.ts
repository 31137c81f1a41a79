// `vipd status`: thin CLI wrapper over src/control/status.ts. With no --socket/--url it finds the agent
// itself (src/control/locate.ts): its control socket, whatever the agent's metrics settings, then HTTP.
import { DEFAULT_STATUS_URL } from '../control/client.js';
import { agentSearch } from '../control/locate.js';
import { statusCommand as runStatus } from '../control/status.js';
import { RealClock } from '../clock/realClock.js';

export interface StatusCliOptions {
  json: boolean;
  url?: string;
  socket?: string;
  /** The agent's --config-id, when several agents share the host. */
  configId?: string;
  /** The named network namespace the agent runs in (default: the one this command runs in). */
  netns?: string;
  keepalivedDir?: string;
}

export async function statusCommand(opts: StatusCliOptions): Promise<number> {
  const result = await runStatus({
    target: opts.socket ? { socketPath: opts.socket } : opts.url ? { url: opts.url } : undefined,
    search: agentSearch({ configId: opts.configId, netns: opts.netns }, DEFAULT_STATUS_URL),
    json: opts.json,
    keepalivedDir: opts.keepalivedDir,
    clock: new RealClock(),
  });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  return result.exitCode;
}
