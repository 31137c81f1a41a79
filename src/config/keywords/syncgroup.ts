// vrrp_sync_group blocks (man keepalived.conf "VRRP synchronization group(s)"; keepalived/vrrp/vrrp_sync.c).
import type { SyncGroupDraft } from '../drafts.js';
import { ignored, table, type KeywordTable } from '../table.js';
import { boolArg } from '../values.js';
import { notifyKeywords, trackKeywords } from './common.js';

type S = SyncGroupDraft;

export const syncGroupKeywords: KeywordTable<S> = table<S>({
  group: {
    block: 'required',
    run: (s, d) => {
      // Every word of every line is a member name (alloc_value_block).
      for (const e of s.block ?? []) {
        for (const name of [e.keyword, ...e.args.map((t) => t.text)]) {
          d.members.push({ name, source: { file: e.file, line: e.line } });
        }
      }
    },
  },
  ...notifyKeywords<S>(false),
  ...trackKeywords<S>(),
  smtp_alert: {
    run: (s, d, ctx) => {
      const v = boolArg(s, ctx);
      if (v === null) return;
      d.smtpAlert = v;
      if (v) ctx.sink.warning(s, 'smtp_alert is accepted and ignored: vipd sends no e-mail alerts; use notify scripts');
    },
  },
  // keepalived vrrp.c:4295-4375: without it, members' tracker weights are forced to 0 (src/track/bindings.ts).
  sync_group_tracking_weight: { run: (_s, d) => void (d.trackingWeight = true) },
  global_tracking: {
    run: (s, d, ctx) => {
      d.trackingWeight = true;
      ctx.sink.warning(s, 'global_tracking is deprecated in keepalived; treated as sync_group_tracking_weight');
    },
  },
  notify_priority_changes: ignored('not implemented by vipd'),
});
