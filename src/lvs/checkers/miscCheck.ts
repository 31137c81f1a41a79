// MISC_CHECK (lvs.md §3.3, keepalived check/check_misc.c:255-420): run misc_path in its own process group with
// keepalived's environment rules (src/script/exec.ts). Exit statuses as check_misc.c:371-396 decides them:
//   0                      → success (with misc_dynamic: back to the configured weight, `weight` left unset)
//   2..255 and misc_dynamic → success, the RS weight becomes exit − 2
//   anything else          → failure (1, and 2..255 without misc_dynamic)
// misc_timeout → SIGTERM to the group, SIGKILL 2 s later (on the clock); the run fails at the timeout. A script
// killed by a signal fails too.
import type { CheckerConfig } from '../../config/lvsTypes.js';
import { splitScript } from '../../config/values.js';
import { describeOutcome, runScript, scriptEnv, type RunningScript } from '../../script/exec.js';
import { scriptSpawner } from '../../script/vforkSpawner.js';
import { prepareScript, readAccounts, resolveUser, selfIdentity } from '../../script/security.js';
import { Attempts, fail, pass } from './attempt.js';
import type { MiscScriptDeps, PreparedMiscScript, Probe, ProbeDeps } from './types.js';

type MiscCheckConfig = Extract<CheckerConfig, { type: 'MISC_CHECK' }>;

/** keepalived sends SIGKILL this long after the SIGTERM of a timed-out misc script. */
const KILL_GRACE_MS = 2000;

export function miscProbe(cfg: MiscCheckConfig, deps: ProbeDeps): Probe {
  const attempts = new Attempts(deps.clock);
  const scripts: MiscScriptDeps = deps.scripts ?? {};
  const what = `misc script ${cfg.script.command}`;
  // Vetted once, like keepalived checks a script's security when it loads the configuration.
  let prepared: Promise<PreparedMiscScript | { readonly error: string }> | null = null;
  return {
    run: () =>
      attempts.run({
        what,
        timeoutMs: cfg.timeoutMs,
        onTimeout: () => fail('timeout', `${what}: timed out after ${cfg.timeoutMs} ms (killed)`),
        body: async (ctl) => {
          prepared ??= (scripts.prepare ?? defaultPrepare)(cfg.script);
          const p = await prepared;
          if (ctl.settled) return;
          if ('error' in p) return ctl.finish(fail('local', `${what}: ${p.error}`));
          const run: RunningScript = runScript(scripts.spawner ?? scriptSpawner(), p.argv, {
            env: scriptEnv(scripts.env ?? process.env),
            ...(p.uid !== undefined ? { uid: p.uid } : {}),
            ...(p.gid !== undefined ? { gid: p.gid } : {}),
            clock: deps.clock,
            timeoutMs: 0, // the attempt's timer is the bound; its cleanup terminates the group
            killGraceMs: KILL_GRACE_MS,
          });
          let exited = false;
          ctl.onSettle(() => {
            if (!exited) run.terminate(KILL_GRACE_MS);
          });
          const out = await run.done;
          exited = true;
          if (out.error) return ctl.finish(fail('local', `${what}: could not run (${out.error})`));
          if (out.code === null) return ctl.finish(fail('exit', `${what}: ${describeOutcome(out)}`));
          if (out.code === 0) return ctl.finish(pass());
          if (cfg.dynamic && out.code >= 2 && out.code <= 255) return ctl.finish(pass(out.code - 2));
          ctl.finish(fail('exit', `${what}: exited with status ${out.code}`));
        },
      }),
    close: () => attempts.close(),
  };
}

/** Without the shell's globals: the `user [group]` words, else ourselves; no enable_script_security. */
async function defaultPrepare(script: MiscCheckConfig['script']): Promise<PreparedMiscScript | { readonly error: string }> {
  const self = selfIdentity();
  let who = self;
  if (script.user !== null) {
    const r = resolveUser({ user: script.user, group: script.group }, await readAccounts());
    if ('error' in r) return r;
    who = r;
  }
  const p = await prepareScript(splitScript(script.command), who, false);
  if ('error' in p) return p;
  return p.uid !== self.uid || p.gid !== self.gid ? { argv: p.argv, uid: p.uid, gid: p.gid } : { argv: p.argv };
}
