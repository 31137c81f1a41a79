// The IPVS table over generic netlink (family "IPVS", version 1): typed operations on services, destinations,
// sync daemons and timeouts, with no ipvsadm process. Requests are bounded on the injected Clock (GenlSocket);
// every failure is a rejection (never a synchronous throw); refusals become named VipdErrors (errors.ts); reply messages that do not decode are dropped, counted by
// reason in `drops` and reported to onDrop, never thrown.
import type { Clock } from '../../clock/clock.js';
import { GenlError, GenlSocket, type GenlCommand, type NetlinkTransport } from '../../net/genlSocket.js';
import type { GenlFamily } from '../../net/genlMsg.js';
import type { NetlinkMessage } from '../../net/netlink.js';
import { commandName, IPVS_CMD, IPVS_GENL_NAME, IPVS_GENL_VERSION, type DaemonState } from './constants.js';
import { decodeDaemon, decodeDest, decodeInfo, decodeService, decodeTimeouts, type Decoded } from './decode.js';
import { IPVS_DROP_REASONS, type IpvsDropReason } from './drops.js';
import {
  destLabel,
  encodeDaemonStart,
  encodeDaemonStop,
  encodeDestFull,
  encodeDestKey,
  encodeServiceFull,
  encodeServiceKey,
  encodeTimeouts,
  serviceLabel,
} from './encode.js';
import { ipvsError } from './errors.js';
import { VipdError } from '../../errors/vipdError.js';
import type { DaemonSpec, DestKey, DestSpec, IpvsDest, IpvsFamily, IpvsInfo, IpvsOp, IpvsService, IpvsTimeouts, ServiceKey, ServiceSpec } from './types.js';

export interface IpvsClientOptions {
  clock: Clock;
  /** Bound per request, default 5000 ms. */
  timeoutMs?: number;
  /** A netlink socket stand-in (unit tests); default a new NETLINK_GENERIC socket. */
  transport?: NetlinkTransport;
  /** Called for every reply message dropped, with the reason and a detail for the log. */
  onDrop?: (reason: IpvsDropReason, detail: string) => void;
}

const ESRCH = 3;

export class IpvsClient {
  /** Reply messages dropped, per reason (every reason present from the start, for metrics). */
  readonly drops: Record<IpvsDropReason, number>;
  private readonly onDrop: ((reason: IpvsDropReason, detail: string) => void) | undefined;

  private constructor(
    private readonly genl: GenlSocket,
    /** The resolved family: its id, the version the kernel reports, maxattr. */
    readonly family: GenlFamily,
    onDrop: IpvsClientOptions['onDrop'],
  ) {
    this.onDrop = onDrop;
    this.drops = Object.fromEntries(IPVS_DROP_REASONS.map((r) => [r, 0])) as Record<IpvsDropReason, number>;
  }

  /**
   * Open a socket and resolve the "IPVS" family. Without IPVS in the kernel this rejects with
   * VIPD_ERR_IPVS_UNAVAILABLE, which names the module to load.
   */
  static async open(opts: IpvsClientOptions): Promise<IpvsClient> {
    const genl = new GenlSocket({ clock: opts.clock, timeoutMs: opts.timeoutMs, transport: opts.transport });
    try {
      const family = await genl.family(IPVS_GENL_NAME);
      // Requests carry the version we speak (IPVS_GENL_VERSION); the kernel accepts any.
      return new IpvsClient(genl, { ...family, version: IPVS_GENL_VERSION }, opts.onDrop);
    } catch (err) {
      genl.close();
      if (err instanceof GenlError && err.code === 'VIPD_ERR_GENL_FAMILY_MISSING') {
        throw new GenlError('VIPD_ERR_IPVS_UNAVAILABLE', 'the kernel has no IPVS (generic netlink family "IPVS" missing): load it with `modprobe ip_vs`', {
          errno: err.errno,
          sysCode: err.sysCode,
          cause: err,
        });
      }
      throw err;
    }
  }

  close(): void {
    this.genl.close();
  }

  async addService(s: ServiceSpec): Promise<void> {
    await this.command(IPVS_CMD.NEW_SERVICE, encodeServiceFull(s), `${serviceLabel(s)} (${s.scheduler})`);
  }

  /** SET_SERVICE: scheduler, flags, timeout, netmask, pe of an existing service. */
  async editService(s: ServiceSpec): Promise<void> {
    await this.command(IPVS_CMD.SET_SERVICE, encodeServiceFull(s), `${serviceLabel(s)} (${s.scheduler})`);
  }

