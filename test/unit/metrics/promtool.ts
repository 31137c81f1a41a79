// Test helper: run Prometheus's own linter (`promtool check metrics`, from Debian's prometheus package) on
// an exposition. null when promtool is not installed, so callers can skip with the reason printed.
import { spawnSync } from 'node:child_process';

export interface PromtoolResult {
  /** promtool's exit code: 0 clean, 3 lint problems, 1 unparsable input. */
  code: number;
  /** What promtool printed (problems, one per line). */
  output: string;
}

export const PROMTOOL = process.env.PROMTOOL ?? 'promtool';

export function promtoolCheckMetrics(exposition: string): PromtoolResult | null {
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: exposition, encoding: 'utf8', timeout: 20_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return null;
  if (r.error) throw r.error;
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}`.trim() };
}

export const PROMTOOL_MISSING = `${PROMTOOL} not found (Debian: apt-get install prometheus)`;
