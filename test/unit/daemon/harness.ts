// Small helpers for daemon-level unit tests: configs through the real config reader (in-memory file), Daemons on
// MemoryOs hosts sharing one MemorySegment and one VirtualClock, a log recorder. VRRPv3 at 0.05 s on virtual
// time: every advert, Master_Down and handover deadline fires when the test advances the cluster's clock
// (Cluster.sleep / Cluster.waitFor), never by sleeping, so a slow machine cannot change what a test sees.
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/index.js';
import type { Config } from '../../../src/config/types.js';
import { Daemon } from '../../../src/daemon/daemon.js';
import { VirtualClock } from '../../../src/clock/virtualClock.js';
import type { Logger, LogLevel } from '../../../src/log/logger.js';
import type { DaemonPlugin } from '../../../src/plugin/api.js';
import { MemoryOs, MemorySegment, type MemoryOsOptions } from './memoryOs.js';

export function conf(text: string): Config {
  const path = '/etc/vipd/test.conf';
  const { config, diagnostics } = loadConfig(path, {
    readFile: (p) => {
      if (p !== path) throw new Error(`ENOENT ${p}`);
      return text;
    },
  });
  assert.ok(config, diagnostics.map((d) => d.message).join('\n'));
  return config;
}

export interface InstanceOpts {
  readonly name?: string;
  readonly vrid?: number;
  readonly priority: number;
  readonly vips?: readonly string[];
  readonly iface?: string;
  readonly advertInt?: number;
  readonly garpRepeat?: number;
  /** Extra lines inside the vrrp_instance block. */
  readonly extra?: string;
}

/** One VRRPv3 instance, second GARP burst off (garp_master_delay 0) so a takeover sends exactly one burst. */
export function instanceText(o: InstanceOpts): string {
  return `
vrrp_instance ${o.name ?? 'VI_1'} {
  state BACKUP
  interface ${o.iface ?? 'eth0'}
  virtual_router_id ${o.vrid ?? 51}
  priority ${o.priority}
  version 3
  advert_int ${o.advertInt ?? 0.05}
  garp_master_delay 0
  garp_master_repeat ${o.garpRepeat ?? 3}
  ${o.extra ?? ''}
  virtual_ipaddress {
    ${(o.vips ?? ['10.1.0.100/24']).join('\n    ')}
  }
}
`;
}

export interface LogLine {
  readonly level: LogLevel;
  readonly message: string;
}

export function recordingLogger(lines: LogLine[], echo = process.env.VIPD_TEST_LOG === '1', tag = ''): Logger {
  const log = (level: LogLevel, message: string): void => {
    lines.push({ level, message });
    if (echo) console.log(`  [${tag}] ${level} ${message}`);
  };
  return {
    log,
    debug: (m) => log('debug', m),
    info: (m) => log('info', m),
    warn: (m) => log('warn', m),
    error: (m) => log('error', m),
  };
}

export interface Node {
  readonly name: string;
  readonly os: MemoryOs;
  readonly daemon: Daemon;
  readonly log: LogLine[];
}

/** Hosts d1, d2, … on 10.1.0.<n>/24 (eth0, ifindex 2); all nodes of one Cluster share its segment. */
export class Cluster {
  /** Every daemon of the cluster runs on it. */
  readonly clock = new VirtualClock();
  readonly segment = new MemorySegment(() => this.clock.now());
  private readonly nodes: Node[] = [];

  host(name: string, octet: number, opts: Partial<Omit<MemoryOsOptions, 'host' | 'segment'>> = {}): MemoryOs {
    return new MemoryOs({
      host: name,
      segment: this.segment,
      links: [{ name: 'eth0', ifindex: 2, addresses: [`10.1.0.${octet}/24`, `fe80::${octet}/64`] }],
      ...opts,
    });
  }

  /** Build (not start) a daemon on a fresh host (or on `os`, made with host()). */
  node(name: string, octet: number, configText: string, plugins: readonly DaemonPlugin[] = [], os = this.host(name, octet)): Node {
    const log: LogLine[] = [];
    // The composition root hands the daemon factories; a test hands it ready plugins.
    const factories = plugins.map((p) => ({ name: p.name, create: () => p }));
    const daemon = new Daemon({ config: conf(configText), os, logger: recordingLogger(log, undefined, name), version: 'test', plugins: factories, clock: this.clock });
    const n = { name, os, daemon, log };
    this.nodes.push(n);
    return n;
  }

  async start(name: string, octet: number, configText: string, plugins: readonly DaemonPlugin[] = []): Promise<Node> {
    const n = this.node(name, octet, configText, plugins);
    await n.daemon.start();
    return n;
  }

  /** Stop every daemon still running (afterEach), advancing time for their handovers: no timer outlives its test. */
  async stopAll(): Promise<void> {
    const stopping = Promise.all(this.nodes.splice(0).map((n) => (n.os.closed ? undefined : n.daemon.stop().catch(() => undefined))));
    await this.run(stopping, 'every daemon stopped');
  }

  /** Let `ms` of virtual time pass: every deadline on the way fires, in order, with I/O settling between. */
  sleep(ms: number): Promise<void> {
    return this.clock.advanceAsync(ms);
  }

  /**
   * Advance virtual time 1 ms at a time until `cond` holds; fails the test with `what` once `virtualMs` have
   * passed (generous: no timing figure in pass/fail).
   */
  async waitFor(what: string, cond: () => boolean, virtualMs = 5000): Promise<void> {
    const until = this.clock.now() + virtualMs;
    while (!cond()) {
      if (this.clock.now() >= until) assert.fail(`not within ${virtualMs} virtual ms: ${what}`);
      await this.clock.advanceAsync(1);
    }
  }

  /** Await `work` (a stop with handover, a reload) while virtual time moves on underneath it. */
  async run<T>(work: Promise<T>, what = 'the work to finish', virtualMs = 60_000): Promise<T> {
    let settled = false;
    const watched = work.finally(() => (settled = true));
    watched.catch(() => undefined);
    await this.waitFor(what, () => settled, virtualMs);
    return watched;
  }
}

/** `name="value"` label matcher for one series of the Prometheus text. */
export function metricValue(text: string, metric: string, labels: Readonly<Record<string, string>>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric + '{')) continue;
    const close = line.lastIndexOf('}');
    const body = line.slice(metric.length + 1, close);
    const have = new Map<string, string>();
    for (const m of body.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) have.set(m[1]!, m[2]!);
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(line.slice(close + 1).trim());
  }
  return undefined;
}

/** The state of one instance of a node. */
export const state = (n: Node, instance = 'VI_1') => n.daemon.states()[instance];

/** A fresh Cluster for each test of the enclosing describe, stopped after it (even when it fails). */
export function useCluster(): () => Cluster {
  let cluster: Cluster;
  beforeEach(() => {
    cluster = new Cluster();
  });
  afterEach(async () => {
    await cluster.stopAll();
  });
  return () => cluster;
}
