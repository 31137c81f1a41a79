// A generic netlink requester over a NetlinkSocket (NETLINK_GENERIC): family lookup through nlctrl by name,
// requests with a time bound on the injected Clock, and kernel refusals turned into GenlError with the errno
// kept (callers such as the IPVS client give EEXIST/ESRCH/ENOENT their own codes). Message contents are the
// caller's business (src/lvs/ipvs/ for IPVS).
import type { Clock } from '../clock/clock.js';
import { withinMs } from '../clock/clock.js';
import type { VipdErrorCode } from '../errors/codes.js';
import { VipdError } from '../errors/vipdError.js';
import { NLM_F_DUMP, NLM_F_REQUEST } from './constants.js';
import { VipdNetError } from './errors.js';
import { decodeFamily, encodeGenl, encodeGetFamily, GENL_ID_CTRL, NETLINK_GENERIC, type GenlFamily } from './genlMsg.js';
import { errnoError, NetlinkSocket, type NetlinkMessage, type NetlinkRequest } from './netlink.js';
import { encodeNlmsg } from './netlinkMsg.js';

const ENOENT = 2;
const DEFAULT_TIMEOUT_MS = 5000;

/** What GenlSocket needs of a netlink socket (NetlinkSocket; a scripted fake in unit tests). */
export interface NetlinkTransport {
  request(req: NetlinkRequest): Promise<NetlinkMessage[]>;
  /**
   * ACK-less batch with one barrier (NetlinkSocket.sendBatch): one errno per message. A transport without it
   * gets its batches as requests all sent at once (pipelined), each still answered by its own ACK.
   */
  sendBatch?(messages: readonly Buffer[]): Promise<Int32Array>;
  close(): void;
}

/** One command of a batch: the genl command, its attributes, and a name for error messages. */
export interface GenlCommand {
  cmd: number;
  attrs: Buffer;
  what: string;
}

/**
 * Commands per sendBatch call. The kernel runs a whole sendmsg before we read anything, so every error reply
 * of a chunk (each one quotes the request it answers) sits in our receive buffer at once: 512 refusals of
 * ~200-byte requests stay far below the 1 MiB buffer even counting skb overhead, and 11,000 commands still
 * take only 22 round trips instead of 11,000.
 */
export const BATCH_CHUNK = 512;

/** A refused or unanswered generic netlink request; errno/sysCode say what the kernel answered, if it did. */
export class GenlError<C extends VipdErrorCode = VipdErrorCode> extends VipdError<C> {
  override name = 'GenlError';
  readonly errno: number | undefined;
  readonly sysCode: string | undefined;

  constructor(code: C, message: string, extra: { errno?: number; sysCode?: string; cause?: unknown } = {}) {
    super(code, message, { cause: extra.cause });
    this.errno = extra.errno;
    this.sysCode = extra.sysCode;
  }
}

export interface GenlRequestOptions {
  /** NLM_F_DUMP: collect a multipart reply until NLMSG_DONE. */
  dump?: boolean;
  /** Names the operation in error messages ("IPVS NEW_SERVICE TCP 10.0.0.1:80"). */
  what: string;
}

export interface GenlSocketOptions {
  clock: Clock;
  /** Bound per request on `clock`, default 5000 ms. */
  timeoutMs?: number;
  /** Defaults to a new NETLINK_GENERIC NetlinkSocket. */
  transport?: NetlinkTransport;
}

export class GenlSocket {
  private readonly transport: NetlinkTransport;
  private readonly clock: Clock;
  private readonly timeoutMs: number;

  constructor(opts: GenlSocketOptions) {
    this.clock = opts.clock;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // The socket's own timer is only a backstop that releases its pending entry; the bound callers see is ours.
    this.transport = opts.transport ?? new NetlinkSocket(NETLINK_GENERIC, { clock: this.clock, timeoutMs: this.timeoutMs * 2 + 1000 });
  }

  /**
   * Look a family up by name (CTRL_CMD_GETFAMILY). A family that is not registered (nlctrl answers ENOENT)
   * rejects with VIPD_ERR_GENL_FAMILY_MISSING.
   */
  async family(name: string): Promise<GenlFamily> {
    const what = `generic netlink family lookup "${name}"`;
    let replies: NetlinkMessage[];
    try {
      replies = await this.send({ type: GENL_ID_CTRL, payload: encodeGetFamily(name) }, what);
    } catch (err) {
      if (err instanceof GenlError && err.errno === ENOENT) {
        throw new GenlError('VIPD_ERR_GENL_FAMILY_MISSING', `generic netlink family "${name}" is not registered in the kernel (module not loaded?)`, {
          errno: err.errno,
          sysCode: err.sysCode,
          cause: err,
        });
      }
      throw err;
    }
    for (const r of replies) {
      const d = decodeFamily(r.payload);
      if ('family' in d && d.family.name === name) return d.family;
    }
    throw new GenlError('VIPD_ERR_GENL', `${what}: the controller's reply carried no usable family (${replies.length} message(s))`);
  }

