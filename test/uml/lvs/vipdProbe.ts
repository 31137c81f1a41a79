// Capability probe: does this vipd build run virtual_server blocks? Until the LVS implementation lands, vipd
// parses them and says so (`vipd check-config`: "virtual_server … is parsed but not run"); the side-by-side
// test and bench then leave the vipd side out with that line as the reason, and pick it up by themselves once
// the warning is gone. Asked of the real CLI, never hard-coded.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const VIPD_BIN = fileURLToPath(new URL('../../../../bin/vipd', import.meta.url));

/** The check-config line that says virtual servers are not run, or null when vipd runs them. */
export function vipdLvsNotRunReason(configPath: string): string | null {
  // check-config writes its diagnostics to stderr.
  const r = spawnSync(process.execPath, [VIPD_BIN, 'check-config', '-f', configPath], { encoding: 'utf8' });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  return text.split('\n').find((l) => /virtual_server/.test(l) && /(not run|does not run)/.test(l)) ?? null;
}
