// Public surface of the pure VRRP core (see README.md in this folder).
export * from './constants.js';
export { DROP_REASONS, type DropReason } from './drops.js';
export {
  advertLength, buildIpv4Header, decodeAdvert, decodeIpv4Advert, decodeIpv4Packet, decodeIpv6Advert, encodeAdvert,
  encodeIpv4Packet, wireInterval,
  type AddressFamily, type AdvertFields, type Decoded, type DecodedAdvert, type EncodeOptions, type Ipv4PacketOptions,
  type Ipv4Vrrp, type ReceivedAdvert, type ReceivedAh, type VrrpVersion,
} from './codec.js';
export { ahIcvMatches, ahKey, computeAhIcv, encodeAhIpv4Packet, spiFor, type AhHeader, type AhPacketOptions } from './ah.js';
export { AhSession, type AhInstanceFacts } from './ahSession.js';
export { encodeAdvertPacket, type AdvertPacketOptions } from './advertPacket.js';
export { validateAdvert, type Validation, type ValidationView } from './validate.js';
export { masterDownMs, skewMs } from './timers.js';
export { VrrpInstance, SYNC_FAULT_REASON } from './instance.js';
export { VrrpSyncGroup, type GroupState, type SyncGroupEffect } from './syncGroup.js';
export { advertFields, authData, validationView, type AuthParams } from './views.js';
export { canonicalAddress, compareAddresses, isMulticast, parseAddress } from '../ip/address.js';
export { internetChecksum, ipv4PseudoHeader, ipv6PseudoHeader } from './checksum.js';
export type * from './types.js';
