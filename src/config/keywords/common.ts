// Pieces shared by several keyword tables: script-valued keywords, track_* blocks, ignore lists.
import type { DiagnosticSink } from '../diagnostics.js';
import type { NotifyDraft } from '../drafts.js';
import { ignored, type KeywordSpec } from '../table.js';
import type { Statement } from '../tree.js';
import type { TrackRef } from '../types.js';
import { scriptArg, weightAfter, type ParseCtx } from '../values.js';

/** Many keywords sharing one ignore reason. */
export function ignoreAll<D>(reason: string, keywords: readonly string[], block?: 'required' | 'optional'): Record<string, KeywordSpec<D>> {
  const out: Record<string, KeywordSpec<D>> = {};
  for (const k of keywords) out[k] = ignored<D>(reason, block);
  return out;
}

export function notifyKeywords<D extends { notify: NotifyDraft }>(withRxLowerPri: boolean): Record<string, KeywordSpec<D>> {
  const set =
    (key: keyof NotifyDraft) =>
    (s: Statement, d: D, ctx: ParseCtx): void => {
      const cmd = scriptArg(s, ctx);
      if (cmd) d.notify[key] = cmd;
    };
  const out: Record<string, KeywordSpec<D>> = {
    notify_master: { run: set('master') },
    notify_backup: { run: set('backup') },
    notify_fault: { run: set('fault') },
    notify_stop: { run: set('stop') },
    notify: { run: set('generic') },
  };
  if (withRxLowerPri) out['notify_master_rx_lower_pri'] = { run: set('masterRxLowerPri') };
  return out;
}

/**
 * `track_interface { eth0 [weight N] }`, `track_script { name [weight N [reverse]] }`, `track_file { … }`:
 * one name per entry line, optional weight override.
 */
export function trackEntries(s: Statement, ctx: ParseCtx, weightRange: [number, number]): TrackRef[] {
  if (s.block === null) {
    ctx.sink.error(s, `Missing '{' after '${s.keyword}'`);
    return [];
  }
  const out: TrackRef[] = [];
  for (const e of s.block) {
    if (e.block !== null) ctx.sink.error(e, `${s.keyword}: unexpected block after '${e.keyword}'`);
    const w = weightAfter(e, ctx, 0, weightRange[0], weightRange[1]);
    out.push({ name: e.keyword, weight: w.weight, reverse: w.reverse, source: { file: e.file, line: e.line } });
  }
  return out;
}

export function trackKeywords<D extends { trackInterfaces: TrackRef[]; trackScripts: TrackRef[]; trackFiles: TrackRef[] }>(): Record<
  string,
  KeywordSpec<D>
> {
  return {
    track_interface: { block: 'required', run: (s, d, ctx) => d.trackInterfaces.push(...trackEntries(s, ctx, [-254, 254])) },
    track_script: { block: 'required', run: (s, d, ctx) => d.trackScripts.push(...trackEntries(s, ctx, [-254, 254])) },
    track_file: { block: 'required', run: (s, d, ctx) => d.trackFiles.push(...trackEntries(s, ctx, [-254, 254])) },
    track_process: ignored('process tracking (vrrp_track_process) is not implemented', 'required'),
    track_bfd: ignored('BFD is not implemented', 'required'),
  };
}

/** Warn once about a flag-like keyword whose value is out of what we model. */
export function noteOnce(sink: DiagnosticSink, s: Statement, message: string): void {
  sink.warning(s, message);
}
