// `virtual_server_group NAME { … }` (lvs.md §1.7; check_data.c alloc_vsg_entry, ipvswrapper.c
// ipvs_group_range_cmd). Entries: `IP [PORT]`, `a.b.c.d-e`, `a.b.c.d-e.f.g.h`, `IP/LEN`, IPv6 `x::y-z` (hex),
// `fwmark N [inet|inet6]`. keepalived programs one kernel service per address of a range and steps ONLY the
// last IPv4 octet / the last 16 bits of an IPv6 address (the increment carries no further), so a range that
// spans more than that never ends in keepalived (IPv4) or is cut to its last 16 bits (IPv6): vipd refuses those.
import { formatAddress, parseAddress as parseBytes } from '../../ip/address.js';
import type { GroupMemberDraft, VirtualServerGroupDraft } from '../lvsDrafts.js';
import type { LvsFamily } from '../lvsTypes.js';
import type { Statement } from '../tree.js';
import { parseIntText, type ParseCtx } from '../values.js';
import { UINT32_MAX } from './lvsValues.js';

type Member = GroupMemberDraft;

function familyOf(bytes: Buffer): LvsFamily {
  return bytes.length === 4 ? 'inet' : 'inet6';
}

/** The addresses from `start` to `end` (inclusive), differing only in their last octet / 16 bits. */
function stepRange(start: Buffer, end: Buffer, s: Statement, ctx: ParseCtx, text: string): string[] | null {
  const width = start.length === 4 ? 1 : 2;
  const head = start.length - width;
  if (!start.subarray(0, head).equals(end.subarray(0, head))) {
    ctx.sink.error(
      s,
      `virtual_server_group: range '${text}' spans more than the last ${width === 1 ? 'octet' : '16 bits'}: keepalived steps only ` +
        `those (ipvswrapper.c ipvs_group_range_cmd) and would not create this set; split it into one range per ${width === 1 ? '/24' : '/112'}`,
    );
    return null;
  }
  const lo = width === 1 ? start[head]! : start.readUInt16BE(head);
  const hi = width === 1 ? end[head]! : end.readUInt16BE(head);
  if (hi < lo) {
    ctx.sink.error(s, `virtual_server_group: address range end is less than its start in '${text}'`);
    return null;
  }
  const out: string[] = [];
  const cur = Buffer.from(start);
  for (let v = lo; v <= hi; v++) {
    if (width === 1) cur[head] = v;
    else cur.writeUInt16BE(v, head);
    out.push(formatAddress(cur));
  }
  return out;
}

/** The addresses an entry's first word names (one for a plain address), or null (reported). */
function expandAddresses(text: string, s: Statement, ctx: ParseCtx): { family: LvsFamily; addresses: string[] } | null {
  const bad = (why: string) => {
    ctx.sink.error(s, `virtual_server_group: invalid entry '${text}': ${why}`);
    return null;
  };
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const base = parseBytes(text.slice(0, slash));
    if (!base) return bad('not an address');
    const len = parseIntText(text.slice(slash + 1));
    const bits = base.length * 8;
    if (len === null || len < 1 || len > bits) return bad(`prefix length must be in [1, ${bits}]`);
    const end = Buffer.from(base);
    for (let bit = len; bit < bits; bit++) {
      const byte = bit >> 3;
      const mask = 0x80 >> (bit & 7);
      if (base[byte]! & mask) return bad('address mask bits not empty (give the network address)');
      end[byte]! |= mask;
    }
    const list = stepRange(base, end, s, ctx, text);
    return list && { family: familyOf(base), addresses: list };
  }
  const dash = text.indexOf('-');
  const start = parseBytes(dash < 0 ? text : text.slice(0, dash));
  if (!start) return bad('not an address');
  if (dash < 0) return { family: familyOf(start), addresses: [formatAddress(start)] };
  const tail = text.slice(dash + 1);
  let end: Buffer | null;
  if ((start.length === 4 && tail.includes('.')) || (start.length === 16 && tail.includes(':'))) {
    end = parseBytes(tail);
    if (!end || end.length !== start.length) return bad('range end is not an address of the same family');
  } else {
    // `a.b.c.d-e` (decimal last octet) / `x::y-z` (hex last 16 bits), inet_stor.
    const v = start.length === 4 ? (/^\d+$/.test(tail) ? Number(tail) : NaN) : /^[0-9a-fA-F]+$/.test(tail) ? parseInt(tail, 16) : NaN;
    const max = start.length === 4 ? 255 : 0xffff;
    if (!(v >= 0 && v <= max)) return bad(`range end '${tail}' must be ${start.length === 4 ? 'a decimal octet' : 'a hex 16-bit value'}`);
    end = Buffer.from(start);
    if (start.length === 4) end[3] = v;
    else end.writeUInt16BE(v, 14);
    const first = start.length === 4 ? start[3]! : start.readUInt16BE(14);
    if (first >= v) return bad('range end is not greater than its start');
  }
  const list = stepRange(start, end, s, ctx, text);
  return list && { family: familyOf(start), addresses: list };
}

function entry(e: Statement, name: string, ctx: ParseCtx): Member[] {
  if (e.block !== null) {
    ctx.sink.error(e, `virtual_server_group ${name}: unexpected block after '${e.keyword}'`);
    return [];
  }
  if (e.keyword === 'fwmark') {
    const text = e.args[0]?.text ?? '';
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(n >= 1 && n <= UINT32_MAX)) {
      ctx.sink.error(e, `virtual_server_group ${name}: fwmark '${text}' must be in [1, ${UINT32_MAX}]`);
      return [];
    }
    const fam = e.args[1]?.text;
    if (fam !== undefined && fam !== 'inet' && fam !== 'inet6') {
      ctx.sink.error(e, `virtual_server_group ${name}: fwmark ${n} family '${fam}' unknown (inet or inet6)`);
      return [];
    }
    // A fwmark without family takes the family of the virtual server using the group (lvsComplete.ts).
    return [{ kind: 'fwmark', family: (fam ?? null) as LvsFamily | null, fwmark: n }];
  }
  const range = expandAddresses(e.keyword, e, ctx);
  if (!range) return [];
  const portText = e.args[0]?.text;
  let port: number | null = null;
  if (portText !== undefined) {
    const p = parseIntText(portText);
    if (p === null || p < 0 || p > 65535) {
      ctx.sink.error(e, `virtual_server_group ${name}: invalid port '${portText}'`);
      return [];
    }
    port = p === 0 ? null : p;
  }
  if (e.args.length > 1) ctx.sink.error(e, `virtual_server_group ${name}: unexpected '${e.args[1]!.text}' after the port`);
  return range.addresses.map((address) => ({ kind: 'address' as const, family: range.family, address, port }));
}

export function parseVirtualServerGroup(s: Statement, ctx: ParseCtx): VirtualServerGroupDraft | null {
  const name = s.args[0]?.text;
  if (!name) {
    ctx.sink.error(s, 'virtual_server_group: missing name');
    return null;
  }
  const members: Member[] = [];
  for (const e of s.block ?? []) members.push(...entry(e, name, ctx));
  if (members.length === 0) {
    ctx.sink.error(s, `virtual_server_group ${name} has no entries`);
    return null;
  }
  return { name, members, source: { file: s.file, line: s.line } };
}
