// Shared plumbing for namespace tests: root check with a printed reason, a per-test lab prefix, and
// "never two holders" sampling.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'mocha';
import { Lab, buildPairLab, labUnavailableReason } from '../../src/lab/netns.js';
import { AgentSet, holders } from '../../src/lab/agents.js';

let counter = 0;

/** Skip (with the reason printed) unless namespaces can be created here. */
export function requireLab(ctx: Context): void {
  const reason = labUnavailableReason();
  if (reason) {
    console.log(`      skipped: ${reason}`);
    ctx.skip();
  }
}

/** A lab whose names cannot collide with other tests running at the same time. */
export function newLab(tag: string): Lab {
  return new Lab(`${tag}${process.pid % 1000}${(counter++).toString(36)}`);
}

/**
 * Sample who holds `vip` for `durationMs`; returns the largest number of simultaneous holders seen, so a test
 * can assert that two directors never held the VIP at once.
 */
export async function maxHoldersDuring(lab: Lab, hosts: string[], vip: string, durationMs: number, everyMs = 50): Promise<number> {
  let max = 0;
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    max = Math.max(max, (await holders(lab, hosts, vip)).length);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return max;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * design.md's pair lab (switch, d1, d2, c1) for each test of the enclosing describe, with an AgentSet; both are
 * torn down after the test, also when it fails. Use inside describe(): `const env = usePairLab('vp');`.
 */
export function usePairLab(tag: string, net = 1): { lab(): Lab; agents(): AgentSet } {
  let lab: Lab | undefined;
  let agents: AgentSet | undefined;
  beforeEach(async function () {
    requireLab(this);
    lab = newLab(tag);
    agents = new AgentSet(lab);
    await buildPairLab(lab, net);
  });
  afterEach(async function () {
    await agents?.destroy();
    await lab?.destroy();
    agents = undefined;
    lab = undefined;
  });
  return { lab: () => lab!, agents: () => agents! };
}

/**
 * A temp folder for check/notify scripts that pass keepalived's script security (root-owned, 0755), fresh for
 * each test of the enclosing describe and removed after it.
 */
export function useScriptDir(tag: string): () => string {
  let dir: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), `vipd-${tag}-`));
    chmodSync(dir, 0o755);
  });
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => dir!;
}

/** Skip (with the reason printed) unless Debian's keepalived, the interop peer, is installed. */
export function requireKeepalived(ctx: Context): void {
  try {
    execFileSync('keepalived', ['--version'], { stdio: 'pipe' });
  } catch {
    console.log('      skipped: keepalived is not installed (apt-get install keepalived)');
    ctx.skip();
  }
}

/** A check script that fails while `<dir>/fail` exists (root-owned, 0755, in a 0755 root folder: see useScriptDir). */
export function toggleScript(dir: string): { script: string; fail(): void; pass(): void } {
  const script = join(dir, 'chk.sh');
  writeFileSync(script, `#!/bin/sh\n[ ! -e '${dir}/fail' ]\n`, { mode: 0o755 });
  chmodSync(script, 0o755);
  return { script, fail: () => writeFileSync(join(dir, 'fail'), ''), pass: () => rmSync(join(dir, 'fail'), { force: true }) };
}
