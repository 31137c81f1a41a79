// Sends complete Ethernet frames (gratuitous ARP, unsolicited NA from arp.ts) out of one interface through an
// AF_PACKET SOCK_RAW socket, as keepalived does (vrrp_arp.c, vrrp_ndisc.c) — no arping/ndsend process.
// The socket is opened with protocol 0, so it is bound to no ethertype and receives nothing: it needs no
// drop-all filter. Needs CAP_NET_RAW.
import { readFileSync } from 'node:fs';
import { nativeNet, type NativeNet } from './native.js';
import * as C from './constants.js';
import { VipdNetError, fromSyscall, noSuchInterface } from './errors.js';
import { sockaddrLl } from './sockaddr.js';
import { openSocket } from './socketBase.js';
import type { FrameSender } from './types.js';

export interface PacketSenderOptions {
  native?: NativeNet;
}

export class PacketSender implements FrameSender {
  readonly ifindex: number;
  private readonly net: NativeNet;
  private readonly fd: number;
  private closed = false;
  private sentFrames = 0;
  private sendErrors = 0;

  constructor(
    readonly ifname: string,
    opts: PacketSenderOptions = {},
  ) {
    this.net = opts.native ?? nativeNet();
    this.ifindex = ifname.length > 15 ? 0 : this.net.ifNameToIndex(ifname);
    if (this.ifindex === 0) throw noSuchInterface(ifname);
    this.fd = openSocket(this.net, C.AF_PACKET, C.SOCK_RAW, 0, {
      what: `open packet socket on ${ifname}`,
      ifname,
      capability: 'raw',
    });
  }

  /** Send one frame (Ethernet header included). Throws VipdNetError; a full socket buffer is VIPD_ERR_SEND_WOULD_BLOCK. */
  send(frame: Buffer): void {
    if (this.closed) throw new VipdNetError('VIPD_ERR_CLOSED', `packet socket on ${this.ifname} is closed`);
    if (frame.length < 14) {
      throw new VipdNetError('VIPD_ERR_SEND_FAILED', `frame of ${frame.length} bytes is shorter than an Ethernet header`);
    }
    const sa = sockaddrLl(this.ifindex, frame.readUInt16BE(12), frame.subarray(0, 6));
    let n: number;
    try {
      n = this.net.sendmsg(this.fd, frame, sa, null, 0);
    } catch (err) {
      this.sendErrors++;
      const e = fromSyscall(err, `send frame on ${this.ifname}`, { ifname: this.ifname, capability: 'raw' });
      throw e.code === 'VIPD_ERR_SOCKET' ? new VipdNetError('VIPD_ERR_SEND_FAILED', e.message, e) : e;
    }
    if (n < 0) {
      this.sendErrors++;
      throw new VipdNetError('VIPD_ERR_SEND_WOULD_BLOCK', `send frame on ${this.ifname}: socket buffer full`, {
        sysCode: 'EAGAIN',
      });
    }
    this.sentFrames++;
  }

  stats(): { sentFrames: number; sendErrors: number } {
    return { sentFrames: this.sentFrames, sendErrors: this.sendErrors };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.net.close(this.fd);
    } catch {
      /* nothing to do */
    }
  }
}

export function openPacketSender(ifname: string, opts: PacketSenderOptions = {}): PacketSender {
  return new PacketSender(ifname, opts);
}

/**
 * Whether IPv6 forwarding is on for the interface, which decides the NA Router flag (keepalived re-reads it
 * before sending, vrrp_ndisc.c). A file read under /proc, not a process; false when unreadable.
 */
export function ipv6ForwardingEnabled(ifname: string): boolean {
  if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(ifname)) return false;
  try {
    return readFileSync(`/proc/sys/net/ipv6/conf/${ifname}/forwarding`, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}
