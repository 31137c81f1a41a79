// What moved in /metrics across a failover, for `vipd demo`: parse Prometheus text exposition into
// series → value and list the series of interest whose value changed. Pure: no I/O.

/** Series key (`name{labels}` exactly as exposed) → value. */
export type MetricSamples = ReadonlyMap<string, number>;

// `name{labels} value [timestamp]` or `name value [timestamp]`; label values may contain spaces and braces
// inside quotes, so the label block is matched as quoted strings rather than "anything but }".
const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)/;

export function parsePrometheusText(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = sampleLine.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isNaN(value)) out.set(`${m[1]}${m[2] ?? ''}`, value);
  }
  return out;
}

export interface MetricChange {
  series: string;
  before: number;
  after: number;
}

/** Metric name of a series key (`a_total{x="1"}` → `a_total`). */
export function seriesName(series: string): string {
  const brace = series.indexOf('{');
  return brace < 0 ? series : series.slice(0, brace);
}

/**
 * Series whose metric name is in `names` (histograms: their `_sum` and `_count`, not every bucket) and whose
 * value differs between the two scrapes; a series absent before counts as 0. Sorted by `names` order.
 */
export function changedSeries(before: MetricSamples, after: MetricSamples, names: readonly string[]): MetricChange[] {
  const rank = (series: string): number => {
    const n = seriesName(series);
    for (let i = 0; i < names.length; i++) {
      if (n === names[i] || n === `${names[i]}_sum` || n === `${names[i]}_count`) return i;
    }
    return -1;
  };
  const keys = new Set([...before.keys(), ...after.keys()]);
  const rows: { change: MetricChange; rank: number }[] = [];
  for (const series of keys) {
    const r = rank(series);
    if (r < 0) continue;
    const b = before.get(series) ?? 0;
    const a = after.get(series) ?? 0;
    if (a !== b) rows.push({ change: { series, before: b, after: a }, rank: r });
  }
  rows.sort((x, y) => x.rank - y.rank || x.change.series.localeCompare(y.change.series));
  return rows.map((r) => r.change);
}

/**
 * Mean of the histogram observations added between two scrapes, per label set (without `le`), e.g. the
 * takeover latency of the one failover the demo caused. Key: the label block of `_sum`.
 */
export function histogramDeltaMeans(before: MetricSamples, after: MetricSamples, name: string): Map<string, { count: number; meanSeconds: number }> {
  const out = new Map<string, { count: number; meanSeconds: number }>();
  for (const [series, sumAfter] of after) {
    if (seriesName(series) !== `${name}_sum`) continue;
    const labels = series.slice(`${name}_sum`.length);
    const count = (after.get(`${name}_count${labels}`) ?? 0) - (before.get(`${name}_count${labels}`) ?? 0);
    if (count <= 0) continue;
    const sum = sumAfter - (before.get(series) ?? 0);
    out.set(labels, { count, meanSeconds: sum / count });
  }
  return out;
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(4);
}

/** One aligned line per change: `series  before → after  (+delta)`. */
export function formatChanges(changes: readonly MetricChange[]): string[] {
  const width = Math.max(0, ...changes.map((c) => c.series.length));
  return changes.map((c) => {
    const delta = c.after - c.before;
    const sign = delta > 0 ? '+' : '';
    return `${c.series.padEnd(width)}  ${formatValue(c.before)} → ${formatValue(c.after)}  (${sign}${formatValue(delta)})`;
  });
}
