// vipd extension: `vipd_conntrack_sync [NAME] { … }` configures connection-table replication
// (docs/configuration.md). It replaces keepalived's lvs_sync_daemon, which needs IPVS.
import type { ConntrackDraft } from '../drafts.js';
import { table, type KeywordTable } from '../table.js';
import type { Statement } from '../tree.js';
import type { ConntrackFilterRule, ConntrackProtocol } from '../types.js';
import { addressArg, intArg, isMulticast, parseIntText, parsePrefix, requireArg, resolvePath, timerMs, type ParseCtx } from '../values.js';

type C = ConntrackDraft;

export const CONNTRACK_DEFAULTS = {
  port: 3781,
  mcastGroup4: '225.0.0.51',
  mcastGroup6: 'ff02::51',
  resyncTimeoutMs: 5000,
  ttl: 1,
} as const;

const PROTOCOLS: readonly ConntrackProtocol[] = ['tcp', 'udp', 'sctp', 'icmp', 'icmpv6', 'dccp', 'gre'];

/**
 * `accept|ignore [address CIDR] [port N|N-M] [protocol P]` — conntrackd's words. `include` cannot be a rule
 * verb: keepalived's lexer treats any line starting with `include ` as a file include.
 */
function filterRule(e: Statement, ctx: ParseCtx): ConntrackFilterRule | null {
  const action = e.keyword;
  if (action !== 'accept' && action !== 'ignore') return null;
  let address: ConntrackFilterRule['address'] = null;
  let portMin: number | null = null;
  let portMax: number | null = null;
  let protocol: ConntrackProtocol | null = null;
  const words = e.args.map((t) => t.text);
  if (words.length === 0) {
    ctx.sink.error(e, `filter: '${action}' needs at least one of address, port, protocol`);
    return null;
  }
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const v = words[++i];
    if (v === undefined) {
      ctx.sink.error(e, `filter: '${w}' needs a value`);
      return null;
    }
    if (w === 'address') {
      const p = parsePrefix(v);
      if (!p) {
        ctx.sink.error(e, `filter: invalid address '${v}'`);
        return null;
      }
      address = { network: p.address, prefixLength: p.prefixLength, family: p.family };
    } else if (w === 'port') {
      const m = /^(\d+)(?:-(\d+))?$/.exec(v);
      const lo = m ? parseIntText(m[1]!) : null;
      const hi = m ? (m[2] === undefined ? lo : parseIntText(m[2])) : null;
      if (lo === null || hi === null || lo < 1 || hi > 65535 || lo > hi) {
        ctx.sink.error(e, `filter: invalid port or port range '${v}'`);
        return null;
      }
      portMin = lo;
      portMax = hi;
    } else if (w === 'protocol') {
      const p = v.toLowerCase() as ConntrackProtocol;
      if (!PROTOCOLS.includes(p)) {
        ctx.sink.error(e, `filter: unknown protocol '${v}' (${PROTOCOLS.join(', ')})`);
        return null;
      }
      protocol = p;
    } else {
      ctx.sink.error(e, `filter: unknown match '${w}' (address, port, protocol)`);
      return null;
    }
  }
  return { action, address, portMin, portMax, protocol, source: { file: e.file, line: e.line } };
}

function follow(kind: 'instance' | 'group') {
  return (s: Statement, d: C, ctx: ParseCtx): void => {
    const name = requireArg(s, ctx, 0, `a ${kind === 'instance' ? 'vrrp_instance' : 'vrrp_sync_group'} name`);
    if (name === null) return;
    if (d.follow) ctx.sink.error(s, `${s.keyword}: already following ${d.follow.kind} '${d.follow.name}'`);
    else d.follow = { kind, name, source: { file: s.file, line: s.line } };
  };
}

export const conntrackKeywords: KeywordTable<C> = table<C>({
  interface: {
    run: (s, d, ctx) => {
      const v = requireArg(s, ctx, 0, 'an interface name');
      if (v !== null) d.interface = v;
    },
  },
  mcast_group: {
    run: (s, d, ctx) => {
      const a = addressArg(s, ctx);
      if (!a) return;
      if (!isMulticast(a)) ctx.sink.error(s, `mcast_group: '${a.address}' is not a multicast address`);
      else d.mcastGroup = a.address;
    },
  },
  port: {
    run: (s, d, ctx) => {
      const v = intArg(s, ctx, 1, 65535);
      if (v !== null) d.port = v;
    },
  },
  peer: {
    run: (s, d, ctx) => {
      const a = addressArg(s, ctx);
      if (!a) return;
      if (isMulticast(a)) ctx.sink.error(s, `peer: '${a.address}' is a multicast address; use mcast_group`);
      else if (d.peers.includes(a.address)) ctx.sink.warning(s, `peer: duplicate peer ${a.address}`);
      else d.peers.push(a.address);
    },
  },
  source_address: {
    run: (s, d, ctx) => {
      const a = addressArg(s, ctx);
      if (a) d.sourceAddress = a.address;
    },
  },
  key_file: {
    run: (s, d, ctx) => {
      const p = requireArg(s, ctx, 0, 'a key file path');
      if (p !== null) d.keyFile = resolvePath(s, p);
    },
  },
  follow_instance: { run: follow('instance') },
  follow_group: { run: follow('group') },
  filter: {
    block: 'required',
    run: (s, d, ctx) => {
      for (const e of s.block ?? []) {
        if (e.keyword === 'default') {
          const v = e.args[0]?.text;
          if (v === 'accept' || v === 'ignore') d.filterDefault = v;
          else ctx.sink.error(e, `filter: default must be accept or ignore, not '${v ?? ''}'`);
          continue;
        }
        if (e.keyword !== 'accept' && e.keyword !== 'ignore') {
          ctx.sink.error(e, `filter: unknown rule '${e.keyword}' (accept, ignore, default)`);
          continue;
        }
        const r = filterRule(e, ctx);
        if (r) d.filters.push(r);
      }
    },
  },
  resync_timeout: {
    run: (s, d, ctx) => {
      const v = timerMs(s, ctx, 0.1, 3600);
      if (v !== null) d.resyncTimeoutMs = v;
    },
  },
  ttl: {
    run: (s, d, ctx) => {
      const v = intArg(s, ctx, 1, 255);
      if (v !== null) d.ttl = v;
    },
  },
});
