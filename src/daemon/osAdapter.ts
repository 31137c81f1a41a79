// The real DirectorOs: rtnetlink for addresses and links, raw VRRP sockets, AF_PACKET for GARP/NA — all
// through the vipd_net addon, no process spawned on the failover path.
import { openRtnetlink } from '../net/rtnetlink.js';
import { openVrrpIpv4, openVrrpIpv6 } from '../net/vrrpSocket.js';
import { openPacketSender, ipv6ForwardingEnabled } from '../net/packetSender.js';
import { VmacManager } from '../net/vmac.js';
import type { DirectorOs } from './ports.js';

export function openDirectorOs(): DirectorOs {
  const rtnl = openRtnetlink();
  const vmac = new VmacManager(rtnl);
  return {
    listLinks: () => rtnl.listLinks(),
    listAddresses: () => rtnl.listAddresses(),
    addAddress: (spec) => rtnl.addAddress(spec),
    removeAddress: (spec) => rtnl.removeAddress(spec),
    addRoute: (spec) => rtnl.addRoute(spec),
    removeRoute: (spec) => rtnl.removeRoute(spec),
    watchLinks: (cb) => rtnl.watchLinks(cb),
    watchAddresses: (cb) => rtnl.watchAddresses(cb),
    openVrrp: (spec) =>
      spec.family === 4
        ? openVrrpIpv4({ ifname: spec.ifname, group: spec.group, unicast: spec.unicast, unicastSrc: spec.src, protocol: spec.protocol })
        : openVrrpIpv6({
            ifname: spec.ifname,
            group: spec.group,
            unicast: spec.unicast,
            unicastSrc: spec.unicast ? spec.src : undefined,
            src: spec.src,
            unicastHopLimit: spec.unicastTtl,
          }),
    openFrameSender: (ifname) => openPacketSender(ifname),
    ipv6Forwarding: (ifname) => ipv6ForwardingEnabled(ifname),
    vmac,
    close: () => rtnl.close(),
  };
}
