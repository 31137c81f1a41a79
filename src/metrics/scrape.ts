// Metrics computed at scrape time from the instances' views and the plain per-instance counters: state,
// priorities, keepalived-compatible counters, drops, transitions. Nothing here runs on the packet path (issue 5:
// "state and priority are read at scrape time"). scrapeGauge/scrapeCounter are also what subsystems use for
// their own metrics (registerMetrics in src/plugin/api.ts): tracking and connection sync register theirs so.
import type { Metric, Registry } from 'prom-client';
import { KEEPALIVED_STAT_KEYS, type InstanceCounterSet } from './counters.js';
import { INSTANCE_LABELS, KEEPALIVED_COUNTER_NAMES } from './names.js';
import {
  KEEPALIVED_STATE_CODE,
  VRRP_STATE_NAMES,
  type InstanceView,
  type VipView,
} from '../status/types.js';

export interface ScrapeSources {
  /** Views for this scrape (memoised by the caller so one scrape calls the daemon once). */
  views(): readonly InstanceView[];
  /** Counter sets of every instance seen (created for each view before counters are read). */
  counterSets(): Iterable<InstanceCounterSet>;
  /** Drops before any instance matched (iname "", vrid NaN when unknown). */
  unmatchedDrops(): Iterable<InstanceCounterSet>;
}

export type Labels = Record<string, string | number>;

function instanceLabels(v: { name: string; ifname: string; vrid: number }): Labels {
  return { iname: v.name, intf: v.ifname, vrid: Number.isNaN(v.vrid) ? '' : String(v.vrid) };
}

/**
 * keepalived prints a VIP without its prefix when it is a host route (/32, /128) and with it otherwise
 * (vrrp_ipaddress.c:50-69 ipaddresstos); the exporter's ip_address label is that text.
 */
export function keepalivedVipText(address: string): string {
  const slash = address.indexOf('/');
  if (slash < 0) return address;
  const prefix = address.slice(slash + 1);
  const isV6 = address.includes(':');
  if ((isV6 && prefix === '128') || (!isV6 && prefix === '32')) return address.slice(0, slash);
  return address;
}

export function normaliseVip(vip: string | VipView, defaultIfname: string): { address: string; ifname: string } {
  if (typeof vip === 'string') return { address: vip, ifname: defaultIfname };
  return { address: vip.address, ifname: vip.ifname ?? defaultIfname };
}

/**
 * A metric whose series are computed from scratch on every scrape: removed instances simply disappear and
 * nothing is stored between scrapes. Implements the small interface prom-client's Registry reads
 * (name, help, type, get(), reset()) instead of subclassing Gauge/Counter, whose reset() would leave a
 * spurious 0 sample on label-less metrics (e.g. sync gauges when sync is not configured).
 */
