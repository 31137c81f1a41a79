// DNS_CHECK's query and reply rules (keepalived check/check_dns.c:172-290, RFC 1035 §4.1): a query with a random
// id, RD=1 and one question; a reply counts only with our id and QR set (others are ignored, as keepalived keeps
// reading), and it passes when RCODE is 0. Answers are not inspected (lvs.md §9.9).

export const DNS_TYPES = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, RRSIG: 46, DNSKEY: 48 } as const;
export type DnsQueryType = keyof typeof DNS_TYPES;

const HEADER_LEN = 12;
const FLAG_QR = 0x8000;
const FLAG_RD = 0x0100;
const CLASS_IN = 1;

/** Header (id, RD, QDCOUNT 1) + QNAME + QTYPE + QCLASS IN. The root "." is the single zero byte. */
export function encodeQuery(id: number, type: DnsQueryType, name: string): Buffer {
  const labels = name === '.' ? [] : name.replace(/\.$/, '').split('.');
  const qname = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([Buffer.byteLength(l, 'latin1')]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
  const header = Buffer.alloc(HEADER_LEN);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(FLAG_RD, 2);
  header.writeUInt16BE(1, 4); // QDCOUNT
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(DNS_TYPES[type], 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([header, qname, tail]);
}

export type DnsReplyVerdict =
  | { readonly kind: 'ok' }
  | { readonly kind: 'rcode'; readonly rcode: number }
  /** Not an answer to our query: keepalived reads on (and so do we, until the timeout). */
  | { readonly kind: 'ignored'; readonly why: 'short' | 'id mismatch' | 'not a response' };

export function classifyReply(reply: Buffer, id: number): DnsReplyVerdict {
  if (reply.length < HEADER_LEN) return { kind: 'ignored', why: 'short' };
  if (reply.readUInt16BE(0) !== id) return { kind: 'ignored', why: 'id mismatch' };
  const flags = reply.readUInt16BE(2);
  if ((flags & FLAG_QR) === 0) return { kind: 'ignored', why: 'not a response' };
  const rcode = flags & 0x000f;
  return rcode === 0 ? { kind: 'ok' } : { kind: 'rcode', rcode };
}

const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
export const rcodeName = (rcode: number): string => RCODE_NAMES[rcode] ?? `RCODE ${rcode}`;
