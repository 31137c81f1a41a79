// `vipd run`'s options, once: yargs builds its parser and help from this table (commands.ts), and main.ts reads
// an ordinary `vipd run …` line with readRunArgs below without loading yargs at all. yargs with its help
// renderer (cliui → string-width: Intl.Segmenter's ICU data, emoji-regex) is ~10 MB of resident set that a
// running director would carry for its whole life (issue 12). Anything readRunArgs is not sure about goes to
// yargs, so help, errors and the unusual spellings behave exactly as before.
import type { RunOptions } from './run.js';
import { DEFAULT_METRICS_LISTEN } from '../metrics/http.js';

export const DEFAULT_CONFIG = '/etc/keepalived/keepalived.conf';

export const RUN_OPTIONS = {
  f: { alias: 'use-file', type: 'string', default: DEFAULT_CONFIG, describe: 'keepalived.conf to read' },
  'log-format': { choices: ['text', 'json'] as const, default: 'text' as const },
  'log-level': { choices: ['debug', 'info', 'warn', 'error'] as const, default: 'info' as const },
  'config-id': { alias: 'i', type: 'string', describe: 'keepalived --config-id for @conditional lines' },
  strict: { type: 'boolean', default: false, describe: 'unknown keywords, includes that match nothing and nothing to run are errors' },
  'control-socket': {
    type: 'string',
    describe: 'UNIX socket for vipd status, /status and /metrics (default /run/vipd/vipd[_ID].sock, /run/vipd/NETNS/\u2026 in a named netns)',
  },
  'stats-dir': { type: 'string', default: '/tmp', describe: 'where SIGUSR1/SIGUSR2 write keepalived.data/.stats/.json' },
  handover: {
    type: 'boolean',
    default: true,
    describe: "on SIGTERM keep the VIPs until the new master has announced itself (--no-handover: keepalived's immediate release)",
  },
  'metrics-listen': { type: 'string', default: DEFAULT_METRICS_LISTEN, describe: 'HOST:PORT for /metrics, /healthz, /status ("off" disables)' },
} as const;

type RunOptionName = keyof typeof RUN_OPTIONS;
type Spec = { readonly alias?: string; readonly type?: 'string' | 'boolean'; readonly default?: string | boolean; readonly choices?: readonly string[] };

/** The parsed `run` options (yargs' or readRunArgs') → what runCommand takes. */
export function runOptionsFrom(args: {
  readonly f: string;
  readonly 'log-format': RunOptions['logFormat'];
  readonly 'log-level': RunOptions['logLevel'];
  readonly 'config-id'?: string | undefined;
  readonly strict: boolean;
  readonly 'control-socket'?: string | undefined;
  readonly 'stats-dir': string;
  readonly handover: boolean;
  readonly 'metrics-listen': string;
}): RunOptions {
  return {
    configPath: args.f,
    logFormat: args['log-format'],
    logLevel: args['log-level'],
    configId: args['config-id'],
    strict: args.strict,
    metricsListen: args['metrics-listen'],
    handover: args.handover,
    statsDir: args['stats-dir'],
    controlSocket: args['control-socket'],
  };
}

/**
 * The arguments after `run`, when every one is a plain spelling of a RUN_OPTIONS option: `--name value`,
 * `--name=value`, `-f value`/`-i value` (the aliases), `--flag`, `--no-flag`; each at most once, values inside
 * their choices, no positional words. Otherwise null: yargs reads the line (help, errors, anything unusual).
 */
export function readRunArgs(argv: readonly string[]): RunOptions | null {
  const byName = new Map<string, RunOptionName>();
  for (const [name, spec] of Object.entries(RUN_OPTIONS) as [RunOptionName, Spec][]) {
    byName.set(name.length === 1 ? `-${name}` : `--${name}`, name);
    if (spec.alias) byName.set(spec.alias.length === 1 ? `-${spec.alias}` : `--${spec.alias}`, name);
  }
  const given = new Map<RunOptionName, string | boolean>();
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    const key = eq > 0 ? word.slice(0, eq) : word;
    const negated = key.startsWith('--no-') ? byName.get(`--${key.slice(5)}`) : undefined;
    const name = byName.get(key) ?? negated;
    if (name === undefined || given.has(name)) return null;
    const spec: Spec = RUN_OPTIONS[name];
    if (spec.type === 'boolean') {
      if (eq > 0) return null;
      given.set(name, negated === undefined);
      continue;
    }
    if (negated !== undefined) return null;
    const value = eq > 0 ? word.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '' || value.startsWith('-')) return null;
    if (spec.choices && !spec.choices.includes(value)) return null;
    given.set(name, value);
  }
  const value = (name: RunOptionName) => given.get(name) ?? (RUN_OPTIONS[name] as Spec).default;
  return runOptionsFrom({
    f: value('f') as string,
    'log-format': value('log-format') as RunOptions['logFormat'],
    'log-level': value('log-level') as RunOptions['logLevel'],
    'config-id': value('config-id') as string | undefined,
    strict: value('strict') as boolean,
    'control-socket': value('control-socket') as string | undefined,
    'stats-dir': value('stats-dir') as string,
    handover: value('handover') as boolean,
    'metrics-listen': value('metrics-listen') as string,
  });
}
