// The probe port: one network (or process, or file) check of one real server, run by the shell when the LVS core
// asks for it (`runCheck` effect), answered with an outcome the core turns into checker state. Probes are
// stateless between runs; retry, fall/rise and timing belong to the core (lvs.md §3.1).
import type { CheckerConfig, LvsScript } from '../../config/lvsTypes.js';
import type { Clock } from '../../clock/clock.js';
import type { ScriptSpawner } from '../../script/exec.js';

/** Why a probe failed, for logs and `vipd_lvs_check_failures_total{reason}`. */
export type ProbeFailReason =
  | 'timeout' // no answer within connect_timeout (or misc_timeout)
  | 'refused' // connection refused / ICMP port unreachable
  | 'unreachable' // host or network unreachable
  | 'reset' // connection reset or closed early
  | 'status' // HTTP status not in status_code
  | 'digest' // body MD5 differs
  | 'regex' // regex matched (regex_no_match) or did not
  | 'protocol' // malformed or unexpected reply (SMTP code, DNS id/rcode, UDP reply mismatch)
  | 'tls' // TLS handshake or certificate verification failed
  | 'exit' // MISC_CHECK exit code 1, or killed by a signal
  | 'file' // FILE_CHECK value is a fault
  | 'local'; // a local error (bind failure, no such interface): counts as a failed check (issue 10)

export type ProbeOutcome =
  | {
      readonly ok: true;
      readonly durationMs: number;
      /** MISC_CHECK misc_dynamic (exit − 2) or FILE_CHECK (value × weight): the weight the RS should get. */
      readonly weight?: number;
    }
  | { readonly ok: false; readonly durationMs: number; readonly reason: ProbeFailReason; readonly detail: string };

/** What a probe connects to (after connect_ip / connect_port defaults are applied by the config). */
export interface ProbeTarget {
  readonly address: string;
  readonly port: number;
}

export interface Probe {
  /** One check; resolves (never rejects) within the checker's timeout on the injected clock. */
  run(): Promise<ProbeOutcome>;
  /** Cancels a run in flight (reload, stop); its promise resolves with a 'local' failure. */
  close(): void;
}

/** What probes may use from the shell. */
export interface ProbeDeps {
  readonly clock: Clock;
  /** Current value of a global track_file by name (FILE_CHECK); undefined when unknown. */
  readonly trackFileValue?: (name: string) => number | undefined;
  /** TLS material from the global `SSL { ca certificate key password }` block (SSL_GET). */
  readonly tls?: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer; readonly passphrase?: string };
  /** MISC_CHECK: how scripts are started (tests pass a fake) and vetted (see MiscScriptDeps). */
  readonly scripts?: MiscScriptDeps;
}

/** A MISC_CHECK script ready to run: absolute program, its arguments and the ids to run it as. */
export interface PreparedMiscScript {
  readonly argv: readonly string[];
  readonly uid?: number;
  readonly gid?: number;
}

export interface MiscScriptDeps {
  readonly spawner?: ScriptSpawner;
  /**
   * Resolves the user (script_user / keepalived_script / the `user [group]` words) and checks the script's
   * security like keepalived (enable_script_security); an error disables the check. The shell knows the globals;
   * without it the script is run as ourselves with the checks of src/script/security.ts and no script security.
   */
  readonly prepare?: (script: LvsScript) => Promise<PreparedMiscScript | { readonly error: string }>;
  readonly env?: NodeJS.ProcessEnv;
}

export type ProbeFactory = (checker: CheckerConfig, deps: ProbeDeps) => Probe;
