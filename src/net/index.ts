// The public surface of the OS edge, for the daemon and other layers. Internals (socketBase, cmsg layout,
// netlink framing) stay importable by path for the conntrack client and tests.
export type { VrrpTransport, VrrpPacketMeta, FrameSender } from './types.js';
export { VipdNetError, type NetErrorCode, CAP_NET_RAW_MESSAGE, CAP_NET_ADMIN_MESSAGE } from './errors.js';
export {
  openVrrpIpv4,
  openVrrpIpv6,
  VrrpSocket,
  VRRP_GROUP_IPV4,
  VRRP_GROUP_IPV6,
  type VrrpSocketOptions,
  type VrrpSocketOptions6,
  type VrrpSocketCounters,
} from './vrrpSocket.js';
export {
  openRtnetlink,
  Rtnetlink,
  primaryIpv4,
  linkLocalIpv6,
  type AddressManager,
  type AddressSpec,
  type AddressInfo,
  type LinkInfo,
  type LinkEvent,
  type AddressEvent,
  type IpFamily,
  type RtnetlinkOptions,
} from './rtnetlink.js';
export { openNetlink, NetlinkSocket, type NetlinkOptions, type NetlinkRequest, type NetlinkMessage } from './netlink.js';
export { buildGratuitousArp, buildUnsolicitedNa, type UnsolicitedNaOptions } from './arp.js';
export { openPacketSender, PacketSender, ipv6ForwardingEnabled } from './packetSender.js';
export { parseIpv4, parseIpv6, parseAddress as parseIp, formatAddress as formatIp, formatIpv4, formatIpv6, parseMac, formatMac } from '../ip/address.js';
