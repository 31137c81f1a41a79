// Generic netlink framing (linux/genetlink.h), pure. A generic netlink message is an ordinary netlink message
// whose nlmsg_type is the family id (allocated by the kernel at module load, so it must be looked up by name)
// and whose payload starts with struct genlmsghdr { u8 cmd; u8 version; u16 reserved; }, then the family's
// fixed header (hdrsize; 0 for IPVS and nlctrl) and the attributes.
//
// The controller family nlctrl has the fixed id GENL_ID_CTRL and answers CTRL_CMD_GETFAMILY with the family's
// id, version, maxattr (genetlink.h; net/netlink/genetlink.c ctrl_fill_info). Decoding never throws.
import { attrMap, attrString, decodeAttrs, encodeAttrs, nlaAlign, NLA_HDRLEN, readAttrString, readAttrU16, readAttrU32, type DecodedAttr } from './nlattr.js';
import { readU16Host } from './sockaddr.js';

export const NETLINK_GENERIC = 16;
export const GENL_HDRLEN = 4;
/** nlctrl's fixed family id (GENL_MIN_ID). */
export const GENL_ID_CTRL = 0x10;
export const CTRL_VERSION = 2;

export const CTRL_CMD_NEWFAMILY = 1;
export const CTRL_CMD_GETFAMILY = 3;

export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const CTRL_ATTR_VERSION = 3;
export const CTRL_ATTR_HDRSIZE = 4;
export const CTRL_ATTR_MAXATTR = 5;

export interface GenlHeader {
  cmd: number;
  version: number;
}

/** A decoded generic netlink message: its header and the attribute bytes after it. */
export interface GenlMessage extends GenlHeader {
  /** The attribute area (after genlmsghdr and the family header). */
  attrs: Buffer;
}

/** The netlink payload of a generic netlink request: genlmsghdr, then the encoded attributes. */
export function encodeGenl(h: GenlHeader, attrs: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(GENL_HDRLEN + attrs.length);
  out[0] = h.cmd & 0xff;
  out[1] = h.version & 0xff;
  // bytes 2-3: reserved, zero
  attrs.copy(out, GENL_HDRLEN);
  return out;
}

/** The genlmsghdr of a netlink payload, or null when the payload is shorter than the header (+ family header). */
export function decodeGenl(payload: Buffer, familyHdrSize = 0): GenlMessage | null {
  const start = GENL_HDRLEN + nlaAlign(familyHdrSize);
  if (payload.length < start) return null;
  return { cmd: payload[0]!, version: payload[1]!, attrs: payload.subarray(start) };
}

/**
 * Attributes of buf[offset, end) when they tile the area exactly (every length ≥ 4 and inside the area, the
 * last one allowed to omit its padding), else null. Stricter than decodeAttrs, which stops silently at the
 * first bad header: a reply whose attributes do not add up is dropped with a reason instead of half-read.
 */
export function decodeAttrsExact(buf: Buffer, offset = 0, end = buf.length): DecodedAttr[] | null {
  if (end > buf.length || offset > end) return null;
  let off = offset;
  while (off + NLA_HDRLEN <= end) {
    const len = readU16Host(buf, off);
    if (len < NLA_HDRLEN || off + len > end) return null;
    off += nlaAlign(len);
  }
  if (off < end) return null; // 1-3 stray bytes: not an attribute
  return decodeAttrs(buf, offset, end);
}

/** Request payload of CTRL_CMD_GETFAMILY for a family name. */
export function encodeGetFamily(name: string): Buffer {
  return encodeGenl({ cmd: CTRL_CMD_GETFAMILY, version: CTRL_VERSION }, encodeAttrs([attrString(CTRL_ATTR_FAMILY_NAME, name)]));
}

export interface GenlFamily {
  id: number;
  name: string;
  version: number;
  hdrSize: number;
  maxAttr: number;
}

/** Why a CTRL_CMD_NEWFAMILY reply was not taken. */
export type GenlFamilyDrop = 'short-genl-header' | 'not-newfamily' | 'bad-attributes' | 'no-family-id';

export function decodeFamily(payload: Buffer): { family: GenlFamily } | { drop: GenlFamilyDrop } {
  const g = decodeGenl(payload);
  if (!g) return { drop: 'short-genl-header' };
  if (g.cmd !== CTRL_CMD_NEWFAMILY) return { drop: 'not-newfamily' };
  const attrs = decodeAttrsExact(g.attrs);
  if (!attrs) return { drop: 'bad-attributes' };
  const m = attrMap(attrs);
  const id = readAttrU16(m.get(CTRL_ATTR_FAMILY_ID));
  if (id === undefined) return { drop: 'no-family-id' };
  return {
    family: {
      id,
      name: readAttrString(m.get(CTRL_ATTR_FAMILY_NAME)) ?? '',
      version: readAttrU32(m.get(CTRL_ATTR_VERSION)) ?? 0,
      hdrSize: readAttrU32(m.get(CTRL_ATTR_HDRSIZE)) ?? 0,
      maxAttr: readAttrU32(m.get(CTRL_ATTR_MAXATTR)) ?? 0,
    },
  };
}
