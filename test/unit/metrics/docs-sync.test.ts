// Keeps docs/metrics.md, the Grafana dashboard and the alert rules in step with what /metrics exports:
// a renamed metric fails here instead of silently blanking a panel.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createVipdMetrics } from '../../../src/metrics/registry.js';
import { defaultPlugins } from '../../../src/cli/plugins.js';
import { parse } from '../track/helpers.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const read = (rel: string): string => readFileSync(ROOT + rel, 'utf8');

async function exportedFamilies(): Promise<Set<string>> {
  const m = createVipdMetrics({ nowMs: () => 1_700_000_000_000, buildInfo: { version: '0', node: 'n' }, instances: () => [] });
  // The subsystems register their own metrics, as the daemon has them do: every plugin of the composition root.
  const config = parse('vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.1.0.100/24\n }\n}\n');
  for (const f of defaultPlugins()) f.create(config).registerMetrics?.(m.registry);
  const text = await m.metricsText();
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((x) => x[1]!));
}

/** Metric names referenced in a text, with histogram sample suffixes mapped to their family. */
function referenced(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/\b((?:vipd|keepalived|node_ipvs)_[a-z0-9_]+)\b/g)) {
    names.add(m[1]!.replace(/_(bucket|count|sum)$/, ''));
  }
  return names;
}

describe('metrics docs, dashboard and alerts match the exposition', () => {
  it('every metric the Grafana dashboard queries is exported', async () => {
    const exported = await exportedFamilies();
    const dash = JSON.parse(read('examples/grafana/vipd-dashboard.json')) as { panels: { targets?: { expr: string }[] }[] };
    const exprs = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join('\n');
    const used = referenced(exprs);
    assert.ok(used.size > 15, `dashboard references only ${used.size} metrics`);
    for (const name of used) assert.ok(exported.has(name), `dashboard uses ${name}, which vipd does not export`);
  });

  it('every metric the alert rules use is exported', async () => {
    const exported = await exportedFamilies();
    const exprs = [...read('examples/prometheus/vipd-alerts.yml').matchAll(/^\s+expr: (.*)$/gm)].map((m) => m[1]).join('\n');
    const used = referenced(exprs);
    assert.ok(used.size > 5);
    for (const name of used) assert.ok(exported.has(name), `alert rules use ${name}, which vipd does not export`);
  });

  it('docs/metrics.md documents every vipd and keepalived metric family', async () => {
    const documented = referenced(read('docs/metrics.md'));
    for (const name of await exportedFamilies()) {
      if (/^vipd_(process|nodejs)_/.test(name)) continue; // prom-client's process metrics, documented as a group
      assert.ok(documented.has(name), `${name} is exported but not in docs/metrics.md`);
    }
  });
});