  async delService(k: ServiceKey): Promise<void> {
    await this.command(IPVS_CMD.DEL_SERVICE, encodeServiceKey(k), serviceLabel(k));
  }

  async addDest(k: ServiceKey, d: DestSpec): Promise<void> {
    await this.command(IPVS_CMD.NEW_DEST, encodeDestFull(k, d), `${serviceLabel(k)} -> ${destLabel(d.family ?? k.family, d)}`);
  }

  async editDest(k: ServiceKey, d: DestSpec): Promise<void> {
    await this.command(IPVS_CMD.SET_DEST, encodeDestFull(k, d), `${serviceLabel(k)} -> ${destLabel(d.family ?? k.family, d)}`);
  }

  async delDest(k: ServiceKey, d: DestKey & { family?: IpvsFamily }): Promise<void> {
    await this.command(IPVS_CMD.DEL_DEST, encodeDestKey(k, d), `${serviceLabel(k)} -> ${destLabel(d.family ?? k.family, d)}`);
  }

  /**
   * Many table operations in order with few round trips (GenlSocket.batch: ACK-less chunks, refusals matched
   * to their operation by sequence number). Resolves with one entry per operation: null when it took effect,
   * else its error, named like the single-operation methods name it (VIPD_ERR_IPVS_SERVICE_EXISTS …). An
   * operation the encoder refuses (VIPD_ERR_IPVS_INVALID) is not sent; the others still are. Never rejects.
   */
  async applyBatch(ops: readonly IpvsOp[]): Promise<(VipdError | null)[]> {
    const out: (VipdError | null)[] = new Array<VipdError | null>(ops.length).fill(null);
    const commands: GenlCommand[] = [];
    const sentIndex: number[] = [];
    const labels: string[] = [];
    const cmds: number[] = [];
    ops.forEach((op, i) => {
      const { cmd, label, encode } = describeOp(op);
      const full = `${commandName(cmd)} ${label}`;
      try {
        commands.push({ cmd, attrs: encode(), what: `IPVS ${full}` });
      } catch (err) {
        out[i] = err instanceof VipdError ? err : new VipdError('VIPD_ERR_IPVS_INVALID', `IPVS ${full}: ${String(err)}`, { cause: err });
        return;
      }
      sentIndex.push(i);
      labels.push(full);
      cmds.push(cmd);
    });
    const results = await this.genl.batch(this.family, commands);
    results.forEach((err, j) => {
      if (err) out[sentIndex[j]!] = ipvsError(err, cmds[j]!, labels[j]!) as VipdError;
    });
    return out;
  }

  /** Delete every service of this network namespace (also other tools' entries). */
  async flush(): Promise<void> {
    await this.command(IPVS_CMD.FLUSH, Buffer.alloc(0), 'all services');
  }

  /** Zero the counters of one service, or of all without a key. */
  async zero(k?: ServiceKey): Promise<void> {
    await this.command(IPVS_CMD.ZERO, k ? encodeServiceKey(k) : Buffer.alloc(0), k ? serviceLabel(k) : 'all services');
  }

  /** Every service (GET_SERVICE dump): address services first, then fwmark services, as the kernel lists them. */
  async getServices(): Promise<IpvsService[]> {
    const replies = await this.query(IPVS_CMD.GET_SERVICE, Buffer.alloc(0), true, 'services');
    return this.keep(replies.map((r) => decodeService(r.payload)));
  }

  /** One service (GET_SERVICE doit), or null when it does not exist. */
  async getService(k: ServiceKey): Promise<IpvsService | null> {
    let replies: NetlinkMessage[];
    try {
      replies = await this.query(IPVS_CMD.GET_SERVICE, encodeServiceKey(k), false, serviceLabel(k));
    } catch (err) {
      if (err instanceof GenlError && err.errno === ESRCH) return null;
      throw err;
    }
    return this.keep(replies.map((r) => decodeService(r.payload)))[0] ?? null;
  }

  /** The destinations of a service (GET_DEST dump); [] when the service does not exist (the kernel's answer). */
  async getDests(k: ServiceKey): Promise<IpvsDest[]> {
    const replies = await this.query(IPVS_CMD.GET_DEST, encodeServiceKey(k), true, `${serviceLabel(k)} destinations`);
    return this.keep(replies.map((r) => decodeDest(r.payload, k.family)));
  }