  /** One request to a family; resolves with the reply messages ([] for a plain ACK). */
  request(family: GenlFamily, cmd: number, attrs: Buffer, opts: GenlRequestOptions): Promise<NetlinkMessage[]> {
    const payload = encodeGenl({ cmd, version: family.version }, attrs);
    return this.send({ type: family.id, flags: opts.dump ? NLM_F_DUMP : 0, payload }, opts.what);
  }

  /**
   * Many commands of one family, applied by the kernel in order, with few round trips: chunks of BATCH_CHUNK
   * go in one ACK-less sendBatch each (the kernel reports only refusals, matched to their command by sequence
   * number), one chunk after the other. Resolves with one entry per command: null when it took effect, the
   * error when it was refused. Never rejects: when the outcome of a chunk is unknown (timeout, lost replies,
   * closed socket) that error is the entry of every command of the chunk and of every later one (not sent).
   */
  async batch(family: GenlFamily, commands: readonly GenlCommand[]): Promise<(VipdError | null)[]> {
    const out: (VipdError | null)[] = [];
    for (let start = 0; start < commands.length; start += BATCH_CHUNK) {
      const chunk = commands.slice(start, start + BATCH_CHUNK);
      const results = await this.batchChunk(family, chunk);
      if (results instanceof VipdError) {
        for (let i = start; i < commands.length; i++) out.push(results);
        return out;
      }
      out.push(...results);
    }
    return out;
  }

  close(): void {
    this.transport.close();
  }

  private async batchChunk(family: GenlFamily, chunk: readonly GenlCommand[]): Promise<(VipdError | null)[] | VipdError> {
    const what = `batch of ${chunk.length} ${chunk.length === 1 ? 'command' : 'commands'} starting with ${chunk[0]?.what ?? 'nothing'}`;
    const send = this.transport.sendBatch?.bind(this.transport);
    if (!send) {
      // Pipelined: every request is on the wire before the first answer is awaited.
      const each = chunk.map((c) => this.request(family, c.cmd, c.attrs, { what: c.what }).then(
        () => null,
        (err: unknown) => (err instanceof VipdError ? err : new GenlError('VIPD_ERR_GENL', `${c.what}: ${String(err)}`, { cause: err })),
      ));
      return Promise.all(each);
    }
    const messages = chunk.map((c) => encodeNlmsg({ type: family.id, flags: NLM_F_REQUEST, seq: 0 }, encodeGenl({ cmd: c.cmd, version: family.version }, c.attrs)));
    const work = send(messages);
    work.catch(() => undefined); // after a timeout its late rejection is nobody's business
    let errnos: Int32Array | 'timeout';
    try {
      errnos = await withinMs(this.clock, this.timeoutMs, work);
    } catch (err) {
      return toGenlError(err, what);
    }
    if (errnos === 'timeout') return new GenlError('VIPD_ERR_GENL_TIMEOUT', `${what}: no answer from the kernel in ${this.timeoutMs} ms`);
    return chunk.map((c, i) => {
      const errno = errnos[i] ?? 0;
      return errno === 0 ? null : toGenlError(errnoError(errno), c.what);
    });
  }

  private async send(req: NetlinkRequest, what: string): Promise<NetlinkMessage[]> {
    const work = this.transport.request(req);
    work.catch(() => undefined); // after a timeout its late rejection is nobody's business
    let result: NetlinkMessage[] | 'timeout';
    try {
      result = await withinMs(this.clock, this.timeoutMs, work);
    } catch (err) {
      throw toGenlError(err, what);
    }
    if (result === 'timeout') throw new GenlError('VIPD_ERR_GENL_TIMEOUT', `${what}: no answer from the kernel in ${this.timeoutMs} ms`);
    return result;
  }
}

/**
 * A NetlinkSocket failure as the caller should see it: missing privileges and a closed socket keep their
 * VipdNetError; a kernel errno becomes VIPD_ERR_GENL with the errno; the socket's backstop timeout becomes
 * VIPD_ERR_GENL_TIMEOUT.
 */
function toGenlError(err: unknown, what: string): VipdError {
  if (!(err instanceof VipdNetError)) return new GenlError('VIPD_ERR_GENL', `${what}: ${String(err)}`, { cause: err });
  if (err.code === 'VIPD_ERR_NETLINK_TIMEOUT') return new GenlError('VIPD_ERR_GENL_TIMEOUT', `${what}: ${err.message}`, { cause: err });
  if (err.code !== 'VIPD_ERR_NETLINK') return err;
  return new GenlError('VIPD_ERR_GENL', `${what} refused: ${err.sysCode ?? 'unknown error'}`, {
    errno: err.errno,
    sysCode: err.sysCode,
    cause: err,
  });
}
