// FILE_CHECK (lvs.md §3.3, keepalived check/check_file.c:180-225, trackers/track_file.c:777-800): the number the
// global track_file holds decides. Weight 0: a non-zero value is a fault (zero with `reverse`). Otherwise
// value × weight (negated by `reverse`) is the weight change the RS gets, and a product ≤ −2^31 is a fault.
// The file itself is read by the track_file machinery (src/track); the shell hands its value in.
import type { CheckerConfig } from '../../config/lvsTypes.js';
import type { Probe, ProbeDeps, ProbeOutcome } from './types.js';

type FileCheckConfig = Extract<CheckerConfig, { type: 'FILE_CHECK' }>;

/** IPVS_WEIGHT_FAULT (INT_MIN) and the top of keepalived's weight_range(). */
const WEIGHT_FAULT = -(2 ** 31);
const WEIGHT_MAX = 2 ** 31 - 1;

export function fileProbe(cfg: FileCheckConfig, deps: ProbeDeps): Probe {
  const what = `track_file ${cfg.trackFile}`;
  let closed = false;
  const decide = (): ProbeOutcome => {
    if (closed) return { ok: false, durationMs: 0, reason: 'local', detail: `${what}: probe closed` };
    const value = deps.trackFileValue?.(cfg.trackFile);
    if (value === undefined) return { ok: false, durationMs: 0, reason: 'local', detail: `${what}: no value known (file not read yet or not configured)` };
    if (cfg.weight === 0) {
      const fault = (value !== 0) !== cfg.reverse;
      return fault ? { ok: false, durationMs: 0, reason: 'file', detail: `${what}: value ${value} is a fault (weight 0${cfg.reverse ? ', reverse' : ''})` } : { ok: true, durationMs: 0 };
    }
    const product = value * cfg.weight * (cfg.reverse ? -1 : 1);
    if (product <= WEIGHT_FAULT) return { ok: false, durationMs: 0, reason: 'file', detail: `${what}: value ${value} × weight ${cfg.weight}${cfg.reverse ? ' (reverse)' : ''} is a fault` };
    return { ok: true, durationMs: 0, weight: Math.min(product, WEIGHT_MAX) };
  };
  return {
    run: () => Promise.resolve(decide()),
    close: () => {
      closed = true;
    },
  };
}
