// The HTTP side of HTTP_GET/SSL_GET, independent of the socket: the request exactly as keepalived writes it
// (check_http.c:126-137, 1670-1705) and an incremental reader of the reply that checks the status range, the MD5
// of the body and the regex (lvs.md §3.3). The body is streamed: MD5 is updated per chunk, only the bytes the
// regex needs are kept.
import { createHash, type Hash } from 'node:crypto';
import type { HttpUrlConfig } from '../../config/lvsTypes.js';
import { fail, pass, type Verdict } from './verdict.js';

export type HttpProtocol = '1.0' | '1.0C' | '1.1';

/** The Host header: the virtualhost as is, else the connect address with its port ("[::1]:8080" for IPv6). */
export function hostHeader(virtualhost: string | null, connectIp: string, connectPort: number): string {
  if (virtualhost !== null) return virtualhost;
  return connectIp.includes(':') ? `[${connectIp}]:${connectPort}` : `${connectIp}:${connectPort}`;
}

/** keepalived's request: 1.1 and 1.0C both send `Connection: close` (check_http.c:1703). */
export function buildRequest(path: string, protocol: HttpProtocol, host: string): string {
  return (
    `GET ${path} HTTP/1.${protocol === '1.1' ? 1 : 0}\r\n` +
    'User-Agent: KeepAliveClient\r\n' +
    (protocol === '1.0' ? '' : 'Connection: close\r\n') +
    `Host: ${host}\r\n\r\n`
  );
}

const EMPTY = Buffer.alloc(0);

/** Headers larger than this are not a health-check answer. */
const MAX_HEADER_BYTES = 64 * 1024;
/** The regex sees at most this much of the body (keepalived bounds it with regex_max_offset; vipd with this). */
const MAX_REGEX_BODY_BYTES = 1024 * 1024;

/** "200-299", "200-299,404". */
export function describeStatusCodes(ranges: HttpUrlConfig['statusCodes']): string {
  return ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
}

/**
 * Reads one reply chunk by chunk; `push` returns a verdict once it is decided, `end` decides at EOF. A chunk is
 * only read during `push`: what the reader keeps it copies, so callers may read into one reused buffer.
 */
export class HttpReplyReader {
  private header: Buffer = EMPTY;
  private status: number | null = null;
  private contentLength: number | null = null;
  private bodyBytes = 0;
  private readonly md5: Hash | null;
  private regexBody: Buffer[] = [];
  private regexBytes = 0;
  private final: Verdict | null = null;

  constructor(
    private readonly url: HttpUrlConfig,
    private readonly regex: RegExp | null,
    /** "GET 10.2.0.11:80/health", for details. */
    private readonly what: string,
  ) {
    this.md5 = url.digest !== null ? createHash('md5') : null;
  }

  get headersDone(): boolean {
    return this.status !== null;
  }

  push(chunk: Buffer): Verdict | null {
    if (this.status === null) {
      // The usual reply brings its headers in one chunk: parsed in place, nothing copied.
      const all = this.header.length === 0 ? chunk : Buffer.concat([this.header, chunk]);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) {
        // Kept as a copy: the caller may reuse the chunk's memory for its next read.
        this.header = all === chunk ? Buffer.from(chunk) : all;
        return all.length > MAX_HEADER_BYTES ? fail('protocol', `${this.what}: reply headers exceed ${MAX_HEADER_BYTES} bytes`) : null;
      }
      const head = all.toString('latin1', 0, end);
      const body = all.subarray(end + 4);
      this.header = EMPTY;
      const m = /^HTTP\/\d+\.\d+ +(\d{3})(?: |\r|$)/.exec(head);
      if (!m) return fail('protocol', `${this.what}: malformed status line "${head.split('\r\n')[0]!.slice(0, 80)}"`);
      this.status = Number(m[1]);
      if (!this.url.statusCodes.some(([a, b]) => this.status! >= a && this.status! <= b)) {
        return fail('status', `${this.what}: status ${this.status} not in ${describeStatusCodes(this.url.statusCodes)}`);
      }
      const cl = /\r\ncontent-length: *(\d+) *(?:\r|$)/i.exec(head);
      if (cl) this.contentLength = Number(cl[1]);
      chunk = body;
    }
    this.takeBody(chunk);
    // A server that keeps the connection open despite `Connection: close` is done once Content-Length is read.
    return this.contentLength !== null && this.bodyBytes >= this.contentLength ? this.end() : null;
  }

  /** The connection ended (EOF): decide on what arrived. Idempotent ('end' and 'close' both report it). */
  end(): Verdict {
    this.final ??= this.decide();
    return this.final;
  }

  private decide(): Verdict {
    if (this.status === null) return fail('reset', `${this.what}: connection closed before the reply headers`);
    if (this.md5 && this.url.digest !== null) {
      const got = this.md5.digest('hex');
      if (got !== this.url.digest.toLowerCase()) return fail('digest', `${this.what}: body MD5 ${got} differs from digest ${this.url.digest}`);
    }
    if (this.regex) {
      const matched = this.regex.test(Buffer.concat(this.regexBody).toString('latin1'));
      if (matched === this.url.regexNoMatch) {
        return fail('regex', `${this.what}: body ${matched ? 'matches' : 'does not match'} regex /${this.regex.source}/${this.url.regexNoMatch ? ' (regex_no_match)' : ''}`);
      }
    }
    return pass();
  }

  private takeBody(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.contentLength !== null) chunk = chunk.subarray(0, Math.max(0, this.contentLength - this.bodyBytes));
    this.bodyBytes += chunk.length;
    this.md5?.update(chunk);
    if (this.regex && this.regexBytes < MAX_REGEX_BODY_BYTES) {
      const part = chunk.subarray(0, MAX_REGEX_BODY_BYTES - this.regexBytes);
      this.regexBody.push(Buffer.from(part)); // a copy: the chunk's memory may be reused for the next read
      this.regexBytes += part.length;
    }
  }
}
