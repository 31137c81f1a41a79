// vipd command line. The only module that exits the process: commands return an exit code.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { checkConfigCommand } from './checkConfig.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { demoCommand } from './demo.js';
import { describeError } from './describeError.js';
import { DEFAULT_METRICS_LISTEN } from '../metrics/http.js';

export const DEFAULT_CONFIG = '/etc/keepalived/keepalived.conf';

export async function main(argv: string[] = hideBin(process.argv)): Promise<void> {
  let exitCode = 0;
  const done = (code: number): void => {
    exitCode = code;
  };
  try {
    await yargs(argv)
      .scriptName('vipd')
      .usage('$0 <command> [options]\n\nkeepalived-compatible VRRP failover agent for load-balancer directors.')
      .command(
        'run',
        'run the agent in the foreground',
        (y) =>
          y
            .option('f', { alias: 'use-file', type: 'string', default: DEFAULT_CONFIG, describe: 'keepalived.conf to read' })
            .option('log-format', { choices: ['text', 'json'] as const, default: 'text' as const })
            .option('log-level', { choices: ['debug', 'info', 'warn', 'error'] as const, default: 'info' as const })
            .option('config-id', { alias: 'i', type: 'string', describe: 'keepalived --config-id for @conditional lines' })
            .option('strict', { type: 'boolean', default: false, describe: 'unknown keywords, includes that match nothing and nothing to run are errors' })
            .option('control-socket', {
              type: 'string',
              describe: 'UNIX socket for vipd status, /status and /metrics (default /run/vipd/vipd[_ID].sock, /run/vipd/NETNS/… in a named netns)',
            })
            .option('stats-dir', { type: 'string', default: '/tmp', describe: 'where SIGUSR1/SIGUSR2 write keepalived.data/.stats/.json' })
            .option('handover', {
              type: 'boolean',
              default: true,
              describe: 'on SIGTERM keep the VIPs until the new master has announced itself (--no-handover: keepalived\'s immediate release)',
            })
            .option('metrics-listen', {
              type: 'string',
              default: DEFAULT_METRICS_LISTEN,
              describe: 'HOST:PORT for /metrics, /healthz, /status ("off" disables)',
            }),
        async (args) =>
          done(
            await runCommand({
              configPath: args.f,
              logFormat: args['log-format'],
              logLevel: args['log-level'],
              configId: args['config-id'],
              strict: args.strict,
              metricsListen: args['metrics-listen'],
              handover: args.handover,
              statsDir: args['stats-dir'],
              controlSocket: args['control-socket'],
            }),
          ),
      )
      .command(
        'check-config',
        'validate a config: every error as file:line: message; exit 0 when valid, 1 otherwise',
        (y) =>
          y
            .option('f', { alias: 'use-file', type: 'string', default: DEFAULT_CONFIG })
            .option('config-id', { alias: 'i', type: 'string' })
            .option('strict', { type: 'boolean', default: false, describe: 'unknown keywords, includes that match nothing and nothing to run are errors' }),
        async (args) => done(await checkConfigCommand({ configPath: args.f, configId: args['config-id'], strict: args.strict })),
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
            await statusCommand({
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
        async () => done(await demoCommand()),
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
  } catch (err) {
    process.stderr.write(`vipd: ${describeError(err)}\n`);
    exitCode = exitCode || 1;
  }
  process.exitCode = exitCode;
}
