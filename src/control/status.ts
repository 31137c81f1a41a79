// `vipd status` as a function: the CLI passes flags, prints stdout/stderr and exits with exitCode
// (src/cli is the only place that exits). 0 = got status, 1 = no daemon / error, 2 = bad response.
import { DEFAULT_STATUS_TIMEOUT_MS, DEFAULT_STATUS_URL, StatusFetchError, describeTarget, fetchStatusText, parseStatus, type StatusTarget } from './client.js';
import { writeKeepalivedFiles } from './keepalived-files.js';
import { isSocketFile, liveControlSockets, type AgentSearch } from './locate.js';
import { identityFlags, identityOfSocket } from './socketPath.js';
import { renderStatus } from './table.js';
import type { Clock } from '../clock/clock.js';

export interface StatusCommandOptions {
  /** One endpoint (--socket or --url): read only that. */
  target?: StatusTarget;
  /** Without target: where to look (locate.ts agentSearch). Default: only DEFAULT_STATUS_URL. */
  search?: AgentSearch;
  /** Print the daemon's /status JSON unchanged. */
  json?: boolean;
  /** Also write keepalived.stats/.data/.json into this directory (for keepalived exporters). */
  keepalivedDir?: string;
  timeoutMs?: number;
  /** The request's time bound and the age column's "now" (clock.wallNow(), unless nowMs is given). */
  clock: Clock;
  nowMs?: number;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Found: the agent's /status text and where it came from. */
interface Found {
  text: string;
  target: StatusTarget;
}

/** Failures that mean "not this endpoint, look further"; anything else is an answer from an agent. */
const LOOK_FURTHER: ReadonlySet<string> = new Set(['VIPD_ERR_STATUS_NOT_RUNNING', 'VIPD_ERR_STATUS_PERMISSION']);

/**
 * Follow the search: the identity's sockets, then a single live agent found in the run folders, then HTTP.
 * Throws the StatusFetchError to show: the first real answer's, or a summary of every place looked at.
 */
async function locateAndFetch(search: AgentSearch, fetch: { clock: Clock; timeoutMs: number }): Promise<Found> {
  const misses: StatusFetchError[] = [];
  const tryTarget = async (target: StatusTarget): Promise<Found | null> => {
    try {
      return { text: await fetchStatusText(target, fetch), target };
    } catch (err) {
      if (err instanceof StatusFetchError && LOOK_FURTHER.has(err.code)) {
        misses.push(err);
        return null;
      }
      throw err;
    }
  };

  const tried = new Set<string>();
  for (const socketPath of search.socketPaths) {
    if (!isSocketFile(socketPath)) continue;
    tried.add(socketPath);
    const found = await tryTarget({ socketPath });
    if (found) return found;
  }

  const others = await liveControlSockets(search.scanBases, tried);
  if (others.length === 1) {
    const found = await tryTarget({ socketPath: others[0]! });
    if (found) return found;
  } else if (others.length > 1) {
    const list = others.map((p) => {
      const base = search.scanBases.find((b) => p.startsWith(`${b}/`)) ?? '';
      const flags = identityFlags(identityOfSocket(p, base) ?? {});
      return `${p}${flags ? ` (${flags})` : ''}`;
    });
    throw new StatusFetchError('VIPD_ERR_STATUS_AMBIGUOUS', `several vipd agents run here; name one with --netns/--config-id or --socket: ${list.join(', ')}`);
  }

  if (search.url !== null) {
    const found = await tryTarget({ url: search.url });
    if (found) return found;
  }

  const permission = misses.find((m) => m.code === 'VIPD_ERR_STATUS_PERMISSION');
  if (permission) throw permission;
  const where = search.socketPaths.join(' or ');
  const socketPart = `${search.asked ? `no vipd with ${search.asked}: ` : ''}no agent answers on the control socket ${where || '(none)'}`;
  const httpMiss = search.url !== null ? misses.at(-1) : undefined;
  throw new StatusFetchError('VIPD_ERR_STATUS_NOT_RUNNING', httpMiss ? `${httpMiss.message}; ${socketPart}` : socketPart);
}

export async function statusCommand(opts: StatusCommandOptions): Promise<CommandResult> {
  const fetch = { clock: opts.clock, timeoutMs: opts.timeoutMs ?? DEFAULT_STATUS_TIMEOUT_MS };
  try {
    const { text, target } = opts.target
      ? { text: await fetchStatusText(opts.target, fetch), target: opts.target }
      : await locateAndFetch(opts.search ?? { socketPaths: [], scanBases: [], url: DEFAULT_STATUS_URL, asked: '' }, fetch);
    const doc = parseStatus(text, describeTarget(target));
    let stderr = '';
    if (opts.keepalivedDir) {
      const written = writeKeepalivedFiles(opts.keepalivedDir, doc);
      stderr = `wrote ${written.join(', ')}\n`;
    }
    return { exitCode: 0, stdout: opts.json ? (text.endsWith('\n') ? text : `${text}\n`) : renderStatus(doc, { nowMs: opts.nowMs ?? opts.clock.wallNow() }), stderr };
  } catch (err) {
    if (err instanceof StatusFetchError) {
      return { exitCode: err.code === 'VIPD_ERR_STATUS_BAD_RESPONSE' || err.code === 'VIPD_ERR_STATUS_BAD_URL' ? 2 : 1, stdout: '', stderr: `vipd status: ${err.message}\n` };
    }
    return { exitCode: 1, stdout: '', stderr: `vipd status: ${(err as Error).message}\n` };
  }
}
