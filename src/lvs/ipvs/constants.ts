// Numbers of the IPVS generic netlink API, from the uapi header linux/ip_vs.h (Linux 6.1): enum order gives the
// command and attribute numbers. What each one means: the IPVS section of the shared LVS reference (lvs.md §4)
// and ip_vs_ctl.c.

export const IPVS_GENL_NAME = 'IPVS';
export const IPVS_GENL_VERSION = 1;

export const AF_INET = 2;
export const AF_INET6 = 10;

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;

/** enum { IPVS_CMD_UNSPEC = 0, IPVS_CMD_NEW_SERVICE, … } */
export const IPVS_CMD = {
  NEW_SERVICE: 1,
  SET_SERVICE: 2,
  DEL_SERVICE: 3,
  GET_SERVICE: 4,
  NEW_DEST: 5,
  SET_DEST: 6,
  DEL_DEST: 7,
  GET_DEST: 8,
  NEW_DAEMON: 9,
  DEL_DAEMON: 10,
  GET_DAEMON: 11,
  SET_CONFIG: 12,
  GET_CONFIG: 13,
  SET_INFO: 14,
  GET_INFO: 15,
  ZERO: 16,
  FLUSH: 17,
} as const;

export type IpvsCommandName = keyof typeof IPVS_CMD;

export function commandName(cmd: number): string {
  for (const [name, n] of Object.entries(IPVS_CMD)) if (n === cmd) return name;
  return `command ${cmd}`;
}

/** Top-level attributes (enum IPVS_CMD_ATTR_*). */
export const IPVS_CMD_ATTR = {
  SERVICE: 1,
  DEST: 2,
  DAEMON: 3,
  TIMEOUT_TCP: 4,
  TIMEOUT_TCP_FIN: 5,
  TIMEOUT_UDP: 6,
} as const;

/** Inside IPVS_CMD_ATTR_SERVICE (enum IPVS_SVC_ATTR_*). */
export const IPVS_SVC_ATTR = {
  AF: 1,
  PROTOCOL: 2,
  ADDR: 3,
  PORT: 4,
  FWMARK: 5,
  SCHED_NAME: 6,
  FLAGS: 7,
  TIMEOUT: 8,
  NETMASK: 9,
  STATS: 10,
  PE_NAME: 11,
  STATS64: 12,
} as const;

/** Inside IPVS_CMD_ATTR_DEST (enum IPVS_DEST_ATTR_*). */
export const IPVS_DEST_ATTR = {
  ADDR: 1,
  PORT: 2,
  FWD_METHOD: 3,
  WEIGHT: 4,
  U_THRESH: 5,
  L_THRESH: 6,
  ACTIVE_CONNS: 7,
  INACT_CONNS: 8,
  PERSIST_CONNS: 9,
  STATS: 10,
  ADDR_FAMILY: 11,
  STATS64: 12,
  TUN_TYPE: 13,
  TUN_PORT: 14,
  TUN_FLAGS: 15,
} as const;

/** Inside IPVS_CMD_ATTR_DAEMON (enum IPVS_DAEMON_ATTR_*). */
export const IPVS_DAEMON_ATTR = {
  STATE: 1,
  MCAST_IFN: 2,
  SYNC_ID: 3,
  SYNC_MAXLEN: 4,
  MCAST_GROUP: 5,
  MCAST_GROUP6: 6,
  MCAST_PORT: 7,
  MCAST_TTL: 8,
} as const;

/** Inside SVC/DEST STATS and STATS64 (enum IPVS_STATS_ATTR_*). */
export const IPVS_STATS_ATTR = {
  CONNS: 1,
  INPKTS: 2,
  OUTPKTS: 3,
  INBYTES: 4,
  OUTBYTES: 5,
  CPS: 6,
  INPPS: 7,
  OUTPPS: 8,
  INBPS: 9,
  OUTBPS: 10,
  PAD: 11,
} as const;

/** Top level of the GET_INFO reply (cmd SET_INFO): enum IPVS_INFO_ATTR_*. */
export const IPVS_INFO_ATTR = {
  VERSION: 1,
  CONN_TAB_SIZE: 2,
} as const;

/** Service flags (IP_VS_SVC_F_*). HASHED is kernel-internal and cleared on add. */
export const IP_VS_SVC_F = {
  PERSISTENT: 0x0001,
  HASHED: 0x0002,
  ONEPACKET: 0x0004,
  SCHED1: 0x0008,
  SCHED2: 0x0010,
  SCHED3: 0x0020,
} as const;

/** Forwarding methods (IP_VS_CONN_F_FWD_MASK = 0x7). */
export const IP_VS_CONN_F_FWD_MASK = 0x7;
export const FORWARD_METHODS = { masq: 0, local: 1, tunnel: 2, route: 3, bypass: 4 } as const;
export type ForwardMethod = keyof typeof FORWARD_METHODS;

/** enum ip_vs_tunnel_type and the IP_VS_TUNNEL_ENCAP_FLAG_* values. */
export const TUNNEL_TYPES = { ipip: 0, gue: 1, gre: 2 } as const;
export type TunnelType = keyof typeof TUNNEL_TYPES;
export const TUNNEL_FLAGS = { nocsum: 0, csum: 1, remcsum: 2 } as const;

/** Sync daemon states (IP_VS_STATE_*). */
export const DAEMON_STATES = { master: 1, backup: 2 } as const;
export type DaemonState = keyof typeof DAEMON_STATES;

/** IP_VS_SCHEDNAME_MAXLEN, IP_VS_PENAME_MAXLEN, IP_VS_IFNAME_MAXLEN: 16 bytes including the NUL. */
export const NAME_MAXLEN = 16;

/**
 * The kernel's schedulers (module ip_vs_<name>, auto-loaded on first use) and the flag names ipvsadm(8) gives
 * their scheduler flags (-b sh-fallback …; ipvsadm.c print_service_entry). Only sh and mh use them.
 */
export const SCHEDULERS = {
  rr: {},
  wrr: {},
  lc: {},
  wlc: {},
  lblc: {},
  lblcr: {},
  dh: {},
  sh: { 'sh-fallback': IP_VS_SVC_F.SCHED1, 'sh-port': IP_VS_SVC_F.SCHED2 },
  sed: {},
  nq: {},
  fo: {},
  ovf: {},
  mh: { 'mh-fallback': IP_VS_SVC_F.SCHED1, 'mh-port': IP_VS_SVC_F.SCHED2 },
  twos: {},
} as const satisfies Record<string, Record<string, number>>;

export type SchedulerName = keyof typeof SCHEDULERS;
export type SchedulerFlagName = 'sh-fallback' | 'sh-port' | 'mh-fallback' | 'mh-port';