class ScrapeMetric {
  readonly aggregator = 'sum';
  constructor(
    public name: string,
    readonly help: string,
    readonly type: 'gauge' | 'counter',
    private readonly fill: (emit: (labels: Labels, value: number) => void) => void,
  ) {}

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: { labels: Labels; value: number }[] }> {
    const values: { labels: Labels; value: number }[] = [];
    this.fill((labels, value) => values.push({ labels, value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    // Values are owned by the daemon's state and counters; nothing to reset here.
  }
}

function register(registry: Registry, metric: ScrapeMetric): void {
  registry.registerMetric(metric as unknown as Metric);
}

/** A gauge whose series are all computed by `fill` at scrape time (nothing stored between scrapes). */
export function scrapeGauge(
  registry: Registry,
  name: string,
  help: string,
  _labelNames: readonly string[],
  fill: (set: (labels: Labels, value: number) => void) => void,
): void {
  register(registry, new ScrapeMetric(name, help, 'gauge', fill));
}

/** A counter whose cumulative value is owned elsewhere (plain numbers) and copied in at scrape time. */
export function scrapeCounter(
  registry: Registry,
  name: string,
  help: string,
  _labelNames: readonly string[],
  fill: (add: (labels: Labels, value: number) => void) => void,
): void {
  register(registry, new ScrapeMetric(name, help, 'counter', fill));
}

export function registerScrapeMetrics(registry: Registry, src: ScrapeSources): void {
  // --- keepalived-exporter compatible -------------------------------------------------------------------
  scrapeGauge(registry, 'keepalived_up', 'Status', [], (set) => set({}, 1));

  // One series per VIP, value = keepalived state code (collector.go: keepalived_vrrp_state); an instance
  // without VIPs still gets one series with ip_address="" as the exporter does for old keepalived.
  scrapeGauge(
    registry,
    'keepalived_vrrp_state',
    'State of vrrp',
    ['iname', 'intf', 'vrid', 'ip_address'],
    (set) => {
      for (const v of src.views()) {
        const code = KEEPALIVED_STATE_CODE[v.state];
        if (v.vips.length === 0) set({ ...instanceLabels(v), ip_address: '' }, code);
        for (const raw of v.vips) {
          const vip = normaliseVip(raw, v.ifname);
          set({ iname: v.name, intf: vip.ifname, vrid: String(v.vrid), ip_address: keepalivedVipText(vip.address) }, code);
        }
      }
    },
  );

  for (const key of KEEPALIVED_STAT_KEYS) {
    const { name, help } = KEEPALIVED_COUNTER_NAMES[key];
    scrapeCounter(registry, name, help, INSTANCE_LABELS, (add) => {
      for (const s of src.counterSets()) add(instanceLabels(s), s.c[key]);
    });
  }

  // --- vipd: instance state -------------------------------------------------------------------------------
  scrapeGauge(
    registry,
    'vipd_instance_state',
    'VRRP state of the instance, one series per state, 1 for the current one',
    [...INSTANCE_LABELS, 'state'],
    (set) => {
      for (const v of src.views()) {
        for (const state of VRRP_STATE_NAMES) set({ ...instanceLabels(v), state }, v.state === state ? 1 : 0);
      }
    },
  );
  const perInstance = (name: string, help: string, pick: (v: InstanceView) => number | null | undefined): void =>
    scrapeGauge(registry, name, help, INSTANCE_LABELS, (set) => {
      for (const v of src.views()) {
        const value = pick(v);
        if (value !== null && value !== undefined) set(instanceLabels(v), value);
      }
    });
  perInstance('vipd_effective_priority', 'Effective priority (base priority adjusted by tracking)', (v) => v.effectivePriority);
  perInstance('vipd_base_priority', 'Configured priority', (v) => v.basePriority);
  perInstance('vipd_master_priority', 'Priority in the current master\'s adverts', (v) => v.masterPriority);
  perInstance('vipd_advert_interval_seconds', 'Configured advertisement interval', (v) =>
    v.advertIntMs === undefined ? undefined : v.advertIntMs / 1000,
  );
  perInstance('vipd_master_advert_interval_seconds', 'Advertisement interval in use (v3: the master\'s)', (v) =>
    v.masterAdvertIntMs === undefined ? undefined : v.masterAdvertIntMs / 1000,
  );
  perInstance('vipd_last_transition_timestamp_seconds', 'Unix time of the last state transition', (v) =>
    v.lastTransition ? v.lastTransition.atMs / 1000 : null,
  );
  scrapeGauge(
    registry,
    'vipd_master_info',
    'Current master of the virtual router (address as label), 1 per instance with a known master',
    [...INSTANCE_LABELS, 'master'],
    (set) => {
      for (const v of src.views()) if (v.masterAddress) set({ ...instanceLabels(v), master: v.masterAddress }, 1);
    },
  );

  // --- vipd: per-instance counters --------------------------------------------------------------------------
  scrapeCounter(
    registry,
    'vipd_transitions_total',
    'State transitions by from, to and reason',
    [...INSTANCE_LABELS, 'from', 'to', 'reason'],
    (add) => {
      for (const s of src.counterSets()) {
        for (const [k, n] of s.transitions) {
          const [from, to, reason] = k.split('\u0000') as [string, string, string];
          add({ ...instanceLabels(s), from, to, reason }, n);
        }
      }
    },
  );
  scrapeCounter(
    registry,
    'vipd_drops_total',
    'Received VRRP packets dropped, by reason',
    [...INSTANCE_LABELS, 'reason'],
    (add) => {
      for (const s of src.counterSets()) for (const [reason, n] of s.drops) add({ ...instanceLabels(s), reason }, n);
      for (const s of src.unmatchedDrops()) for (const [reason, n] of s.drops) add({ ...instanceLabels(s), reason }, n);
    },
  );
  scrapeCounter(
    registry,
    'vipd_advert_anomalies_total',
    'Adverts accepted despite an anomaly (VIP list or v3 interval differs from ours), by reason',
    [...INSTANCE_LABELS, 'reason'],
    (add) => {
      for (const s of src.counterSets()) for (const [reason, n] of s.anomalies) add({ ...instanceLabels(s), reason }, n);
    },
  );
  const simple = (name: string, help: string, key: 'garp_sent' | 'na_sent' | 'split_brain'): void =>
    scrapeCounter(registry, name, help, INSTANCE_LABELS, (add) => {
      for (const s of src.counterSets()) add(instanceLabels(s), s.c[key]);
    });
  simple('vipd_garp_sent_total', 'Gratuitous ARP packets sent', 'garp_sent');
  simple('vipd_na_sent_total', 'Unsolicited neighbour advertisements sent', 'na_sent');
  simple(
    'vipd_split_brain_total',
    'Adverts from another master for our VRID while we were MASTER (possible split brain)',
    'split_brain',
  );
}
