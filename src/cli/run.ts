// `vipd run`: the agent in the foreground until SIGTERM/SIGINT (graceful: priority 0, VIPs removed, exit 0).
import { loadConfig, formatDiagnostic } from '../config/index.js';
import type { Config } from '../config/types.js';
import { createLogger, type LogFormat, type LogLevel, type Logger } from '../log/logger.js';
import { Daemon } from '../daemon/daemon.js';
import { openDirectorOs } from '../daemon/osAdapter.js';
import { missingCapabilities } from '../daemon/capabilities.js';
import { defaultPlugins } from './plugins.js';
import { LvsPlugin } from '../lvs/shell/lvsPlugin.js';
import { hasVirtualServers } from '../lvs/shell/lvsConfig.js';
import { renderKeepalivedCheckData } from '../lvs/shell/checkData.js';
import type { PluginFactory } from '../plugin/api.js';
import { startMetricsServer, parseListenAddress } from '../metrics/http.js';
import { startControlSocket, startControlSocketAt, type ControlSocketServer } from '../control/socketServer.js';
import { controlSocketCandidates } from '../control/socketPath.js';
import { processRunDirEnv } from '../control/locate.js';
import { currentNetnsName } from '../control/netnsName.js';
import { watchLoopHealth } from '../daemon/loopHealth.js';
import { exposedGc, settledCollection } from '../daemon/settledCollection.js';
import { describeError } from './describeError.js';
import { writeKeepalivedCheckData, writeKeepalivedFiles } from '../control/keepalived-files.js';
import { packageVersion } from './version.js';
import { enterNetns, processNetnsPorts } from './netnsEntry.js';
import { RealClock } from '../clock/realClock.js';

export interface RunOptions {
  configPath: string;
  logFormat: LogFormat;
  logLevel: LogLevel;
  configId?: string;
  strict: boolean;
  metricsListen: string;
  /** Make-before-break on SIGTERM: keep the VIPs until the successor announced itself (default true). */
  handover?: boolean;
  /**
   * The control socket (`vipd status`, /status, /metrics), always served. Default: controlSocketPath() of
   * this agent's --config-id and network namespace under /run/vipd, or the fallback folder.
   */
  controlSocket?: string;
  /** Where SIGUSR1/SIGUSR2 write keepalived.data/.stats/.json (keepalived: /tmp). */
  statsDir?: string;
}

