// prom-client's metric classes and process collectors, loaded file by file instead of through its index.
// Why: the index also loads the Pushgateway (http, https, zlib) and, for the CPU counters' exemplars,
// @opentelemetry/api (51 modules): 88 CommonJS files, of which a director uses four (bench/RESULTS.md,
// "Footprint and scale (issue 12)").
// The file layout is prom-client 15's (package-lock pins it); test/unit/metrics/promClient.test.ts checks that
// these are the very objects its index exports, so an upgrade that moves a file fails there, not in production.
import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';

const requireCjs = createRequire(import.meta.url);

export const Registry = requireCjs('prom-client/lib/registry') as typeof Prom.Registry;
export const Counter = requireCjs('prom-client/lib/counter') as typeof Prom.Counter;
export const Gauge = requireCjs('prom-client/lib/gauge') as typeof Prom.Gauge;
export const Histogram = requireCjs('prom-client/lib/histogram') as typeof Prom.Histogram;
// The instance types under the same names, as `import { Registry } from 'prom-client'` gives both.
export type Registry = Prom.Registry;
export type Counter<T extends string = string> = Prom.Counter<T>;
export type Gauge<T extends string = string> = Prom.Gauge<T>;
export type Histogram<T extends string = string> = Prom.Histogram<T>;

/** A prom-client default collector (lib/metrics/*.js): registers its metrics on `registry`. */
type DefaultCollector = ((registry: Prom.Registry, config: { prefix?: string; eventLoopMonitoringPrecision?: number }) => void) & {
  readonly metricNames: readonly string[];
};

/**
 * collectDefaultMetrics' collectors in its order, minus processCpuTotal (the one that loads @opentelemetry/api;
 * processCpu.ts registers the same three counters).
 */
export const PROCESS_COLLECTORS: readonly DefaultCollector[] = [
  'processStartTime',
  'osMemoryHeap',
  'processOpenFileDescriptors',
  'processMaxFileDescriptors',
  'eventLoopLag',
  'processResources',
  'processHandles',
  'processRequests',
  'heapSizeAndUsed',
  'heapSpacesSizeAndUsed',
  'version',
  'gc',
].map((name) => requireCjs(`prom-client/lib/metrics/${name}`) as DefaultCollector);
