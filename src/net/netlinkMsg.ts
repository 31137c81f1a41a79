// Netlink message framing (struct nlmsghdr, linux/netlink.h), pure: { u32 len; u16 type; u16 flags; u32 seq;
// u32 pid } in host order, payload padded to 4 bytes. A datagram from the kernel carries one or many messages
// (dumps batch them), so parsing returns a list. Parsing never throws: a malformed header ends the list.
import { NLMSGERR_ATTR_MSG, NLM_F_ACK_TLVS, NLM_F_CAPPED } from './constants.js';
import { attrMap, decodeAttrs, readAttrString } from './nlattr.js';
import { readI32Host, readU16Host, readU32Host, writeU16Host, writeU32Host } from './sockaddr.js';

export const NLMSG_HDRLEN = 16;

export function nlmsgAlign(len: number): number {
  return (len + 3) & ~3;
}

export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  /** Everything after the 16-byte header, up to nlmsg_len (unpadded). */
  payload: Buffer;
}

export interface NetlinkHeader {
  type: number;
  flags: number;
  seq: number;
  pid?: number;
}

/** One message: header + payload, padded to 4 bytes. */
export function encodeNlmsg(h: NetlinkHeader, payload: Buffer = Buffer.alloc(0)): Buffer {
  const len = NLMSG_HDRLEN + payload.length;
  const out = Buffer.alloc(nlmsgAlign(len));
  writeU32Host(out, len, 0);
  writeU16Host(out, h.type, 4);
  writeU16Host(out, h.flags, 6);
  writeU32Host(out, h.seq, 8);
  writeU32Host(out, h.pid ?? 0, 12);
  payload.copy(out, NLMSG_HDRLEN);
  return out;
}

/** All messages in one received datagram. */
export function parseNlmsgs(buf: Buffer): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = readU32Host(buf, off);
    if (len < NLMSG_HDRLEN || off + len > buf.length) break;
    out.push({
      type: readU16Host(buf, off + 4),
      flags: readU16Host(buf, off + 6),
      seq: readU32Host(buf, off + 8),
      pid: readU32Host(buf, off + 12),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += nlmsgAlign(len);
  }
  return out;
}

export interface NetlinkErrorPayload {
  /** 0 = ACK, otherwise a negative errno. */
  error: number;
  /** Header of the request it answers (seq/type), when present. */
  request: { type: number; flags: number; seq: number } | null;
  /** Extended-ack message (NETLINK_EXT_ACK), e.g. "Address already assigned". */
  extAckMessage?: string;
}

/** struct nlmsgerr { int error; struct nlmsghdr msg; [payload unless CAPPED]; [TLVs if ACK_TLVS] }. */
export function parseNlmsgerr(msg: NetlinkMessage): NetlinkErrorPayload | null {
  const p = msg.payload;
  if (p.length < 4) return null;
  const error = readI32Host(p, 0);
  if (p.length < 4 + NLMSG_HDRLEN) return { error, request: null };
  const reqLen = readU32Host(p, 4);
  const request = { type: readU16Host(p, 8), flags: readU16Host(p, 10), seq: readU32Host(p, 12) };
  const out: NetlinkErrorPayload = { error, request };
  if ((msg.flags & NLM_F_ACK_TLVS) !== 0) {
    const tlvStart = 4 + ((msg.flags & NLM_F_CAPPED) !== 0 ? NLMSG_HDRLEN : nlmsgAlign(Math.max(reqLen, NLMSG_HDRLEN)));
    const text = readAttrString(attrMap(decodeAttrs(p, tlvStart)).get(NLMSGERR_ATTR_MSG));
    if (text) out.extAckMessage = text;
  }
  return out;
}

/** errno number → name, for the errors netlink requests commonly return. */
const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM',
  2: 'ENOENT',
  3: 'ESRCH',
  9: 'EBADF',
  11: 'EAGAIN',
  12: 'ENOMEM',
  13: 'EACCES',
  16: 'EBUSY',
  17: 'EEXIST',
  19: 'ENODEV',
  22: 'EINVAL',
  93: 'EPROTONOSUPPORT',
  34: 'ERANGE',
  95: 'EOPNOTSUPP',
  99: 'EADDRNOTAVAIL',
  105: 'ENOBUFS',
  110: 'ETIMEDOUT',
};

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}