export async function runCommand(opts: RunOptions): Promise<number> {
  // A log reader that went away (`vipd run | head`, a dead journald pipe) must not make every later log line an
  // uncaught EPIPE that the handler below logs again — a busy loop that starved SIGTERM. The lines are lost; the
  // agent and its VIPs are not.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  // The one real clock: every timer of the daemon, its runners, its sockets and its plugins goes through it.
  const clock = new RealClock();
  const logger = createLogger({ format: opts.logFormat, minLevel: opts.logLevel, wallNow: () => clock.wallNow() });
  const { config, diagnostics } = loadConfig(opts.configPath, { configId: opts.configId, strict: opts.strict });
  // net_namespace: move into the namespace before anything is opened or printed (the re-executed process
  // reads the file again and prints its diagnostics once). Not on the failover path: start-up only.
  const netns = config?.global.netNamespace ?? null;
  if (netns !== null) {
    const failure = enterNetns(netns, processNetnsPorts());
    if (failure) {
      logger.error(failure);
      return 1;
    }
  }
  for (const d of diagnostics) logger.log(d.severity === 'error' ? 'error' : 'warn', formatDiagnostic(d));
  if (!config) {
    logger.error(`${opts.configPath}: configuration refused (see the errors above)`);
    return 1;
  }
  if (!runnable(config)) {
    logger.error(`${opts.configPath}: no vrrp_instance or virtual_server to run`);
    return 1;
  }
  const missing = missingCapabilities();
  if (missing.length) {
    for (const m of missing) logger.error(m);
    return 1;
  }

  // The control socket before anything else opens: a second agent with the same identity must be refused
  // before it touches VRRP (keepalived: "daemon is already running"). It answers 503 until attached below.
  // Named after net_namespace, or after the namespace `ip netns exec NAME` started us in.
  let control: ControlSocketServer;
  const socketNetns = netns ?? currentNetnsName();
  try {
    control = opts.controlSocket
      ? await startControlSocket({ socketPath: opts.controlSocket })
      : await startControlSocketAt(controlSocketCandidates({ configId: opts.configId, netns: socketNetns }, processRunDirEnv()), {
          ownFolder: socketNetns !== undefined,
        });
  } catch (err) {
    logger.error(`cannot serve the control socket: ${describeError(err)}`);
    return 1;
  }

  // Nothing may crash the agent behind the operator's back: log and keep the VIPs where they are.
  process.on('unhandledRejection', (err) => logger.error(`internal error (unhandled rejection): ${describeError(err)}`));
  process.on('uncaughtException', (err) => logger.error(`internal error (uncaught exception): ${describeError(err)}`));

  let daemon: Daemon;
  let lvsPlugin: LvsPlugin | null = null;
  try {
    daemon = new Daemon({
      config,
      clock,
      os: openDirectorOs(clock),
      logger,
      version: packageVersion(),
      plugins: capturingLvs(defaultPlugins(), (p) => (lvsPlugin = p)),
      // Without a TCP /metrics nobody scrapes process metrics, and their event-loop histogram wakes us 100×/s.
      processMetrics: opts.metricsListen !== 'off',
    });
  } catch (err) {
    await control.close(); // a listening socket would keep the process alive after the refusal
    throw err;
  }

  // Handlers go in before anything starts, so a signal during start-up is never the default (fatal) action.
  let stopSignal: string | null = null;
  let wakeStop: (() => void) | null = null;
  const onStop = (signal: string) => {
    stopSignal ??= signal;
    wakeStop?.();
  };
  const onTerm = () => onStop('SIGTERM');
  const onInt = () => onStop('SIGINT');
  let started = false;
  let reloading: Promise<void> = Promise.resolve();
  const settled = settledCollection(clock, {
    collect: exposedGc(),
    collected: (ms) => logger.debug(`collected start-up garbage: the process paused ${ms.toFixed(1)} ms`),
  });
  // A reload (applied or refused) leaves garbage too: the settled collection is moved after it.
  const onHup = () => {
    reloading = reloading.then(() => (started && !stopSignal ? reload(opts, daemon, logger, netns).then(() => settled.schedule()) : undefined));
  };
  // keepalived's dump signals (SIGUSR1 → .data, SIGUSR2 → .stats) for tools that already parse its files;
  // vipd writes all three (.data, .stats, .json) on either, atomically.
  const onDump = () => {
    if (!started) return;
    try {
      // Named after the namespace (keepalived.NAME.data), so agents in several namespaces sharing /tmp keep
      // their own files — keepalived's layout with data_use_instance (global_data.c open_dump_file).
      writeKeepalivedFiles(opts.statsDir ?? '/tmp', daemon.metrics.status(), netns ?? undefined);
      // keepalived's checker process answers SIGUSR1 with keepalived_check.data (check_print.c).
      const lvs = lvsPlugin?.checkDataSource();
      if (lvs) writeKeepalivedCheckData(opts.statsDir ?? '/tmp', renderKeepalivedCheckData(lvs.config.virtualServers, lvs.snapshot), netns ?? undefined);
    } catch (err) {
      logger.error(`cannot write keepalived stats files: ${describeError(err)}`);
    }
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  process.on('SIGHUP', onHup);
  process.on('SIGUSR1', onDump);
  process.on('SIGUSR2', onDump);

  try {
    await daemon.start();
  } catch (err) {
    logger.error(describeError(err));
    await daemon.stop().catch(() => undefined);
    await control.close();
    return 1;
  }
  started = true;
  const where = netns === null ? '' : ` in network namespace ${netns}`;
  const running = [...config.instances.map((i) => i.name), ...(config.virtualServers.length ? [`${config.virtualServers.length} virtual server(s)`] : [])];
  logger.info(`vipd ${packageVersion()} started${where}: ${running.join(', ')}`);

  // Overloaded = later than the shortest advert interval: adverts then go out late (keepalived has no such signal).
  const overloadLagMs = Math.max(10, Math.min(...config.instances.map((i) => i.advertIntMs)));
  const loop = watchLoopHealth(clock, { registry: daemon.metrics.registry, logger, overloadLagMs });
  settled.schedule();
  control.attach({ metrics: daemon.metrics, health: loop.view });
  logger.info(`control socket ${control.socketPath} (vipd status)`);
  const servers: { close(): Promise<void> }[] = [control];
  if (opts.metricsListen !== 'off') {
    try {
      const { host, port } = parseListenAddress(opts.metricsListen);
      servers.push(await startMetricsServer({ host, port, metrics: daemon.metrics, health: loop.view }));
      logger.info(`metrics on http://${opts.metricsListen}/metrics`);
    } catch (err) {
      logger.error(`cannot serve metrics on ${opts.metricsListen}: ${describeError(err)}`);
    }
  }

  if (!stopSignal) await new Promise<void>((resolve) => (wakeStop = resolve));
  logger.info(`received ${stopSignal}, stopping`);
  settled.stop();
  await reloading;
  let code = 0;
  try {
    await daemon.stop({ handover: opts.handover ?? true });
    for (const s of servers) await s.close();
    loop.stop();
    logger.info('Stopped vipd');
  } catch (err) {
    logger.error(describeError(err));
    code = 1;
    await control.close(); // removed at stop, also when the stop failed half-way
  }
  process.off('SIGTERM', onTerm);
  process.off('SIGINT', onInt);
  process.off('SIGHUP', onHup);
  process.off('SIGUSR1', onDump);
  process.off('SIGUSR2', onDump);
  return code;
}

/** SIGHUP: re-read the config; a broken one is refused and the running one keeps working. */
async function reload(opts: RunOptions, daemon: Daemon, logger: Logger, netns: string | null): Promise<void> {
  logger.info(`received SIGHUP, reloading ${opts.configPath}`);
  const next = loadConfig(opts.configPath, { configId: opts.configId, strict: opts.strict });
  for (const d of next.diagnostics) logger.log(d.severity === 'error' ? 'error' : 'warn', formatDiagnostic(d));
  if (!next.config || !runnable(next.config)) {
    logger.error(`${opts.configPath}: new configuration refused; keeping the running one`);
    daemon.metrics.configReload(false);
    return;
  }
  // keepalived refuses this too ("Cannot change network namespace at a reload - please restart", main.c:790-795).
  if (next.config.global.netNamespace !== netns) {
    logger.error(
      `${opts.configPath}: net_namespace cannot change on a reload (running in ${netns ?? 'the start-up namespace'}, ` +
        `the file now says ${next.config.global.netNamespace ?? 'none'}); keeping the running configuration \u2014 restart vipd`,
    );
    daemon.metrics.configReload(false);
    return;
  }
  try {
    await daemon.reload(next.config);
    daemon.metrics.configReload(true);
  } catch (err) {
    logger.error(`reload refused, keeping the running configuration: ${describeError(err)}`);
    daemon.metrics.configReload(false);
  }
}

/** Something to run: a vrrp_instance or a virtual server (static routes alone are refused by the config). */
function runnable(config: Config): boolean {
  return config.instances.length > 0 || hasVirtualServers(config);
}

/** Hands the LVS plugin the daemon creates to `seen`, for the SIGUSR1 check-data dump. */
function capturingLvs(factories: PluginFactory[], seen: (p: LvsPlugin) => void): PluginFactory[] {
  return factories.map((f) => ({
    name: f.name,
    create: (config) => {
      const p = f.create(config);
      if (p instanceof LvsPlugin) seen(p);
      return p;
    },
  }));
}
