// Human-readable `vipd status`: one row per instance with state, priorities, master, VIPs and the last
// transition with its reason and age — the "why did it fail over, and when" keepalived only answers via
// signals and dump files (keepalived #2001, #1938).
import { formatDuration } from '../status/format.js';
import type { InstanceView, StatusDocument, VipView } from '../status/types.js';

export { formatDuration };

export interface RenderOptions {
  /** "Now" for the age column, Unix epoch ms (the caller's clock.wallNow()). */
  nowMs: number;
  /** VIPs listed per row before "+N more"; default 3. */
  maxVips?: number;
}

function vipText(v: string | VipView, ifname: string): string {
  if (typeof v === 'string') return v;
  return v.ifname && v.ifname !== ifname ? `${v.address}@${v.ifname}` : v.address;
}

function vipsCell(view: InstanceView, max: number): string {
  if (view.vips.length === 0) return '-';
  const shown = view.vips.slice(0, max).map((v) => vipText(v, view.ifname));
  const rest = view.vips.length - shown.length;
  return rest > 0 ? `${shown.join(',')} +${rest} more` : shown.join(',');
}

function masterCell(view: InstanceView): string {
  if (view.state === 'MASTER') return view.masterAddress ? `${view.masterAddress} (us)` : '(us)';
  if (!view.masterAddress) return '-';
  return view.masterPriority !== undefined && view.masterPriority !== null
    ? `${view.masterAddress} prio ${view.masterPriority}`
    : view.masterAddress;
}

function layout(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** The instance table (no header block); ends without a newline. */
export function renderStatusTable(views: readonly InstanceView[], opts: RenderOptions): string {
  if (views.length === 0) return 'no VRRP instances configured';
  const nowMs = opts.nowMs;
  const maxVips = opts.maxVips ?? 3;
  const header = ['INSTANCE', 'IFACE', 'VRID', 'STATE', 'PRIO EFF/BASE', 'MASTER', 'VIPS', 'LAST TRANSITION', 'SINCE'];
  const rows = views.map((v) => [
    v.name,
    v.ifname,
    String(v.vrid),
    v.state,
    `${v.effectivePriority}/${v.basePriority}`,
    masterCell(v),
    vipsCell(v, maxVips),
    v.lastTransition ? `${v.lastTransition.from}->${v.lastTransition.to} (${v.lastTransition.reason})` : '-',
    v.lastTransition ? `${formatDuration(nowMs - v.lastTransition.atMs)} ago`.replace(/^in (.*) ago$/, 'in $1') : '-',
  ]);
  return layout(header, rows);
}

/**
 * The full `vipd status` text: a header line, the instance table and each subsystem's lines (connection sync, …)
 * as the daemon rendered them; ends with "\n".
 */
export function renderStatus(doc: StatusDocument, opts: RenderOptions): string {
  const nowMs = opts.nowMs;
  const n = doc.instances.length;
  const lines = [`vipd ${doc.version} on ${doc.node}: ${n} instance${n === 1 ? '' : 's'}`, '', renderStatusTable(doc.instances, { ...opts, nowMs })];
  for (const section of Object.values(doc.sections ?? {})) if (section.lines.length) lines.push('', ...section.lines);
  return `${lines.join('\n')}\n`;
}
