// The full command line through yargs: every command, --help, and the errors for what it cannot read. main.ts
// comes here for everything but an ordinary `vipd run …` (runOptions.ts); each command's module is imported
// only when that command runs, so `vipd status` does not load the daemon, nor `vipd run` the lab.
import yargs from 'yargs';
import { DEFAULT_METRICS_LISTEN } from '../metrics/http.js';
import { DEFAULT_CONFIG, RUN_OPTIONS, runOptionsFrom } from './runOptions.js';

/** Parses `argv` and runs the command it names; `done` receives the command's exit code (2: usage error). */
export async function parseCommandLine(argv: readonly string[], done: (code: number) => void): Promise<void> {
  await yargs([...argv])
    .scriptName('vipd')
    .usage('$0 <command> [options]\n\nkeepalived-compatible VRRP failover agent for load-balancer directors.')
    .command(
      'run',
      'run the agent in the foreground',
      (y) => y.options(RUN_OPTIONS),
      async (args) => done(await (await import('./run.js')).runCommand(runOptionsFrom(args))),
    )
    .command(
      'check-config',
      'validate a config: every error as file:line: message; exit 0 when valid, 1 otherwise',
      (y) =>
        y
          .option('f', { alias: 'use-file', type: 'string', default: DEFAULT_CONFIG })
          .option('config-id', { alias: 'i', type: 'string' })
          .option('strict', { type: 'boolean', default: false, describe: 'unknown keywords, includes that match nothing and nothing to run are errors' }),
      async (args) => done(await (await import('./checkConfig.js')).checkConfigCommand({ configPath: args.f, configId: args['config-id'], strict: args.strict })),
    )
    .command(
      'status',
      'show the running agent\'s instances',
      (y) =>
        y
          .option('json', { type: 'boolean', default: false })
          .option('socket', { type: 'string', describe: 'read this control socket only (default: found, see --config-id/--netns)' })
          .option('url', { type: 'string', describe: `read this HTTP endpoint only (tried last by default: http://${DEFAULT_METRICS_LISTEN})` })
          .option('config-id', { alias: 'i', type: 'string', describe: 'the agent run with this --config-id' })
          .option('netns', { type: 'string', describe: 'the agent in this named network namespace (default: the one vipd status runs in)' })
          .conflicts('socket', 'url')
          .option('keepalived-dir', { type: 'string', describe: 'also write keepalived.stats/.data/.json here for keepalived exporters' }),
      async (args) =>
        done(
          await (await import('./status.js')).statusCommand({
            json: args.json,
            url: args.url,
            socket: args.socket,
            configId: args['config-id'],
            netns: args.netns,
            keepalivedDir: args['keepalived-dir'],
          }),
        ),
    )
    .command(
      'demo',
      'build a throwaway namespace lab, run two agents, kill the master and show the outage (root)',
      (y) => y.option('keep-going', { type: 'boolean', default: false, hidden: true }),
      async () => done(await (await import('./demo.js')).demoCommand()),
    )
    .demandCommand(1, 'name a command: run, check-config, status or demo')
    .strict()
    .help()
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`vipd: ${msg}\nRun \`vipd --help\` for usage.\n`);
      done(2);
    })
    .parseAsync();
}
