// The one algorithm that moves a service from `before` to `after` (null = absent) in an nft table, shared by the
// inet table (NAT, ruleset.ts) and the netdev table (DR, dr.ts): the two differ in the objects of a real server
// and in the rules, not in which of them a change touches. Only what changed is touched: the service chain is
// always re-filled (its scheduler depends on every server), a server's own chains only when it is new or the
// service's spec changed (or, DR, its egress device changed); a server whose weight changed gets a new spec
// comment. Pure text, like its callers.
import type { DestSpec, ServiceSpec } from '../model.js';
import { destChain, destComment, persistSet, serviceChain, serviceComment, specCounter } from './names.js';
import { isPersistent, persistSetDecl } from './persistence.js';

export interface TransitionState {
  readonly spec: ServiceSpec;
  readonly dests: readonly DestSpec[];
}

/** What one table does differently; each function returns complete nft commands. */
export interface TransitionTable {
  /** "inet vipd" / "netdev vipd_dr". */
  readonly ref: string;
  /** The service's element of a dispatch map, with its verdict (add) or without (delete). */
  dispatchElement(s: ServiceSpec, withVerdict: boolean): string;
  addDest(s: ServiceSpec, d: DestSpec): string[];
  /** Remove a real server's objects; runs after its service chain was flushed (that chain jumps to it). */
  removeDest(s: ServiceSpec, d: DestSpec): string[];
  /** Flush a kept real server's chains so that destRules can re-fill them (the service's spec changed). */
  flushDest(s: ServiceSpec, d: DestSpec): string[];
  destRules(s: ServiceSpec, d: DestSpec): string[];
  serviceRules(st: TransitionState): string[];
  /**
   * A kept real server whose spec did not change but whose chains must be rewritten anyway (DR: the director's
   * device towards it changed), and the commands that do it.
   */
  readonly rewrite?: {
    needed(s: ServiceSpec, d: DestSpec): boolean;
    commands(s: ServiceSpec, d: DestSpec): string[];
  };
}

function quote(s: string): string {
  return `"${s}"`;
}

const destIdentity = (d: DestSpec): string => `${d.address} ${d.port}`;

/** The commands that move one service from `before` to `after` in `tb`; [] when nothing changes. */
export function transition(tb: TransitionTable, before: TransitionState | null, after: TransitionState | null): string[] {
  const t = tb.ref;
  if (!after) {
    if (!before) return [];
    const s = before.spec;
    const chain = serviceChain(s);
    return [
      `delete element ${t} ${tb.dispatchElement(s, false)}`,
      `flush chain ${t} ${chain}`,
      ...before.dests.flatMap((d) => tb.removeDest(s, d)),
      `delete chain ${t} ${chain}`,
      `delete counter ${t} ${chain}`,
      `delete counter ${t} ${specCounter(chain)}`,
    ];
  }
  const s = after.spec;
  const chain = serviceChain(s);
  const out: string[] = [];
  const specChanged = before !== null && serviceComment(before.spec) !== serviceComment(s);
  const old = new Map((before?.dests ?? []).map((d) => [destIdentity(d), d]));
  const kept = new Set(after.dests.map(destIdentity));
  if (!before) {
    out.push(`add counter ${t} ${chain}`, `add counter ${t} ${specCounter(chain)} { comment ${quote(serviceComment(s))}; }`, `add chain ${t} ${chain}`);
  } else {
    const unchanged = (d: DestSpec): boolean => {
      const prev = old.get(destIdentity(d));
      return prev !== undefined && destComment(prev) === destComment(d);
    };
    const rewritten = after.dests.some((d) => old.has(destIdentity(d)) && tb.rewrite?.needed(s, d) === true);
    const destsChanged = after.dests.length !== before.dests.length || !after.dests.every(unchanged);
    if (!specChanged && !rewritten && !destsChanged) return [];
    out.push(`flush chain ${t} ${chain}`);
    if (specChanged) out.push(`delete counter ${t} ${specCounter(chain)}`, `add counter ${t} ${specCounter(chain)} { comment ${quote(serviceComment(s))}; }`);
    for (const d of before.dests) if (!kept.has(destIdentity(d))) out.push(...tb.removeDest(before.spec, d));
  }
  for (const d of after.dests) {
    const prev = old.get(destIdentity(d));
    if (!prev) {
      out.push(...tb.addDest(s, d));
      continue;
    }
    const dc = destChain(s, d);
    if (destComment(prev) !== destComment(d)) {
      out.push(`delete counter ${t} ${specCounter(dc)}`, `add counter ${t} ${specCounter(dc)} { comment ${quote(destComment(d))}; }`);
    }
    if (specChanged) {
      out.push(...tb.flushDest(s, d));
      const was = isPersistent(before!.spec);
      if (was && !isPersistent(s)) out.push(`delete set ${t} ${persistSet(dc)}`);
      if (!was && isPersistent(s)) out.push(`add set ${t} ${persistSet(dc)} ${persistSetDecl(s)}`);
      out.push(...tb.destRules(s, d));
    } else if (tb.rewrite?.needed(s, d)) {
      out.push(...tb.rewrite.commands(s, d));
    }
  }
  out.push(...tb.serviceRules(after));
  if (!before) out.push(`add element ${t} ${tb.dispatchElement(s, true)}`);
  return out;
}
