// Top-level blocks of keepalived.conf (keepalived.md §3.2) plus vipd's extension block.
import type { ConfigDraft } from '../drafts.js';
import { applyTable, ignored, table, type KeywordSpec, type KeywordTable } from '../table.js';
import type { Statement } from '../tree.js';
import type { ParseCtx } from '../values.js';
import { ignoreAll } from './common.js';
import { conntrackKeywords } from './conntrack.js';
import { globalKeywords, NAMESPACE_WITH_IPSETS_IGNORED, NET_NAMESPACE_IPVS_REFUSED, netNamespaceKeyword } from './global.js';
import { instanceKeywords } from './instance.js';
import { parseVirtualServer } from './lvs.js';
import { sslKeywords } from './lvsGlobal.js';
import { parseVirtualServerGroup } from './lvsGroup.js';
import { parseRoute } from './routes.js';
import { parseRule } from './rules.js';
import { syncGroupKeywords } from './syncgroup.js';
import { scriptKeywords, trackFileKeywords } from './tracking.js';

type R = ConfigDraft;

function named(s: Statement, ctx: ParseCtx): string | null {
  const name = s.args[0]?.text;
  if (!name) {
    ctx.sink.error(s, `${s.keyword}: missing name`);
    return null;
  }
  if (s.args.length > 1) ctx.sink.warning(s, `${s.keyword} ${name}: ignoring extra words after the name`);
  return name;
}

const at = (s: Statement) => ({ file: s.file, line: s.line });

const trackFileBlock: KeywordSpec<R> = {
  block: 'required',
  run: (s, d, ctx) => {
    const name = named(s, ctx);
    if (name === null) return;
    const draft = { name, source: at(s) };
    applyTable(s.block ?? [], trackFileKeywords, draft, ctx, `track_file ${name}`);
    d.trackFiles.push(draft);
  },
};

export const rootKeywords: KeywordTable<R> = table<R>({
  global_defs: {
    block: 'required',
    run: (s, d, ctx) => applyTable(s.block ?? [], globalKeywords, d.global, ctx, 'global_defs'),
  },
  vrrp_instance: {
    block: 'required',
    run: (s, d, ctx) => {
      const name = named(s, ctx);
      if (name === null) return;
      const draft = {
        name,
        source: at(s),
        vips: [],
        excludedVips: [],
        virtualRoutes: [],
        virtualRules: [],
        unicastPeers: [],
        garp: {},
        trackInterfaces: [],
        trackScripts: [],
        trackFiles: [],
        notify: {},
      };
      applyTable(s.block ?? [], instanceKeywords, draft, ctx, `vrrp_instance ${name}`);
      d.instances.push(draft);
    },
  },
  vrrp_sync_group: {
    block: 'required',
    run: (s, d, ctx) => {
      const name = named(s, ctx);
      if (name === null) return;
      const draft = { name, source: at(s), members: [], notify: {}, trackInterfaces: [], trackScripts: [], trackFiles: [] };
      applyTable(s.block ?? [], syncGroupKeywords, draft, ctx, `vrrp_sync_group ${name}`);
      d.syncGroups.push(draft);
    },
  },
  vrrp_script: {
    block: 'required',
    run: (s, d, ctx) => {
      const name = named(s, ctx);
      if (name === null) return;
      const draft = { name, source: at(s) };
      applyTable(s.block ?? [], scriptKeywords, draft, ctx, `vrrp_script ${name}`);
      d.scripts.push(draft);
    },
  },
  track_file: trackFileBlock,
  vrrp_track_file: trackFileBlock,
  virtual_server: {
    block: 'required',
    run: (s, d, ctx) => {
      const vs = parseVirtualServer(s, ctx);
      if (vs) d.lvs.virtualServers.push(vs);
    },
  },
  virtual_server_group: {
    block: 'required',
    run: (s, d, ctx) => {
      const g = parseVirtualServerGroup(s, ctx);
      if (g) d.lvs.groups.push(g);
    },
  },
  vipd_conntrack_sync: {
    block: 'required',
    run: (s, d, ctx) => {
      const name = s.args[0]?.text ?? 'default';
      const draft = { name, source: at(s), peers: [], filters: [] };
      applyTable(s.block ?? [], conntrackKeywords, draft, ctx, `vipd_conntrack_sync ${name}`);
      d.conntrackSync.push(draft);
    },
  },
  net_namespace: { run: (s, d, ctx) => netNamespaceKeyword.run?.(s, d.global, ctx) },
  net_namespace_ipvs: { refused: NET_NAMESPACE_IPVS_REFUSED },
  namespace_with_ipsets: ignored(NAMESPACE_WITH_IPSETS_IGNORED),
  vrrp_track_process: { refused: 'vrrp_track_process (process tracking) is not implemented by vipd; use a vrrp_script that checks the process', block: 'required' },
  bfd_instance: { refused: 'bfd_instance: BFD is not implemented by vipd', block: 'required' },
  static_ipaddress: ignored('vipd does not manage static addresses; configure them with the system network configuration', 'required'),
  // Installed at start, kept while vipd runs, removed at stop (keepalived vrrp_daemon.c start_vrrp / stop_vrrp).
  static_routes: {
    block: 'required',
    run: (s, d, ctx) => {
      for (const e of s.block ?? []) {
        const r = parseRoute(e, ctx, 'static_routes');
        if (r) d.staticRoutes.push(r);
      }
    },
  },
  static_rules: {
    block: 'required',
    run: (s, d, ctx) => {
      for (const e of s.block ?? []) {
        const r = parseRule(e, ctx, 'static_rules');
        if (r) d.staticRules.push(r);
      }
    },
  },
  garp_group: ignored('vipd does not pace GARP/NA per interface group yet', 'required'),
  // check_parser.c ssl_handler: the client context of SSL_GET checkers; a second block replaces the first.
  SSL: {
    block: 'required',
    run: (s, d, ctx) => {
      if (d.global.lvs.ssl) ctx.sink.warning(s, 'SSL context already specified - replacing');
      d.global.lvs.ssl = {};
      applyTable(s.block ?? [], sslKeywords, d.global.lvs.ssl, ctx, 'SSL');
    },
  },
  ...ignoreAll<R>('link state comes from rtnetlink events', ['linkbeat_interfaces', 'interface_up_down_delays'], 'required'),
  track_group: ignored('static track groups are not implemented by vipd', 'required'),
  ...ignoreAll<R>('not relevant to vipd (keepalived process/namespace options)', [
    'instance', 'use_pid_dir', 'linkbeat_use_polling', 'child_wait_time',
  ]),
});
