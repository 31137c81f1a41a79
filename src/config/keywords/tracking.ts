// vrrp_script and track_file blocks (man keepalived.conf "VRRP script(s)", "track_file").
import type { ScriptDraft, TrackFileDraft } from '../drafts.js';
import { table, type KeywordTable } from '../table.js';
import { intArg, parseIntText, requireArg, resolvePath, scriptArg, timerMs } from '../values.js';

export const scriptKeywords: KeywordTable<ScriptDraft> = table<ScriptDraft>({
  script: {
    run: (s, d, ctx) => {
      const cmd = scriptArg(s, ctx);
      if (cmd) d.script = cmd;
    },
  },
  interval: {
    run: (s, d, ctx) => {
      const v = timerMs(s, ctx, 0.001, 86400);
      if (v !== null) d.intervalMs = v;
    },
  },
  timeout: {
    run: (s, d, ctx) => {
      const v = timerMs(s, ctx, 0.001, 86400);
      if (v !== null) d.timeoutMs = v;
    },
  },
  weight: {
    run: (s, d, ctx) => {
      const v = intArg(s, ctx, -253, 253);
      if (v === null) return;
      d.weight = v;
      const flag = s.args[1]?.text;
      if (flag === 'reverse') d.weightReverse = true;
      else if (flag !== undefined && flag !== 'noreverse') ctx.sink.error(s, `weight: unexpected '${flag}' (reverse expected)`);
    },
  },
  rise: {
    run: (s, d, ctx) => {
      const v = intArg(s, ctx, 1, 1_000_000);
      if (v !== null) d.rise = v;
    },
  },
  fall: {
    run: (s, d, ctx) => {
      const v = intArg(s, ctx, 1, 1_000_000);
      if (v !== null) d.fall = v;
    },
  },
  user: {
    run: (s, d, ctx) => {
      const user = requireArg(s, ctx, 0, 'a user name');
      if (user !== null) d.user = { user, group: s.args[1]?.text ?? null };
    },
  },
  init_fail: { run: (_s, d) => (d.initFail = true) },
});

export const trackFileKeywords: KeywordTable<TrackFileDraft> = table<TrackFileDraft>({
  file: {
    run: (s, d, ctx) => {
      const p = requireArg(s, ctx, 0, 'a file path');
      if (p !== null) d.path = resolvePath(s, p);
    },
  },
  weight: {
    run: (s, d, ctx) => {
      const n = s.args[0] === undefined ? null : parseIntText(s.args[0].text);
      if (n === null || Math.abs(n) > 2147483647) {
        ctx.sink.error(s, `weight: '${s.args[0]?.text ?? ''}' must be an integer`);
        return;
      }
      d.weight = n;
      d.weightReverse = s.args[1]?.text === 'reverse';
    },
  },
  init_file: {
    run: (s, d, ctx) => {
      let value = 0;
      let overwrite = false;
      for (const a of s.args) {
        if (a.text === 'overwrite') overwrite = true;
        else {
          const n = parseIntText(a.text);
          if (n === null) ctx.sink.error(s, `init_file: invalid value '${a.text}'`);
          else value = n;
        }
      }
      d.initFile = { value, overwrite };
    },
  },
});
