// The probe socket with keepalived's common checker options (lvs.md §3.2): bindto/bind_port, bind_if and fwmark.
// Node has no SO_MARK or SO_BINDTODEVICE, so when either is set the socket is opened by the vipd_net addon, the
// options are set on its fd, and node:net adopts the fd for the connect (a TCP socket libuv can open as a stream
// before it is connected). Without them node:net does everything itself.
import net from 'node:net';
import type { CheckerCommon } from '../../config/lvsTypes.js';
import { nativeNet, type NativeNet } from '../../net/native.js';
import { bindToDevice } from '../../net/socketBase.js';
import { sockaddrIn, sockaddrIn6 } from '../../net/sockaddr.js';
import { AF_INET, AF_INET6, SOCK_STREAM, SOL_SOCKET, SO_MARK } from '../../net/constants.js';

export type SocketOptions = Pick<CheckerCommon, 'connectIp' | 'connectPort' | 'bindTo' | 'bindPort' | 'bindIf' | 'fwmark'>;

export const familyOf = (address: string): number => (net.isIPv6(address) ? AF_INET6 : AF_INET);

/** A link-local IPv6 target needs its interface: "fe80::1%eth0" (keepalived requires bind_if, check_api.c:177-188). */
export function scopedHost(o: SocketOptions): string {
  return o.bindIf && /^fe80:/i.test(o.connectIp) ? `${o.connectIp}%${o.bindIf}` : o.connectIp;
}

/** A local socket address for bind(), or null when neither bindto nor bind_port is set. */
export function localSockaddr(o: SocketOptions, family: number, native: NativeNet): Buffer | null {
  if (o.bindTo === null && o.bindPort === null) return null;
  if (family === AF_INET6) {
    const scope = o.bindIf && o.bindTo && /^fe80:/i.test(o.bindTo) ? native.ifNameToIndex(o.bindIf) : 0;
    return sockaddrIn6(o.bindTo ?? '::', o.bindPort ?? 0, scope);
  }
  return sockaddrIn(o.bindTo ?? '0.0.0.0', o.bindPort ?? 0);
}

/** Socket options that node cannot set: fwmark and bind_if, then the bind. Throws the syscall error. */
export function applyNativeOptions(native: NativeNet, fd: number, o: SocketOptions, family: number): void {
  if (o.fwmark !== null) native.setsockopt(fd, SOL_SOCKET, SO_MARK, o.fwmark);
  if (o.bindIf !== null) bindToDevice(native, fd, o.bindIf);
  const local = localSockaddr(o, family, native);
  if (local) native.bind(fd, local);
}

/** Starts a TCP connect to connectIp:port; errors (local ones included) arrive as the socket's 'error' event or a throw. */
export function connectTcp(o: SocketOptions, port: number = o.connectPort): net.Socket {
  if (o.fwmark === null && o.bindIf === null) {
    return net.connect({
      host: o.connectIp,
      port,
      ...(o.bindTo !== null ? { localAddress: o.bindTo } : o.bindPort !== null ? { localAddress: net.isIPv6(o.connectIp) ? '::' : '0.0.0.0' } : {}),
      ...(o.bindPort !== null ? { localPort: o.bindPort } : {}),
    });
  }
  const native = nativeNet();
  const family = familyOf(o.connectIp);
  const fd = native.socket(family, SOCK_STREAM, 0);
  try {
    applyNativeOptions(native, fd, o, family);
  } catch (err) {
    native.close(fd);
    throw err;
  }
  return new net.Socket({ fd }).connect({ host: scopedHost(o), port });
}
