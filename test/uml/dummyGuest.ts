// One user-mode Linux boot running one in-guest scenario against a dummy interface that makes the test's real
// server addresses unicast (10.0.0.0/8, 2001:db8::/64): what the IPVS client and plane tests share. Skips the
// calling suite with a printed reason when UML or a module is missing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runUml, umlUnavailableReason, type UmlRun } from './uml.js';

export interface DummyGuestRun<R> {
  readonly run: UmlRun;
  readonly result: R;
}

/** Boots, runs `node script`, and parses `<name>-result.json` the scenario wrote; null when the suite was skipped. */
export async function runDummyGuest<R>(
  ctx: Mocha.Context,
  opts: { readonly name: string; readonly script: string; readonly modules: readonly string[]; readonly timeoutMs: number },
): Promise<DummyGuestRun<R>> {
  const reason = umlUnavailableReason(opts.modules);
  if (reason) {
    console.log(`      skipped: ${reason}`);
    ctx.skip();
  }
  const run = await runUml({
    modules: [...opts.modules],
    setup: [
      'ip link add dummy0 type dummy',
      'ip link set dummy0 up',
      // Real servers must be unicast by the guest's routing table (ip_vs_new_dest → EINVAL otherwise).
      'ip addr add 10.0.0.254/8 dev dummy0',
      'ip addr add 2001:db8::fe/64 dev dummy0',
    ],
    scenarios: [{ name: opts.name, command: `${process.execPath} ${opts.script}` }],
    timeoutMs: opts.timeoutMs,
  });
  console.log(`      UML boot + scenario: ${(run.wallMs / 1000).toFixed(1)} s wall (${run.dir})`);
  const res = run.results.get(opts.name)!;
  if (res.rc !== 0) {
    throw new Error(
      `guest scenario failed (rc ${res.rc}, timed out ${run.timedOut}):\n${res.stderr}\nmodules: ${run.moduleErrors}\nconsole tail:\n${run.console.slice(-2000)}`,
    );
  }
  return { run, result: JSON.parse(readFileSync(join(run.dir, `${opts.name}-result.json`), 'utf8')) as R };
}
