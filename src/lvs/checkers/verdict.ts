// What a probe body decides, before the run adds its duration (ProbeOutcome without durationMs).
import type { ProbeFailReason } from './types.js';

export type Verdict = { readonly ok: true; readonly weight?: number } | { readonly ok: false; readonly reason: ProbeFailReason; readonly detail: string };

export const fail = (reason: ProbeFailReason, detail: string): Verdict => ({ ok: false, reason, detail });
export const pass = (weight?: number): Verdict => (weight === undefined ? { ok: true } : { ok: true, weight });
