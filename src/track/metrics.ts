// Tracking's metrics, registered by its plugin on the daemon's registry (src/plugin/api.ts registerMetrics):
// keepalived_script_status as mehdy/keepalived-exporter names it, and vipd's per-run figures (docs/metrics.md
// "Track scripts"). Results are plain numbers bumped per run and copied out at scrape time.
import type { Registry } from 'prom-client';
import { scrapeCounter, scrapeGauge } from '../metrics/scrape.js';

export interface TrackScriptRecord {
  lastOk: boolean;
  /** The debounced (rise/fall) GOOD/BAD. */
  status: boolean;
  runsOk: number;
  runsFailed: number;
}

/**
 * Every script's latest result and run counts, owned by the tracking plugin for its lifetime (a script a reload
 * removed keeps its series, as before the plugin owned them).
 */
export class TrackScriptResults {
  private readonly scripts = new Map<string, TrackScriptRecord>();

  /** One run of a track script; `status` is the debounced (rise/fall) GOOD/BAD, default = ok. */
  record(name: string, ok: boolean, status = ok): void {
    let t = this.scripts.get(name);
    if (t === undefined) {
      t = { lastOk: ok, status, runsOk: 0, runsFailed: 0 };
      this.scripts.set(name, t);
    }
    t.lastOk = ok;
    t.status = status;
    if (ok) t.runsOk++;
    else t.runsFailed++;
  }

  get(name: string): Readonly<TrackScriptRecord> | undefined {
    return this.scripts.get(name);
  }

  register(registry: Registry): void {
    scrapeGauge(registry, 'keepalived_script_status', 'Tracker Script Status', ['name'], (set) => {
      for (const [name, t] of this.scripts) set({ name }, t.status ? 1 : 0);
    });
    scrapeGauge(registry, 'vipd_track_script_result', 'Result of the last run of a track script (1 ok, 0 failed)', ['name'], (set) => {
      for (const [name, t] of this.scripts) set({ name }, t.lastOk ? 1 : 0);
    });
    scrapeCounter(registry, 'vipd_track_script_runs_total', 'Track script runs by result', ['name', 'result'], (add) => {
      for (const [name, t] of this.scripts) {
        add({ name, result: 'ok' }, t.runsOk);
        add({ name, result: 'failed' }, t.runsFailed);
      }
    });
  }
}
