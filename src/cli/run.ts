// `vipd run`: the agent in the foreground until SIGTERM/SIGINT (graceful: priority 0, VIPs removed, exit 0).
import { loadConfig, formatDiagnostic } from '../config/index.js';
import { createLogger, type LogFormat, type LogLevel } from '../daemon/logger.js';
import { Daemon } from '../daemon/daemon.js';
import { openDirectorOs } from '../daemon/osAdapter.js';
import { missingCapabilities } from '../daemon/capabilities.js';
import { buildPlugins } from '../daemon/plugins.js';
import { startMetricsServer, parseListenAddress, type MetricsServer } from '../metrics/http.js';
import { describeError } from './describeError.js';
import { packageVersion } from './version.js';

export interface RunOptions {
  configPath: string;
  logFormat: LogFormat;
  logLevel: LogLevel;
  configId?: string;
  strict: boolean;
  metricsListen: string;
}

export async function runCommand(opts: RunOptions): Promise<number> {
  const logger = createLogger({ format: opts.logFormat, minLevel: opts.logLevel });
  const { config, diagnostics } = loadConfig(opts.configPath, { configId: opts.configId, strict: opts.strict });
  for (const d of diagnostics) logger.log(d.severity === 'error' ? 'error' : 'warn', formatDiagnostic(d));
  if (!config) {
    logger.error(`${opts.configPath}: configuration refused (see the errors above)`);
    return 1;
  }
  if (config.instances.length === 0) {
    logger.error(`${opts.configPath}: no vrrp_instance to run`);
    return 1;
  }
  const missing = missingCapabilities();
  if (missing.length) {
    for (const m of missing) logger.error(m);
    return 1;
  }

  // Nothing may crash the agent behind the operator's back: log and keep the VIPs where they are.
  process.on('unhandledRejection', (err) => logger.error(`internal error (unhandled rejection): ${describeError(err)}`));
  process.on('uncaughtException', (err) => logger.error(`internal error (uncaught exception): ${describeError(err)}`));

  const daemon = new Daemon({
    config,
    os: openDirectorOs(),
    logger,
    version: packageVersion(),
    plugins: buildPlugins(config, { configPath: opts.configPath }),
  });
  try {
    await daemon.start();
  } catch (err) {
    logger.error(describeError(err));
    return 1;
  }
  logger.info(`vipd ${packageVersion()} started: ${config.instances.map((i) => i.name).join(', ')}`);

  let server: MetricsServer | null = null;
  if (opts.metricsListen !== 'off') {
    try {
      const { host, port } = parseListenAddress(opts.metricsListen);
      const startedAt = Date.now();
      server = await startMetricsServer({
        host,
        port,
        metrics: daemon.metrics,
        health: () => ({ alive: true, detail: `up ${Math.round((Date.now() - startedAt) / 1000)} s` }),
      });
      logger.info(`metrics on http://${opts.metricsListen}/metrics`);
    } catch (err) {
      logger.error(`cannot serve metrics on ${opts.metricsListen}: ${describeError(err)}`);
    }
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info(`received ${signal}, stopping`);
      void (async () => {
        try {
          await daemon.stop();
          await server?.close();
          logger.info('Stopped vipd');
          resolve(0);
        } catch (err) {
          logger.error(describeError(err));
          resolve(1);
        }
      })();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