  async getInfo(): Promise<IpvsInfo> {
    return this.single(await this.query(IPVS_CMD.GET_INFO, Buffer.alloc(0), false, 'info'), decodeInfo, 'GET_INFO');
  }

  async getTimeouts(): Promise<IpvsTimeouts> {
    return this.single(await this.query(IPVS_CMD.GET_CONFIG, Buffer.alloc(0), false, 'timeouts'), decodeTimeouts, 'GET_CONFIG');
  }

  /** SET_CONFIG; a 0 leaves that timeout unchanged. */
  async setTimeouts(t: IpvsTimeouts): Promise<void> {
    await this.command(IPVS_CMD.SET_CONFIG, encodeTimeouts(t), `timeouts tcp ${t.tcpS} tcpfin ${t.tcpFinS} udp ${t.udpS}`);
  }

  async startDaemon(d: DaemonSpec): Promise<void> {
    await this.command(IPVS_CMD.NEW_DAEMON, encodeDaemonStart(d), `sync daemon ${d.state} on ${d.ifname} id ${d.syncId}`);
  }

  async stopDaemon(state: DaemonState): Promise<void> {
    await this.command(IPVS_CMD.DEL_DAEMON, encodeDaemonStop(state), `sync daemon ${state}`);
  }

  /** The running sync daemons (at most one master and one backup per network namespace). */
  async getDaemons(): Promise<DaemonSpec[]> {
    const replies = await this.query(IPVS_CMD.GET_DAEMON, Buffer.alloc(0), true, 'sync daemons');
    return this.keep(replies.map((r) => decodeDaemon(r.payload)));
  }

  private async command(cmd: number, attrs: Buffer, what: string): Promise<void> {
    await this.query(cmd, attrs, false, what);
  }

  private async query(cmd: number, attrs: Buffer, dump: boolean, what: string): Promise<NetlinkMessage[]> {
    const label = `${commandName(cmd)} ${what}`;
    try {
      return await this.genl.request(this.family, cmd, attrs, { dump, what: `IPVS ${label}` });
    } catch (err) {
      throw ipvsError(err, cmd, label);
    }
  }

  private keep<T>(decoded: Decoded<T>[]): T[] {
    const out: T[] = [];
    for (const d of decoded) {
      if (d.ok) out.push(d.value);
      else this.noteDrop(d.reason, d.detail);
    }
    return out;
  }

  private single<T>(replies: NetlinkMessage[], decode: (p: Buffer) => Decoded<T>, what: string): T {
    const [value] = this.keep(replies.map((r) => decode(r.payload)));
    if (value === undefined) throw new GenlError('VIPD_ERR_GENL', `IPVS ${what}: no usable reply (${replies.length} message(s))`);
    return value;
  }

  private noteDrop(reason: IpvsDropReason, detail: string): void {
    this.drops[reason]++;
    this.onDrop?.(reason, detail);
  }
}

/** An operation's command, its label for messages, and its attributes (encoded lazily: the encoder may refuse). */
function describeOp(op: IpvsOp): { cmd: number; label: string; encode: () => Buffer } {
  switch (op.op) {
    case 'addService':
      return { cmd: IPVS_CMD.NEW_SERVICE, label: `${serviceLabel(op.service)} (${op.service.scheduler})`, encode: () => encodeServiceFull(op.service) };
    case 'editService':
      return { cmd: IPVS_CMD.SET_SERVICE, label: `${serviceLabel(op.service)} (${op.service.scheduler})`, encode: () => encodeServiceFull(op.service) };
    case 'delService':
      return { cmd: IPVS_CMD.DEL_SERVICE, label: serviceLabel(op.service), encode: () => encodeServiceKey(op.service) };
    case 'addDest':
      return { cmd: IPVS_CMD.NEW_DEST, label: destOpLabel(op.service, op.dest), encode: () => encodeDestFull(op.service, op.dest) };
    case 'editDest':
      return { cmd: IPVS_CMD.SET_DEST, label: destOpLabel(op.service, op.dest), encode: () => encodeDestFull(op.service, op.dest) };
    case 'delDest':
      return { cmd: IPVS_CMD.DEL_DEST, label: destOpLabel(op.service, op.dest), encode: () => encodeDestKey(op.service, op.dest) };
  }
}

function destOpLabel(k: ServiceKey, d: DestKey & { readonly family?: IpvsFamily }): string {
  return `${serviceLabel(k)} -> ${destLabel(d.family ?? k.family, d)}`;
}
