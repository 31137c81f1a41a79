// Text shared by everything that prints status: `vipd status` (src/control) and the subsystems that render their
// own status lines (statusSection in src/plugin/api.ts).

/** Compact age: 850ms, 12s, 3m12s, 5h03m, 2d04h. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const neg = ms < 0;
  const a = Math.abs(ms);
  let out: string;
  if (a < 1000) out = `${Math.round(a)}ms`;
  else if (a < 60_000) out = `${Math.floor(a / 1000)}s`;
  else if (a < 3_600_000) out = `${Math.floor(a / 60_000)}m${String(Math.floor((a % 60_000) / 1000)).padStart(2, '0')}s`;
  else if (a < 86_400_000) out = `${Math.floor(a / 3_600_000)}h${String(Math.floor((a % 3_600_000) / 60_000)).padStart(2, '0')}m`;
  else out = `${Math.floor(a / 86_400_000)}d${String(Math.floor((a % 86_400_000) / 3_600_000)).padStart(2, '0')}h`;
  return neg ? `in ${out}` : out;
}
