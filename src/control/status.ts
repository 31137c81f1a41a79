// `vipd status` as a function: the CLI passes flags, prints stdout/stderr and exits with exitCode
// (src/cli is the only place that exits). 0 = got status, 1 = no daemon / error, 2 = bad response.
import { DEFAULT_STATUS_TIMEOUT_MS, DEFAULT_STATUS_URL, StatusFetchError, describeTarget, fetchStatusText, parseStatus, type StatusTarget } from './client.js';
import { writeKeepalivedFiles } from './keepalived-files.js';
import { renderStatus } from './table.js';

export interface StatusCommandOptions {
  /** Default: http://127.0.0.1:9651 */
  target?: StatusTarget;
  /** Print the daemon's /status JSON unchanged. */
  json?: boolean;
  /** Also write keepalived.stats/.data/.json into this directory (for keepalived exporters). */
  keepalivedDir?: string;
  timeoutMs?: number;
  nowMs?: number;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function statusCommand(opts: StatusCommandOptions = {}): Promise<CommandResult> {
  const target = opts.target ?? { url: DEFAULT_STATUS_URL };
  try {
    const text = await fetchStatusText(target, opts.timeoutMs ?? DEFAULT_STATUS_TIMEOUT_MS);
    const doc = parseStatus(text, describeTarget(target));
    let stderr = '';
    if (opts.keepalivedDir) {
      const written = writeKeepalivedFiles(opts.keepalivedDir, doc);
      stderr = `wrote ${written.join(', ')}\n`;
    }
    return { exitCode: 0, stdout: opts.json ? (text.endsWith('\n') ? text : `${text}\n`) : renderStatus(doc, { nowMs: opts.nowMs }), stderr };
  } catch (err) {
    if (err instanceof StatusFetchError) {
      return { exitCode: err.code === 'VIPD_ERR_STATUS_BAD_RESPONSE' || err.code === 'VIPD_ERR_STATUS_BAD_URL' ? 2 : 1, stdout: '', stderr: `vipd status: ${err.message}\n` };
    }
    return { exitCode: 1, stdout: '', stderr: `vipd status: ${(err as Error).message}\n` };
  }
}
