// Human-readable `vipd status`: one row per instance with state, priorities, master, VIPs and the last
// transition with its reason and age — the "why did it fail over, and when" keepalived only answers via
// signals and dump files (keepalived #2001, #1938).
import type { InstanceView, StatusDocument, SyncView, VipView } from '../status/types.js';

export interface RenderOptions {
  /** "Now" for the age column, Unix epoch ms; default Date.now(). */
  nowMs?: number;
  /** VIPs listed per row before "+N more"; default 3. */
  maxVips?: number;
}

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
export function renderStatusTable(views: readonly InstanceView[], opts: RenderOptions = {}): string {
  if (views.length === 0) return 'no VRRP instances configured';
  const nowMs = opts.nowMs ?? Date.now();
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

export function renderSyncLine(s: SyncView, nowMs: number): string {
  const parts = [
    `${s.entries} entries`,
    `sent ${s.messagesSent}`,
    `received ${s.messagesReceived}`,
    `lost ${s.messagesLost}`,
    `resent ${s.messagesResent}`,
    s.lastFullResyncAtMs === null ? 'no full resync yet' : `last full resync ${formatDuration(nowMs - s.lastFullResyncAtMs)} ago`,
  ];
  if (s.lastCommitDurationMs !== null) parts.push(`last commit ${s.lastCommitDurationMs.toFixed(1)} ms`);
  if (s.peerUp !== undefined) parts.push(s.peerUp ? 'peer up' : 'PEER DOWN');
  return `connection sync: ${parts.join(', ')}`;
}

/** The full `vipd status` text: a header line, the instance table and the sync summary; ends with "\n". */
export function renderStatus(doc: StatusDocument, opts: RenderOptions = {}): string {
  const nowMs = opts.nowMs ?? Date.now();
  const n = doc.instances.length;
  const lines = [`vipd ${doc.version} on ${doc.node}: ${n} instance${n === 1 ? '' : 's'}`, '', renderStatusTable(doc.instances, { ...opts, nowMs })];
  if (doc.sync) lines.push('', renderSyncLine(doc.sync, nowMs));
  return `${lines.join('\n')}\n`;
}
